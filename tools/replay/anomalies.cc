// ledger-replay anomalies: the inspector's list (ledger/anomalies.h) as of a
// moment, each finding with the seqs and leaf hashes of its events.
//
//   text  a count per type, then one block per finding
//   json  {"events", "as_of", "options": {...}, "counts": {type: n},
//          "findings": [{"type", "household", "agency", "officer", "date",
//                        "description", "events": [{"seq", "leaf_hash", "role"}]}]}
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>

#include "common/progress.h"
#include "ledger/anomalies.h"
#include "ledger/bytes.h"
#include "replay/moment.h"
#include "replay/replay.h"

namespace ledger::replay {
namespace {

struct AnomaliesOptions {
  MomentOptions when;
  AnomalyOptions thresholds;
  std::vector<std::string> types;
  bool json = false;
};

int RunAnomalies(const Globals& globals, const AnomaliesOptions& o) {
  auto ledger = OpenStore(globals);
  if (!ledger.ok()) return Fail(ledger.status());
  auto moment = ResolveMoment(**ledger, globals, o.when);
  if (!moment.ok()) return ArgumentOrFail(moment.status());
  const Calendar cal = globals.calendar();

  tools::ProgressBar bar("scan", moment->size);
  auto found = FindAnomalies(**ledger, moment->size, o.thresholds, [&bar](uint64_t done, uint64_t) { bar.Update(done); });
  bar.Finish();
  if (!found.ok()) return Fail(found.status());
  std::vector<Anomaly>& all = *found;
  if (!o.types.empty()) {
    std::erase_if(all, [&](const Anomaly& a) {
      return std::find(o.types.begin(), o.types.end(), AnomalyTypeName(a.type)) == o.types.end();
    });
  }
  std::array<size_t, kAnomalyTypeCount> counts{};
  for (const Anomaly& a : all) ++counts[static_cast<size_t>(a.type)];

  std::string out;
  if (o.json) {
    const AnomalyOptions& t = o.thresholds;
    nlohmann::json j = {
        {"events", moment->size},
        {"as_of", moment->date ? nlohmann::json(FormatDate(*moment->date)) : nlohmann::json(nullptr)},
        {"options",
         {{"duplicate_window_days", t.duplicate_window_days},
          {"back_dating_days", t.back_dating_days},
          {"bulk_window_days", t.bulk_window_days},
          {"bulk_late_days", t.bulk_late_days},
          {"bulk_min_records", t.bulk_min_records},
          {"bulk_factor", t.bulk_factor},
          {"max_visits_per_day", t.max_visits_per_day},
          {"correction_grace_days", t.correction_grace_days}}},
    };
    nlohmann::json c = nlohmann::json::object();
    for (int i = 0; i < kAnomalyTypeCount; ++i) c[std::string(AnomalyTypeName(AnomalyType(i)))] = counts[i];
    j["counts"] = c;
    nlohmann::json findings = nlohmann::json::array();
    for (const Anomaly& a : all) {
      nlohmann::json events = nlohmann::json::array();
      for (const AnomalyEvent& e : a.events) {
        events.push_back({{"seq", e.seq}, {"leaf_hash", ToHex(e.leaf_hash)}, {"role", e.role}});
      }
      findings.push_back({{"type", AnomalyTypeName(a.type)},
                          {"household", a.household},
                          {"agency", a.agency},
                          {"officer", a.officer},
                          {"date", FormatDate(a.date)},
                          {"description", a.description},
                          {"events", std::move(events)}});
    }
    j["findings"] = std::move(findings);
    out = j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  } else {
    out = fmt::format("Anomalies {}: {} finding{}\n", moment->Describe(cal), all.size(), all.size() == 1 ? "" : "s");
    for (int i = 0; i < kAnomalyTypeCount; ++i) {
      if (counts[i]) out += fmt::format("  {:<28}{:>6}\n", AnomalyTypeName(AnomalyType(i)), counts[i]);
    }
    for (const Anomaly& a : all) {
      std::string who = a.household.empty() ? "" : "household " + a.household;
      if (!a.officer.empty()) who += fmt::format("{}officer {}/{}", who.empty() ? "" : ", ", a.agency, a.officer);
      out += fmt::format("\n{}  {}  {}\n  {}\n", AnomalyTypeName(a.type), FormatDate(a.date, cal), who, a.description);
      for (const AnomalyEvent& e : a.events) {
        out += fmt::format("    seq {:<10} {:<20} {}\n", e.seq, e.role, ToHex(e.leaf_hash));
      }
    }
  }
  return PrintResult(out);
}

}  // namespace

Subcommand AddAnomaliesCommand(CLI::App& app, const Globals& globals) {
  auto o = std::make_shared<AnomaliesOptions>();
  CLI::App* cmd = app.add_subcommand(
      "anomalies",
      "What inspectors look for (DOMAIN.md): duplicate help, help to households not targeted or\n"
      "after their exit, back-dating, bulk entry before the 30 September cut-off, level jumps,\n"
      "officers with implausible daily visits, corrections after the cut-off. Each finding cites\n"
      "its events by seq and leaf hash. ledger/include/ledger/anomalies.h defines each check.");
  AddMomentOptions(cmd, &o->when, /*with_seq=*/true);
  AnomalyOptions& t = o->thresholds;
  cmd->add_option("--type", o->types, "Only these types (repeatable)")
      ->check(CLI::IsMember([] {
        std::vector<std::string> names;
        for (int i = 0; i < kAnomalyTypeCount; ++i) names.emplace_back(AnomalyTypeName(AnomalyType(i)));
        return names;
      }()));
  cmd->add_option("--duplicate-window-days", t.duplicate_window_days,
                  "Same menu item to the same household within this many days")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--back-dating-days", t.back_dating_days, "Recorded more than this many days after occurredAt")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--bulk-window-days", t.bulk_window_days, "Days before 30 September that count as the rush")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--bulk-late-days", t.bulk_late_days, "A record is a late entry when recorded this many days after it happened")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--bulk-min-records", t.bulk_min_records, "Late entries in the window to report an officer")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--bulk-factor", t.bulk_factor, "... and at least this many times the officer's usual rate")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-visits-per-day", t.max_visits_per_day, "Visits by one officer on one day above this")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--correction-grace-days", t.correction_grace_days,
                  "Days after 30 September a correction of that year is still on time")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", o->json, "JSON output");
  return {cmd, [o, &globals] { return RunAnomalies(globals, *o); }};
}

}  // namespace ledger::replay
