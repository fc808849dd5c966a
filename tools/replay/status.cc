// ledger-replay status HOUSE: one household as the ledger knew it at a
// moment -- its status (projection.h HouseholdStatus) and its timeline,
// every event with agency, officer, seq and leaf hash, and whether a later
// correction (up to that moment) voided or replaced it. Menu items are
// named where the programme's menu (seed/menu.h) knows them; with --lang th
// the timeline names event kinds in Thai (event.h EventKindNameTh).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/progress.h"
#include "ledger/bytes.h"
#include "ledger/event.h"
#include "ledger/event_names_th.h"
#include "ledger/event_json.h"
#include "ledger/projection.h"
#include "ledger/projection_json.h"
#include "ledger/reasons.h"
#include "replay/area_rows.h"
#include "replay/moment.h"
#include "replay/replay.h"
#include "replay/text_table.h"
#include "seed/menu.h"

namespace ledger::replay {
namespace {

using nlohmann::json;

struct StatusOptions {
  std::string house;
  std::string lang = "en";
  MomentOptions when;
  bool json = false;
};

json StatusJson(const HouseholdStatus& h, const tools::AdminAreas& names) {
  json j = HouseholdStatusJson(h);
  j["subdistrict_name_th"] = AreaName(names, h.subdistrict, tools::Language::kThai);
  j["subdistrict_name_en"] = AreaName(names, h.subdistrict, tools::Language::kEnglish);
  return j;
}

bool IsHashList(const json& v) {
  return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& e) {
           return e.is_string() && e.get<std::string>().size() == 64;
         });
}

// "H-01 ถุงยังชีพ" / "H-01 food kit"; the code alone when the menu does not know it.
std::string MenuItemText(const std::string& code, bool thai) {
  const seed::MenuItem* item = seed::FindMenuItem(code);
  return item == nullptr ? code : fmt::format("{} {}", code, seed::MenuItemName(*item, thai));
}

// The payload fields of an export object, compactly: "purpose=follow-up
// value_satang=50000". Lists of hashes become counts, long values are cut
// (at a UTF-8 boundary), empty values left out; a menu item is named.
std::string Details(const json& event, bool thai) {
  static const std::set<std::string> kEnvelope = {
      "seq",       "kind",           "household",   "agency",         "officer",   "occurred_at",
      "occurred_time", "recorded_at", "recorded_at_ns", "leaf_hash", "prev_hash", "household_prev_seq",
      "household_prev_hash", "idempotency_key", "signature", "state", "corrected_by", "house_code"};
  constexpr size_t kMax = 48;
  std::vector<std::string> parts;
  for (const auto& [key, value] : event.items()) {
    if (kEnvelope.count(key) || value.is_null() || (value.is_string() && value.get<std::string>().empty()) ||
        (value.is_array() && value.empty())) {
      continue;
    }
    std::string text = IsHashList(value)    ? fmt::format("{} hash{}", value.size(), value.size() == 1 ? "" : "es")
                       : key == "menu_item" && value.is_string() ? MenuItemText(value.get<std::string>(), thai)
                       : value.is_string() ? value.get<std::string>()
                                           : value.dump(-1, ' ', false, json::error_handler_t::replace);
    if (text.size() > kMax) {
      size_t cut = kMax - 3;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
      text = text.substr(0, cut) + "...";
    }
    parts.push_back(key + "=" + text);
  }
  return fmt::format("{}", fmt::join(parts, " "));
}

// "2565-03-15 10:04" (Asia/Bangkok).
std::string RecordedText(int64_t ns, Calendar calendar) {
  const CivilDate d = BangkokDate(ns);
  const int64_t day_start = BangkokEndOfDayNs(d) + 1 - int64_t{86'400'000'000'000};
  const int64_t minute = (ns - day_start) / 60'000'000'000;
  return fmt::format("{} {:02}:{:02}", FormatDate(d, calendar), minute / 60, minute % 60);
}

int RunStatus(const Globals& globals, const StatusOptions& o) {
  if (o.house.size() != 11 || o.house.find_first_not_of("0123456789") != std::string::npos) {
    return UsageError(fmt::format("household '{}': expected an 11-digit house code", o.house));
  }
  auto ledger = OpenStore(globals);
  if (!ledger.ok()) return Fail(ledger.status());
  const Ledger& l = **ledger;
  auto moment = ResolveMoment(l, globals, o.when);
  if (!moment.ok()) return ArgumentOrFail(moment.status());
  const Calendar cal = globals.calendar();

  tools::ProgressBar bar("replay", moment->size);
  ProjectionOptions po;
  po.progress = [&bar](uint64_t done, uint64_t) { bar.Update(done); };
  auto projector = ProjectionAt(l, moment->size, po);
  bar.Finish();
  if (!projector.ok()) return Fail(projector.status());
  auto found = projector->Household(o.house);
  if (!found.ok()) return Fail(found.status());
  if (!found->has_value()) {
    return Fail(NotFoundError(
        fmt::format("household {} has no events {}", o.house, moment->Describe(cal)), reason::kUnknownHousehold));
  }
  const HouseholdStatus& h = **found;

  // The timeline: the household's events up to the moment, each marked
  // with the latest correction of it up to the moment.
  std::map<uint64_t, const CorrectionView*> corrected;
  for (const CorrectionView& c : h.corrections) corrected[c.corrected_seq] = &c;
  auto seqs = l.HouseholdSeqs(o.house);
  if (!seqs.ok()) return Fail(seqs.status());
  json timeline = json::array();
  for (uint64_t seq : *seqs) {
    if (seq >= moment->size) break;
    auto leaf = l.LeafBytes(seq);
    if (!leaf.ok()) return Fail(leaf.status());
    auto event = EventToJson(*leaf);
    if (!event.ok()) return Fail(event.status());
    auto c = corrected.find(seq);
    (*event)["state"] = c == corrected.end() ? "original" : c->second->is_void ? "voided" : "replaced";
    (*event)["corrected_by"] = c == corrected.end() ? json(nullptr) : json(c->second->seq);
    timeline.push_back(std::move(*event));
  }

  const tools::AdminAreas& names = AreaNames(globals);
  const tools::Language lang = LanguageOf(o.lang);
  std::string out;
  if (o.json) {
    json j = {{"household", o.house},
              {"as_of", moment->date ? json(FormatDate(*moment->date)) : json(nullptr)},
              {"as_of_seq", moment->seq ? json(*moment->seq) : json(nullptr)},
              {"events_in_ledger", moment->size},
              {"status", StatusJson(h, names)},
              {"timeline", timeline}};
    out = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    return PrintResult(out);
  }

  auto yes_no = [](bool b) { return b ? "yes" : "no"; };
  out += fmt::format("Household {} {}\n\n", o.house, moment->Describe(cal));
  if (!h.subdistrict.empty()) {
    out += fmt::format("  area        {} {}, {} {}, {} {}\n", h.subdistrict, AreaName(names, h.subdistrict, lang),
                       h.district, AreaName(names, h.district, lang), h.province, AreaName(names, h.province, lang));
  }
  std::vector<std::string> years;
  for (const TargetingRecord& t : h.targetings) {
    years.push_back(fmt::format("{} {} (seq {}{})", t.survey_year, TargetSourceName(t.source), t.seq,
                                t.state == RecordState::kVoided ? ", voided" : ""));
  }
  out += fmt::format("  targeted    {}{}{}\n", yes_no(h.targeted), years.empty() ? "" : ": ", fmt::join(years, "; "));
  out += fmt::format("  level       {}\n",
                     h.level ? fmt::format("{} since {} (seq {})", LevelName(*h.level), FormatDate(h.level_reached, cal),
                                           h.level_seq)
                             : std::string("not assessed"));
  out += fmt::format("  indicators  failing {}; resolved {}\n", h.failing.empty() ? "none" : fmt::format("{}", fmt::join(h.failing, ", ")),
                     h.resolved.empty() ? "none" : fmt::format("{}", fmt::join(h.resolved, ", ")));
  out += fmt::format("  mentors     {}\n", h.mentors.empty() ? "none" : fmt::format("{}", fmt::join(h.mentors, ", ")));
  size_t done = 0, overdue = 0, voided = 0;
  const CivilDate today = moment->date.value_or(BangkokDate(projector->max_recorded_at_ns()));
  for (const PlanActionView& a : h.plan) {
    done += a.done;
    overdue += a.OverdueOn(today);
    voided += a.voided;
  }
  out += fmt::format("  plan        {} action{}: {} done, {} overdue{}\n", h.plan.size() - voided,
                     h.plan.size() - voided == 1 ? "" : "s", done, overdue,
                     voided ? fmt::format(" ({} voided)", voided) : "");
  std::vector<std::string> dims;
  for (Dimension d : kDimensions) {
    const MoneyTotal& m = h.help_by_dimension[int(d)];
    if (m.count) dims.push_back(fmt::format("{} {}", DimensionName(d), Baht(m.satang)));
  }
  out += fmt::format("  help        {} record{}, {} THB{}\n", h.help_total.count, h.help_total.count == 1 ? "" : "s", Baht(h.help_total.satang),
                     dims.empty() ? "" : fmt::format(" ({})", fmt::join(dims, ", ")));
  out += fmt::format("  visits      {}{}\n", h.visits,
                     h.last_visit_seq ? fmt::format(", last {} (seq {})", FormatDate(h.last_visit, cal), *h.last_visit_seq)
                                      : "");
  out += fmt::format("  exited      {}\n", h.exited ? fmt::format("yes, {} (seq {})", ExitReasonName(h.exit_reason), h.exit_seq)
                                                    : "no");
  out += fmt::format("  latest      seq {}, leaf hash {}\n\n", h.latest_seq, ToHex(h.latest_hash));

  const bool thai = lang == tools::Language::kThai;
  TextTable t(thai ? std::vector<TextTable::Column>{{"ลำดับ", true},
                                                   {"วันที่เกิด"},
                                                   {"บันทึกเมื่อ (เวลาไทย)"},
                                                   {"รายการ"},
                                                   {"หน่วยงาน/เจ้าหน้าที่"},
                                                   {"แฮช"},
                                                   {"สถานะ"},
                                                   {"รายละเอียด"}}
                   : std::vector<TextTable::Column>{{"Seq", true},
                                                   {"Occurred"},
                                                   {"Recorded (Bangkok)"},
                                                   {"Kind"},
                                                   {"Agency/officer"},
                                                   {"Leaf hash"},
                                                   {"State"},
                                                   {"Details"}});
  for (const json& e : timeline) {
    auto occurred = ParseDate(e["occurred_at"].get<std::string>(), Calendar::kCe);
    std::string state = e["state"].get<std::string>();
    if (thai) state = state == "voided" ? "ยกเลิก" : state == "replaced" ? "แทนที่" : "ต้นฉบับ";
    if (!e["corrected_by"].is_null()) {
      state += fmt::format(fmt::runtime(thai ? " โดย {}" : " by {}"), e["corrected_by"].get<uint64_t>());
    }
    const std::string kind = e["kind"].get<std::string>();
    const std::optional<EventKind> k = EventKindFromName(kind);
    std::string who = e["agency"].get<std::string>() + "/" +
                      (e["officer"].get<std::string>().empty() ? "(operator)" : e["officer"].get<std::string>());
    t.AddRow({std::to_string(e["seq"].get<uint64_t>()),
              occurred.ok() ? FormatDate(*occurred, cal) : e["occurred_at"].get<std::string>(),
              RecordedText(e["recorded_at_ns"].get<int64_t>(), cal),
              thai && k ? std::string(EventKindNameTh(*k)) : kind, who, e["leaf_hash"].get<std::string>().substr(0, 16),
              state, Details(e, thai)});
  }
  out += t.Render();
  return PrintResult(out);
}

}  // namespace

Subcommand AddStatusCommand(CLI::App& app, const Globals& globals) {
  auto o = std::make_shared<StatusOptions>();
  CLI::App* cmd = app.add_subcommand(
      "status",
      "One household at a moment: targeting, level, indicators, mentors, plan, help by dimension,\n"
      "visits, exit; then its timeline, every event with agency, officer, seq and leaf hash, and\n"
      "whether a correction recorded by then voided or replaced it.");
  cmd->add_option("house", o->house, "House code (11 digits)")->required()->type_name("HOUSE");
  cmd->add_option("--lang", o->lang, "Area names, and the timeline's headers, kinds and menu items, in th or en (default en)")
      ->check(CLI::IsMember({"th", "en"}));
  cmd->add_flag("--json", o->json, "JSON: {household, as_of, events_in_ledger, status, timeline: [export objects]}");
  AddMomentOptions(cmd, &o->when, /*with_seq=*/true);
  return {cmd, [o, &globals] { return RunStatus(globals, *o); }};
}

}  // namespace ledger::replay
