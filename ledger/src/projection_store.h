// Where projections live in RocksDB (docs/domain.md, docs/formats.md).
//
//   column family  key                               value
//   projection     "p/applied"                       size (8 BE) || maxRecordedAt (8 BE)
//                  "p/h/" house code                 household (Core::StoredHousehold)
//                  "p/a/" area code (2, 4, 6 digits) area (Core::StoredArea)
//                  "reg/..."                         the key registry (registry.h)
//   snapshots      "m" size (8 BE)                   SnapshotInfo (canonical capnp)
//                  "a" size (8 BE)                   every area at that size (Core::StoredAreaSet)
//                  "h" house code 0x00 size (8 BE)   the household at that size; written for the
//                                                    households changed since the snapshot before
//
// The `projection` entries are rewritten in the WriteBatch of every group
// commit for what that commit changed, with "p/applied" naming the events
// they reflect. Snapshot entries are written once and never change: a
// household as of snapshot S is its "h" entry with the largest size <= S.
//
// Internal to the ledger library.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ledger/status.h"
#include "projection_internal.h"
#include "store.h"

namespace ledger::projection {

inline constexpr std::string_view kAppliedKey = "p/applied";
inline constexpr std::string_view kHouseholdPrefix = "p/h/";
inline constexpr std::string_view kAreaPrefix = "p/a/";

std::string HouseholdKey(std::string_view code);
std::string AreaKey(uint32_t code);
std::string EncodeApplied(uint64_t applied, int64_t max_recorded_at);

struct SnapshotInfo {
  uint64_t size = 0;
  int64_t max_recorded_at = 0;
  uint64_t previous_size = 0;
  uint64_t households = 0;
};

std::string SnapshotInfoKey(uint64_t size);
std::string SnapshotAreasKey(uint64_t size);
std::string SnapshotHouseholdKey(std::string_view code, uint64_t size);
std::string EncodeSnapshotInfo(const SnapshotInfo& info);

// "p/applied" under `snapshot` (nullptr: latest): (applied, maxRecordedAt),
// (0, 0) when absent.
StatusOr<std::pair<uint64_t, int64_t>> ReadApplied(const Store& store, const rocksdb::Snapshot* snapshot);

// The latest snapshot whose size is <= `size`, or nullopt.
StatusOr<std::optional<SnapshotInfo>> SnapshotAtOrBefore(const Store& store, uint64_t size);
// Every snapshot, ascending by size.
StatusOr<std::vector<SnapshotInfo>> AllSnapshots(const Store& store);

// Points `core` at snapshot `info`: its areas and position; households load
// lazily from the snapshot. `store` must outlive `core`.
Status StartFromSnapshot(const Store& store, const SnapshotInfo& info, Core* core);
// Points `core` at the `projection` column family as of `snapshot` (a
// RocksDB snapshot the caller keeps alive as long as `core` loads).
Status StartFromStored(const Store& store, const rocksdb::Snapshot* snapshot, Core* core);

}  // namespace ledger::projection
