#include "replay/moment.h"

#include <fmt/format.h>

#include "ledger/projection.h"
#include "ledger/reasons.h"

namespace ledger::replay {

void AddMomentOptions(CLI::App* cmd, MomentOptions* options, bool with_seq) {
  CLI::Option* as_of =
      cmd->add_option("--as-of", options->as_of,
                      "The ledger as it stood at the end of this day (YYYY-MM-DD in --calendar's years, "
                      "Asia/Bangkok, by recording time); default: every event")
          ->type_name("DATE");
  CLI::Option* fy = cmd->add_option("--fy", options->fy,
                                    "As of the cut-off (30 September) of this fiscal year: 2565 (BE) or 2022 (CE)")
                        ->type_name("YEAR");
  as_of->excludes(fy);
  if (with_seq) {
    CLI::Option* seq = cmd->add_option("--seq", options->seq, "As of just after event N (N included)")
                           ->type_name("N")
                           ->check(CLI::NonNegativeNumber);
    seq->excludes(as_of)->excludes(fy);
  }
}

std::string Thousands(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

std::string Moment::Describe(Calendar calendar, tools::Language language) const {
  if (language == tools::Language::kThai) {
    const std::string events = fmt::format("{} รายการ", Thousands(size));
    if (date) return fmt::format("ณ วันที่ {} ({})", FormatDate(*date, Calendar::kBe), events);
    if (seq) return fmt::format("ณ ลำดับที่ {} ({})", *seq, events);
    return fmt::format("ณ ปัจจุบัน ({})", events);
  }
  std::string events = fmt::format("{} event{}", Thousands(size), size == 1 ? "" : "s");
  if (date) return fmt::format("as of {} ({})", FormatDate(*date, calendar), events);
  if (seq) return fmt::format("as of seq {} ({})", *seq, events);
  return fmt::format("as of now ({})", events);
}

StatusOr<Moment> ResolveMoment(const Ledger& ledger, const Globals& globals, const MomentOptions& options) {
  Moment m;
  const uint64_t size = ledger.Size();
  if (options.seq) {
    if (*options.seq >= size) {
      return OutOfRangeError(fmt::format("--seq {}: the store has {} events (seqs 0..{})", *options.seq, size,
                                         size == 0 ? 0 : size - 1),
                             reason::kSeqOutOfRange);
    }
    m.seq = options.seq;
    m.size = *options.seq + 1;
    return m;
  }
  if (!options.fy.empty()) {
    ASSIGN_OR_RETURN(FiscalYear fy, ParseFiscalYear(options.fy));
    m.date = fy.last;
  } else if (!options.as_of.empty()) {
    ASSIGN_OR_RETURN(m.date, ParseDate(options.as_of, globals.calendar()));
  }
  if (!m.date) {
    m.size = size;
    return m;
  }
  ASSIGN_OR_RETURN(m.size, SizeAtTime(ledger, BangkokEndOfDayNs(*m.date)));
  return m;
}

}  // namespace ledger::replay
