#include "projection_cache.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "ledger/projection_json.h"
#include "ledger/reasons.h"

namespace ledger::net {

using nlohmann::json;

Status ProjectionCache::CatchUpLocked() {
  const uint64_t size = ledger_.Size();
  // Every household the fold touches stays in the projector's memory; past
  // kRebuildAfter events folded since it was built, start again from the
  // nearest snapshot, so memory follows the snapshot interval, not how
  // much was appended since the server started.
  if (projector_ && size - built_at_ > kRebuildAfter) projector_.reset();
  if (!projector_) {
    ASSIGN_OR_RETURN(Projector p, ProjectionAt(ledger_, size));
    projector_.emplace(std::move(p));
    built_at_ = size;
    return OkStatus();
  }
  // One iterator over the new events (not a Get per event).
  return ledger_.ForEachEvent(projector_->applied(), size,
                              [&](uint64_t, std::string_view leaf) { return projector_->Apply(leaf); });
}

StatusOr<std::string> ProjectionCache::HouseholdJson(const std::string& house_code) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(CatchUpLocked());
  ASSIGN_OR_RETURN(std::optional<HouseholdStatus> h, projector_->Household(house_code));
  if (!h) return NotFoundError(fmt::format("household {} has no events", house_code), reason::kUnknownHousehold);
  json j = HouseholdStatusJson(*h);
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
                                reason::kBadReport);
  }
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(CatchUpLocked());
  json out = json::array();
  for (const AreaProgress& a : projector_->Areas(level)) {
    if (a.code.rfind(area, 0) == 0) out.push_back(AreaProgressJson(a));
  }
  return out.dump();
}

}  // namespace ledger::net
