// ledger-bench: throughput and latency of the core ledger, each figure set
// against a baseline measured in the same run (docs/PERFORMANCE.md).
//
//   ledger-bench                                  # default run, a few minutes
//   ledger-bench --with-10m                       # also 10 M-event proof store
//   ledger-bench --benchmark_filter=proof --json  # proofs only, summary as JSON
//   ledger-bench server --ledgerd build/server/ledgerd   # = ledger-net-bench ARGS (over TLS)
//   ledger-bench --benchmark_filter='projection|report' --projection-store /work/bench-stores/seed-10m
//
// What each figure means and how it was measured: append_bench.h,
// proof_bench.h, verify_bench.h, projection_bench.h.
//
// Google Benchmark flags (--benchmark_filter, --benchmark_format, ...) pass
// through. Exit code 0 when every benchmark ran, 1 when one failed, 2 on a
// usage error.
#include <CLI/CLI.hpp>
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string_view>

#include "append_bench.h"
#include "heads_bench.h"
#include "ledger/calendar.h"
#include "ledger/version.h"
#include "projection_bench.h"
#include "proof_bench.h"
#include "results.h"
#include "verify_bench.h"
#include "workload.h"

namespace ledger::bench {
namespace {

// Console output of Google Benchmark that also counts failed benchmarks.
class CountingReporter : public benchmark::ConsoleReporter {
 public:
  explicit CountingReporter(bool color) : ConsoleReporter(color ? OO_ColorTabular : OO_Tabular) {}
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.error_occurred) ++failures_;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  int failures() const { return failures_; }

 private:
  int failures_ = 0;
};

// Households that ledger-seed turns into about 10 M events (all provinces,
// seed 7: 19.7 events per household).
constexpr uint64_t kSeedHouseholds10M = 508'000;

// Rebuild (and its baselines) `reps` times, then the report latency as of
// each date with snapshots and, when `with_snapshots_off`, without.
void RegisterProjection(ProjectionBench* p, int reps, const std::vector<CivilDate>& dates, bool with_snapshots_off,
                        Results* results) {
  const std::string& s = p->label();
  for (int r = 0; r < reps; ++r) {
    auto once = [](benchmark::internal::Benchmark* b) { b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond); };
    once(benchmark::RegisterBenchmark(fmt::format("projection/{}/raw_scan/rep:{}", s, r).c_str(),
                                      [p](benchmark::State& st) { p->RawScan(st); }));
    once(benchmark::RegisterBenchmark(fmt::format("projection/{}/decode/rep:{}", s, r).c_str(),
                                      [p](benchmark::State& st) { p->Decode(st); }));
    once(benchmark::RegisterBenchmark(fmt::format("projection/{}/rebuild/rep:{}", s, r).c_str(),
                                      [p](benchmark::State& st) { p->Rebuild(st); }));
  }
  if (reps > 0) {
    results->AddLimit({fmt::format("projection rebuild, {}", s), p->Key("rebuild"), "events/s", 0, 1'000'000});
    results->AddRatio({fmt::format("projection rebuild vs raw events scan, {}", s), p->Key("rebuild"),
                       p->Key("raw_scan"), "events/s"});
    results->AddRatio({fmt::format("projection rebuild vs capnp decode, {}", s), p->Key("rebuild"), p->Key("decode"),
                       "events/s"});
    results->AddRatio({fmt::format("CPU per event: rebuild vs raw scan, {}", s), p->Key("rebuild.cpu_us"),
                       p->Key("raw_scan.cpu_us"), "us"});
  }
  for (const CivilDate& d : dates) {
    for (bool snapshots : {true, false}) {
      if (!snapshots && !with_snapshots_off) continue;
      benchmark::RegisterBenchmark(
          fmt::format("report/{}/as_of:{}/snapshots:{}", s, FormatDate(d), snapshots ? 1 : 0).c_str(),
          [p, d, snapshots](benchmark::State& st) { p->Report(st, d, snapshots); })
          ->UseManualTime()
          ->Unit(benchmark::kMillisecond);
    }
    const std::string on = p->ReportKey(d, true), off = p->ReportKey(d, false);
    if (with_snapshots_off) {
      results->AddLimit({fmt::format("report as of {}, {}, snapshots", FormatDate(d), s), on, "ms", 2000});
      results->AddLimit({"  CPU time of it (both threads)", on + ".cpu", "ms"});
      results->AddLimit({fmt::format("report as of {}, {}, no snapshots", FormatDate(d), s), off, "ms"});
      results->AddLimit({"  CPU time of it (both threads)", off + ".cpu", "ms"});
      results->AddRatio({fmt::format("report as of {} without vs with snapshots, {}", FormatDate(d), s), off, on,
                         "ms"});
    } else {
      results->AddLimit({fmt::format("report as of {}, {} (store without snapshots)", FormatDate(d), s), on, "ms"});
    }
    results->AddLimit({fmt::format("  of which SizeAtTime as of {}, {}", FormatDate(d), s), on + ".size_at_time", "ms"});
  }
  if (with_snapshots_off) {
    // "Any date": every 14th day of fiscal year 2565 and the weeks after it.
    const CivilDate from{2021, 10, 1}, to{2022, 10, 31};
    benchmark::RegisterBenchmark(
        fmt::format("report/{}/sweep:{}..{}/every:14d", s, FormatDate(from), FormatDate(to)).c_str(),
        [p, from, to](benchmark::State& st) { p->Sweep(st, from, to, 14); })
        ->Iterations(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond);
    results->AddLimit({fmt::format("report as of any date (every 14 days), {}, slowest", s), p->SweepKey() + ".max",
                       "ms", 2000});
    results->AddLimit({"  median over those dates", p->SweepKey() + ".median", "ms"});
  }
  results->AddLimit({fmt::format("ledger-seed, {} (seeded in this run)", s), "seed." + s + ".events_per_s",
                     "events/s"});
  results->AddLimit({fmt::format("ledger-seed on disk, {}", s), "seed." + s + ".bytes_per_event", "bytes/event"});
}

std::string DefaultStoreDir() {
  if (const char* d = std::getenv("LEDGER_BENCH_DIR"); d != nullptr && *d != '\0') return d;
  return "/tmp/ledger-bench-stores";
}

bool EnvFlag(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

int Main(int argc, char** argv) {
  AppendConfig append;
  append.work_dir = std::filesystem::temp_directory_path().string();
  int reps = 3;
  std::string store_dir = DefaultStoreDir();
  std::vector<uint64_t> proof_sizes = {1'000'000};
  bool with_10m = EnvFlag("LEDGER_BENCH_10M");
  bool json = false;
  uint64_t verify_events = 200'000;
  int verify_threads = 2;
  uint64_t projection_households = 25'000;
  std::vector<std::string> projection_stores;
  std::vector<std::string> report_dates = {"2022-03-31", "2022-09-30"};
  std::string seed_tool = SeededStores::DefaultSeedTool();

  CLI::App app{"ledger-bench: append throughput and proof latency of the ledger, as ratios against baselines "
               "measured in the same run"};
  app.set_version_flag("--version", ledger::VersionLine("ledger-bench"));
  app.footer(
      "Server mode: 'ledger-bench server [ARGS...]' runs ledger-net-bench ARGS: appends and proofs over TLS, "
      "ledgerd's memory ('ledger-bench server --help').\n"
      "Google Benchmark flags pass through, e.g. --benchmark_filter=REGEX, --benchmark_format=json, "
      "--benchmark_min_time=SECONDS.\nEnvironment: LEDGER_BENCH_DIR (proof store cache), LEDGER_BENCH_10M=1 "
      "(same as --with-10m).");
  app.allow_extras();
  app.add_option("--events", append.events, "Events per unsigned append run")->capture_default_str();
  app.add_option("--signed-events", append.signed_events, "Events per signed append run and verify baseline")
      ->capture_default_str();
  app.add_option("--producers", append.producers, "Threads calling Ledger::AppendAsync")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--batch", append.batch, "Events per AppendAsync call")->capture_default_str()->check(CLI::Range(1, 100000));
  app.add_option("--in-flight", append.in_flight, "AppendAsync calls each producer keeps outstanding")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--reps", reps, "Repetitions of each append run (baseline and ledger interleaved)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_option("--work-dir", append.work_dir, "Where fresh stores for append runs are made and removed")
      ->capture_default_str();
  app.add_option("--store-dir", store_dir, "Cache of proof stores, reused across runs ($LEDGER_BENCH_DIR)")
      ->capture_default_str();
  app.add_option("--proof-sizes", proof_sizes, "Store sizes (events) for proof latency")
      ->capture_default_str()
      ->delimiter(',');
  app.add_option("--verify-events", verify_events, "Size of the store VerifyStore audits (cached like proof stores)")
      ->capture_default_str();
  app.add_option("--verify-threads", verify_threads, "VerifyOptions::threads")->capture_default_str()->check(CLI::Range(1, 64));
  app.add_option("--projection-households", projection_households,
                 "Households of the seeded store for projection rebuild and report latency (about 20 events each; "
                 "seeded once with ledger-seed and cached in --store-dir, with a twin without snapshots; 0: none)")
      ->capture_default_str();
  app.add_option("--projection-store", projection_stores,
                 "Also measure rebuild and report latency on this existing store (e.g. one made by ledger-seed); "
                 "opened read-only, repeatable");
  app.add_option("--report-dates", report_dates, "As-of dates (CE) of the report latency benchmarks")
      ->capture_default_str()
      ->delimiter(',');
  app.add_option("--seed-tool", seed_tool, "The ledger-seed executable that seeds projection stores")
      ->capture_default_str();
  app.add_flag("--with-10m", with_10m,
               "Also measure proofs on a 10,000,000-event store (built once, ~5 min) and projections on a "
               "~10,000,000-event seeded store (508,000 households; seeded once, ~30 min)");
  app.add_flag("--json", json, "Print the summary as JSON on stdout (benchmark table goes to stderr)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // What CLI11 did not take goes to Google Benchmark, which must take all of it.
  std::vector<std::string> rest = app.remaining();
  std::vector<char*> bargv = {argv[0]};
  for (auto& r : rest) bargv.push_back(r.data());
  int bargc = static_cast<int>(bargv.size());
  benchmark::Initialize(&bargc, bargv.data());
  if (bargc > 1) {
    std::cerr << "ledger-bench: unknown argument '" << bargv[1] << "' (see --help)\n";
    return 2;
  }
  if (with_10m && std::find(proof_sizes.begin(), proof_sizes.end(), 10'000'000) == proof_sizes.end()) {
    proof_sizes.push_back(10'000'000);
  }

  std::vector<CivilDate> dates;
  for (const auto& d : report_dates) {
    auto parsed = ParseDate(d, Calendar::kCe);
    if (!parsed.ok()) {
      std::cerr << "ledger-bench: --report-dates: " << parsed.status().message() << "\n";
      return 2;
    }
    dates.push_back(*parsed);
  }

  Workload workload;
  Results results;
  AppendBench ab(workload, append, &results);
  ProofStores stores(workload, store_dir, &results);
  std::vector<std::unique_ptr<ProofBench>> proofs;

  auto once = [](benchmark::internal::Benchmark* b) { b->Iterations(1)->UseManualTime()->Unit(benchmark::kMillisecond); };
  for (int r = 0; r < reps; ++r) {
    once(benchmark::RegisterBenchmark(fmt::format("append/raw_rocksdb/rep:{}", r).c_str(),
                                      [&](benchmark::State& s) { ab.RawRocks(s); }));
    once(benchmark::RegisterBenchmark(fmt::format("append/ledger_unsigned_no_heads/rep:{}", r).c_str(),
                                      [&](benchmark::State& s) { ab.LedgerUnsignedNoHeads(s); }));
    once(benchmark::RegisterBenchmark(fmt::format("append/ledger_unsigned/rep:{}", r).c_str(),
                                      [&](benchmark::State& s) { ab.LedgerUnsigned(s); }));
  }
  for (int r = 0; r < reps; ++r) {
    for (int t : {1, 2}) {
      once(benchmark::RegisterBenchmark(fmt::format("signed/ed25519_verify/threads:{}/rep:{}", t, r).c_str(),
                                        [&, t](benchmark::State& s) { ab.Ed25519(s, t); }));
    }
    once(benchmark::RegisterBenchmark(fmt::format("signed/ledger_signed_no_heads/rep:{}", r).c_str(),
                                      [&](benchmark::State& s) { ab.LedgerSignedNoHeads(s); }));
    once(benchmark::RegisterBenchmark(fmt::format("signed/ledger_signed/rep:{}", r).c_str(),
                                      [&](benchmark::State& s) { ab.LedgerSigned(s); }));
  }
  VerifyBench vb(&stores, verify_events, verify_threads, &results);
  for (int t : {1, 2}) {
    once(benchmark::RegisterBenchmark(fmt::format("verify/sha256_leaves/threads:{}", t).c_str(),
                                      [&, t](benchmark::State& s) { vb.Sha256(s, t); }));
  }
  for (bool sig : {false, true}) {
    once(benchmark::RegisterBenchmark(fmt::format("verify/store/signatures:{}", sig ? 1 : 0).c_str(),
                                      [&, sig](benchmark::State& s) { vb.Store(s, sig); }));
  }
  for (uint64_t n : proof_sizes) {
    proofs.push_back(std::make_unique<ProofBench>(&stores, n, &results));
    ProofBench* p = proofs.back().get();
    benchmark::RegisterBenchmark(fmt::format("proof/inclusion/events:{}", n).c_str(),
                                 [p](benchmark::State& s) { p->Inclusion(s); })
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark(fmt::format("proof/consistency/events:{}", n).c_str(),
                                 [p](benchmark::State& s) { p->Consistency(s); })
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond);
  }

  // The heads map at a TPMAP year's scale (652,863 target households).
  HeadsBench heads_bench(652863, &results);
  benchmark::RegisterBenchmark("heads/prove/households:652863", [&](benchmark::State& s) { heads_bench.Prove(s); })
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("heads/verify_map_proof/households:652863",
                               [&](benchmark::State& s) { heads_bench.Verify(s); })
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("heads/baseline_verify_inclusion/leaves:652863",
                               [&](benchmark::State& s) { heads_bench.InclusionBaseline(s); })
      ->Unit(benchmark::kMicrosecond);
  for (bool batches : {false, true}) {
    once(benchmark::RegisterBenchmark(
        fmt::format("heads/build/{}/households:652863", batches ? "batches_of_1000" : "sorted").c_str(),
        [&, batches](benchmark::State& s) { heads_bench.Build(s, batches); }));
  }

  SeededStores seeded(store_dir, seed_tool, &results);
  std::vector<std::unique_ptr<ProjectionBench>> projections;
  std::vector<SeedSpec> seeds;
  if (projection_households > 0) seeds.push_back({projection_households});
  if (with_10m) seeds.push_back({kSeedHouseholds10M});
  for (const SeedSpec& spec : seeds) projections.push_back(std::make_unique<ProjectionBench>(&seeded, spec, &results));
  for (const auto& dir : projection_stores) {
    projections.push_back(std::make_unique<ProjectionBench>(dir, std::filesystem::path(dir).filename().string(), &results));
  }
  for (const auto& p : projections) RegisterProjection(p.get(), reps, dates, /*with_snapshots_off=*/true, &results);
  // The same events as the first seeded store, without snapshots: what
  // SizeAtTime costs when it cannot skip ahead.
  std::unique_ptr<ProjectionBench> twin;
  if (projection_households > 0) {
    twin = std::make_unique<ProjectionBench>(&seeded, SeedSpec{projection_households, 0}, &results);
    RegisterProjection(twin.get(), /*reps=*/0, dates, /*with_snapshots_off=*/false, &results);
  }

  results.AddRatio({"embedded append, unsigned", "append.ledger", "append.raw", "events/s", 0.5, 0.8});
  results.AddRatio({"CPU per event: ledger vs raw RocksDB", "append.ledger.cpu_us", "append.raw.cpu_us",
                    "us"});
  results.AddRatio({"signed append vs Ed25519 verify, 2 threads", "signed.ledger", AppendBench::VerifyKey(2),
                    "events/s"});
  results.AddRatio({"signed append vs Ed25519 verify, 1 thread", "signed.ledger", AppendBench::VerifyKey(1),
                    "events/s"});
  results.AddRatio({"Ed25519 verify, 2 threads vs 1", AppendBench::VerifyKey(2), AppendBench::VerifyKey(1), "verify/s"});
  results.AddRatio({"verify store, no signatures vs SHA-256 2 threads", VerifyBench::StoreKey(false),
                    VerifyBench::Sha256Key(2), "events/s", 0.5});
  results.AddRatio({"verify store, signatures vs Ed25519 2 threads", VerifyBench::StoreKey(true),
                    AppendBench::VerifyKey(2), "events/s"});
  for (uint64_t n : proof_sizes) {
    for (const char* kind : {"inclusion", "consistency"}) {
      std::string key = fmt::format("proof.{}.{}", kind, n);
      results.AddLimit({fmt::format("{} proof, {} events, median", kind, n), key + ".p50", "us", 50});
      results.AddLimit({fmt::format("{} proof, {} events, p99", kind, n), key + ".p99", "us", 0});
    }
  }

  CountingReporter reporter(::isatty(json ? STDERR_FILENO : STDOUT_FILENO) != 0);
  if (json) reporter.SetOutputStream(&std::cerr);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  results.Print(std::cout, json);
  if (reporter.failures() > 0) {
    std::cerr << fmt::format("ledger-bench: {} benchmark(s) failed\n", reporter.failures());
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace ledger::bench

// `ledger-bench server ARGS...` is ledger-net-bench ARGS (server/bench/),
// built at ../server/ from this binary's directory: Asio and TLS stay out
// of ledger-bench.
static int ExecNetBench(char** args) {
  std::error_code ec;
  const std::string path =
      (std::filesystem::read_symlink("/proc/self/exe", ec).parent_path() / "../server/ledger-net-bench")
          .lexically_normal()
          .string();
  args[0] = const_cast<char*>(path.c_str());
  ::execv(path.c_str(), args);
  std::cerr << "ledger-bench server: cannot run " << path << ": " << std::strerror(errno) << "\n";
  return 1;
}

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "server") return ExecNetBench(argv + 1);
  try {
    return ledger::bench::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "ledger-bench: " << e.what() << "\n";
    return 1;
  }
}
