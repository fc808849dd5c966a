// Domain rules at append and the projections they maintain (DOMAIN.md;
// docs/domain.md): the per-event rules of the catalogue (rules.h) and the
// household-status and area-progress projections (projection_internal.h),
// updated in the same WriteBatch as the events, with periodic snapshots.
//
// The writer thread calls, for each event in order:
//   Check(body, seq, now, registry, leaf_hash) -> error with a stable reason; nothing changes
//   Apply(body, seq, leaf_hash, now)           -> in-memory state updated
// and once per group commit that appended something:
//   Flush(store, batch) -> puts for the households and areas that changed,
//                          "p/applied", and a snapshot when one is due
// A failed Apply or Flush leaves the in-memory state ahead of the disk: the
// caller must stop appending (the ledger poisons itself) and reopen.
//
// Hot households stay in memory (bounded; the rest reload from the
// `projection` column family on use); every area is in memory.
//
// Not thread-safe: owned by the writer thread.
#pragma once

#include <rocksdb/write_batch.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "ledger/bytes.h"
#include "ledger/ledger.h"
#include "ledger/reference.h"
#include "ledger/status.h"
#include "projection/projection_internal.h"
#include "rules/menu.h"
#include "trust/registry.h"
#include "schemas/ledger.capnp.h"
#include "store/store.h"

namespace ledger {

class DomainState {
 public:
  using LeafHashFn = std::function<StatusOr<Hash>(uint64_t seq)>;

  // Loads the reference data (options.areas_csv / indicators_csv) and the
  // persisted projection. Unless `read_only`, folds events the projection
  // does not reflect yet (a store written before projections existed, or
  // whose projection was dropped); they are written with the next commit.
  static StatusOr<std::unique_ptr<DomainState>> Load(const Store& store, const LedgerOptions& options,
                                                     bool read_only);

  Status Check(schema::EventBody::Reader body, uint64_t seq, int64_t recorded_at_ns, const KeyRegistry& registry,
               const LeafHashFn& leaf_hash);
  Status Apply(schema::EventBody::Reader body, uint64_t seq, const Hash& leaf_hash, int64_t recorded_at_ns);
  Status Flush(const Store& store, rocksdb::WriteBatch* batch);

  // The household's latest event (seq and leaf hash), from the projection:
  // every event that names a household is a household kind the projection
  // folds (rules.cc refuses a household on registry events), so a household
  // the projection does not know has no events. nullopt: no events yet.
  struct Head {
    uint64_t seq;
    Hash hash;
  };
  StatusOr<std::optional<Head>> HouseholdHead(std::string_view household);
  // The appender seals a group's last event after applying it (the event
  // gains the heads root, so its leaf hash changes): the household's head
  // takes the final hash.
  void SetLatestHash(std::string_view household, uint64_t seq, const Hash& hash);

  // The in-memory household cache is bounded: once it holds more than its
  // limit, TrimCache() drops it (it refills from the store on use). Call it
  // only when everything flushed is durable, since dropped households are
  // read back from the store.
  bool CacheFull() const;
  void TrimCache();

  const ReferenceData& reference() const { return reference_; }
  // The menu in force after the events applied (loaded also when read-only).
  const PublishedMenu& menu() const { return menu_; }

 private:
  explicit DomainState(ReferenceData reference) : reference_(std::move(reference)) {}
  Status WriteSnapshot(const Store& store, rocksdb::WriteBatch* batch,
                       const std::unordered_map<std::string, std::string>& written);

  ReferenceData reference_;
  PublishedMenu menu_;
  bool menu_changed_ = false;   // since the last Flush
  projection::Core core_;
  uint64_t snapshot_every_ = 0;
  uint64_t last_snapshot_ = 0;
  // Households changed since the last snapshot (their versions go into the next).
  std::unordered_set<std::string> since_snapshot_;
  Status broken_;
};

}  // namespace ledger
