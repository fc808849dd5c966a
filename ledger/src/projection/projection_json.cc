#include "ledger/projection_json.h"

#include <numeric>

#include "ledger/domain_types.h"

namespace ledger {
namespace {

using nlohmann::json;

json Money(const MoneyTotal& m) { return {{"count", m.count}, {"value_satang", m.satang}}; }

json ByDimension(const std::array<MoneyTotal, kDimensionCount>& totals) {
  json j = json::object();
  for (Dimension d : kDimensions) j[std::string(DimensionName(d))] = Money(totals[static_cast<int>(d)]);
  return j;
}

template <typename T>
json OrNull(bool present, const T& value) {
  return present ? json(value) : json(nullptr);
}

}  // namespace

std::string_view RecordStateName(RecordState s) {
  return s == RecordState::kVoided ? "voided" : s == RecordState::kReplaced ? "replaced" : "original";
}

json HouseholdStatusJson(const HouseholdStatus& h) {
  json targetings = json::array();
  for (const TargetingRecord& t : h.targetings) {
    targetings.push_back({{"seq", t.seq},
                          {"agency", t.agency},
                          {"occurred_at", FormatDate(t.occurred)},
                          {"survey_year", t.survey_year},
                          {"source", TargetSourceName(t.source)},
                          {"subdistrict", t.subdistrict},
                          {"village", t.village},
                          {"failing", t.failing},
                          {"members", t.members},
                          {"state", RecordStateName(t.state)}});
  }
  json plan = json::array();
  for (const PlanActionView& a : h.plan) {
    plan.push_back({{"plan_seq", a.plan_seq},
                    {"index", a.index},
                    {"dimension", DimensionName(a.dimension)},
                    {"indicator", a.indicator},
                    {"menu_item", a.menu_item},
                    {"responsible_agency", a.responsible_agency},
                    {"target_level", LevelName(a.target_level)},
                    {"due", FormatDate(a.due)},
                    {"voided", a.voided},
                    {"done", a.done},
                    {"done_seq", OrNull(a.done, a.done_seq)}});
  }
  json help = json::array();
  for (const HelpRecord& r : h.help) {
    help.push_back({{"seq", r.seq},
                    {"agency", r.agency},
                    {"officer", r.officer},
                    {"occurred_at", FormatDate(r.occurred)},
                    {"dimension", DimensionName(r.dimension)},
                    {"indicator", r.indicator},
                    {"menu_item", r.menu_item},
                    {"quantity", r.quantity},
                    {"value_satang", r.value_satang},
                    {"plan_action", r.plan_action},
                    {"state", RecordStateName(r.state)},
                    {"corrected_by", OrNull(r.corrected_by != 0, r.corrected_by)}});
  }
  json by_agency = json::object();
  for (const auto& [agency, dims] : h.help_by_agency) by_agency[agency] = ByDimension(dims);
  json corrections = json::array();
  for (const CorrectionView& c : h.corrections) {
    corrections.push_back({{"seq", c.seq}, {"corrected_seq", c.corrected_seq}, {"void", c.is_void}});
  }
  return {
      {"house_code", h.house_code},
      {"targeted", h.targeted},
      {"province", h.province},
      {"district", h.district},
      {"subdistrict", h.subdistrict},
      {"village", h.village},
      {"targetings", std::move(targetings)},
      {"failing", h.failing},
      {"resolved", h.resolved},
      {"level", h.level ? json(LevelName(*h.level)) : json(nullptr)},
      {"level_seq", OrNull(h.level.has_value(), h.level_seq)},
      {"level_reached", OrNull(h.level.has_value(), FormatDate(h.level_reached))},
      {"mentors", h.mentors},
      {"plan", std::move(plan)},
      {"help", std::move(help)},
      {"help_total", Money(h.help_total)},
      {"help_by_dimension", ByDimension(h.help_by_dimension)},
      {"help_by_agency", std::move(by_agency)},
      {"visits", h.visits},
      {"last_visit", OrNull(h.last_visit_seq.has_value(), FormatDate(h.last_visit))},
      {"last_visit_seq", h.last_visit_seq ? json(*h.last_visit_seq) : json(nullptr)},
      {"welfare_checks", h.welfare_checks},
      {"referrals", h.referrals},
      {"analyses", h.analyses},
      {"selections", h.selections},
      {"corrections", std::move(corrections)},
      {"exited", h.exited},
      {"exit_reason", h.exited ? json(ExitReasonName(h.exit_reason)) : json(nullptr)},
      {"exit_seq", OrNull(h.exited, h.exit_seq)},
      {"events", h.events},
      {"latest_seq", h.latest_seq},
      {"latest_hash", ToHex(h.latest_hash)},
  };
}

json AreaProgressJson(const AreaProgress& a) {
  MoneyTotal total;
  for (const MoneyTotal& m : a.help_by_dimension) {
    total.count += m.count;
    total.satang += m.satang;
  }
  json by_agency = json::object();
  for (const auto& [agency, dims] : a.help_by_agency) {
    MoneyTotal t;
    for (const MoneyTotal& m : dims) {
      t.count += m.count;
      t.satang += m.satang;
    }
    by_agency[agency] = Money(t);
  }
  const uint64_t assessed = std::accumulate(a.levels.begin(), a.levels.end(), uint64_t{0});
  return {
      {"code", a.code},
      {"targeted", a.targeted},
      {"with_mentor", a.with_mentor},
      {"with_plan", a.with_plan},
      {"helped", a.helped},
      {"exited", a.exited},
      {"survive", a.levels[static_cast<int>(Level::kSurvive)]},
      {"sufficient", a.levels[static_cast<int>(Level::kSufficient)]},
      {"sustainable", a.levels[static_cast<int>(Level::kSustainable)]},
      {"not_assessed", a.targeted - assessed},
      {"indicators_failing", a.indicators_failing},
      {"indicators_resolved", a.indicators_resolved},
      {"help_count", total.count},
      {"help_value_satang", total.satang},
      {"help_by_dimension", ByDimension(a.help_by_dimension)},
      {"help_by_agency", std::move(by_agency)},
  };
}

}  // namespace ledger
