// Part of the verifier (verify.h): the heads map (docs/formats.md §7)
// recomputed from the events. Every heads root an event carries must be the
// root of the map over the events before it; every checkpoint made since the
// first root must end with an event that carries one; and the `heads` column
// family must hold the map over all events but the last. Internal to the
// ledger library; fed in seq order from the verifier's in-order stage.
//
// An altered or missing event (already reported by the verifier) makes the
// map diverge from the one the roots were made with: from the first such
// event on, the heads checks stop instead of naming every later root.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "store/store.h"
#include "tree/heads_batch.h"
#include "tree/heads_map.h"
#include "verify/verify_problems.h"

namespace ledger::verifier {

class HeadsAudit {
 public:
  // `unreliable(seq)`: the verifier found event `seq` altered or missing
  // (asked only for seqs it has judged).
  HeadsAudit(ProblemSink* sink, std::function<bool(uint64_t)> unreliable)
      : sink_(sink), unreliable_(std::move(unreliable)), batch_(map_) {}

  // Event `seq` (with its true leaf hash), in seq order.
  void Add(uint64_t seq, std::string_view household, EventKind kind, std::string_view registry_subject,
           const std::optional<Hash>& heads_root, const Hash& leaf_hash);

  // After the last event: the checkpoints' last events, the stored map.
  void Finish(const Store& store, uint64_t size);

 private:
  ProblemSink* sink_;
  std::function<bool(uint64_t)> unreliable_;
  bool diverged_ = false;
  uint64_t judged_from_ = 0;    // seqs below are known reliable
  heads::HeadsMap map_;         // events before the pending batch
  heads::HeadsBatch batch_;     // updates not yet in map_
  size_t last_begin_ = 0;       // the latest event's first update in batch_
  std::optional<uint64_t> first_root_;
  std::unordered_set<uint64_t> roots_;   // seqs that carry a heads root
};

}  // namespace ledger::verifier
