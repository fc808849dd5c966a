#include "replay/sampler.h"
#include "ledger/reasons.h"

#include <fmt/format.h>

namespace ledger::replay {

void AddPeriodOptions(CLI::App* cmd, PeriodOptions* options, const std::string& default_every) {
  options->every = default_every;
  cmd->add_option("--every", options->every, fmt::format("One point per day, week or month (default {})", default_every))
      ->check(CLI::IsMember({"day", "week", "month"}));
  CLI::Option* from =
      cmd->add_option("--from", options->from, "First day (YYYY-MM-DD in --calendar's years)")->type_name("DATE");
  CLI::Option* to =
      cmd->add_option("--to", options->to, "Last day (default: the day of the latest event)")->type_name("DATE");
  cmd->add_option("--fy", options->fy, "The fiscal year 1 Oct .. 30 Sep: 2565 (BE) or 2022 (CE)")
      ->type_name("YEAR")
      ->excludes(from)
      ->excludes(to);
}

std::string PeriodName(const std::string& every, tools::Language language) {
  if (language == tools::Language::kEnglish) return "every " + every;
  return every == "month" ? "รายเดือน" : every == "week" ? "รายสัปดาห์" : "รายวัน";
}

std::vector<CivilDate> PeriodEnds(const CivilDate& from, const CivilDate& to, const std::string& every) {
  std::vector<CivilDate> ends;
  if (to < from) return ends;
  CivilDate end = every == "month" ? EndOfMonth(from) : every == "week" ? AddDays(from, 6) : from;
  while (end < to) {
    ends.push_back(end);
    end = every == "month" ? EndOfMonth(AddDays(end, 1)) : AddDays(end, every == "week" ? 7 : 1);
  }
  ends.push_back(to);
  return ends;
}

StatusOr<std::vector<SamplePoint>> ResolvePeriod(const Ledger& ledger, const Globals& globals,
                                                 const PeriodOptions& options) {
  CivilDate from, to;
  if (!options.fy.empty()) {
    ASSIGN_OR_RETURN(FiscalYear fy, ParseFiscalYear(options.fy));
    from = fy.first;
    to = fy.last;
  } else {
    if (options.from.empty()) return InvalidArgumentError("give --from DATE (or --fy YEAR)", reason::kBadPeriod);
    ASSIGN_OR_RETURN(from, ParseDate(options.from, globals.calendar()));
    if (!options.to.empty()) {
      ASSIGN_OR_RETURN(to, ParseDate(options.to, globals.calendar()));
    } else if (ledger.Size() > 0) {
      ASSIGN_OR_RETURN(std::string last, ledger.LeafBytes(ledger.Size() - 1));
      ASSIGN_OR_RETURN(EventInfo e, DecodeEvent(last));
      to = BangkokDate(e.recorded_at_ns);
    } else {
      to = from;
    }
    if (to < from) {
      return InvalidArgumentError(fmt::format("--from {} is after --to {}", FormatDate(from, globals.calendar()),
                                              FormatDate(to, globals.calendar())),
                                  reason::kBadPeriod);
    }
  }
  std::vector<SamplePoint> points;
  uint64_t previous = 0;
  for (const CivilDate& d : PeriodEnds(from, to, options.every)) {
    ASSIGN_OR_RETURN(uint64_t size, SizeAtTime(ledger, BangkokEndOfDayNs(d)));
    previous = std::max(previous, size);
    points.push_back({d, previous});
  }
  return points;
}

Status FoldThrough(const Ledger& ledger, const std::vector<SamplePoint>& points, const ProjectionOptions& options,
                   const std::function<Status(size_t, const Projector&)>& visit) {
  if (points.empty()) return OkStatus();
  const uint64_t total = points.back().size;
  ProjectionOptions first = options;
  if (options.progress) first.progress = [&](uint64_t done, uint64_t) { options.progress(done, total); };
  ASSIGN_OR_RETURN(Projector p, ProjectionAt(ledger, points.front().size, first));
  for (size_t i = 0; i < points.size(); ++i) {
    if (points[i].size < p.applied()) {
      return InvalidArgumentError(fmt::format("sample point {} has fewer events than the one before", i),
                                  reason::kBadPeriod);
    }
    RETURN_IF_ERROR(ledger.ForEachEvent(p.applied(), points[i].size, [&](uint64_t seq, std::string_view leaf) {
      if (options.progress && (seq & 0xfff) == 0) options.progress(seq, total);
      return p.Apply(leaf);
    }));
    RETURN_IF_ERROR(visit(i, p));
  }
  if (options.progress) options.progress(total, total);
  return OkStatus();
}

}  // namespace ledger::replay
