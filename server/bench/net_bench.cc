// ledger-net-bench: signed appends per second over TLS on loopback, with N
// connections and pipelined batches, against the machine's Ed25519 verify
// rate measured in the same run; the latency of a single append and of a
// (client-verified) inclusion proof; and the server's memory while many
// clients are connected. The ledger is real (RocksDB, WAL synced, every
// signature and domain rule checked); so is TLS 1.3 with client
// certificates. Client and server share the machine.
//
//   ledger-net-bench --events 200000 --connections 4 --batch 100 --window 8
//   ledger-net-bench --store /work/bench-stores/net-10m --ledgerd build/server/ledgerd --mix-clients 32
//
// The server runs in this process, or with --ledgerd as a separate ledgerd
// process, whose memory (VmRSS, VmHWM) and CPU are then read from /proc
// apart from the client's. --store serves an existing store (ledger-seed's
// or ledger-bench's, bench_store.h), to which the bench appends new
// households: give it a copy. Without --store a fresh store is made (and
// the same appends are also timed in-process, without the network).
//
// Phases, in order: (ledgerd) wait until the server is idle; Ed25519 verify
// rate; throughput; latency; the mix (--mix-clients connections at once,
// bench/load.h) during which the server's VmRSS is sampled every 50 ms.
//
// Prints one line per measurement, or one JSON object with --json.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <thread>

#include "bench_store.h"
#include "ledger/crypto.h"
#include "ledger/ledger.h"
#include "ledger/net/client.h"
#include "ledger/net/server.h"
#include "load.h"
#include "process.h"
#include "ledger/net/tls_certs.h"
#include "ledger/version.h"

namespace ledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// User + system CPU seconds of this process so far.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Ed25519 verifications per second on `threads` threads, for ~1 s; also
// per CPU-second of this process (`*per_cpu_s`), which does not depend on
// what else runs on the machine.
double VerifyRate(int threads, double* per_cpu_s = nullptr) {
  auto key = PrivateKey::FromSeed(std::string(32, '\x11'));
  std::string message(200, 'm');
  std::string sig = key->Sign(message);
  std::atomic<uint64_t> total{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      uint64_t n = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        for (int i = 0; i < 64; ++i) n += Ed25519Verify(key->PublicKeyBytes(), message, sig);
      }
      total += n;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  stop = true;
  for (auto& t : pool) t.join();
  if (per_cpu_s) *per_cpu_s = static_cast<double>(total) / (CpuSeconds() - cpu_start);
  return static_cast<double>(total) / Seconds(Clock::now() - start);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

nlohmann::json Quantiles(const std::vector<double>& v) {
  return {{"p50", Percentile(v, 0.5)}, {"p99", Percentile(v, 0.99)}, {"max", Percentile(v, 1.0)}, {"n", v.size()}};
}

struct Pki {
  std::string ca, server_cert, server_key, client_cert, client_key;
};

StatusOr<Pki> MakePki(const std::string& dir, const std::string& agency) {
  Pki p{dir + "/ca.crt", dir + "/server.crt", dir + "/server.key", dir + "/agency.crt", dir + "/agency.key"};
  const tls::CertKeyPaths ca{p.ca, dir + "/ca.key"};
  RETURN_IF_ERROR(tls::MakeCa(ca, "bench CA", 2));
  RETURN_IF_ERROR(tls::MakeServerCert(ca, {p.server_cert, p.server_key}, {"127.0.0.1"}, 2));
  RETURN_IF_ERROR(tls::MakeClientCert(ca, {p.client_cert, p.client_key}, agency, "agency", 2));
  return p;
}

struct Config {
  size_t events = 200000, batch = 100, window = 8, latency_samples = 1000, mix_rounds = 20;
  std::optional<size_t> mix_batch;   // default: batch
  int connections = 4, server_threads = 0, mix_clients = 32, settle_timeout_s = 900;
  bool json = false, embedded = true, mix_status = true;
  std::string dir, store, agency = "PHO-33", ledgerd;
};

// The server under test: in this process, or a ledgerd child.
class ServerUnderTest {
 public:
  static StatusOr<std::unique_ptr<ServerUnderTest>> Start(const Config& cfg, const BenchStore& store, const Pki& pki) {
    std::unique_ptr<ServerUnderTest> s(new ServerUnderTest);
    if (!cfg.ledgerd.empty()) {
      ASSIGN_OR_RETURN(s->process_,
                       LedgerdProcess::Start(cfg.ledgerd,
                                             {"--data", store.dir(), "--listen", "127.0.0.1:0", "--cert",
                                              pki.server_cert, "--key", pki.server_key, "--ca", pki.ca,
                                              "--server-key", store.server_key_path(), "--threads",
                                              std::to_string(cfg.server_threads), "--log-level", "warn"},
                                             cfg.dir + "/ledgerd.log"));
      return s;
    }
    ASSIGN_OR_RETURN(PrivateKey key, store.ServerKey());
    ASSIGN_OR_RETURN(s->ledger_, Ledger::Open(store.dir(), std::move(key)));
    net::ServerOptions so;
    so.tls = {pki.server_cert, pki.server_key, pki.ca};
    so.io_threads = cfg.server_threads;
    ASSIGN_OR_RETURN(s->server_, net::Server::Start(s->ledger_.get(), so));
    return s;
  }

  bool separate() const { return process_ != nullptr; }
  pid_t pid() const { return separate() ? process_->pid() : ::getpid(); }
  std::string endpoint() const { return separate() ? process_->endpoint() : server_->endpoint(); }
  // CPU seconds of the ledgerd process (0 in this process: not separable).
  double CpuSeconds() const { return separate() ? ProcessCpuSeconds(pid()) : 0; }

  // Waits until ledgerd uses less than 5% of a core over half a second
  // (it fills its leaf-hash index in the background at start); the wait.
  double WaitIdle(int timeout_s) const {
    const auto start = Clock::now();
    if (!separate()) return 0;
    for (double before = CpuSeconds(); Seconds(Clock::now() - start) < timeout_s;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      const double now = CpuSeconds();
      if (now - before < 0.025) break;
      before = now;
    }
    return Seconds(Clock::now() - start);
  }

  // Stops the server; ledgerd must exit 0 on SIGTERM.
  Status Stop() {
    if (separate()) {
      const int rc = process_->Stop();
      if (rc != 0) return InternalError(fmt::format("ledgerd exited with {} on SIGTERM", rc));
      return OkStatus();
    }
    server_->Shutdown();
    server_.reset();
    ledger_.reset();
    return OkStatus();
  }

 private:
  ServerUnderTest() = default;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<net::Server> server_;
  std::unique_ptr<LedgerdProcess> process_;
};

// The largest VmRSS of a process, sampled every 50 ms while it lives.
class RssSampler {
 public:
  explicit RssSampler(pid_t pid)
      : thread_([this, pid] {
          while (!stop_) {
            max_kb_ = std::max<uint64_t>(max_kb_, ReadMemory(pid).rss_kb);
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
        }) {}
  uint64_t Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    return max_kb_;
  }
  ~RssSampler() { Stop(); }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> max_kb_{0};
  std::thread thread_;
};

// The same events appended in-process to a fresh store (same threads, same
// batches): what the ledger costs without the network. Events/s and events
// per CPU-second.
StatusOr<std::pair<double, double>> Embedded(const std::string& dir, const std::vector<std::string>& events,
                                             int threads, size_t batch) {
  ASSIGN_OR_RETURN(BenchStore fresh, BenchStore::Create(dir));
  ASSIGN_OR_RETURN(PrivateKey key, fresh.ServerKey());
  ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir, std::move(key)));
  std::atomic<size_t> stored{0};
  std::vector<std::thread> writers;
  const auto t0 = Clock::now();
  const double c0 = CpuSeconds();
  for (int c = 0; c < threads; ++c) {
    writers.emplace_back([&, c] {
      for (size_t i = static_cast<size_t>(c) * batch; i < events.size(); i += batch * static_cast<size_t>(threads)) {
        std::vector<std::string> b(events.begin() + static_cast<std::ptrdiff_t>(i),
                                   events.begin() + static_cast<std::ptrdiff_t>(std::min(events.size(), i + batch)));
        for (auto& o : ledger->Append(std::move(b))) stored += o.ok();
      }
    });
  }
  for (auto& t : writers) t.join();
  return std::pair{static_cast<double>(stored) / Seconds(Clock::now() - t0),
                   static_cast<double>(stored) / (CpuSeconds() - c0)};
}

// CPU seconds each thread used between two readings, busiest first (at most 8).
std::vector<double> BusiestThreads(const std::map<pid_t, double>& before, const std::map<pid_t, double>& after) {
  std::vector<double> used;
  for (const auto& [tid, cpu] : after) {
    auto it = before.find(tid);
    used.push_back(cpu - (it == before.end() ? 0 : it->second));
  }
  std::sort(used.rbegin(), used.rend());
  used.resize(std::min<size_t>(used.size(), 8));
  return used;
}

std::vector<std::string> Slice(const std::vector<std::string>& v, size_t begin, size_t n) {
  return {v.begin() + static_cast<std::ptrdiff_t>(begin), v.begin() + static_cast<std::ptrdiff_t>(begin + n)};
}

int Run(const Config& cfg) {
  auto die = [](const Status& s) {
    fmt::print(stderr, "ledger-net-bench: {}\n", s.ToString());
    return 1;
  };
  const std::string load_start = LoadAverage();
  std::filesystem::create_directories(cfg.dir + "/pki");
  auto pki = MakePki(cfg.dir + "/pki", cfg.agency);
  if (!pki.ok()) return die(pki.status());
  auto store = cfg.store.empty() ? BenchStore::Create(cfg.dir + "/store")
                                 : BenchStore::Existing(cfg.store, cfg.agency, cfg.dir);
  if (!store.ok()) return die(store.status());

  // Signed events, made before the clock starts: throughput, then one by
  // one for latency, then the mix.
  const size_t mix_batch = cfg.mix_batch.value_or(cfg.batch);
  const size_t mix_events = static_cast<size_t>(cfg.mix_clients) * cfg.mix_rounds * mix_batch;
  const size_t total = cfg.events + cfg.latency_samples + mix_events;
  auto reserved = store->ReserveHouseholds(total);
  if (!reserved.ok()) return die(reserved.status());
  const uint64_t first = *reserved;
  const MixConfig mix_cfg{cfg.mix_clients, cfg.mix_rounds, mix_batch, first,
                          cfg.mix_status ? cfg.events + cfg.latency_samples : 0};
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  fmt::print(stderr, "{} store {} ({} events, {} officers of {}); signing {} events...\n", store->layout(),
             store->dir(), store->size(), store->officers().size(), store->agency(), total);
  const std::vector<std::string> all = store->SignNewHouseholds(first, total, cores);
  const std::vector<std::string> bulk = Slice(all, 0, cfg.events);
  const std::vector<std::string> singles = Slice(all, cfg.events, cfg.latency_samples);
  const std::vector<std::string> mix = Slice(all, cfg.events + cfg.latency_samples, mix_events);

  fmt::print(stderr, "starting the server{}...\n", cfg.ledgerd.empty() ? " in this process" : " (" + cfg.ledgerd + ")");
  const auto open_start = Clock::now();
  auto server = ServerUnderTest::Start(cfg, *store, *pki);
  if (!server.ok()) return die(server.status());
  const double open_s = Seconds(Clock::now() - open_start);
  const double settle_s = (*server)->WaitIdle(cfg.settle_timeout_s);
  const ProcMemory idle = ReadMemory((*server)->pid());
  net::ClientOptions co;
  co.server = (*server)->endpoint();
  co.tls = {pki->client_cert, pki->client_key, pki->ca};
  co.server_vkey = store->vkey();
  co.timeout = std::chrono::milliseconds(120000);

  double verify_per_cpu_s = 0;
  const double verify_1 = VerifyRate(1, &verify_per_cpu_s);
  const double verify_all = VerifyRate(static_cast<int>(cores));

  fmt::print(stderr, "throughput: {} events on {} connections...\n", bulk.size(), cfg.connections);
  const double cpu0 = CpuSeconds(), server_cpu0 = (*server)->CpuSeconds();
  const std::map<pid_t, double> threads0 = ThreadCpuSeconds((*server)->pid());
  RssSampler throughput_rss((*server)->pid());
  const ThroughputResult t = RunThroughput(co, bulk, cfg.connections, cfg.batch, cfg.window);
  const uint64_t throughput_max_rss_kb = throughput_rss.Stop();
  const std::vector<double> busiest = BusiestThreads(threads0, ThreadCpuSeconds((*server)->pid()));
  const double cpu = CpuSeconds() - cpu0;   // this process: the client, and the server when in-process
  const double server_cpu = (*server)->separate() ? (*server)->CpuSeconds() - server_cpu0 : cpu - t.client_cpu_s;
  const double client_cpu = (*server)->separate() ? cpu : t.client_cpu_s;
  const double appends_per_s = static_cast<double>(t.ok) / t.seconds;
  const double per_cpu_s = static_cast<double>(t.ok) / (client_cpu + server_cpu);
  const double server_per_cpu_s = static_cast<double>(t.ok) / server_cpu;

  fmt::print(stderr, "latency: {} single appends, {} proofs...\n", singles.size(), cfg.latency_samples);
  const LatencyResult lat = RunLatency(co, singles, cfg.latency_samples);

  fmt::print(stderr, "mix: {} clients x {} rounds...\n", cfg.mix_clients, cfg.mix_rounds);
  MixResult m;
  uint64_t mix_max_rss_kb = 0;
  {
    RssSampler sampler((*server)->pid());
    m = RunMix(co, *store, mix, mix_cfg);
    mix_max_rss_kb = sampler.Stop();
  }
  const ProcMemory after = ReadMemory((*server)->pid());
  const ProcMemory self = ReadMemory(::getpid());
  const Status stopped = (*server)->Stop();   // reported with the figures

  double embedded_per_s = 0, embedded_per_cpu_s = 0;
  const bool embedded = cfg.embedded && cfg.store.empty();
  if (embedded) {
    auto e = Embedded(cfg.dir + "/embedded", bulk, cfg.connections, cfg.batch);
    if (!e.ok()) return die(e.status());
    std::tie(embedded_per_s, embedded_per_cpu_s) = *e;
  }

  const size_t failed = t.errors.count + lat.errors.count + m.errors.count;
  const int rc = failed == 0 && stopped.ok() ? 0 : 1;
  const double goal = 0.7 * verify_1 * cores;
  nlohmann::json j = {
      {"server", (*server)->separate() ? "ledgerd" : "in-process"},
      {"store", store->dir()},
      {"store_layout", store->layout()},
      {"store_events_at_start", store->size()},
      {"load_average_start", load_start},
      {"load_average_end", LoadAverage()},
      {"cores", cores},
      {"server_open_s", open_s},
      {"server_settle_s", settle_s},
      {"events", t.ok},
      {"failed", failed},
      {"first_error", !t.errors.first.empty() ? t.errors.first : !lat.errors.first.empty() ? lat.errors.first
                                                                                           : m.errors.first},
      {"connections", cfg.connections},
      {"batch", cfg.batch},
      {"window", cfg.window},
      {"seconds", t.seconds},
      {"appends_per_s", appends_per_s},
      {"ed25519_verify_per_s_1core", verify_1},
      {"ed25519_verify_per_s_all_cores", verify_all},
      {"ratio_to_verify_per_core_x_cores", appends_per_s / (verify_1 * cores)},
      {"client_cpu_seconds", client_cpu},
      {"server_cpu_seconds", server_cpu},
      {"appends_per_cpu_s", per_cpu_s},
      {"ed25519_verify_per_cpu_s", verify_per_cpu_s},
      {"ratio_per_cpu_s", per_cpu_s / verify_per_cpu_s},
      {"server_appends_per_cpu_s", server_per_cpu_s},
      {"server_busiest_threads_cpu_s", busiest},
      {"server_ratio_per_cpu_s", server_per_cpu_s / verify_per_cpu_s},
      {"append_latency_us", Quantiles(lat.append_us)},
      {"proof_latency_us", Quantiles(lat.proof_us)},
      {"tree_size", lat.tree_size},
      {"mix", {{"clients", cfg.mix_clients}, {"rounds", cfg.mix_rounds}, {"batch", mix_cfg.batch}, {"seconds", m.seconds},
               {"appended", m.appended}, {"proofs", m.proofs}, {"events", m.events}, {"statuses", m.statuses}, {"with_status", cfg.mix_status},
               {"errors", m.errors.count}}},
      {"server_memory_kb", {{"idle_rss", idle.rss_kb}, {"throughput_max_rss", throughput_max_rss_kb},
                            {"mix_max_rss", mix_max_rss_kb},
                            {"rss_after_mix", after.rss_kb}, {"anon_after_mix", after.anon_kb},
                            {"hwm", after.hwm_kb}}},
      {"client_memory_kb", {{"rss", self.rss_kb}, {"hwm", self.hwm_kb}}},
      {"server_stop", stopped.ok() ? "ok" : stopped.ToString()},
  };
  if (embedded) {
    j["embedded_appends_per_s"] = embedded_per_s;
    j["embedded_appends_per_cpu_s"] = embedded_per_cpu_s;
  }
  if (cfg.json) {
    fmt::print("{}\n", j.dump());
    return rc;
  }
  const char* who = (*server)->separate() ? "ledgerd" : "this process (server and client together)";
  fmt::print("server: {}, store {} ({}, {} events at start), load average {} -> {}\n", j["server"].get<std::string>(),
             store->dir(), store->layout(), store->size(), load_start, j["load_average_end"].get<std::string>());
  fmt::print("signed appends over TLS: {} events in {:.2f} s = {:.0f} events/s ({} connections, batch {}, window {})\n",
             t.ok, t.seconds, appends_per_s, cfg.connections, cfg.batch, cfg.window);
  fmt::print("Ed25519 verify (libsodium): {:.0f}/s on 1 core, {:.0f}/s on {} cores\n", verify_1, verify_all, cores);
  fmt::print("ratio appends / (verify per core x cores) = {:.2f} (goal >= 0.70, i.e. {:.0f} events/s)\n",
             appends_per_s / (verify_1 * cores), goal);
  fmt::print("CPU: client {:.2f} s + server {:.2f} s = {:.0f} events per CPU-second vs {:.0f} Ed25519 verifies per "
             "CPU-second: ratio {:.2f}\n",
             client_cpu, server_cpu, per_cpu_s, verify_per_cpu_s, per_cpu_s / verify_per_cpu_s);
  fmt::print("server alone: {:.0f} events per CPU-second: ratio {:.2f} to the verify rate\n", server_per_cpu_s,
             server_per_cpu_s / verify_per_cpu_s);
  fmt::print("busiest threads of {} during it (CPU-s): {:.2f}\n", who, fmt::join(busiest, ", "));
  if (embedded) {
    fmt::print("the same appends in-process (no network): {:.0f} events/s, {:.0f} events per CPU-second\n",
               embedded_per_s, embedded_per_cpu_s);
  }
  fmt::print("single append latency: p50 {:.0f} us, p99 {:.0f} us\n", Percentile(lat.append_us, 0.5),
             Percentile(lat.append_us, 0.99));
  fmt::print("inclusion proof (client-verified) latency at {} events: p50 {:.0f} us, p99 {:.0f} us\n", lat.tree_size,
             Percentile(lat.proof_us, 0.5), Percentile(lat.proof_us, 0.99));
  fmt::print("mix: {} clients x {} rounds in {:.1f} s: {} appended, {} proofs, {} events, {} statuses\n",
             cfg.mix_clients, cfg.mix_rounds, m.seconds, m.appended, m.proofs, m.events, m.statuses);
  fmt::print("memory of {}: VmRSS {:.0f} MiB idle after open, max {:.0f} MiB during the throughput phase, {:.0f} MiB "
             "during the mix; VmHWM {:.0f} MiB; after the mix VmRSS {:.0f} MiB, of which RssAnon {:.0f} MiB\n",
             who, idle.rss_kb / 1024.0, throughput_max_rss_kb / 1024.0, mix_max_rss_kb / 1024.0, after.hwm_kb / 1024.0,
             after.rss_kb / 1024.0, after.anon_kb / 1024.0);
  if ((*server)->separate()) {
    fmt::print("client process: VmRSS {:.0f} MiB, VmHWM {:.0f} MiB; ledgerd open {:.1f} s, idle after {:.1f} s\n",
               self.rss_kb / 1024.0, self.hwm_kb / 1024.0, open_s, settle_s);
  }
  if (!stopped.ok()) fmt::print("stopping the server failed: {}\n", stopped.ToString());
  if (failed > 0) fmt::print("{} requests or events failed; first: {}\n", failed, j["first_error"].get<std::string>());
  return rc;
}

int Main(int argc, char** argv) {
  CLI::App app{"ledger-net-bench: signed appends/s over TLS vs Ed25519 verify/s, request latencies, server memory"};
  app.set_version_flag("--version", ledger::VersionLine("ledger-net-bench"));
  Config cfg;
  app.add_option("--events", cfg.events, "signed events to append in the throughput phase")->capture_default_str();
  app.add_option("--connections", cfg.connections, "client connections (one thread each)")->capture_default_str();
  app.add_option("--batch", cfg.batch, "events per append request")->capture_default_str();
  app.add_option("--window", cfg.window, "requests in flight per connection")->capture_default_str();
  app.add_option("--server-threads", cfg.server_threads, "ledgerd I/O threads (0: one per core)")->capture_default_str();
  app.add_option("--latency-samples", cfg.latency_samples, "single appends, and inclusion proofs, timed one by one")
      ->capture_default_str();
  app.add_option("--mix-clients", cfg.mix_clients, "connections at once in the mix phase (0: none)")
      ->capture_default_str();
  app.add_option("--mix-rounds", cfg.mix_rounds,
                 "rounds per mix client: append --mix-batch events, 10 proofs, one event, one household status")
      ->capture_default_str();
  app.add_option("--mix-batch", cfg.mix_batch, "events each mix client appends per round (default --batch; 0: reads only)");
  app.add_flag("--no-mix-status", [&](int64_t) { cfg.mix_status = false; },
               "no household status in the mix (the server then never builds its projection)");
  app.add_option("--store", cfg.store,
                 "serve this existing store (ledger-seed's or ledger-bench's; the bench appends to it: use a copy)");
  app.add_option("--agency", cfg.agency, "agency whose officers sign (ledger-seed stores)")->capture_default_str();
  app.add_option("--ledgerd", cfg.ledgerd, "run the server as this ledgerd executable (memory and CPU apart)");
  app.add_option("--settle-timeout", cfg.settle_timeout_s, "seconds to wait for a started ledgerd to go idle")
      ->capture_default_str();
  app.add_option("--dir", cfg.dir, "working directory (default: a fresh one under /tmp, removed after)");
  app.add_flag("--no-embedded", [&](int64_t) { cfg.embedded = false; },
               "skip the in-process comparison (only made without --store)");
  app.add_flag("--json", cfg.json, "one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  spdlog::set_level(spdlog::level::warn);
  const bool remove_dir = cfg.dir.empty();
  if (remove_dir) {
    cfg.dir = (std::filesystem::temp_directory_path() / fmt::format("net-bench-{}", ::getpid())).string();
  }
  const int rc = Run(cfg);
  if (remove_dir) std::filesystem::remove_all(cfg.dir);
  return rc;
}

}  // namespace
}  // namespace ledger::bench

int main(int argc, char** argv) { return ledger::bench::Main(argc, argv); }
