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

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/status.h"
#include "projection/projection_internal.h"
#include "store/store.h"

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

// Households as they were at snapshot `size`: each its "h" entry with the
// largest size <= `size`. Holds its own iterator: one per thread.
class SnapshotHouseholds {
 public:
  // `sizes`: every snapshot size, ascending (for GetManyAfterEvent; may be
  // empty). `store` must outlive this.
  SnapshotHouseholds(const Store& store, uint64_t size, std::vector<uint64_t> sizes = {});
  // The household's entry, nullopt if it has none (a SeekForPrev, which
  // visits every level of the column family).
  StatusOr<std::optional<std::string>> Get(std::string_view code);
  // The same for households whose latest event before `size` is known
  // (`last_seq`): each one's entry is the one of the first snapshot after
  // that event, so one batched point lookup (a bloom-filtered RocksDB
  // MultiGet) finds them all instead of a SeekForPrev each. Falls back to
  // Get() for an entry that is missing. out[i] is wanted[i]'s.
  struct AfterEvent {
    std::string_view code;
    uint64_t last_seq = 0;
  };
  StatusOr<std::vector<std::optional<std::string>>> GetManyAfterEvent(const std::vector<AfterEvent>& wanted);

 private:
  // The snapshot whose entry holds a household last changed by `last_seq`.
  std::optional<uint64_t> SnapshotAfter(uint64_t last_seq) const;

  const Store& store_;
  const uint64_t size_;
  const std::vector<uint64_t> sizes_;
  std::unique_ptr<rocksdb::Iterator> iter_;
};

// Points `core` at snapshot `info`: its areas and position; households load
// lazily from the snapshot. `store` must outlive `core`.
Status StartFromSnapshot(const Store& store, const SnapshotInfo& info, Core* core);
// Points `core` at the `projection` column family as of `snapshot` (a
// RocksDB snapshot the caller keeps alive as long as `core` loads).
Status StartFromStored(const Store& store, const rocksdb::Snapshot* snapshot, Core* core);

}  // namespace ledger::projection
