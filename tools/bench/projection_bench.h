// Projection rebuild throughput and "report as of a date" latency over
// stores made by ledger-seed (the realistic programme of docs/domain.md §4),
// each figure set against baselines measured in the same run on the same
// store (<S> is the store's label):
//
//   RawScan   "projection.<S>.raw_scan"  events/s: one RocksDB iterator over
//                                        the store's `events` CF, opened
//                                        read-only as a plain RocksDB, every
//                                        key and value touched, with the
//                                        replay's read options (4 MiB
//                                        readahead, no block-cache fill)
//   Decode    "projection.<S>.decode"    events/s: the same scan plus a Cap'n
//                                        Proto read of each envelope (seq,
//                                        recordedAt, household, agency,
//                                        officer, occurredAt, payload kind):
//                                        decoding only, one thread
//   Rebuild   "projection.<S>.rebuild"   events/s: ProjectionAt(ledger,
//                                        Size(), use_snapshots=false), the
//                                        whole fold from seq 0 (reader thread
//                                        + fold thread, projection_reader.cc)
//   Report    "report.<S>.<date>.snap1"  ms: what `ledger-replay report
//             "report.<S>.<date>.snap0"  --as-of DATE --by province` calls:
//                                        Ledger::OpenReadOnly, SizeAtTime(
//                                        BangkokEndOfDayNs(DATE)), ProjectionAt
//                                        (size, use_snapshots = true (snap1,
//                                        the default) / false (snap0, the
//                                        command's --no-snapshots)), Areas(
//                                        kProvince). Its parts are kept as
//                                        "<key>.open", ".size_at_time",
//                                        ".projection" (ms), and the process
//                                        CPU time it took as "<key>.cpu" (ms,
//                                        both threads).
//   Sweep     "report.<S>.sweep.max"     ms: the same report with snapshots as
//             ".median"                  of every 14th day of the fiscal
//                                        year, one run each: "any date" (the
//                                        slowest date is noted)
//
// Scan, decode and rebuild also record the process CPU time per event
// ("<key>.cpu_us"). The page cache is warm for all but the first pass over
// a store (the stores fit in RAM); each report iteration opens the store
// afresh, as the command does, so RocksDB's block cache starts cold.
//
//   SeededStores stores("/tmp/ledger-bench-stores", "build/tools/ledger-seed", &results);
//   ProjectionBench p(&stores, {25'000, 100'000}, &results);   // seeded on first use
//   ProjectionBench q("/work/bench-stores/seed-10m", "seed-10m", &results);   // an existing store
//   benchmark::RegisterBenchmark("projection/rebuild", [&](benchmark::State& s) { p.Rebuild(s); })
//       ->Iterations(1)->UseManualTime();
//
// A seeded store is `ledger-seed --households H --seed 7 --provinces all
// --snapshot-every E`, cached as <cache>/seed-h<H>[-snap<E>]/store with the
// seed's --json report beside it (seed.json: events/s, bytes per event,
// recorded as "seed.<S>.events_per_s" and ".bytes_per_event" when seeded
// in this run, and as a note). A store whose seeding did not finish (no
// BENCH_COMPLETE file) is removed and seeded again.
//
// The same date must give the same province figures with and without
// snapshots: the second variant measured checks it (fails otherwise).
//
// Thread-safety: none; benchmarks run one at a time.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "ledger/calendar.h"
#include "ledger/ledger.h"
#include "ledger/status.h"
#include "results.h"

namespace ledger::bench {

struct SeedSpec {
  uint64_t households = 25'000;     // about 20 events each, all provinces
  uint64_t snapshot_every = 100'000;  // ledger-seed --snapshot-every (0 = none)
  // "seed-h25000", or "seed-h25000-snap0" when snapshot_every is not the default.
  std::string Label() const;
};

class SeededStores {
 public:
  // `seed_tool`: the ledger-seed executable.
  SeededStores(std::string cache_dir, std::string seed_tool, Results* results)
      : cache_dir_(std::move(cache_dir)), seed_tool_(std::move(seed_tool)), results_(results) {}

  // The store directory of `spec`, seeded on first use.
  StatusOr<std::string> Ensure(const SeedSpec& spec);

  // ledger-seed beside the running executable.
  static std::string DefaultSeedTool();

 private:
  Status Seed(const SeedSpec& spec, const std::string& dir);

  std::string cache_dir_;
  std::string seed_tool_;
  Results* results_;
};

class ProjectionBench {
 public:
  // A store seeded (and cached) by `stores`.
  ProjectionBench(SeededStores* stores, SeedSpec spec, Results* results);
  // An existing ledger store, opened read-only, never changed.
  ProjectionBench(std::string dir, std::string label, Results* results);

  void RawScan(benchmark::State& state);
  void Decode(benchmark::State& state);
  void Rebuild(benchmark::State& state);
  void Report(benchmark::State& state, const CivilDate& as_of, bool snapshots);
  // The report with snapshots as of every `every_days`-th day from `from` to
  // `to`, one run each: "report.<S>.sweep.max", ".median", ".cpu_max" (ms).
  void Sweep(benchmark::State& state, const CivilDate& from, const CivilDate& to, int every_days);

  const std::string& label() const { return label_; }
  std::string Key(const std::string& what) const { return "projection." + label_ + "." + what; }
  std::string ReportKey(const CivilDate& as_of, bool snapshots) const;
  std::string SweepKey() const { return "report." + label_ + ".sweep"; }

 private:
  struct ReportRun {
    uint64_t size = 0;             // events as of the date
    double total_ms = 0, open_ms = 0, size_at_time_ms = 0, projection_ms = 0, cpu_ms = 0;
    std::string fingerprint;       // of the province rows
  };
  // One report as `ledger-replay report --by province` makes it, timed.
  StatusOr<ReportRun> RunReport(const CivilDate& as_of, bool snapshots);
  Status OpenOnce();   // dir_, ledger_
  // One pass over the `events` CF, decoding each envelope or not.
  void Scan(benchmark::State& state, bool decode);
  // Records a pass over `events` events in `seconds` (and CPU seconds) under `key`.
  void Record(benchmark::State& state, const std::string& key, uint64_t events, double seconds, double cpu);

  SeededStores* stores_ = nullptr;
  SeedSpec spec_;
  std::string dir_;
  std::string label_;
  Results* results_;
  std::unique_ptr<Ledger> ledger_;
  std::map<std::string, std::string> report_fingerprints_;   // date -> hash of the province rows
};

}  // namespace ledger::bench
