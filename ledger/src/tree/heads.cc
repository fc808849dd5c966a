// Entities of an event and an entity's committed head (ledger/heads.h).
#include "ledger/heads.h"

#include <fmt/format.h>

#include <algorithm>

#include "ledger/bytes.h"
#include "ledger/merkle.h"
#include "ledger/reasons.h"

namespace ledger::heads {
namespace {

Status BadProof(const EntityId& entity, uint64_t size, const std::string& why) {
  return DataLossError(fmt::format("heads proof for {} at size {}: {}", Describe(entity), size, why),
                       reason::kBadProof);
}

}  // namespace

std::string Describe(const EntityId& e) {
  switch (e.kind) {
    case EntityKind::kHousehold: return "household " + e.id;
    case EntityKind::kOfficer: return "officer " + e.id;
    case EntityKind::kAgency: return "agency " + e.id;
  }
  return "entity " + e.id;
}

std::vector<EntityId> EntitiesOf(std::string_view household, EventKind kind, std::string_view registry_subject) {
  std::vector<EntityId> out;
  if (!household.empty()) out.push_back({EntityKind::kHousehold, std::string(household)});
  switch (kind) {
    case EventKind::kAgencyRegistered: out.push_back({EntityKind::kAgency, std::string(registry_subject)}); break;
    case EventKind::kOfficerRegistered:
    case EventKind::kOfficerKeyRevoked: out.push_back({EntityKind::kOfficer, std::string(registry_subject)}); break;
    default: break;
  }
  return out;
}

std::vector<EntityId> EntitiesOf(const EventInfo& e) { return EntitiesOf(e.household, e.kind, e.registry_subject); }

std::string EncodeHead(const Head& h) {
  std::string out = BigEndian64(h.seq);
  out.append(reinterpret_cast<const char*>(h.leaf_hash.data()), h.leaf_hash.size());
  out += BigEndian64(h.count);
  return out;
}

StatusOr<Head> DecodeHead(std::string_view bytes) {
  if (bytes.size() != kHeadSize) {
    return DataLossError(fmt::format("a head is {} bytes, got {}", kHeadSize, bytes.size()), reason::kBadProof);
  }
  Head h;
  h.seq = ReadBigEndian64(bytes.substr(0, 8));
  std::copy(bytes.begin() + 8, bytes.begin() + 40, h.leaf_hash.begin());
  h.count = ReadBigEndian64(bytes.substr(40, 8));
  return h;
}

StatusOr<std::optional<Head>> CommittedHead(const EntityId& entity, uint64_t size, std::string_view root_leaf,
                                            std::string_view map_proof, std::string_view head_bytes) {
  if (size == 0) {
    if (!head_bytes.empty()) return BadProof(entity, size, "an empty log has no heads");
    return std::optional<Head>();
  }
  auto last = DecodeEvent(root_leaf);
  if (!last.ok()) return BadProof(entity, size, "event " + std::to_string(size - 1) + ": " + last.status().message());
  if (last->seq != size - 1) {
    return BadProof(entity, size, fmt::format("the root event is {}, not {}", last->seq, size - 1));
  }
  if (!last->heads_root) {
    return BadProof(entity, size, fmt::format("event {} carries no heads root: the checkpoint commits to no heads",
                                              last->seq));
  }
  auto proof = DecodeMapProof(map_proof);
  if (!proof.ok()) return BadProof(entity, size, proof.status().message());
  const Hash key = entity.key();
  std::optional<Head> before;
  if (head_bytes.empty()) {
    if (Status s = VerifyAbsent(*last->heads_root, key, *proof); !s.ok()) return BadProof(entity, size, s.message());
  } else {
    ASSIGN_OR_RETURN(Head h, DecodeHead(head_bytes));
    if (Status s = VerifyHead(*last->heads_root, key, h, *proof); !s.ok()) return BadProof(entity, size, s.message());
    if (h.seq >= size - 1 || h.count == 0) return BadProof(entity, size, "the head is not before the root event");
    before = h;
  }
  const auto touched = EntitiesOf(*last);
  if (std::find(touched.begin(), touched.end(), entity) == touched.end()) return before;
  // Event size-1 is about the entity: it is the head.
  if (entity.kind == EntityKind::kHousehold) {
    const bool linked = before ? (last->household_prev_seq == before->seq && last->household_prev_hash == before->leaf_hash)
                               : !last->household_prev_seq.has_value();
    if (!linked) return BadProof(entity, size, "the root event does not link to the committed head before it");
  }
  Head h;
  h.seq = size - 1;
  h.leaf_hash = merkle::HashLeaf(AsBytes(root_leaf));
  h.count = before ? before->count + 1 : 1;
  return std::optional<Head>(h);
}

}  // namespace ledger::heads
