// The moment a subcommand looks at the ledger: --as-of DATE (the end of that
// day in Asia/Bangkok, by recordedAt), --seq N (just after event N), or
// --fy YEAR (the fiscal year's 30 September cut-off); none of them means
// every event in the store.
//
//   MomentOptions when;
//   AddMomentOptions(cmd, &when, /*with_seq=*/true);
//   ...
//   ASSIGN_OR_RETURN(Moment m, ResolveMoment(ledger, globals, when));
//   ASSIGN_OR_RETURN(Projector p, ProjectionAt(ledger, m.size));
//   fmt::print("{}\n", m.Describe(globals.calendar()));   // "as of 2565-09-30 (1,234 events)"
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>

#include "ledger/calendar.h"
#include "ledger/ledger.h"
#include "replay/replay.h"

namespace ledger::replay {

struct MomentOptions {
  std::string as_of;              // a date in --calendar's years
  std::optional<uint64_t> seq;    // inclusive
  std::string fy;                 // a fiscal year (calendar.h ParseFiscalYear)
};

// --as-of, --fy and (when `with_seq`) --seq, mutually exclusive.
void AddMomentOptions(CLI::App* cmd, MomentOptions* options, bool with_seq);

struct Moment {
  uint64_t size = 0;                 // the events [0, size) are the ledger at that moment
  std::optional<CivilDate> date;     // the as-of date, when given by a date or fiscal year
  std::optional<uint64_t> seq;       // when given by --seq
  // "as of 2022-09-30 (1,234 events)", "as of seq 41 (42 events)",
  // "as of now (1,234 events)"; in Thai "ณ วันที่ 2565-09-30 (1,234 รายการ)"
  // (dates in BE), "ณ ลำดับที่ 41 (42 รายการ)", "ณ ปัจจุบัน (1,234 รายการ)".
  std::string Describe(Calendar calendar, tools::Language language = tools::Language::kEnglish) const;
};

// Errors: InvalidArgument (BAD_DATE, BAD_FISCAL_YEAR), OutOfRange
// (SEQ_OUT_OF_RANGE) for a seq beyond the store, and the store's errors.
StatusOr<Moment> ResolveMoment(const Ledger& ledger, const Globals& globals, const MomentOptions& options);

// 1234567 -> "1,234,567".
std::string Thousands(uint64_t n);

}  // namespace ledger::replay
