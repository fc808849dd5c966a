// Figures over time (series, chart): the ends of each week or month in a
// date range, the ledger's size at each (by recordedAt, Asia/Bangkok), and
// one forward fold that stops at each size -- the projection is built once
// (from the nearest snapshot before the first point) and carried forward,
// never replayed per point.
//
//   PeriodOptions period;                      // --every, --from, --to, --fy
//   AddPeriodOptions(cmd, &period);
//   ASSIGN_OR_RETURN(std::vector<SamplePoint> points, ResolvePeriod(ledger, globals, period));
//   RETURN_IF_ERROR(FoldThrough(ledger, points, {}, [&](size_t i, const Projector& p) {
//     use(points[i].date, p.Area("33"));
//     return OkStatus();
//   }));
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ledger/calendar.h"
#include "ledger/ledger.h"
#include "ledger/projection.h"
#include "replay/replay.h"

namespace ledger::replay {

struct PeriodOptions {
  std::string every = "month";   // day, week or month
  std::string from, to;          // dates in --calendar's years
  std::string fy;                // or a fiscal year
};
// "every month" / "รายเดือน" (and week, day), for titles.
std::string PeriodName(const std::string& every, tools::Language language);

// --every, --from, --to, --fy (which excludes --from and --to).
void AddPeriodOptions(CLI::App* cmd, PeriodOptions* options, const std::string& default_every);

// The last day of each period from `from` to `to`: each day; every 7th day
// counting from `from` (weeks start on `from`); or each month's end. The
// last period ends at `to` even when cut short. Empty when to < from.
std::vector<CivilDate> PeriodEnds(const CivilDate& from, const CivilDate& to, const std::string& every);

struct SamplePoint {
  CivilDate date;      // as of the end of this day
  uint64_t size = 0;   // events recorded by then
};

// The points of `options`: --fy gives 1 October .. 30 September; without
// --to, the day of the latest event. Errors: InvalidArgument (BAD_DATE,
// BAD_FISCAL_YEAR, BAD_PERIOD when --from is missing or after --to).
StatusOr<std::vector<SamplePoint>> ResolvePeriod(const Ledger& ledger, const Globals& globals,
                                                 const PeriodOptions& options);

// Folds the ledger forward once, calling `visit(i, projector)` when the
// first points[i].size events are folded (sizes must not decrease).
// `options` as for ProjectionAt (snapshots, progress over the whole fold).
Status FoldThrough(const Ledger& ledger, const std::vector<SamplePoint>& points, const ProjectionOptions& options,
                   const std::function<Status(size_t, const Projector&)>& visit);

}  // namespace ledger::replay
