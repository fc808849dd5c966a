// The household-status and area-progress projections (ledger/projection.h)
// as the server answers them: one Projector, built once from the nearest
// snapshot and then advanced with the events committed since the last
// query, so a query folds only what is new.
//
//   ProjectionCache cache(ledger);
//   ASSIGN_OR_RETURN(std::string json, cache.HouseholdJson("33010012345"));
//   ASSIGN_OR_RETURN(std::string report, cache.ReportJson("province", "33"));
//
// JSON shapes: docs/protocol.md "Household status" and "Report" (the report
// is the array of `ledger-replay report --json`, DESIGN.md §8).
//
// Thread-safe (one query at a time holds the projector).
#pragma once

#include <mutex>
#include <optional>
#include <string>

#include "ledger/ledger.h"
#include "ledger/projection.h"

namespace ledger::net {

class ProjectionCache {
 public:
  explicit ProjectionCache(const Ledger& ledger) : ledger_(ledger) {}

  // NotFound (UNKNOWN_HOUSEHOLD) when the household has no status.
  StatusOr<std::string> HouseholdJson(const std::string& house_code);
  // `by`: "province", "district" or "subdistrict"; `area`: a code prefix
  // filter ("" for all). InvalidArgument (BAD_REPORT) otherwise.
  StatusOr<std::string> ReportJson(const std::string& by, const std::string& area);

 private:
  // Brings the projector up to the ledger's current size.
  Status CatchUpLocked();

  static constexpr uint64_t kRebuildAfter = 100'000;

  const Ledger& ledger_;
  std::mutex mu_;
  std::optional<Projector> projector_;
  uint64_t built_at_ = 0;   // ledger size when projector_ was built
};

}  // namespace ledger::net
