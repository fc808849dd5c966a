// ledger-net-bench: signed appends per second over TLS on loopback, with N
// connections and pipelined batches, against the machine's Ed25519 verify
// rate measured in the same run; and the latency of a single append and of
// a (client-verified) inclusion proof. The ledger is real (RocksDB, WAL
// synced, every signature and domain rule checked); so is TLS 1.3 with
// client certificates. Client and server share the machine.
//
//   ledger-net-bench --events 200000 --connections 4 --batch 100 --window 8
//
// Prints one line per measurement, or one JSON object with --json.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <random>

#include <sys/resource.h>
#include <thread>

#include "ledger/crypto.h"
#include "ledger/event_factory.h"
#include "ledger/ledger.h"
#include "ledger/net/client.h"
#include "ledger/net/server.h"
#include "tls_certs.h"

namespace ledger {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double CpuSeconds();

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

// User + system CPU seconds of this process so far.
double CpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// CPU seconds of the calling thread.
double ThreadCpuSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

std::string House(uint64_t i) { return fmt::format("3301{:07d}", i); }

int Main(int argc, char** argv) {
  CLI::App app{"ledger-net-bench: signed appends/s over TLS vs Ed25519 verify/s, and request latencies"};
  size_t events = 200000, batch = 100, window = 8, latency_samples = 1000;
  int connections = 4, server_threads = 0;
  bool json = false;
  std::string dir;
  app.add_option("--events", events, "signed events to append")->capture_default_str();
  app.add_option("--connections", connections, "client connections (one thread each)")->capture_default_str();
  app.add_option("--batch", batch, "events per append request")->capture_default_str();
  app.add_option("--window", window, "requests in flight per connection")->capture_default_str();
  app.add_option("--server-threads", server_threads, "ledgerd I/O threads (0: one per core)")->capture_default_str();
  app.add_option("--latency-samples", latency_samples)->capture_default_str();
  app.add_option("--dir", dir, "working directory (default: a fresh one under /tmp, removed after)");
  app.add_flag("--json", json, "one JSON object");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  spdlog::set_level(spdlog::level::warn);
  const bool remove_dir = dir.empty();
  if (dir.empty()) dir = (std::filesystem::temp_directory_path() / fmt::format("net-bench-{}", ::getpid())).string();
  std::filesystem::create_directories(dir + "/pki");
  auto die = [](const Status& s) {
    fmt::print(stderr, "ledger-net-bench: {}\n", s.ToString());
    return 1;
  };

  // PKI, keys, store with a registered agency and officer.
  const tls::CertKeyPaths ca{dir + "/pki/ca.crt", dir + "/pki/ca.key"};
  if (Status s = tls::MakeCa(ca, "bench CA", 2); !s.ok()) return die(s);
  if (Status s = tls::MakeServerCert(ca, {dir + "/pki/server.crt", dir + "/pki/server.key"}, {"127.0.0.1"}, 2);
      !s.ok()) {
    return die(s);
  }
  if (Status s = tls::MakeClientCert(ca, {dir + "/pki/a.crt", dir + "/pki/a.key"}, "PHO-33", "agency", 2); !s.ok()) {
    return die(s);
  }
  auto root = *PrivateKey::FromSeed(std::string(32, '\x01'));
  auto agency = *PrivateKey::FromSeed(std::string(32, '\x03'));
  auto officer = *PrivateKey::FromSeed(std::string(32, '\x04'));
  CreateOptions create;
  create.origin = "bench.ledger/sisaket";
  create.root_public_key = root.PublicKeyBytes();
  EventFactory factory(99);
  const CivilDate day{2022, 3, 15};
  const std::vector<std::string> registry = {
      factory.AgencyRegistered(root, "PHO-33", "สสจ.", "PHO", {schema::Dimension::HEALTH}, agency.PublicKeyBytes(), day,
                               "33"),
      factory.OfficerRegistered(agency, "PHO-33", "off-1", officer.PublicKeyBytes(), day)};
  // A new store with the agency and officer registered.
  auto make_store = [&](const std::string& path) -> StatusOr<std::unique_ptr<Ledger>> {
    ASSIGN_OR_RETURN(auto l, Ledger::Create(path, create, *PrivateKey::FromSeed(std::string(32, '\x02'))));
    for (auto& r : l->Append(registry)) RETURN_IF_ERROR(r.status());
    return l;
  };
  auto ledger = make_store(dir + "/store");
  if (!ledger.ok()) return die(ledger.status());
  EventSigner signer{"PHO-33", "off-1", &officer};

  // Signed events, made before the clock starts (in parallel).
  fmt::print(stderr, "signing {} events...\n", events + latency_samples);
  const size_t total_events = events + latency_samples;
  std::vector<std::string> signed_events(total_events);
  {
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        EventFactory f(1000 + t);
        for (size_t i = t; i < total_events; i += threads) {
          signed_events[i] = f.HouseholdTargeted(signer, House(i), "330101", 2565, {4, 22}, 4, day);
        }
      });
    }
    for (auto& t : pool) t.join();
  }

  net::ServerOptions so;
  so.tls = {dir + "/pki/server.crt", dir + "/pki/server.key", ca.cert};
  so.io_threads = server_threads;
  auto server = net::Server::Start(ledger->get(), so);
  if (!server.ok()) return die(server.status());
  net::ClientOptions co;
  co.server = (*server)->endpoint();
  co.tls = {dir + "/pki/a.crt", dir + "/pki/a.key", ca.cert};
  co.server_vkey = (*ledger)->info().VerifierKey();

  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  double verify_per_cpu_s = 0;
  const double verify_1 = VerifyRate(1, &verify_per_cpu_s);
  const double verify_all = VerifyRate(static_cast<int>(cores));

  // Throughput: N connections, pipelined batches.
  std::vector<std::thread> clients;
  std::atomic<size_t> ok{0}, failed{0};
  std::mutex cpu_mu;
  double client_cpu = 0;  // CPU of the client threads (the rest is the server's)
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  for (int c = 0; c < connections; ++c) {
    clients.emplace_back([&, c] {
      auto client = net::Client::Connect(co);
      if (!client.ok()) {
        fmt::print(stderr, "connect: {}\n", client.status().ToString());
        failed += events / static_cast<size_t>(connections);
        return;
      }
      std::vector<std::vector<std::string>> batches;
      for (size_t i = static_cast<size_t>(c) * batch; i < events; i += batch * static_cast<size_t>(connections)) {
        batches.emplace_back(signed_events.begin() + static_cast<std::ptrdiff_t>(i),
                             signed_events.begin() + static_cast<std::ptrdiff_t>(std::min(events, i + batch)));
      }
      for (auto& b : (*client)->AppendPipelined(batches, window)) {
        for (auto& o : b) (o.ok() ? ok : failed)++;
      }
      std::lock_guard lock(cpu_mu);
      client_cpu += ThreadCpuSeconds();
    });
  }
  for (auto& t : clients) t.join();
  const double elapsed = Seconds(Clock::now() - start);
  const double cpu = CpuSeconds() - cpu_start;
  const double appends_per_s = static_cast<double>(ok) / elapsed;
  // Contention-independent: events per CPU-second of this process (client,
  // TLS both ways, server, ledger), against verifies per CPU-second.
  const double appends_per_cpu_s = static_cast<double>(ok) / cpu;
  const double server_cpu = cpu - client_cpu;
  const double server_appends_per_cpu_s = static_cast<double>(ok) / server_cpu;

  // Latency of single appends and of verified inclusion proofs.
  auto client = net::Client::Connect(co);
  if (!client.ok()) return die(client.status());
  std::vector<double> append_us, proof_us;
  for (size_t i = 0; i < latency_samples; ++i) {
    auto t0 = Clock::now();
    auto r = (*client)->Append({signed_events[events + i]});
    append_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    if (!r[0].ok()) return die(r[0].status());
  }
  std::mt19937_64 rng(7);
  const uint64_t size = (*ledger)->Size();
  for (size_t i = 0; i < latency_samples; ++i) {
    auto t0 = Clock::now();
    auto p = (*client)->Prove(rng() % size);
    proof_us.push_back(Seconds(Clock::now() - t0) * 1e6);
    if (!p.ok()) return die(p.status());
  }
  (*server)->Shutdown();

  // The same events appended in-process (same threads, same batches): what
  // the ledger costs without the network.
  double embedded_per_cpu_s = 0, embedded_per_s = 0;
  {
    auto embedded = make_store(dir + "/embedded");
    if (!embedded.ok()) return die(embedded.status());
    std::atomic<size_t> stored{0};
    std::vector<std::thread> writers;
    const auto t0 = Clock::now();
    const double c0 = CpuSeconds();
    for (int c = 0; c < connections; ++c) {
      writers.emplace_back([&, c] {
        for (size_t i = static_cast<size_t>(c) * batch; i < events; i += batch * static_cast<size_t>(connections)) {
          std::vector<std::string> b(signed_events.begin() + static_cast<std::ptrdiff_t>(i),
                                     signed_events.begin() + static_cast<std::ptrdiff_t>(std::min(events, i + batch)));
          for (auto& o : (*embedded)->Append(std::move(b))) stored += o.ok();
        }
      });
    }
    for (auto& t : writers) t.join();
    embedded_per_s = static_cast<double>(stored) / Seconds(Clock::now() - t0);
    embedded_per_cpu_s = static_cast<double>(stored) / (CpuSeconds() - c0);
  }

  const double goal = 0.7 * verify_1 * cores;
  nlohmann::json j = {
      {"events", ok.load()},
      {"failed", failed.load()},
      {"connections", connections},
      {"batch", batch},
      {"window", window},
      {"cores", cores},
      {"seconds", elapsed},
      {"appends_per_s", appends_per_s},
      {"ed25519_verify_per_s_1core", verify_1},
      {"ed25519_verify_per_s_all_cores", verify_all},
      {"ratio_to_verify_per_core_x_cores", appends_per_s / (verify_1 * cores)},
      {"cpu_seconds", cpu},
      {"appends_per_cpu_s", appends_per_cpu_s},
      {"ed25519_verify_per_cpu_s", verify_per_cpu_s},
      {"ratio_per_cpu_s", appends_per_cpu_s / verify_per_cpu_s},
      {"server_cpu_seconds", server_cpu},
      {"server_appends_per_cpu_s", server_appends_per_cpu_s},
      {"server_ratio_per_cpu_s", server_appends_per_cpu_s / verify_per_cpu_s},
      {"embedded_appends_per_s", embedded_per_s},
      {"embedded_appends_per_cpu_s", embedded_per_cpu_s},
      {"append_latency_us", {{"p50", Percentile(append_us, 0.5)}, {"p99", Percentile(append_us, 0.99)}}},
      {"proof_latency_us", {{"p50", Percentile(proof_us, 0.5)}, {"p99", Percentile(proof_us, 0.99)}}},
      {"tree_size", size},
  };
  if (json) {
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("signed appends over TLS: {} events in {:.2f} s = {:.0f} events/s ({} connections, batch {}, window {})\n",
               ok.load(), elapsed, appends_per_s, connections, batch, window);
    fmt::print("Ed25519 verify (libsodium): {:.0f}/s on 1 core, {:.0f}/s on {} cores\n", verify_1, verify_all, cores);
    fmt::print("ratio appends / (verify per core x cores) = {:.2f} (goal >= 0.70, i.e. {:.0f} events/s)\n",
               appends_per_s / (verify_1 * cores), goal);
    fmt::print("CPU: {:.2f} s for the appends = {:.0f} events per CPU-second (client and server together) vs "
               "{:.0f} Ed25519 verifies per CPU-second: ratio {:.2f}\n",
               cpu, appends_per_cpu_s, verify_per_cpu_s, appends_per_cpu_s / verify_per_cpu_s);
    fmt::print("server alone: {:.2f} CPU-s = {:.0f} events per CPU-second: ratio {:.2f} to the verify rate\n",
               server_cpu, server_appends_per_cpu_s, server_appends_per_cpu_s / verify_per_cpu_s);
    fmt::print("the same appends in-process (no network): {:.0f} events/s, {:.0f} events per CPU-second\n",
               embedded_per_s, embedded_per_cpu_s);
    fmt::print("single append latency: p50 {:.0f} us, p99 {:.0f} us\n", Percentile(append_us, 0.5),
               Percentile(append_us, 0.99));
    fmt::print("inclusion proof (client-verified) latency at {} events: p50 {:.0f} us, p99 {:.0f} us\n", size,
               Percentile(proof_us, 0.5), Percentile(proof_us, 0.99));
    if (failed > 0) fmt::print("{} events failed\n", failed.load());
  }
  server->reset();
  ledger->reset();
  if (remove_dir) std::filesystem::remove_all(dir);
  return failed == 0 ? 0 : 1;
}

}  // namespace
}  // namespace ledger

int main(int argc, char** argv) { return ledger::Main(argc, argv); }
