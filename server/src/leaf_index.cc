#include "leaf_index.h"
#include "ledger/reasons.h"

#include <fmt/format.h>

namespace ledger::net {
namespace {

uint32_t Prefix(const Hash& h) {
  return static_cast<uint32_t>(h[0]) << 24 | static_cast<uint32_t>(h[1]) << 16 | static_cast<uint32_t>(h[2]) << 8 |
         static_cast<uint32_t>(h[3]);
}

}  // namespace

Status LeafIndex::CatchUpLocked() {
  const uint64_t size = ledger_.Size();
  prefixes_.reserve(size);
  for (uint64_t seq = prefixes_.size(); seq < size; ++seq) {
    ASSIGN_OR_RETURN(Hash h, ledger_.LeafHash(seq));
    prefixes_.push_back(Prefix(h));
  }
  return OkStatus();
}

Status LeafIndex::Warm() {
  std::lock_guard lock(mu_);
  return CatchUpLocked();
}

StatusOr<uint64_t> LeafIndex::Find(const Hash& hash) {
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(CatchUpLocked());
  const uint32_t want = Prefix(hash);
  for (uint64_t seq = 0; seq < prefixes_.size(); ++seq) {
    if (prefixes_[seq] != want) continue;
    ASSIGN_OR_RETURN(Hash h, ledger_.LeafHash(seq));
    if (h == hash) return seq;
  }
  return NotFoundError(fmt::format("no event has leaf hash {}", ToHex(hash)), reason::kNoSuchEvent);
}

}  // namespace ledger::net
