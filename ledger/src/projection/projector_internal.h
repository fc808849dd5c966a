// The library's accessor to a Projector's fold state (projection::Core), for
// the verifier's projection comparison. Not a public header.
//
//   projection::Core& core = ProjectorInternal::Core(projector);
#pragma once

#include "ledger/projection.h"
#include "projection/projection_internal.h"

namespace ledger {

struct ProjectorInternal {
  static projection::Core& Core(Projector& p) { return *p.core_; }
};

}  // namespace ledger
