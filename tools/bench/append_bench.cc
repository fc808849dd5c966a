#include "append_bench.h"

#include <fmt/format.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/utilities/options_util.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <thread>

#include "ledger/event_codec.h"
#include "timing.h"

namespace ledger::bench {
namespace {


uint64_t WholeHouseholds(uint64_t events) {
  return (events + kEventsPerHousehold - 1) / kEventsPerHousehold * kEventsPerHousehold;
}

LedgerOptions BenchOptions(bool verify) {
  LedgerOptions o;
  o.verify_signatures = verify;
  o.max_batch_events = 1000;
  o.sync = true;
  return o;
}

// A store made by the ledger, reopened as a plain RocksDB with the options
// the ledger persisted in its OPTIONS file.
class RawStore {
 public:
  static StatusOr<std::unique_ptr<RawStore>> Open(const std::string& dir) {
    auto s = std::unique_ptr<RawStore>(new RawStore());
    rocksdb::ConfigOptions config;
    std::vector<rocksdb::ColumnFamilyDescriptor> cfs;
    rocksdb::DBOptions db_options;
    auto st = rocksdb::LoadLatestOptions(config, dir, &db_options, &cfs);
    if (!st.ok()) return UnavailableError("loading RocksDB options of " + dir + ": " + st.ToString());
    rocksdb::DB* raw = nullptr;
    st = rocksdb::DB::Open(db_options, dir, cfs, &s->handles_, &raw);
    if (!st.ok()) return UnavailableError("opening " + dir + ": " + st.ToString());
    s->db_.reset(raw);
    for (size_t i = 0; i < cfs.size(); ++i) {
      if (cfs[i].name == "events") s->events_ = s->handles_[i];
    }
    if (s->events_ == nullptr) return FailedPreconditionError(dir + " has no events column family");
    return s;
  }
  ~RawStore() {
    for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    db_->Close().PermitUncheckedError();
  }
  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* events() { return events_; }

 private:
  RawStore() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  rocksdb::ColumnFamilyHandle* events_ = nullptr;
};

struct SignedMessage {
  std::string public_key;
  std::string body;  // canonical EventBody: what was signed
  std::string signature;
};

}  // namespace

AppendBench::AppendBench(const Workload& workload, AppendConfig config, Results* results)
    : workload_(workload), config_(std::move(config)), results_(results) {
  config_.events = WholeHouseholds(config_.events);
  config_.signed_events = WholeHouseholds(config_.signed_events);
  if (config_.producers < 1) config_.producers = 1;
  if (config_.batch < 1) config_.batch = 1;
  if (config_.in_flight < 1) config_.in_flight = 1;
}

std::string AppendBench::FreshDir() {
  namespace fs = std::filesystem;
  fs::path p = fs::path(config_.work_dir) / fmt::format("ledger-bench-{}-{}", ::getpid(), runs_++);
  std::error_code ec;
  fs::remove_all(p, ec);
  return p.string();
}

const std::vector<std::string>& AppendBench::Events() {
  if (events_.empty()) {
    bootstrap_ = workload_.Bootstrap();
    uint64_t n = std::max(config_.events, config_.signed_events);
    auto start = Clock::now();
    events_ = workload_.HouseholdsParallel(0, n / kEventsPerHousehold,
                                           static_cast<int>(std::thread::hardware_concurrency()));
    std::cerr << fmt::format("ledger-bench: generated and signed {} events in {:.1f} s (not timed)\n",
                             events_.size(), SecondsSince(start));
    results_->Note(fmt::format("append runs: {} producer threads, AppendAsync batches of {} events, {} in flight "
                               "each; {} unsigned / {} signed events per run",
                               config_.producers, config_.batch, config_.in_flight, config_.events,
                               config_.signed_events));
  }
  return events_;
}

const std::vector<std::string>& AppendBench::Leaves() {
  if (leaves_.empty()) {
    const auto& events = Events();
    std::string dir = FreshDir();
    {
      LedgerOptions o = BenchOptions(false);
      o.sync = false;
      auto ledger = workload_.CreateLedger(dir, o);
      if (!ledger.ok()) throw std::runtime_error(ledger.status().ToString());
      auto append = [&](std::vector<std::string> batch) {
        for (auto& o : (*ledger)->Append(std::move(batch))) {
          if (!o.ok()) throw std::runtime_error("setup run: " + o.status().ToString());
        }
      };
      append(bootstrap_);
      const uint64_t base = (*ledger)->Size();
      for (size_t i = 0; i < config_.events; i += 10'000) {
        append(std::vector<std::string>(events.begin() + i, events.begin() + std::min<size_t>(config_.events, i + 10'000)));
      }
      uint64_t bytes = 0;
      for (uint64_t s = base; s < base + config_.events; ++s) {
        auto leaf = (*ledger)->LeafBytes(s);
        if (!leaf.ok()) throw std::runtime_error(leaf.status().ToString());
        bytes += leaf->size();
        leaves_.push_back(std::move(*leaf));
      }
      results_->Note(fmt::format("leaf bytes: mean {:.0f} bytes over {} events", double(bytes) / leaves_.size(),
                                 leaves_.size()));
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  return leaves_;
}

AppendBench::Run AppendBench::Produce(Ledger& ledger, uint64_t count) {
  const auto& events = Events();
  Run run;
  std::mutex error_mu;
  std::atomic<uint64_t> failed{0};
  const uint64_t households = count / kEventsPerHousehold;
  const uint64_t per = (households + config_.producers - 1) / config_.producers * kEventsPerHousehold;

  auto producer = [&](uint64_t begin, uint64_t end) {
    std::mutex mu;
    std::condition_variable cv;
    int outstanding = 0;
    for (uint64_t pos = begin; pos < end; pos += config_.batch) {
      std::vector<std::string> batch(events.begin() + pos, events.begin() + std::min(end, pos + config_.batch));
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return outstanding < config_.in_flight; });
        ++outstanding;
      }
      ledger.AppendAsync(std::move(batch), [&](std::vector<AppendOutcome> outcomes) {
        for (auto& o : outcomes) {
          if (o.ok() && !o->duplicate) continue;
          if (failed.fetch_add(1) == 0) {
            std::lock_guard lock(error_mu);
            run.first_error = o.ok() ? "duplicate idempotency key" : o.status().ToString();
          }
        }
        std::lock_guard lock(mu);
        --outstanding;
        cv.notify_one();
      });
    }
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return outstanding == 0; });
  };

  auto start = Clock::now();
  const double cpu_start = ProcessCpuSeconds();
  std::vector<std::thread> threads;
  for (int t = 0; t < config_.producers; ++t) {
    uint64_t begin = per * t;
    uint64_t end = std::min(count, begin + per);
    if (begin < end) threads.emplace_back(producer, begin, end);
  }
  for (auto& t : threads) t.join();
  run.seconds = SecondsSince(start);
  run.cpu_seconds = ProcessCpuSeconds() - cpu_start;
  run.failed = failed.load();
  return run;
}

void AppendBench::LedgerRun(benchmark::State& state, bool verify, uint64_t count, const std::string& key,
                            const std::string& baseline, bool heads_map) {
  Events();
  for (auto _ : state) {
    std::string dir = FreshDir();
    Run run;
    {
      LedgerOptions options = BenchOptions(verify);
      options.heads_map = heads_map;
      auto ledger = workload_.CreateLedger(dir, options);
      if (!ledger.ok()) {
        state.SkipWithError(ledger.status().ToString().c_str());
        break;
      }
      for (auto& o : (*ledger)->Append(bootstrap_)) {
        if (!o.ok()) {
          state.SkipWithError(("bootstrap: " + o.status().ToString()).c_str());
          return;
        }
      }
      run = Produce(**ledger, count);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    if (run.failed > 0) {
      state.SkipWithError(fmt::format("{} events failed, first: {}", run.failed, run.first_error).c_str());
      break;
    }
    state.SetIterationTime(run.seconds);
    const double rate = count / run.seconds;
    results_->Add(key, rate);
    results_->Add(key + ".cpu_us", run.cpu_seconds / count * 1e6);
    state.counters["events_per_s"] = rate;
    state.counters["cpu_us_per_event"] = run.cpu_seconds / count * 1e6;
    if (results_->Has(baseline)) state.counters["x_" + baseline] = rate / results_->Median(baseline);
    if (heads_map && results_->Has(key + "_no_heads")) {
      state.counters["x_" + key + "_no_heads"] = rate / results_->Median(key + "_no_heads");
    }
  }
  state.counters["producers"] = config_.producers;
  state.counters["batch"] = static_cast<double>(config_.batch);
}

void AppendBench::LedgerUnsigned(benchmark::State& state) {
  LedgerRun(state, /*verify=*/false, config_.events, "append.ledger", "append.raw");
}

void AppendBench::LedgerUnsignedNoHeads(benchmark::State& state) {
  LedgerRun(state, /*verify=*/false, config_.events, "append.ledger_no_heads", "append.raw", /*heads_map=*/false);
}

void AppendBench::LedgerSigned(benchmark::State& state) {
  LedgerRun(state, /*verify=*/true, config_.signed_events, "signed.ledger", VerifyKey(2));
}

void AppendBench::LedgerSignedNoHeads(benchmark::State& state) {
  LedgerRun(state, /*verify=*/true, config_.signed_events, "signed.ledger_no_heads", VerifyKey(2), /*heads_map=*/false);
}

void AppendBench::RawRocks(benchmark::State& state) {
  const auto& leaves = Leaves();
  const uint64_t base = bootstrap_.size();
  for (auto _ : state) {
    std::string dir = FreshDir();
    double seconds = 0, cpu_seconds = 0;
    {
      // A fresh store made by the ledger (so the OPTIONS file is the ledger's), then raw writes.
      auto ledger = workload_.CreateLedger(dir, BenchOptions(false));
      if (!ledger.ok()) {
        state.SkipWithError(ledger.status().ToString().c_str());
        break;
      }
      ledger->reset();
      auto raw = RawStore::Open(dir);
      if (!raw.ok()) {
        state.SkipWithError(raw.status().ToString().c_str());
        break;
      }
      rocksdb::WriteOptions wo;
      wo.sync = true;
      auto start = Clock::now();
      const double cpu_start = ProcessCpuSeconds();
      for (size_t i = 0; i < leaves.size(); i += 1000) {
        rocksdb::WriteBatch batch;
        for (size_t j = i; j < std::min(leaves.size(), i + 1000); ++j) {
          batch.Put((*raw)->events(), BigEndian64(base + j), leaves[j]);
        }
        auto s = (*raw)->db()->Write(wo, &batch);
        if (!s.ok()) {
          state.SkipWithError(s.ToString().c_str());
          return;
        }
      }
      seconds = SecondsSince(start);
      cpu_seconds = ProcessCpuSeconds() - cpu_start;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    state.SetIterationTime(seconds);
    const double rate = leaves.size() / seconds;
    results_->Add("append.raw", rate);
    results_->Add("append.raw.cpu_us", cpu_seconds / leaves.size() * 1e6);
    state.counters["events_per_s"] = rate;
    state.counters["cpu_us_per_event"] = cpu_seconds / leaves.size() * 1e6;
  }
}

void AppendBench::Ed25519(benchmark::State& state, int threads) {
  const auto& events = Events();
  std::vector<SignedMessage> messages;
  messages.reserve(config_.signed_events);
  for (uint64_t i = 0; i < config_.signed_events; ++i) {
    auto msg = MessageBytes::Parse(events[i], /*framed=*/true);
    if (!msg.ok()) {
      state.SkipWithError(msg.status().ToString().c_str());
      return;
    }
    auto sb = msg->Root<schema::SignedBody>();
    auto sig = sb.getSignature();
    messages.push_back({workload_.OfficerPublicKey(sb.getBody().getOfficer().cStr()), CanonicalBytes(sb.getBody()),
                        std::string(reinterpret_cast<const char*>(sig.begin()), sig.size())});
  }
  for (auto _ : state) {
    std::atomic<uint64_t> bad{0};
    auto start = Clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        for (size_t i = t; i < messages.size(); i += threads) {
          const auto& m = messages[i];
          if (!Ed25519Verify(m.public_key, m.body, m.signature)) bad.fetch_add(1);
        }
      });
    }
    for (auto& w : workers) w.join();
    double seconds = SecondsSince(start);
    if (bad.load() > 0) {
      state.SkipWithError(fmt::format("{} signatures did not verify", bad.load()).c_str());
      break;
    }
    state.SetIterationTime(seconds);
    const double rate = messages.size() / seconds;
    results_->Add(VerifyKey(threads), rate);
    state.counters["verify_per_s"] = rate;
  }
  state.counters["threads"] = threads;
}

}  // namespace ledger::bench
