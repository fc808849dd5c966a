// Proof latency from the library (Ledger::InclusionProof and
// Ledger::ConsistencyProof) over stores of a given size, kept in a cache
// directory and reused across runs.
//
//   ProofStores stores(workload, "/tmp/ledger-bench-stores", &results);
//   ProofBench p(&stores, 1'000'000, &results);   // the store is built on first use
//   benchmark::RegisterBenchmark("proof/inclusion/1000000",
//                                [&](benchmark::State& s) { p.Inclusion(s); })->UseManualTime();
//
// A store of N events is built with verify_signatures=false and synced
// group commits of 10,000 events (max_batch_events=10000), the workload's
// events signed for real, so the store passes a full audit. A store whose
// build did not finish (no BENCH_COMPLETE file), or that this build cannot
// open, is removed and rebuilt.
//
// Each benchmark iteration is one proof for a random tree size in [1, N]
// and a random index (or old size) below it; the iteration's time is the
// call alone. Latencies are recorded as median and p99 in µs under
// "proof.<kind>.<N>.p50" / ".p99". The first 2,000 proofs warm the caches
// and are not timed; a sample of proofs is checked against RootAt.
#pragma once

#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "ledger/ledger.h"
#include "ledger/status.h"
#include "results.h"
#include "workload.h"

namespace ledger::bench {

class ProofStores {
 public:
  ProofStores(const Workload& workload, std::string cache_dir, Results* results)
      : workload_(workload), cache_dir_(std::move(cache_dir)), results_(results) {}

  // The directory of a complete store of exactly `events` events.
  StatusOr<std::string> Ensure(uint64_t events);

 private:
  Status Build(const std::string& dir, uint64_t events);

  const Workload& workload_;
  std::string cache_dir_;
  Results* results_;
};

class ProofBench {
 public:
  ProofBench(ProofStores* stores, uint64_t events, Results* results)
      : stores_(stores), events_(events), results_(results) {}

  void Inclusion(benchmark::State& state);
  void Consistency(benchmark::State& state);

 private:
  Status OpenOnce();
  template <typename Draw, typename Prove, typename Check>
  void Measure(benchmark::State& state, const std::string& key, Draw draw, Prove prove, Check check);

  ProofStores* stores_;
  uint64_t events_;
  Results* results_;
  std::unique_ptr<Ledger> ledger_;
};

}  // namespace ledger::bench
