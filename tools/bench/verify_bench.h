// Offline audit throughput (ledger::VerifyStore, verify.h) over a cached
// store, against baselines measured in the same run on the same bytes:
//
//   Sha256        "sha256.t1/t2"         merkle::HashLeaf (SHA-256 of 0x00 || leaf)
//                                        over the store's leaf bytes, 1 and 2 threads
//   Store(false)  "verify.store.nosig"   VerifyStore, check_signatures=false
//   Store(true)   "verify.store.sig"     VerifyStore, check_signatures=true
//                                        (compared with Ed25519 verify/s of
//                                        AppendBench, "verify.t2")
//
//   VerifyBench v(&stores, 200'000, /*threads=*/2, &results);
//   benchmark::RegisterBenchmark("verify/store_nosig", [&](benchmark::State& s) { v.Store(s, false); })
//       ->Iterations(1)->UseManualTime();
//
// Each function is one timed pass over the whole store; the store comes
// from ProofStores (built once, reused across runs).
#pragma once

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "proof_bench.h"
#include "results.h"

namespace ledger::bench {

class VerifyBench {
 public:
  VerifyBench(ProofStores* stores, uint64_t events, int threads, Results* results)
      : stores_(stores), events_(events), threads_(threads), results_(results) {}

  void Sha256(benchmark::State& state, int threads);
  void Store(benchmark::State& state, bool signatures);

  static std::string Sha256Key(int threads) { return "sha256.t" + std::to_string(threads); }
  static std::string StoreKey(bool signatures) {
    return signatures ? "verify.store.sig" : "verify.store.nosig";
  }

 private:
  Status Load();  // the store's directory and leaf bytes, once

  ProofStores* stores_;
  uint64_t events_;
  int threads_;
  Results* results_;
  std::string dir_;
  std::vector<std::string> leaves_;
};

}  // namespace ledger::bench
