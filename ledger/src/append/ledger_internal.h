// The library's accessor to a Ledger's internal state (the LevelDB
// write_batch_internal.h pattern): for the verifier and the projection reader,
// which read the store directly. Not a public header.
//
//   const Store& store = *LedgerInternal::Of(ledger).store;
#pragma once

#include "append/ledger_impl.h"
#include "ledger/ledger.h"

namespace ledger {

struct LedgerInternal {
  static Ledger::Impl& Of(const Ledger& ledger) { return *ledger.impl_; }
};

}  // namespace ledger
