// Domain rules at append and the projections they maintain (DOMAIN.md):
// the per-event rules of the catalogue (household targeted and not exited,
// indicator was failing, corrections name an event of the same household,
// ...) and the household-status and area-progress projections, updated in
// the same WriteBatch as the events.
//
// The writer thread calls, for each event in order:
//   Check(body, seq)            -> error with a stable reason, nothing stored
//   Apply(body, seq, hash, ...) -> in-memory state updated
// and once per group commit:
//   Flush(batch)                -> projection puts for what changed
//
// Not thread-safe: owned by the writer thread.
#pragma once

#include <rocksdb/write_batch.h>

#include <memory>

#include "ledger/bytes.h"
#include "ledger/status.h"
#include "registry.h"
#include "schemas/ledger.capnp.h"
#include "store.h"

namespace ledger {

class DomainState {
 public:
  static StatusOr<std::unique_ptr<DomainState>> Load(const Store& store);

  Status Check(schema::EventBody::Reader body, uint64_t seq, const KeyRegistry& registry) const;
  void Apply(schema::EventBody::Reader body, uint64_t seq, const Hash& leaf_hash, int64_t recorded_at_ns);
  void Flush(const Store& store, rocksdb::WriteBatch* batch);

 private:
  DomainState() = default;
};

}  // namespace ledger
