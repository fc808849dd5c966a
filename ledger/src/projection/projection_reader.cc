// Projections for readers (projection.h): as of a size through the nearest
// snapshot, the writer's stored projection, and the size at a moment.
#include <fmt/format.h>

#include <array>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "ledger/event_codec.h"
#include "ledger/reasons.h"
#include "ledger/merkle.h"
#include "tree/merkle_tiles.h"
#include "ledger/projection.h"
#include "append/ledger_internal.h"
#include "projection/projection_store.h"

namespace ledger {
namespace {

constexpr uint64_t kProgressEvery = 1 << 16;

// A long forward scan: read ahead, and keep RocksDB's block cache for
// lookups (a replay reads every block once).
rocksdb::ReadOptions ScanOptions() {
  rocksdb::ReadOptions ro;
  ro.readahead_size = 4 << 20;
  ro.fill_cache = false;
  return ro;
}

// Leaf hashes of consecutive seqs from the level-0 Merkle tiles (one tile
// per 256 events, read in order with one scanning iterator) instead of
// re-hashing every leaf. A point lookup per tile cost more than the fold
// of its 256 events.
class LeafHashes {
 public:
  explicit LeafHashes(const Store& store) : it_(store.db()->NewIterator(ScanOptions(), store.cf(kCfMerkle))) {}

  StatusOr<Hash> Get(uint64_t seq, std::string_view leaf) {
    const uint64_t index = seq / merkle::kTileWidth;
    if (index != tile_index_) RETURN_IF_ERROR(Load(index));
    const uint64_t pos = seq % merkle::kTileWidth;
    if (tile_ && pos < tile_->RowSize(0)) return tile_->Node(0, pos);
    return merkle::HashLeaf(AsBytes(leaf));
  }

 private:
  Status Load(uint64_t index) {
    const std::string key = merkle::TileKey({0, index});
    // Consecutive tiles are consecutive keys: step, and seek only to start.
    if (tile_ && index == tile_index_ + 1) {   // the iterator is at the tile before
      it_->Next();
    } else {
      it_->Seek(key);
    }
    RETURN_IF_ERROR(FromRocks(it_->status(), "reading merkle tiles"));
    tile_index_ = index;
    tile_.reset();
    if (!it_->Valid() || it_->key() != key) return OkStatus();   // not there: hash the leaves
    ASSIGN_OR_RETURN(tile_, merkle::Tile::Decode(std::string_view(it_->value().data(), it_->value().size())));
    return OkStatus();
  }

  std::unique_ptr<rocksdb::Iterator> it_;
  uint64_t tile_index_ = ~uint64_t{0};
  std::optional<merkle::Tile> tile_;
};

// Consecutive events, decoded and ready to fold.
struct Chunk {
  std::vector<projection::DecodedEvent> events;
  size_t size = 0;                   // events[0, size) are this chunk's
};

constexpr size_t kChunkEvents = 4096;
constexpr size_t kChunksInFlight = 3;

// Reads and decodes events [from, to) on its own thread, a few chunks
// ahead of the consumer, so that RocksDB reads and decoding run on one core
// and the fold on the other (Core::Decode* and Core::Apply may overlap).
// When the fold starts from a snapshot (`snapshot` is not null), it also
// loads from there the household of each event that is the household's
// first since `from` (one batched lookup per chunk), so the fold never
// waits for a snapshot read.
class ChunkReader {
 public:
  ChunkReader(const Ledger& ledger, projection::Core* core, uint64_t from, uint64_t to,
              projection::SnapshotHouseholds* snapshot)
      : ledger_(ledger), core_(core), from_(from), to_(to), snapshot_(snapshot), thread_([this] { Run(); }) {}
  ~ChunkReader() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

  // The next chunk; nullopt at the end (check status()).
  std::optional<Chunk> Next() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !ready_.empty() || done_; });
    if (ready_.empty()) return std::nullopt;
    Chunk c = std::move(ready_.front());
    ready_.pop_front();
    cv_.notify_all();
    return c;
  }
  // Hands a consumed chunk back so that its buffers are reused.
  void Recycle(Chunk c) {
    std::lock_guard lock(mu_);
    if (free_.size() < kChunksInFlight) free_.push_back(std::move(c));
  }
  Status status() {
    std::lock_guard lock(mu_);
    return status_;
  }

 private:
  void Run() {
    Status s = Read();
    std::lock_guard lock(mu_);
    status_ = s;
    done_ = true;
    cv_.notify_all();
  }

  // False when the consumer went away.
  bool Publish(Chunk& c) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return ready_.size() < kChunksInFlight || stop_; });
    if (stop_) return false;
    ready_.push_back(std::move(c));
    cv_.notify_all();
    return true;
  }

  Status Read() {
    const Store& store = *LedgerInternal::Of(ledger_).store;
    LeafHashes hashes(store);
    std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(ScanOptions(), store.cf(kCfEvents)));
    auto fresh = [this] {
      Chunk c;
      {
        std::lock_guard lock(mu_);
        if (!free_.empty()) {
          c = std::move(free_.back());
          free_.pop_back();
        }
      }
      c.events.resize(kChunkEvents);
      c.size = 0;
      return c;
    };
    Chunk c = fresh();
    std::vector<size_t> loads;   // events of `c` whose household is to be loaded
    uint64_t seq = from_;
    for (it->Seek(BigEndian64(from_)); seq < to_ && it->Valid(); it->Next(), ++seq) {
      if (it->key().size() != 8 || ReadBigEndian64(std::string_view(it->key().data(), 8)) != seq) break;
      std::string_view leaf(it->value().data(), it->value().size());
      ASSIGN_OR_RETURN(Hash h, hashes.Get(seq, leaf));
      RETURN_IF_ERROR(core_->DecodeLeaf(leaf, h, &c.events[c.size]));
      if (snapshot_ && NeedsLoad(c.events[c.size])) loads.push_back(c.size);
      ++c.size;
      if (c.size == kChunkEvents) {
        RETURN_IF_ERROR(Load(c, &loads));
        if (!Publish(c)) return OkStatus();
        c = fresh();
      }
    }
    RETURN_IF_ERROR(FromRocks(it->status(), "reading events"));
    if (seq != to_) return DataLossError(fmt::format("events: event {} is missing", seq), reason::kMissingEvent);
    RETURN_IF_ERROR(Load(c, &loads));
    if (c.size > 0) Publish(c);
    return OkStatus();
  }

  // Marks `e` when it is its household's first event since `from_`: the
  // fold then takes the household from `e`. True when it must be loaded
  // from the snapshot (false: a new household, or folded before `e`).
  bool NeedsLoad(projection::DecodedEvent& e) const {
    if (!e.household_event) return false;
    if (e.household_prev && *e.household_prev >= from_) return false;
    e.prefetched = true;
    return e.household_prev.has_value();
  }

  // Loads the households of c.events[i], i in `loads`, in one batch.
  Status Load(Chunk& c, std::vector<size_t>* loads) {
    if (loads->empty()) return OkStatus();
    std::vector<projection::SnapshotHouseholds::AfterEvent> wanted;
    wanted.reserve(loads->size());
    for (size_t i : *loads) wanted.push_back({c.events[i].household, *c.events[i].household_prev});
    ASSIGN_OR_RETURN(auto found, snapshot_->GetManyAfterEvent(wanted));
    for (size_t k = 0; k < loads->size(); ++k) {
      c.events[(*loads)[k]].stored = std::move(found[k]);
    }
    loads->clear();
    return OkStatus();
  }

  const Ledger& ledger_;
  projection::Core* core_;
  const uint64_t from_, to_;
  projection::SnapshotHouseholds* snapshot_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> ready_;
  std::vector<Chunk> free_;
  bool done_ = false;
  bool stop_ = false;
  Status status_;
  std::thread thread_;   // last: starts once the rest is ready
};

Status Replay(const Ledger& ledger, uint64_t from, uint64_t to, projection::Core* core,
              projection::SnapshotHouseholds* snapshot, const ProjectionOptions& options) {
  const uint64_t total = to - from;
  if (options.progress) options.progress(0, total);
  if (from < to) {
    ChunkReader reader(ledger, core, from, to, snapshot);
    uint64_t next_report = kProgressEvery;
    // Households are fetched into the CPU cache a few events ahead, in
    // three dependent steps (Core::Prefetch).
    constexpr std::array<size_t, 3> kAhead = {24, 12, 4};
    while (std::optional<Chunk> c = reader.Next()) {
      for (size_t i = 0; i < c->size; ++i) {
        for (int stage = 0; stage < 3; ++stage) {
          if (i + kAhead[stage] < c->size) core->Prefetch(c->events[i + kAhead[stage]], stage);
        }
        RETURN_IF_ERROR(core->Apply(c->events[i]));
      }
      reader.Recycle(std::move(*c));
      const uint64_t done = core->applied() - from;
      if (options.progress && done >= next_report) {
        options.progress(done, total);
        next_report = done + kProgressEvery;
      }
    }
    RETURN_IF_ERROR(reader.status());
  }
  if (core->applied() != to) {
    return DataLossError(fmt::format("projection: folded {} events, expected {}", core->applied(), to),
                         reason::kMissingEvent);
  }
  if (options.progress) options.progress(total, total);
  return OkStatus();
}

StatusOr<int64_t> RecordedAtOf(std::string_view leaf) {
  int64_t recorded_at = 0;
  RETURN_IF_ERROR(WithLeaf(leaf, LeafCheck::kAny, [&](schema::Envelope::Reader env) {
    recorded_at = env.getRecordedAt();
    return OkStatus();
  }));
  return recorded_at;
}

}  // namespace

StatusOr<Projector> ProjectionAt(const Ledger& ledger, uint64_t size, const ProjectionOptions& options) {
  if (size > ledger.Size()) {
    return OutOfRangeError(fmt::format("size {} > the ledger's {} events", size, ledger.Size()), reason::kBeyondTree);
  }
  const Store& store = *LedgerInternal::Of(ledger).store;
  auto core = std::make_unique<projection::Core>();
  uint64_t start = 0;
  std::optional<projection::SnapshotHouseholds> households;   // for the reader thread
  if (options.use_snapshots) {
    ASSIGN_OR_RETURN(auto snapshot, projection::SnapshotAtOrBefore(store, size));
    if (snapshot) {
      RETURN_IF_ERROR(projection::StartFromSnapshot(store, *snapshot, core.get()));
      start = snapshot->size;
      ASSIGN_OR_RETURN(auto all, projection::AllSnapshots(store));
      std::vector<uint64_t> sizes;
      for (const auto& s : all) sizes.push_back(s.size);
      households.emplace(store, start, std::move(sizes));
    }
  }
  RETURN_IF_ERROR(Replay(ledger, start, size, core.get(), households ? &*households : nullptr, options));
  return Projector(std::move(core));
}

StatusOr<Projector> StoredProjection(const Ledger& ledger) {
  const Store& store = *LedgerInternal::Of(ledger).store;
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
  ASSIGN_OR_RETURN(auto snapshots, projection::AllSnapshots(*LedgerInternal::Of(ledger).store));
  uint64_t start = 0;
  for (const auto& s : snapshots) {
    if (s.size <= size && s.max_recorded_at <= ns) start = std::max(start, s.size);
  }
  uint64_t result = size;
  bool stopped = false;   // the scan ends early once past `ns`, which is not an error
  Status scanned = ledger.ForEachEvent(start, size, [&](uint64_t seq, std::string_view leaf) -> Status {
    ASSIGN_OR_RETURN(int64_t recorded_at, RecordedAtOf(leaf));
    if (recorded_at > ns) {
      result = seq;
      stopped = true;
      return OutOfRangeError("past the moment");
    }
    return OkStatus();
  });
  if (!scanned.ok() && !stopped) return scanned;
  return result;
}

StatusOr<std::vector<uint64_t>> SnapshotSizes(const Ledger& ledger) {
  ASSIGN_OR_RETURN(auto snapshots, projection::AllSnapshots(*LedgerInternal::Of(ledger).store));
  std::vector<uint64_t> sizes;
  for (const auto& s : snapshots) sizes.push_back(s.size);
  return sizes;
}

}  // namespace ledger
