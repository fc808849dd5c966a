#include "rules/domain.h"

#include <fmt/format.h>

#include "ledger/merkle.h"
#include "ledger/reasons.h"
#include "projection/projection_store.h"
#include "rules/rules.h"

namespace ledger {
namespace {

// Households kept in memory between commits; beyond this the writer drops
// the cache once everything flushed is durable, and it refills on use.
constexpr size_t kMaxCachedHouseholds = 50'000;

// Calls `f(seq, leaf)` for the stored events [from, to).
Status ForEachStoredEvent(const Store& store, uint64_t from, uint64_t to,
                          const std::function<Status(uint64_t, std::string_view)>& f) {
  if (from >= to) return OkStatus();
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(kCfEvents)));
  uint64_t seq = from;
  for (it->Seek(BigEndian64(from)); it->Valid() && seq < to; it->Next(), ++seq) {
    if (it->key().size() != 8 || ReadBigEndian64(std::string_view(it->key().data(), 8)) != seq) {
      return DataLossError(fmt::format("events: event {} is missing", seq), reason::kMissingEvent);
    }
    RETURN_IF_ERROR(f(seq, std::string_view(it->value().data(), it->value().size())));
  }
  RETURN_IF_ERROR(FromRocks(it->status(), "reading events"));
  if (seq != to) return DataLossError(fmt::format("events: event {} is missing", seq), reason::kMissingEvent);
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<DomainState>> DomainState::Load(const Store& store, const LedgerOptions& options,
                                                         bool read_only) {
  ReferenceData reference = ReferenceData::Builtin();
  if (!options.areas_csv.empty() || !options.indicators_csv.empty()) {
    ASSIGN_OR_RETURN(reference, ReferenceData::Load(options.areas_csv, options.indicators_csv));
  }
  auto d = std::unique_ptr<DomainState>(new DomainState(std::move(reference)));
  d->snapshot_every_ = options.snapshot_every_events;
  RETURN_IF_ERROR(d->menu_.Load(store));
  if (read_only) return d;

  RETURN_IF_ERROR(projection::StartFromStored(store, /*snapshot=*/nullptr, &d->core_));
  ASSIGN_OR_RETURN(auto last, projection::SnapshotAtOrBefore(store, ~uint64_t{0}));
  d->last_snapshot_ = last ? last->size : 0;
  ASSIGN_OR_RETURN(uint64_t size, store.CountEvents());
  const uint64_t applied = d->core_.applied();
  if (applied > size) {
    return DataLossError(fmt::format("projection reflects {} events but the store holds {}", applied, size),
                         reason::kBadProjection);
  }
  d->core_.TrackChanges(true);
  // Households changed since the last snapshot were only recorded in the
  // projection; find them again for the next snapshot. Then fold what the
  // projection lacks.
  const uint64_t from = d->snapshot_every_ > 0 ? std::min(d->last_snapshot_, applied) : applied;
  RETURN_IF_ERROR(ForEachStoredEvent(store, from, size, [&](uint64_t seq, std::string_view leaf) -> Status {
    if (seq >= applied) return d->core_.ApplyLeaf(leaf, merkle::HashLeaf(AsBytes(leaf)));
    ASSIGN_OR_RETURN(EventInfo e, DecodeEvent(leaf, /*require_canonical=*/false));
    if (!e.household.empty()) d->since_snapshot_.insert(e.household);
    return OkStatus();
  }));
  return d;
}

Status DomainState::Check(schema::EventBody::Reader body, uint64_t seq, int64_t recorded_at_ns,
                          const KeyRegistry& registry, const LeafHashFn& leaf_hash) {
  RETURN_IF_ERROR(broken_);
  if (seq != core_.applied()) {
    return InternalError(fmt::format("domain state is at {} events, event {} checked", core_.applied(), seq));
  }
  const projection::Household* household = nullptr;
  if (body.getHousehold().size() > 0) {
    ASSIGN_OR_RETURN(household, core_.Find(std::string_view(body.getHousehold().cStr(), body.getHousehold().size())));
  }
  RuleContext ctx{seq, recorded_at_ns, registry, reference_, menu_, core_, household, leaf_hash};
  return CheckRules(ctx, body);
}

Status DomainState::Apply(schema::EventBody::Reader body, uint64_t seq, const Hash& leaf_hash,
                          int64_t recorded_at_ns) {
  RETURN_IF_ERROR(broken_);
  if (body.getPayload().isMenuPublished()) {
    menu_.Apply(body.getPayload().getMenuPublished(), seq);
    menu_changed_ = true;
  }
  Status s = core_.ApplyBody(seq, recorded_at_ns, leaf_hash, body);
  if (!s.ok()) broken_ = s;
  return s;
}

Status DomainState::Flush(const Store& store, rocksdb::WriteBatch* batch) {
  RETURN_IF_ERROR(broken_);
  const uint64_t size = core_.applied();
  const bool snapshot_due = snapshot_every_ > 0 && size / snapshot_every_ > last_snapshot_ / snapshot_every_;
  std::unordered_map<std::string, std::string> written;   // kept for the snapshot only
  for (const projection::Household* h : core_.changed_households()) {
    std::string bytes = core_.StoredHousehold(*h);
    batch->Put(store.cf(kCfProjection), projection::HouseholdKey(h->code), bytes);
    if (snapshot_every_ > 0) since_snapshot_.insert(h->code);
    if (snapshot_due) written.emplace(h->code, std::move(bytes));
  }
  for (uint32_t code : core_.changed_areas()) {
    if (core_.areas().count(code)) {
      batch->Put(store.cf(kCfProjection), projection::AreaKey(code), core_.StoredArea(code));
    } else {
      batch->Delete(store.cf(kCfProjection), projection::AreaKey(code));
    }
  }
  batch->Put(store.cf(kCfProjection), std::string(projection::kAppliedKey),
             projection::EncodeApplied(size, core_.max_recorded_at()));
  if (menu_changed_) menu_.Put(store, batch);
  menu_changed_ = false;
  core_.ClearChanges();
  if (snapshot_due) {
    Status s = WriteSnapshot(store, batch, written);
    if (!s.ok()) {
      broken_ = s;
      return s;
    }
  }
  return OkStatus();
}

StatusOr<std::optional<DomainState::Head>> DomainState::HouseholdHead(std::string_view household) {
  RETURN_IF_ERROR(broken_);
  ASSIGN_OR_RETURN(const projection::Household* h, core_.Find(household));
  if (!h) return std::optional<Head>();
  return std::optional<Head>(Head{h->latest_seq, h->latest_hash});
}

void DomainState::SetLatestHash(std::string_view household, uint64_t seq, const Hash& hash) {
  projection::Household* h = core_.Loaded(household);
  if (h && h->latest_seq == seq) h->latest_hash = hash;
}

bool DomainState::CacheFull() const { return core_.household_count() > kMaxCachedHouseholds; }

void DomainState::TrimCache() { core_.DropHouseholds(); }

Status DomainState::WriteSnapshot(const Store& store, rocksdb::WriteBatch* batch,
                                  const std::unordered_map<std::string, std::string>& written) {
  const uint64_t size = core_.applied();
  for (const std::string& code : since_snapshot_) {
    std::string key = projection::SnapshotHouseholdKey(code, size);
    if (auto w = written.find(code); w != written.end()) {
      batch->Put(store.cf(kCfSnapshots), key, w->second);
    } else if (const projection::Household* h = core_.Loaded(code)) {
      batch->Put(store.cf(kCfSnapshots), key, core_.StoredHousehold(*h));
    } else {
      // Changed earlier, flushed, and dropped from memory since: the
      // projection holds its current state.
      ASSIGN_OR_RETURN(auto v, store.Get(kCfProjection, projection::HouseholdKey(code)));
      if (!v) return DataLossError("projection: household " + code + " is missing", reason::kBadProjection);
      batch->Put(store.cf(kCfSnapshots), key, *v);
    }
  }
  batch->Put(store.cf(kCfSnapshots), projection::SnapshotAreasKey(size), core_.StoredAreaSet());
  batch->Put(store.cf(kCfSnapshots), projection::SnapshotInfoKey(size),
             projection::EncodeSnapshotInfo({size, core_.max_recorded_at(), last_snapshot_, since_snapshot_.size()}));
  last_snapshot_ = size;
  since_snapshot_.clear();
  return OkStatus();
}

}  // namespace ledger
