// The heads map's client-side cost at a TPMAP year's scale (issue: verdicts
// that hold against a lying server): the size of one household's map proof
// and the time to prove and to verify it, among 652,863 households, beside
// one RFC 6962 inclusion proof's verification as the baseline (the proof a
// history needed before).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>

#include "results.h"

namespace ledger::bench {

class HeadsBench {
 public:
  HeadsBench(uint64_t households, Results* results);
  ~HeadsBench();
  // Prove + encode one household's head.
  void Prove(benchmark::State& state);
  // heads::CommittedHead's map part: decode + VerifyHead.
  void Verify(benchmark::State& state);
  // Baseline: merkle::VerifyInclusion of one leaf in a tree of the same size.
  void InclusionBaseline(benchmark::State& state);
  // Building the map of every household from sorted entries (what opening a
  // store does) and by batches of 1,000 (what a replay does).
  void Build(benchmark::State& state, bool batches);

 private:
  struct State;
  void Ensure();
  uint64_t households_;
  Results* results_;
  std::unique_ptr<State> s_;
};

}  // namespace ledger::bench
