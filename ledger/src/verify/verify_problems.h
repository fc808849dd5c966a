// Collects the verifier's problems from several threads (verify.h).
//
//   ProblemSink sink(/*max_kept=*/1000);
//   sink.Add(SeqProblem("prev_hash", 42, "..."));
//   std::vector<VerifyProblem> sorted = sink.Take();
//
// Keeps at most `max_kept` problems, the lowest in report order (seq, then
// checkpoint size, then tile), counts all of them and tracks the lowest seq.
// Internal to the ledger library. Thread-safe.
#pragma once

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/verify.h"

namespace ledger {

// The first 8 bytes of a hash in hex, as problems name hashes.
inline std::string ShortHash(const Hash& h) { return ToHex(std::span<const uint8_t>(h.data(), 8)); }

inline VerifyProblem SeqProblem(std::string kind, uint64_t seq, std::string message) {
  VerifyProblem p;
  p.kind = std::move(kind);
  p.seq = seq;
  p.message = std::move(message);
  return p;
}

inline VerifyProblem TileProblem(const merkle::TileId& id, std::string message) {
  VerifyProblem p;
  p.kind = "tile";
  p.tile = id;
  p.message = std::move(message);
  return p;
}

inline VerifyProblem CheckpointProblem(uint64_t size, std::string message) {
  VerifyProblem p;
  p.kind = "checkpoint";
  p.checkpoint_size = size;
  p.message = std::move(message);
  return p;
}

inline VerifyProblem PlainProblem(std::string kind, std::string message) {
  VerifyProblem p;
  p.kind = std::move(kind);
  p.message = std::move(message);
  return p;
}

class ProblemSink {
 public:
  explicit ProblemSink(size_t max_kept) : max_kept_(std::max<size_t>(max_kept, 1)) {}

  void Add(VerifyProblem p) {
    std::lock_guard lock(mu_);
    ++total_;
    if (p.seq && (!first_bad_seq_ || *p.seq < *first_bad_seq_)) first_bad_seq_ = p.seq;
    kept_.push_back(std::move(p));
    if (kept_.size() >= 2 * max_kept_) Trim();
  }

  uint64_t total() const {
    std::lock_guard lock(mu_);
    return total_;
  }
  std::optional<uint64_t> first_bad_seq() const {
    std::lock_guard lock(mu_);
    return first_bad_seq_;
  }
  // The kept problems in report order.
  std::vector<VerifyProblem> Take() {
    std::lock_guard lock(mu_);
    Trim();
    return std::move(kept_);
  }

 private:
  static auto Order(const VerifyProblem& p) {
    // Problems without a seq sort after those with one.
    return std::make_tuple(p.seq.value_or(UINT64_MAX), p.checkpoint_size.value_or(UINT64_MAX),
                           p.tile ? p.tile->level : INT32_MAX, p.tile ? p.tile->index : UINT64_MAX);
  }
  void Trim() {
    std::stable_sort(kept_.begin(), kept_.end(),
                     [](const VerifyProblem& a, const VerifyProblem& b) { return Order(a) < Order(b); });
    if (kept_.size() > max_kept_) kept_.resize(max_kept_);
  }

  mutable std::mutex mu_;
  size_t max_kept_;
  uint64_t total_ = 0;
  std::optional<uint64_t> first_bad_seq_;
  std::vector<VerifyProblem> kept_;
};

}  // namespace ledger
