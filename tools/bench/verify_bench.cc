#include "verify_bench.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "append_bench.h"
#include "ledger/ledger.h"
#include "ledger/merkle.h"
#include "ledger/verify.h"
#include "timing.h"

namespace ledger::bench {

Status VerifyBench::Load() {
  if (!dir_.empty()) return OkStatus();
  ASSIGN_OR_RETURN(std::string dir, stores_->Ensure(events_));
  ASSIGN_OR_RETURN(auto ledger, Ledger::OpenReadOnly(dir));
  leaves_.reserve(ledger->Size());
  RETURN_IF_ERROR(ledger->ForEachEvent(0, ledger->Size(), [&](uint64_t, std::string_view leaf) {
    leaves_.emplace_back(leaf);
    return OkStatus();
  }));
  dir_ = dir;
  return OkStatus();
}

void VerifyBench::Sha256(benchmark::State& state, int threads) {
  if (Status s = Load(); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  for (auto _ : state) {
    std::atomic<uint8_t> sink{0};
    auto start = Clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        uint8_t x = 0;
        for (size_t i = t; i < leaves_.size(); i += threads) x ^= merkle::HashLeaf(AsBytes(leaves_[i]))[0];
        sink.fetch_xor(x);
      });
    }
    for (auto& w : workers) w.join();
    double seconds = SecondsSince(start);
    benchmark::DoNotOptimize(sink.load());
    state.SetIterationTime(seconds);
    const double rate = leaves_.size() / seconds;
    results_->Add(Sha256Key(threads), rate);
    state.counters["leaves_per_s"] = rate;
  }
  state.counters["threads"] = threads;
}

void VerifyBench::Store(benchmark::State& state, bool signatures) {
  if (Status s = Load(); !s.ok()) {
    state.SkipWithError(s.ToString().c_str());
    return;
  }
  VerifyOptions options;
  options.check_signatures = signatures;
  options.threads = threads_;
  for (auto _ : state) {
    auto start = Clock::now();
    auto report = VerifyStore(dir_, options);
    double seconds = SecondsSince(start);
    if (!report.ok()) {
      state.SkipWithError(report.status().ToString().c_str());
      break;
    }
    if (!report->ok) {
      state.SkipWithError(fmt::format("{} is not clean: {} problem(s), first: {}", dir_, report->problems_total,
                                      report->problems.empty() ? "" : report->problems[0].message)
                              .c_str());
      break;
    }
    state.SetIterationTime(seconds);
    const double rate = report->events / seconds;
    results_->Add(StoreKey(signatures), rate);
    state.counters["events_per_s"] = rate;
    const std::string baseline = signatures ? AppendBench::VerifyKey(2) : Sha256Key(threads_);
    if (results_->Has(baseline)) state.counters["x_" + baseline] = rate / results_->Median(baseline);
  }
  state.counters["threads"] = threads_;
}

}  // namespace ledger::bench
