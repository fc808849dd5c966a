#include "domain.h"

namespace ledger {

StatusOr<std::unique_ptr<DomainState>> DomainState::Load(const Store& store) {
  return std::unique_ptr<DomainState>(new DomainState());
}

Status DomainState::Check(schema::EventBody::Reader body, uint64_t seq, const KeyRegistry& registry) const {
  return OkStatus();
}

void DomainState::Apply(schema::EventBody::Reader body, uint64_t seq, const Hash& leaf_hash,
                        int64_t recorded_at_ns) {}

void DomainState::Flush(const Store& store, rocksdb::WriteBatch* batch) {}

}  // namespace ledger
