// Projections for readers (projection.h): as of a size through the nearest
// snapshot, the writer's stored projection, and the size at a moment.
#include <fmt/format.h>

#include "ledger/merkle.h"
#include "ledger/projection.h"
#include "ledger_impl.h"
#include "projection_store.h"

namespace ledger {
namespace {

constexpr uint64_t kProgressEvery = 1 << 16;

// Leaf hashes of consecutive seqs from the level-0 Merkle tiles (one read
// per 256 events) instead of re-hashing every leaf.
class LeafHashes {
 public:
  explicit LeafHashes(Ledger::Impl& impl) : impl_(impl) {}
  StatusOr<Hash> Get(uint64_t seq, std::string_view leaf) {
    const uint64_t index = seq / merkle::kTileWidth;
    if (index != tile_index_) {
      ASSIGN_OR_RETURN(tile_, impl_.LoadTile({0, index}));
      tile_index_ = index;
    }
    const uint64_t pos = seq % merkle::kTileWidth;
    if (tile_ && pos < tile_->RowSize(0)) return tile_->Node(0, pos);
    return merkle::HashLeaf(AsBytes(leaf));
  }

 private:
  Ledger::Impl& impl_;
  uint64_t tile_index_ = ~uint64_t{0};
  std::optional<merkle::Tile> tile_;
};

Status Replay(const Ledger& ledger, uint64_t from, uint64_t to, projection::Core* core,
              const ProjectionOptions& options) {
  LeafHashes hashes(*ledger.impl());
  const uint64_t total = to - from;
  if (options.progress) options.progress(0, total);
  RETURN_IF_ERROR(ledger.ForEachEvent(from, to, [&](uint64_t seq, std::string_view leaf) -> Status {
    ASSIGN_OR_RETURN(Hash h, hashes.Get(seq, leaf));
    RETURN_IF_ERROR(core->ApplyLeaf(leaf, h));
    if (options.progress && (seq - from + 1) % kProgressEvery == 0) options.progress(seq - from + 1, total);
    return OkStatus();
  }));
  if (core->applied() != to) {
    return DataLossError(fmt::format("projection: folded {} events, expected {}", core->applied(), to),
                         "MISSING_EVENT");
  }
  if (options.progress) options.progress(total, total);
  return OkStatus();
}

StatusOr<int64_t> RecordedAtOf(std::string_view leaf) {
  int64_t recorded_at = 0;
  RETURN_IF_ERROR(projection::WithEnvelope(leaf, [&](schema::Envelope::Reader env) {
    recorded_at = env.getRecordedAt();
    return OkStatus();
  }));
  return recorded_at;
}

}  // namespace

StatusOr<Projector> ProjectionAt(const Ledger& ledger, uint64_t size, const ProjectionOptions& options) {
  if (size > ledger.Size()) {
    return OutOfRangeError(fmt::format("size {} > the ledger's {} events", size, ledger.Size()), "BEYOND_TREE");
  }
  const Store& store = *ledger.impl()->store;
  auto core = std::make_unique<projection::Core>();
  uint64_t start = 0;
  if (options.use_snapshots) {
    ASSIGN_OR_RETURN(auto snapshot, projection::SnapshotAtOrBefore(store, size));
    if (snapshot) {
      RETURN_IF_ERROR(projection::StartFromSnapshot(store, *snapshot, core.get()));
      start = snapshot->size;
    }
  }
  RETURN_IF_ERROR(Replay(ledger, start, size, core.get(), options));
  return Projector(std::move(core));
}

StatusOr<Projector> StoredProjection(const Ledger& ledger) {
  const Store& store = *ledger.impl()->store;
  std::shared_ptr<const rocksdb::Snapshot> snapshot(
      store.db()->GetSnapshot(), [db = store.db()](const rocksdb::Snapshot* s) { db->ReleaseSnapshot(s); });
  auto core = std::make_unique<projection::Core>();
  RETURN_IF_ERROR(projection::StartFromStored(store, snapshot.get(), core.get()));
  RETURN_IF_ERROR(core->LoadAll());
  core->SetLoader(nullptr, nullptr);   // everything is in memory; the snapshot may go
  return Projector(std::move(core));
}

StatusOr<uint64_t> SizeAtTime(const Ledger& ledger, int64_t ns) {
  const uint64_t size = ledger.Size();
  ASSIGN_OR_RETURN(auto snapshots, projection::AllSnapshots(*ledger.impl()->store));
  uint64_t start = 0;
  for (const auto& s : snapshots) {
    if (s.size <= size && s.max_recorded_at <= ns) start = std::max(start, s.size);
  }
  uint64_t result = size;
  Status scanned = ledger.ForEachEvent(start, size, [&](uint64_t seq, std::string_view leaf) -> Status {
    ASSIGN_OR_RETURN(int64_t recorded_at, RecordedAtOf(leaf));
    if (recorded_at > ns) {
      result = seq;
      return OutOfRangeError("stop", "STOP");
    }
    return OkStatus();
  });
  if (!scanned.ok() && scanned.reason() != "STOP") return scanned;
  return result;
}

StatusOr<std::vector<uint64_t>> SnapshotSizes(const Ledger& ledger) {
  ASSIGN_OR_RETURN(auto snapshots, projection::AllSnapshots(*ledger.impl()->store));
  std::vector<uint64_t> sizes;
  for (const auto& s : snapshots) sizes.push_back(s.size);
  return sizes;
}

}  // namespace ledger
