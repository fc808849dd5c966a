// The per-event domain rules of DOMAIN.md's catalogue, checked at append
// after the trust chain (registry.h) and before an event is sequenced. Each
// broken rule gives a Status with its own stable reason and a message that
// names the field; docs/domain.md lists them all.
//
//   RuleContext ctx{seq, now, registry, reference, menu, core, household, leaf_hash};
//   RETURN_IF_ERROR(CheckRules(ctx, body));
//
// Pure: reads the context, changes nothing.
#pragma once

#include <functional>

#include "ledger/reference.h"
#include "ledger/status.h"
#include "projection/projection_internal.h"
#include "rules/menu.h"
#include "trust/registry.h"
#include "schemas/ledger.capnp.h"

namespace ledger {

struct RuleContext {
  uint64_t seq = 0;                      // the seq the event would get
  int64_t recorded_at_ns = 0;            // its recordedAt
  const KeyRegistry& registry;
  const ReferenceData& reference;
  const PublishedMenu& menu;             // the menu in force (menu.h)
  const projection::Core& core;          // for interned strings
  const projection::Household* household = nullptr;   // the body's household, nullptr if it has no events
  // Leaf hash of an earlier event (any seq < `seq`, including events earlier
  // in the same group commit).
  const std::function<StatusOr<Hash>(uint64_t)>& leaf_hash;
};

Status CheckRules(const RuleContext& ctx, schema::EventBody::Reader body);

}  // namespace ledger
