// What the log commits to about an entity (docs/formats.md §7): which
// entities an event is about, and an entity's head at a checkpoint, from the
// heads root that the checkpoint's last event carries and a map proof.
//
//   EntityId h{heads::EntityKind::kHousehold, "33010100010"};
//   ASSIGN_OR_RETURN(std::optional<heads::Head> head,
//                    heads::CommittedHead(h, checkpoint.size, root_leaf, map_proof, head_bytes));
//   // nullopt: proven absent at that size; else the entity's latest event and count
//
// The caller proves `root_leaf` (event size-1) in the checkpoint of `size`
// with an inclusion proof; everything else is checked here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/event.h"
#include "ledger/heads_map.h"

namespace ledger::heads {

struct EntityId {
  EntityKind kind = EntityKind::kHousehold;
  std::string id;
  Hash key() const { return MapKey(kind, id); }
  friend bool operator==(const EntityId&, const EntityId&) = default;
};

// "household 33010100010", "officer OFF-1", "agency PHO-33".
std::string Describe(const EntityId& e);

// The entities `e` is about: its household, if any; the agency of an
// AgencyRegistered; the officer of an OfficerRegistered or OfficerKeyRevoked.
std::vector<EntityId> EntitiesOf(const EventInfo& e);
std::vector<EntityId> EntitiesOf(std::string_view household, EventKind kind, std::string_view registry_subject);

// seq (8 BE) || leaf hash (32) || count (8 BE): 48 bytes.
std::string EncodeHead(const Head& h);
StatusOr<Head> DecodeHead(std::string_view bytes);

// The entity's head in the log of `size` events. `root_leaf` is the leaf
// bytes of event size-1, which must carry the heads root of events
// [0, size-1); `map_proof` proves `head_bytes` (48 bytes, or "" for
// absence) for the entity in that map. Event size-1 itself is then applied:
// if it concerns the entity, it is the head (and, for a household, it must
// link to the head before it). DataLoss with reason BAD_PROOF on any
// mismatch.
StatusOr<std::optional<Head>> CommittedHead(const EntityId& entity, uint64_t size, std::string_view root_leaf,
                                            std::string_view map_proof, std::string_view head_bytes);

}  // namespace ledger::heads
