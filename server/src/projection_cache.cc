#include "projection_cache.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ledger/domain_types.h"

namespace ledger::net {
namespace {

using nlohmann::json;

// Field names as `ledger-replay status --json`.
json Money(const MoneyTotal& m) { return {{"count", m.count}, {"value_satang", m.satang}}; }

json Date(const CivilDate& d) { return FormatDate(d); }

std::string_view StateName(RecordState s) {
  switch (s) {
    case RecordState::kOriginal:
      return "original";
    case RecordState::kReplaced:
      return "replaced";
    case RecordState::kVoided:
      return "voided";
  }
  return "unknown";
}

json ByDimension(const std::array<MoneyTotal, kDimensionCount>& totals) {
  json j = json::object();
  for (size_t d = 0; d < totals.size(); ++d) {
    j[std::string(DimensionName(static_cast<Dimension>(d)))] = Money(totals[d]);
  }
  return j;
}

json HouseholdToJson(const HouseholdStatus& h) {
  json j;
  j["house_code"] = h.house_code;
  j["targeted"] = h.targeted;
  j["province"] = h.province;
  j["district"] = h.district;
  j["subdistrict"] = h.subdistrict;
  j["village"] = h.village;
  j["failing"] = h.failing;
  j["resolved"] = h.resolved;
  j["level"] = h.level ? json(std::string(LevelName(*h.level))) : json(nullptr);
  if (h.level) {
    j["level_seq"] = h.level_seq;
    j["level_reached"] = Date(h.level_reached);
  }
  j["mentors"] = h.mentors;
  json plan = json::array();
  for (const PlanActionView& a : h.plan) {
    plan.push_back({{"plan_seq", a.plan_seq},
                    {"index", a.index},
                    {"dimension", DimensionName(a.dimension)},
                    {"indicator", a.indicator},
                    {"menu_item", a.menu_item},
                    {"responsible_agency", a.responsible_agency},
                    {"target_level", LevelName(a.target_level)},
                    {"due", Date(a.due)},
                    {"voided", a.voided},
                    {"done", a.done}});
  }
  j["plan"] = std::move(plan);
  json help = json::array();
  for (const HelpRecord& r : h.help) {
    help.push_back({{"seq", r.seq},
                    {"agency", r.agency},
                    {"officer", r.officer},
                    {"occurred_at", Date(r.occurred)},
                    {"dimension", DimensionName(r.dimension)},
                    {"indicator", r.indicator},
                    {"menu_item", r.menu_item},
                    {"quantity", r.quantity},
                    {"value_satang", r.value_satang},
                    {"state", StateName(r.state)}});
  }
  j["help"] = std::move(help);
  j["help_total"] = Money(h.help_total);
  j["help_by_dimension"] = ByDimension(h.help_by_dimension);
  j["visits"] = h.visits;
  if (h.last_visit_seq) j["last_visit"] = Date(h.last_visit);
  j["welfare_checks"] = h.welfare_checks;
  j["referrals"] = h.referrals;
  j["analyses"] = h.analyses;
  j["corrections"] = h.corrections.size();
  j["exited"] = h.exited;
  if (h.exited) j["exit_reason"] = ExitReasonName(h.exit_reason);
  j["events"] = h.events;
  j["latest_seq"] = h.latest_seq;
  j["latest_hash"] = ToHex(h.latest_hash);
  return j;
}

json AreaToJson(const AreaProgress& a) {
  json j;
  j["code"] = a.code;
  j["targeted"] = a.targeted;
  j["with_mentor"] = a.with_mentor;
  j["with_plan"] = a.with_plan;
  j["helped"] = a.helped;
  j["exited"] = a.exited;
  for (size_t l = 0; l < a.levels.size(); ++l) j[std::string(LevelName(static_cast<Level>(l)))] = a.levels[l];
  j["indicators_failing"] = a.indicators_failing;
  j["indicators_resolved"] = a.indicators_resolved;
  j["help_by_dimension"] = ByDimension(a.help_by_dimension);
  return j;
}

}  // namespace

Status ProjectionCache::CatchUpLocked() {
  const uint64_t size = ledger_.Size();
  if (!projector_) {
    ASSIGN_OR_RETURN(Projector p, ProjectionAt(ledger_, size));
    projector_.emplace(std::move(p));
    return OkStatus();
  }
  for (uint64_t seq = projector_->applied(); seq < size; ++seq) {
    ASSIGN_OR_RETURN(std::string leaf, ledger_.LeafBytes(seq));
    RETURN_IF_ERROR(projector_->Apply(leaf));
  }
  return OkStatus();
}

StatusOr<std::string> ProjectionCache::HouseholdJson(const std::string& house_code) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(CatchUpLocked());
  ASSIGN_OR_RETURN(std::optional<HouseholdStatus> h, projector_->Household(house_code));
  if (!h) return NotFoundError(fmt::format("household {} has no events", house_code), "UNKNOWN_HOUSEHOLD");
  json j = HouseholdToJson(*h);
  j["as_of_seq"] = projector_->applied();
  return j.dump();
}

StatusOr<std::string> ProjectionCache::ReportJson(const std::string& by, const std::string& area) {
  AreaLevel level;
  if (by == "province") {
    level = AreaLevel::kProvince;
  } else if (by == "district") {
    level = AreaLevel::kDistrict;
  } else if (by == "subdistrict") {
    level = AreaLevel::kSubdistrict;
  } else {
    return InvalidArgumentError(fmt::format("report.by: '{}' is not province, district or subdistrict", by),
                                "BAD_REPORT");
  }
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(CatchUpLocked());
  json out = json::array();
  for (const AreaProgress& a : projector_->Areas(level)) {
    if (a.code.rfind(area, 0) == 0) out.push_back(AreaToJson(a));
  }
  return out.dump();
}

}  // namespace ledger::net
