#include "proof_bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "common/progress.h"
#include "ledger/durable_file.h"
#include "ledger/merkle.h"
#include "timing.h"

namespace ledger::bench {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kBuildBatch = 10'000;  // events per synced group commit while building
constexpr const char* kCompleteFile = "BENCH_COMPLETE";
constexpr int kWarmup = 2'000;
constexpr int kChecked = 200;

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * (v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Records the latencies (ns) of one benchmark call as p50/p99 in µs.
void Report(benchmark::State& state, Results* results, const std::string& key, const std::vector<double>& ns) {
  double p50 = Percentile(ns, 0.50) / 1000;
  double p99 = Percentile(ns, 0.99) / 1000;
  results->Set(key + ".p50", p50);
  results->Set(key + ".p99", p99);
  state.counters["p50_us"] = p50;
  state.counters["p99_us"] = p99;
  state.counters["proofs"] = static_cast<double>(ns.size());
}

}  // namespace

StatusOr<std::string> ProofStores::Ensure(uint64_t events) {
  fs::path dir = fs::path(cache_dir_) / fmt::format("store-{}", events);
  std::error_code ec;
  if (fs::exists(dir / kCompleteFile, ec)) {
    // A cache made by an older build may no longer open (format change): rebuild it.
    auto opened = Ledger::OpenReadOnly(dir.string());
    if (opened.ok() && (*opened)->Size() == events) return dir.string();
    std::cerr << fmt::format("ledger-bench: cached {} is unusable ({}); rebuilding it\n", dir.string(),
                             opened.ok() ? "wrong size" : opened.status().ToString());
  } else if (fs::exists(dir, ec)) {
    std::cerr << fmt::format("ledger-bench: {} is an unfinished build; rebuilding it\n", dir.string());
  }
  fs::remove_all(dir, ec);
  fs::create_directories(cache_dir_, ec);
  RETURN_IF_ERROR(Build(dir.string(), events));
  return dir.string();
}

Status ProofStores::Build(const std::string& dir, uint64_t events) {
  LedgerOptions o;
  o.verify_signatures = false;
  o.max_batch_events = kBuildBatch;
  o.sync = true;
  auto start = Clock::now();
  {
    ASSIGN_OR_RETURN(auto ledger, workload_.CreateLedger(dir, o));
    auto boot = workload_.Bootstrap();
    for (auto& r : ledger->Append(boot)) RETURN_IF_ERROR(r.status());
    if (events < boot.size()) return InvalidArgumentError(fmt::format("store size {} is below {}", events, boot.size()));
    const uint64_t body_events = events - boot.size();
    const uint64_t per_chunk = kBuildBatch / kEventsPerHousehold;  // households
    const uint64_t chunks = (body_events + kBuildBatch - 1) / kBuildBatch;
    tools::ProgressBar bar("building " + dir, body_events);
    std::atomic<uint64_t> next{0}, done{0};
    std::mutex mu;  // guards error and bar
    Status error;
    auto worker = [&] {
      for (uint64_t c; (c = next.fetch_add(1)) < chunks;) {
        {
          std::lock_guard lock(mu);
          if (!error.ok()) return;
        }
        auto batch = workload_.Households(c * per_chunk, per_chunk);
        batch.resize(std::min<uint64_t>(batch.size(), body_events - c * kBuildBatch));
        for (auto& r : ledger->Append(std::move(batch))) {
          if (!r.ok() || r->duplicate) {
            std::lock_guard lock(mu);
            if (error.ok()) error = r.ok() ? InternalError("duplicate idempotency key while building") : r.status();
            return;
          }
        }
        uint64_t d = done.fetch_add(kBuildBatch) + kBuildBatch;
        std::lock_guard lock(mu);
        bar.Update(std::min(d, body_events));
      }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < std::max(2u, std::thread::hardware_concurrency()); ++t) threads.emplace_back(worker);
    for (auto& t : threads) t.join();
    bar.Finish();
    RETURN_IF_ERROR(error);
    if (ledger->Size() != events) {
      return InternalError(fmt::format("built {} events, wanted {}", ledger->Size(), events));
    }
  }
  double seconds = SecondsSince(start);
  RETURN_IF_ERROR(WriteFileDurably(
      fs::path(dir) / kCompleteFile,
      fmt::format("events {}\nbuild_seconds {:.1f}\nmax_batch_events {}\nverify_signatures false\nsync true\n",
                  events, seconds, kBuildBatch)));
  results_->Note(fmt::format("built {} ({} events, verify_signatures=false, synced group commits of {}) in {:.1f} s "
                             "= {:.0f} events/s, generation and signing included",
                             dir, events, kBuildBatch, seconds, events / seconds));
  return OkStatus();
}

Status ProofBench::OpenOnce() {
  if (ledger_) return OkStatus();
  ASSIGN_OR_RETURN(std::string dir, stores_->Ensure(events_));
  ASSIGN_OR_RETURN(ledger_, Ledger::OpenReadOnly(dir));
  if (ledger_->Size() != events_) {
    return DataLossError(fmt::format("{} holds {} events, expected {}", dir, ledger_->Size(), events_));
  }
  return OkStatus();
}

// Warms up, checks a sample with `check`, then times `prove` once per
// iteration on the pairs `draw` yields.
template <typename Draw, typename Prove, typename Check>
void ProofBench::Measure(benchmark::State& state, const std::string& key, Draw draw, Prove prove, Check check) {
  if (Status s = OpenOnce(); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  for (int i = 0; i < kWarmup + kChecked; ++i) {
    auto [a, b] = draw();
    auto proof = prove(a, b);
    Status v = proof.ok() ? (i >= kWarmup ? check(a, b, *proof) : OkStatus()) : proof.status();
    if (!v.ok()) {
      state.SkipWithError(fmt::format("{} ({}, {}): {}", key, a, b, v.ToString()).c_str());
      return;
    }
  }
  std::vector<double> ns;
  for (auto _ : state) {
    auto [a, b] = draw();
    auto start = Clock::now();
    auto proof = prove(a, b);
    auto end = Clock::now();
    if (!proof.ok()) {
      state.SkipWithError(proof.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(proof);
    double t = std::chrono::duration<double, std::nano>(end - start).count();
    ns.push_back(t);
    state.SetIterationTime(t / 1e9);
  }
  Report(state, results_, key, ns);
}

void ProofBench::Inclusion(benchmark::State& state) {
  std::mt19937_64 rng(events_);
  Measure(
      state, fmt::format("proof.inclusion.{}", events_),
      [&] {
        uint64_t size = std::uniform_int_distribution<uint64_t>(1, events_)(rng);
        uint64_t index = std::uniform_int_distribution<uint64_t>(0, size - 1)(rng);
        return std::pair{index, size};
      },
      [&](uint64_t index, uint64_t size) { return ledger_->InclusionProof(index, size); },
      [&](uint64_t index, uint64_t size, const std::vector<Hash>& proof) -> Status {
        ASSIGN_OR_RETURN(Hash leaf, ledger_->LeafHash(index));
        ASSIGN_OR_RETURN(Hash root, ledger_->RootAt(size));
        return merkle::VerifyInclusion(index, size, leaf, proof, root);
      });
}

void ProofBench::Consistency(benchmark::State& state) {
  std::mt19937_64 rng(events_ + 1);
  Measure(
      state, fmt::format("proof.consistency.{}", events_),
      [&] {
        uint64_t new_size = std::uniform_int_distribution<uint64_t>(1, events_)(rng);
        uint64_t old_size = std::uniform_int_distribution<uint64_t>(1, new_size)(rng);
        return std::pair{old_size, new_size};
      },
      [&](uint64_t old_size, uint64_t new_size) { return ledger_->ConsistencyProof(old_size, new_size); },
      [&](uint64_t old_size, uint64_t new_size, const std::vector<Hash>& proof) -> Status {
        ASSIGN_OR_RETURN(Hash r1, ledger_->RootAt(old_size));
        ASSIGN_OR_RETURN(Hash r2, ledger_->RootAt(new_size));
        return merkle::VerifyConsistency(old_size, new_size, proof, r1, r2);
      });
}

}  // namespace ledger::bench
