// Finds an event's seq by its leaf hash, for GetEvent by leaf hash.
//
// The store has no leaf-hash index (each one would cost a put per event on
// the append path, DESIGN.md §3). Instead the server keeps the first 4 bytes
// of every leaf hash in memory, indexed by seq (4 bytes per event: 40 MB at
// 10 M events), fills it from the Merkle tiles when asked first (or by
// Warm() in the background) and extends it as the log grows. A lookup scans
// the prefixes (a few ms at 10 M events) and confirms each candidate with
// its full hash.
//
//   LeafIndex index(ledger);
//   ASSIGN_OR_RETURN(uint64_t seq, index.Find(leaf_hash));   // NotFound if absent
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/ledger.h"
#include "ledger/status.h"

namespace ledger::net {

class LeafIndex {
 public:
  explicit LeafIndex(const Ledger& ledger) : ledger_(ledger) {}

  // Catches up with the ledger's current size.
  Status Warm();
  // The seq of the event whose leaf hash is `hash`; NotFound (NO_SUCH_EVENT).
  StatusOr<uint64_t> Find(const Hash& hash);

 private:
  Status CatchUpLocked();

  const Ledger& ledger_;
  std::mutex mu_;
  std::vector<uint32_t> prefixes_;  // prefixes_[seq] = first 4 bytes of the leaf hash
};

}  // namespace ledger::net
