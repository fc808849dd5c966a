#include "load.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

namespace ledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }
double Micros(Clock::time_point since) { return Seconds(Clock::now() - since) * 1e6; }

// CPU seconds of the calling thread.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

// Errors from several threads.
class ErrorLog {
 public:
  void Add(const Status& s) {
    std::lock_guard lock(mu_);
    if (e_.count++ == 0) e_.first = s.ToString();
  }
  Errors Get() {
    std::lock_guard lock(mu_);
    return e_;
  }

 private:
  std::mutex mu_;
  Errors e_;
};

// Runs `body(c, client)` on `n` threads, each with its own connection;
// returns the seconds from the first start to the last end and the CPU of
// the threads.
std::pair<double, double> OnConnections(const net::ClientOptions& co, int n, ErrorLog* errors,
                                        const std::function<void(int, net::Client&)>& body) {
  std::mutex mu;
  double cpu = 0;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int c = 0; c < n; ++c) {
    threads.emplace_back([&, c] {
      auto client = net::Client::Connect(co);
      if (client.ok()) {
        body(c, **client);
      } else {
        errors->Add(client.status());
      }
      std::lock_guard lock(mu);
      cpu += ThreadCpuSeconds();
    });
  }
  for (auto& t : threads) t.join();
  return {Seconds(Clock::now() - start), cpu};
}

// Counts the outcomes: successes returned, failures logged.
size_t Count(const std::vector<AppendOutcome>& outcomes, ErrorLog* errors) {
  size_t ok = 0;
  for (const auto& o : outcomes) {
    if (o.ok()) {
      ++ok;
    } else {
      errors->Add(o.status());
    }
  }
  return ok;
}

}  // namespace

ThroughputResult RunThroughput(const net::ClientOptions& co, const std::vector<std::string>& events, int connections,
                               size_t batch, size_t window) {
  ThroughputResult r;
  ErrorLog errors;
  std::atomic<size_t> ok{0};
  const size_t step = batch * static_cast<size_t>(connections);
  std::tie(r.seconds, r.client_cpu_s) = OnConnections(co, connections, &errors, [&](int c, net::Client& client) {
    std::vector<std::vector<std::string>> batches;
    for (size_t i = static_cast<size_t>(c) * batch; i < events.size(); i += step) {
      batches.emplace_back(events.begin() + static_cast<std::ptrdiff_t>(i),
                           events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), i + batch)));
    }
    for (const auto& b : client.AppendPipelined(batches, window)) ok += Count(b, &errors);
  });
  r.ok = ok;
  r.errors = errors.Get();
  return r;
}

LatencyResult RunLatency(const net::ClientOptions& co, const std::vector<std::string>& singles, size_t proofs) {
  LatencyResult r;
  ErrorLog errors;
  OnConnections(co, 1, &errors, [&](int, net::Client& client) {
    for (const std::string& e : singles) {
      const auto t0 = Clock::now();
      auto outcome = client.Append({e});
      r.append_us.push_back(Micros(t0));
      Count(outcome, &errors);
    }
    auto latest = client.LatestCheckpoint();
    if (!latest.ok()) return errors.Add(latest.status());
    r.tree_size = latest->checkpoint.size;
    std::mt19937_64 rng(7);
    for (size_t i = 0; i < proofs; ++i) {
      const auto t0 = Clock::now();
      auto p = client.Prove(rng() % r.tree_size);
      r.proof_us.push_back(Micros(t0));
      if (!p.ok()) errors.Add(p.status());
    }
  });
  r.errors = errors.Get();
  return r;
}

MixResult RunMix(const net::ClientOptions& co, const BenchStore& store, const std::vector<std::string>& events,
                 const MixConfig& mix) {
  MixResult r;
  ErrorLog errors;
  std::atomic<size_t> appended{0}, proofs{0}, got{0}, statuses{0};
  const size_t batch = mix.batch;
  r.seconds = OnConnections(co, mix.clients, &errors, [&](int c, net::Client& client) {
    std::mt19937_64 rng(static_cast<uint64_t>(c) + 1);
    for (size_t round = 0; round < mix.rounds; ++round) {
      const size_t begin = (static_cast<size_t>(c) * mix.rounds + round) * batch;
      if (begin + batch > events.size()) return;
      if (batch > 0) {
        appended += Count(client.Append({events.begin() + static_cast<std::ptrdiff_t>(begin),
                                         events.begin() + static_cast<std::ptrdiff_t>(begin + batch)}),
                          &errors);
      }
      auto latest = client.LatestCheckpoint();
      if (!latest.ok()) return errors.Add(latest.status());
      const uint64_t size = latest->checkpoint.size;
      for (int i = 0; i < 10; ++i) {
        auto p = client.Prove(rng() % size);
        p.ok() ? void(++proofs) : errors.Add(p.status());
      }
      auto e = client.GetEvent(rng() % size);
      e.ok() ? void(++got) : errors.Add(e.status());
      if (mix.households == 0) continue;
      auto s = client.HouseholdStatus(store.House(mix.households_first + rng() % mix.households));
      s.ok() ? void(++statuses) : errors.Add(s.status());
    }
  }).first;
  r.appended = appended;
  r.proofs = proofs;
  r.events = got;
  r.statuses = statuses;
  r.errors = errors.Get();
  return r;
}

}  // namespace ledger::bench
