// Append throughput of the embedded ledger, each set against a baseline
// measured in the same run on the same bytes:
//
//   RawRocks        "append.raw"     a WriteBatch per 1,000 of the ledger's own
//                                    leaf bytes under the same 8-byte BE keys in
//                                    the `events` CF, WAL synced, one writer, in
//                                    a fresh DB opened with the ledger store's
//                                    own OPTIONS file
//   LedgerUnsigned  "append.ledger"  Ledger appends of pre-signed events with
//                                    verify_signatures=false (trust chain still
//                                    checked), max_batch_events=1000, sync=true,
//                                    several producer threads
//   Ed25519         "verify.t1/t2"   ledger::Ed25519Verify (libsodium) of the
//                                    same events' bodies, 1 and 2 threads
//   LedgerSigned    "signed.ledger"  Ledger appends with verify_signatures=true
//
//   AppendBench b(workload, config, &results);
//   benchmark::RegisterBenchmark("append/raw", [&](benchmark::State& s) { b.RawRocks(s); })
//       ->Iterations(1)->UseManualTime();
//
// Besides the rate, each run records the process CPU time per event
// ("<key>.cpu_us", every thread counted, RocksDB's included): a cost that
// load from other processes hardly moves, unlike the wall-clock rate.
//
// Each benchmark function is one timed run over the whole workload (so use
// Iterations(1) and UseManualTime), in a fresh store under config.work_dir
// that is removed afterwards. The events are generated (and signed) once,
// on first use, outside any timing.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "results.h"
#include "workload.h"

namespace ledger::bench {

struct AppendConfig {
  uint64_t events = 200'000;        // per unsigned append run (rounded up to whole households)
  uint64_t signed_events = 40'000;  // per signed append run and verify baseline
  int producers = 2;                // threads calling Ledger::AppendAsync
  size_t batch = 500;               // events per AppendAsync call
  int in_flight = 2;                // AppendAsync calls a producer keeps outstanding
  std::string work_dir;             // fresh stores are made under it
};

class AppendBench {
 public:
  AppendBench(const Workload& workload, AppendConfig config, Results* results);

  void RawRocks(benchmark::State& state);
  void LedgerUnsigned(benchmark::State& state);
  // The same without the heads map (LedgerOptions::heads_map): its cost.
  void LedgerUnsignedNoHeads(benchmark::State& state);
  void Ed25519(benchmark::State& state, int threads);
  void LedgerSigned(benchmark::State& state);
  void LedgerSignedNoHeads(benchmark::State& state);

  static std::string VerifyKey(int threads) { return "verify.t" + std::to_string(threads); }

 private:
  struct Run {
    double seconds = 0;
    double cpu_seconds = 0;  // process CPU time (all threads)
    uint64_t failed = 0;
    std::string first_error;
  };
  // Appends events [0, count) from config_.producers threads and waits.
  Run Produce(Ledger& ledger, uint64_t count);
  // Times one ledger run; records `key` in events/s.
  void LedgerRun(benchmark::State& state, bool verify, uint64_t count, const std::string& key,
                 const std::string& baseline, bool heads_map = true);

  const std::vector<std::string>& Events();  // signed bodies, generated on first use
  const std::vector<std::string>& Leaves();  // their leaf bytes, from an unsynced ledger run
  std::string FreshDir();

  const Workload& workload_;
  AppendConfig config_;
  Results* results_;
  std::vector<std::string> bootstrap_;
  std::vector<std::string> events_;
  std::vector<std::string> leaves_;
  int runs_ = 0;
};

}  // namespace ledger::bench
