// Opening, closing and the read path of the ledger. The append path (group
// commit) is in appender.cc.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "append/ledger_impl.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/reasons.h"
#include "tree/heads_batch.h"

namespace ledger {
namespace {

constexpr std::string_view kMetaVersion = "meta/format_version";
constexpr std::string_view kMetaOrigin = "meta/origin";
constexpr std::string_view kMetaKeyName = "meta/key_name";
constexpr std::string_view kMetaServerKey = "meta/server_public_key";
constexpr std::string_view kMetaRootKey = "meta/root_public_key";
// "1" once the `heads` column family holds the heads of every event.
constexpr std::string_view kMetaHeads = "meta/heads";
// "deterministic" when the store's keys were derived from a seed.
constexpr std::string_view kMetaInsecureKeys = "meta/insecure_keys";

int64_t SystemClockNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string StoreInfo::VerifierKey() const { return FormatNoteVerifierKey(key_name, server_public_key); }

// ---------------------------------------------------------------- TileCache

std::shared_ptr<const merkle::Tile> TileCache::Get(const merkle::TileId& id) {
  std::lock_guard lock(mu_);
  auto it = map_.find(id);
  return it == map_.end() ? nullptr : it->second;
}

void TileCache::Put(const merkle::TileId& id, std::shared_ptr<const merkle::Tile> tile) {
  std::lock_guard lock(mu_);
  if (map_.size() >= capacity_) map_.clear();  // simple and bounded; upper tiles refill at once
  map_[id] = std::move(tile);
}

// ---------------------------------------------------------------- Impl: read path

StatusOr<std::shared_ptr<const merkle::Tile>> Ledger::Impl::SharedTile(const merkle::TileId& id) {
  if (auto cached = tiles.Get(id)) return cached;
  // Pinned: the tile is decoded straight from RocksDB's block, not copied
  // into a string first (16 KiB per tile read).
  const std::string key = merkle::TileKey(id);
  rocksdb::PinnableSlice raw;
  rocksdb::Status got = store->db()->Get(rocksdb::ReadOptions(), store->cf(kCfMerkle), key, &raw);
  if (got.IsNotFound()) return std::shared_ptr<const merkle::Tile>();
  if (!got.ok()) return FromRocks(got, "reading merkle");
  auto tile = merkle::Tile::Decode(std::string_view(raw.data(), raw.size()));
  if (!tile.ok()) {
    return DataLossError(fmt::format("merkle tile ({}, {}): {}", id.level, id.index, tile.status().message()),
                         reason::kBadTile);
  }
  auto shared = std::make_shared<const merkle::Tile>(std::move(*tile));
  if (shared->full()) tiles.Put(id, shared);
  return shared;
}

StatusOr<std::optional<merkle::Tile>> Ledger::Impl::LoadTile(const merkle::TileId& id) {
  ASSIGN_OR_RETURN(std::shared_ptr<const merkle::Tile> tile, SharedTile(id));
  if (!tile) return std::optional<merkle::Tile>();
  return std::optional<merkle::Tile>(*tile);
}

merkle::NodeReader Ledger::Impl::Nodes() {
  return [this](int level, uint64_t index) -> StatusOr<Hash> {
    return merkle::ReadNode(level, index,
                            merkle::SharedTileLoader([this](const merkle::TileId& id) { return SharedTile(id); }));
  };
}

Status Ledger::Impl::LoadMeta() {
  ASSIGN_OR_RETURN(auto version, store->Get(kCfDefault, kMetaVersion));
  if (!version) {
    return FailedPreconditionError(store->dir() + " is not a ledger store (no format version)", reason::kNotAStore);
  }
  int v = 0;
  try {
    v = std::stoi(*version);
  } catch (...) {
    return DataLossError(store->dir() + ": unreadable format version '" + *version + "'", reason::kBadVersion);
  }
  if (v != kStoreFormatVersion) {
    return FailedPreconditionError(
        fmt::format("{}: store format version {} is not supported (this build reads version {})", store->dir(),
                    v, kStoreFormatVersion),
        reason::kUnsupportedVersion);
  }
  info.format_version = v;
  ASSIGN_OR_RETURN(auto origin, store->Get(kCfDefault, kMetaOrigin));
  ASSIGN_OR_RETURN(auto key_name, store->Get(kCfDefault, kMetaKeyName));
  ASSIGN_OR_RETURN(auto server_key, store->Get(kCfDefault, kMetaServerKey));
  ASSIGN_OR_RETURN(auto root_key, store->Get(kCfDefault, kMetaRootKey));
  if (!origin || !key_name || !server_key || !root_key || server_key->size() != 32 || root_key->size() != 32) {
    return DataLossError(store->dir() + ": store metadata is incomplete", reason::kBadMeta);
  }
  info.origin = *origin;
  info.key_name = *key_name;
  info.server_public_key = *server_key;
  info.root_public_key = *root_key;
  ASSIGN_OR_RETURN(auto insecure, store->Get(kCfDefault, kMetaInsecureKeys));
  info.insecure_deterministic_keys = insecure.has_value();
  registry = std::make_unique<KeyRegistry>(info.root_public_key);
  RETURN_IF_ERROR(registry->Load(*store));
  ASSIGN_OR_RETURN(domain, DomainState::Load(*store, options, read_only));
  ASSIGN_OR_RETURN(uint64_t n, store->CountEvents());
  size.store(n);
  return OkStatus();
}

Status Ledger::Impl::LoadHeads() {
  const uint64_t n = size.load();
  // Heads of event `leaf` into `batch`.
  auto fold = [](heads::HeadsBatch& batch, std::string_view leaf) -> Status {
    ASSIGN_OR_RETURN(EventInfo e, DecodeEvent(leaf, /*require_canonical=*/false));
    const Hash h = merkle::HashLeaf(AsBytes(leaf));
    for (const auto& entity : heads::EntitiesOf(e)) batch.Add(entity.key(), e.seq, h);
    return OkStatus();
  };
  heads::HeadsMap map;   // events [0, n-1)
  ASSIGN_OR_RETURN(auto marker, store->Get(kCfDefault, kMetaHeads));
  if (marker && store->has(kCfHeads)) {
    std::vector<heads::HeadsMap::Entry> entries;
    std::unique_ptr<rocksdb::Iterator> it(store->db()->NewIterator(rocksdb::ReadOptions(), store->cf(kCfHeads)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto k = it->key();
      if (k.size() != 32) return DataLossError("heads: a key is not 32 bytes", reason::kStoreCorrupt);
      Hash key;
      std::copy(k.data(), k.data() + 32, key.begin());
      auto head = heads::DecodeHead(std::string_view(it->value().data(), it->value().size()));
      if (!head.ok()) return DataLossError("heads: " + head.status().message(), reason::kStoreCorrupt);
      entries.emplace_back(key, *head);
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading heads");
    ASSIGN_OR_RETURN(map, heads::HeadsMap::FromSorted(entries));
  } else {
    // A store from before the heads map: fold the events once.
    heads::HeadsBatch batch(map);
    std::unique_ptr<rocksdb::Iterator> it(store->db()->NewIterator(rocksdb::ReadOptions(), store->cf(kCfEvents)));
    for (it->SeekToFirst(); it->Valid() && ReadBigEndian64(std::string_view(it->key().data(), it->key().size())) + 1 < n;
         it->Next()) {
      RETURN_IF_ERROR(fold(batch, std::string_view(it->value().data(), it->value().size())));
    }
    if (!it->status().ok()) return FromRocks(it->status(), "reading events");
    map.SetMany(batch.updates());
    if (!read_only && store->has(kCfHeads)) {
      rocksdb::WriteBatch wb;
      for (const auto& [key, head] : map.Entries()) {
        wb.Put(store->cf(kCfHeads), rocksdb::Slice(reinterpret_cast<const char*>(key.data()), key.size()),
               heads::EncodeHead(head));
      }
      wb.Put(std::string(kMetaHeads), "1");
      RETURN_IF_ERROR(store->Write(&wb, /*sync=*/true));
    }
  }
  writer_tail.clear();
  if (n > 0) {
    ASSIGN_OR_RETURN(auto last, store->Get(kCfEvents, BigEndian64(n - 1)));
    if (!last) return DataLossError(fmt::format("event {} is missing from the store", n - 1), reason::kMissingEvent);
    ASSIGN_OR_RETURN(EventInfo e, DecodeEvent(*last, /*require_canonical=*/false));
    if (e.heads_root && *e.heads_root != map.Root()) {
      return DataLossError(fmt::format("{}: the heads column family does not match the heads root of event {}",
                                       store->dir(), n - 1),
                           reason::kStoreCorrupt);
    }
    heads::HeadsBatch tail(map);
    RETURN_IF_ERROR(fold(tail, *last));
    writer_tail = std::move(tail.updates());
    // recordedAt never goes back, not even across a reopen (appender.cc).
    last_recorded_at = e.recorded_at_ns;
    last_clock_reading = e.recorded_at_ns;
    clock_last_recorded_at.store(e.recorded_at_ns, std::memory_order_relaxed);
    durable_recorded_at.store(e.recorded_at_ns, std::memory_order_relaxed);
  }
  durable_heads_size = n;
  if (!read_only) writer_heads = map;
  durable_heads = std::move(map);
  heads_loaded = true;
  return OkStatus();
}

// ---------------------------------------------------------------- Ledger

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

StatusOr<std::unique_ptr<Ledger>> Ledger::Create(const std::string& dir, const CreateOptions& create,
                                                 PrivateKey server_key, const LedgerOptions& options) {
  if (create.origin.empty()) return InvalidArgumentError("origin: must not be empty");
  if (create.root_public_key.size() != 32) {
    return InvalidArgumentError("root_public_key: must be a 32-byte Ed25519 key");
  }
  std::string key_name = create.key_name.empty() ? create.origin : create.key_name;
  if (key_name.find_first_of("+ \t\n") != std::string::npos) {
    return InvalidArgumentError("key name '" + key_name + "' must not contain '+' or spaces");
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  {
    ASSIGN_OR_RETURN(auto store, Store::Open(dir, Store::Mode::kCreate, options.block_cache_bytes));
    rocksdb::WriteBatch batch;
    batch.Put(std::string(kMetaVersion), std::to_string(kStoreFormatVersion));
    batch.Put(std::string(kMetaOrigin), create.origin);
    batch.Put(std::string(kMetaKeyName), key_name);
    batch.Put(std::string(kMetaServerKey), server_key.PublicKeyBytes());
    batch.Put(std::string(kMetaRootKey), create.root_public_key);
    batch.Put(std::string(kMetaHeads), "1");
    if (create.insecure_deterministic_keys) batch.Put(std::string(kMetaInsecureKeys), "deterministic");
    // The checkpoint of the empty tree.
    NoteSigner signer(key_name, server_key);
    ASSIGN_OR_RETURN(std::string note, signer.Sign(FormatCheckpoint({create.origin, 0, merkle::EmptyRoot(), {}})));
    batch.Put(store->cf(kCfCheckpoints), BigEndian64(0), note);
    RETURN_IF_ERROR(store->Write(&batch, /*sync=*/true));
  }
  return Open(dir, std::move(server_key), options);
}

StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, PrivateKey server_key,
                                               const LedgerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!impl->options.clock) impl->options.clock = SystemClockNs;
  if (impl->options.max_batch_events == 0) impl->options.max_batch_events = 1;
  ASSIGN_OR_RETURN(impl->store, Store::Open(dir, Store::Mode::kReadWrite, options.block_cache_bytes));
  RETURN_IF_ERROR(impl->LoadMeta());
  if (server_key.PublicKeyBytes() != impl->info.server_public_key) {
    return PermissionDeniedError(dir + ": the server key does not match the store's checkpoint key",
                                 reason::kWrongServerKey);
  }
  impl->signer.emplace(impl->info.key_name, server_key);
  RETURN_IF_ERROR(impl->LoadHeads());
  uint64_t n = impl->size.load();
  impl->inflight_base = n;
  Impl* raw = impl.get();
  ASSIGN_OR_RETURN(impl->tree, merkle::TreeBuilder::Resume(n, [raw](const merkle::TileId& id) {
                     return raw->LoadTile(id);
                   }));
  if (n > 0) {
    ASSIGN_OR_RETURN(impl->last_leaf_hash, impl->Nodes()(0, n - 1));
  }
  impl->writer = std::thread([raw] { raw->WriterLoop(); });
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

StatusOr<std::unique_ptr<Ledger>> Ledger::OpenReadOnly(const std::string& dir) {
  auto impl = std::make_unique<Impl>();
  impl->read_only = true;
  ASSIGN_OR_RETURN(impl->store, Store::Open(dir, Store::Mode::kReadOnly, 64 << 20));
  RETURN_IF_ERROR(impl->LoadMeta());
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Ledger::~Ledger() {
  if (impl_ && impl_->writer.joinable()) {
    {
      std::lock_guard lock(impl_->queue_mu);
      impl_->stopping = true;
    }
    impl_->queue_cv.notify_all();
    impl_->writer.join();
  }
}

const StoreInfo& Ledger::info() const { return impl_->info; }
uint64_t Ledger::Size() const { return impl_->size.load(std::memory_order_acquire); }

Status Ledger::Poisoned() const { return impl_->Poisoned(); }

ClockReport Ledger::Clock() const {
  ClockReport r;
  r.steps_back = impl_->clock_steps_back.load(std::memory_order_relaxed);
  r.last_step_ns = impl_->clock_last_step_ns.load(std::memory_order_relaxed);
  r.last_recorded_at = impl_->clock_last_recorded_at.load(std::memory_order_relaxed);
  return r;
}

LedgerStats Ledger::Stats() const {
  Impl& d = *impl_;
  LedgerStats r;
  {
    std::lock_guard lock(d.queue_mu);
    r.queued_events = d.queued_events;
  }
  r.max_queued_events = d.options.max_queued_events;
  const Status stopped = d.Poisoned();
  r.appends_paused = Impl::Resumable(stopped) || d.below_floor.load();
  r.appends_stopped = !stopped.ok() && !Impl::Resumable(stopped);
  r.store_full_errors = d.store_full_errors.load(std::memory_order_relaxed);
  r.store_io_errors = d.store_io_errors.load(std::memory_order_relaxed);
  r.store_failed_errors = d.store_failed_errors.load(std::memory_order_relaxed);
  r.last_checkpoint_recorded_at_ns = d.durable_recorded_at.load(std::memory_order_relaxed);
  r.rocksdb = d.store->Stats();
  return r;
}

StatusOr<std::string> Ledger::LeafBytes(uint64_t seq) const {
  if (seq >= Size()) return NotFoundError(fmt::format("event {} does not exist (size {})", seq, Size()), reason::kNoSuchEvent);
  ASSIGN_OR_RETURN(auto v, impl_->store->Get(kCfEvents, BigEndian64(seq)));
  if (!v) return DataLossError(fmt::format("event {} is missing from the store", seq), reason::kMissingEvent);
  return std::move(*v);
}

StatusOr<Hash> Ledger::LeafHash(uint64_t seq) const {
  if (seq >= Size()) return NotFoundError(fmt::format("event {} does not exist (size {})", seq, Size()), reason::kNoSuchEvent);
  return impl_->Nodes()(0, seq);
}

StatusOr<Hash> Ledger::RootAt(uint64_t size) const {
  if (size > Size()) return OutOfRangeError(fmt::format("size {} > tree size {}", size, Size()), reason::kBeyondTree);
  return merkle::RootAt(size, impl_->Nodes());
}

StatusOr<std::vector<Hash>> Ledger::InclusionProof(uint64_t index, uint64_t size) const {
  if (size > Size()) return OutOfRangeError(fmt::format("size {} > tree size {}", size, Size()), reason::kBeyondTree);
  if (index >= size) return OutOfRangeError(fmt::format("index {} >= size {}", index, size), reason::kBadIndex);
  return merkle::InclusionProof(index, size, impl_->Nodes());
}

StatusOr<std::vector<Hash>> Ledger::ConsistencyProof(uint64_t old_size, uint64_t new_size) const {
  if (new_size > Size()) return OutOfRangeError(fmt::format("size {} > tree size {}", new_size, Size()), reason::kBeyondTree);
  if (old_size > new_size) {
    return OutOfRangeError(fmt::format("old size {} > new size {}", old_size, new_size), reason::kBadRange);
  }
  return merkle::ConsistencyProof(old_size, new_size, impl_->Nodes());
}

StatusOr<std::string> Ledger::CheckpointAt(uint64_t size) const {
  if (size > Size()) return NotFoundError(fmt::format("no checkpoint of size {} (tree size {})", size, Size()), reason::kNoCheckpoint);
  ASSIGN_OR_RETURN(auto v, impl_->store->Get(kCfCheckpoints, BigEndian64(size)));
  if (!v) return NotFoundError(fmt::format("no checkpoint of size {}", size), reason::kNoCheckpoint);
  return std::move(*v);
}

StatusOr<std::string> Ledger::LatestCheckpoint() const {
  // The newest checkpoint not beyond the published size.
  std::unique_ptr<rocksdb::Iterator> it(impl_->store->db()->NewIterator(
      rocksdb::ReadOptions(), impl_->store->cf(kCfCheckpoints)));
  std::string bound = BigEndian64(Size());
  it->SeekForPrev(bound);
  if (!it->status().ok()) return FromRocks(it->status(), "reading checkpoints");
  if (!it->Valid()) return NotFoundError("no checkpoint", reason::kNoCheckpoint);
  return it->value().ToString();
}

namespace {
// Index entries of a batch become visible a moment before the size is
// published; keep reads consistent with Size().
StatusOr<std::vector<uint64_t>> DurableSeqs(const Store& store, Cf cf, const std::string& id, uint64_t size) {
  ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, store.IndexSeqs(cf, id));
  while (!seqs.empty() && seqs.back() >= size) seqs.pop_back();
  return seqs;
}
}  // namespace

StatusOr<std::vector<uint64_t>> Ledger::HouseholdSeqs(const std::string& household) const {
  return DurableSeqs(*impl_->store, kCfByHousehold, household, Size());
}
StatusOr<std::vector<uint64_t>> Ledger::AgencySeqs(const std::string& agency) const {
  return DurableSeqs(*impl_->store, kCfByAgency, agency, Size());
}
StatusOr<std::vector<uint64_t>> Ledger::OfficerSeqs(const std::string& officer) const {
  return DurableSeqs(*impl_->store, kCfByOfficer, officer, Size());
}

Status Ledger::ForEachEvent(uint64_t from, uint64_t to, const EventVisitor& fn) const {
  uint64_t end = std::min(to, Size());
  if (from >= end) return OkStatus();
  std::string lower = BigEndian64(from);
  std::string upper = BigEndian64(end);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;
  ro.readahead_size = 4 << 20;
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl_->store->db()->NewIterator(ro, impl_->store->cf(kCfEvents)));
  uint64_t want = from;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    rocksdb::Slice key = it->key();
    uint64_t seq = key.size() == 8 ? ReadBigEndian64(std::string_view(key.data(), 8)) : ~uint64_t{0};
    if (seq != want) {
      return DataLossError(fmt::format("event {} is missing from the store", want), reason::kMissingEvent);
    }
    RETURN_IF_ERROR(fn(seq, std::string_view(it->value().data(), it->value().size())));
    ++want;
  }
  if (!it->status().ok()) return FromRocks(it->status(), "reading events");
  if (want != end) return DataLossError(fmt::format("event {} is missing from the store", want), reason::kMissingEvent);
  return OkStatus();
}

void Ledger::Impl::ApplyPendingHeads() const {
  if (durable_pending.empty()) return;
  durable_heads.SetMany(durable_pending);
  durable_pending.clear();
}

StatusOr<Ledger::HeadEvidence> Ledger::ProveHead(const heads::EntityId& entity) const {
  const Impl& d = *impl_;
  if (!d.heads_loaded) {
    return FailedPreconditionError("heads proofs are served by a ledger open for writing", reason::kReadOnly);
  }
  HeadEvidence out;
  {
    std::unique_lock lock(d.heads_mu);
    d.ApplyPendingHeads();
    out.tree_size = d.durable_heads_size;
    const Hash key = entity.key();
    if (auto head = d.durable_heads.Get(key)) out.head = heads::EncodeHead(*head);
    out.map_proof = heads::EncodeMapProof(d.durable_heads.Prove(key));
  }
  if (out.tree_size > 0) {
    ASSIGN_OR_RETURN(out.root_leaf, LeafBytes(out.tree_size - 1));
  }
  return out;
}

std::vector<RegisteredKey> Ledger::RegisteredKeys() const {
  const uint64_t size = Size();
  std::vector<RegisteredKey> out;
  std::shared_lock lock(impl_->registry_mu);
  for (const auto& [code, a] : impl_->registry->agencies()) {
    if (a.registered_seq >= size) continue;
    out.push_back({.officer = false, .id = code, .agency = code, .public_key = a.public_key,
                   .registered_seq = a.registered_seq});
  }
  for (const auto& [id, o] : impl_->registry->officers()) {
    if (o.registered_seq >= size) continue;
    const bool revoked = o.revoked && o.revoked_seq < size;
    out.push_back({.officer = true, .id = id, .agency = o.agency, .public_key = o.public_key,
                   .registered_seq = o.registered_seq, .revoked = revoked, .revoked_seq = revoked ? o.revoked_seq : 0});
  }
  return out;
}

StatusOr<std::optional<Ledger::MenuInfo>> Ledger::PublishedMenu() const {
  ledger::PublishedMenu menu;
  RETURN_IF_ERROR(menu.Load(*impl_->store));
  if (!menu.published()) return std::optional<MenuInfo>();
  MenuInfo out{menu.version(), menu.seq(), menu.items().size(), 0};
  for (const auto& [code, item] : menu.items()) out.withdrawn += item.withdrawn ? 1 : 0;
  return std::optional<MenuInfo>(out);
}

StatusOr<std::vector<uint64_t>> Ledger::RegistrySeqs(const std::string& agency, const std::string& officer) const {
  const uint64_t size = Size();
  std::vector<uint64_t> seqs;
  std::shared_lock lock(impl_->registry_mu);
  const auto& agencies = impl_->registry->agencies();
  auto a = agencies.find(agency);
  if (a == agencies.end() || a->second.registered_seq >= size) {
    return NotFoundError(fmt::format("agency '{}' is not registered", agency), reason::kUnknownAgency);
  }
  seqs.push_back(a->second.registered_seq);
  if (!officer.empty()) {
    const auto& officers = impl_->registry->officers();
    auto o = officers.find(officer);
    if (o == officers.end() || o->second.registered_seq >= size) {
      return NotFoundError(fmt::format("officer '{}' is not registered", officer), reason::kUnknownOfficer);
    }
    seqs.push_back(o->second.registered_seq);
    if (o->second.revoked && o->second.revoked_seq < size) seqs.push_back(o->second.revoked_seq);
  }
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

}  // namespace ledger
