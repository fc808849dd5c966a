// ledgerd: the ledger server (DESIGN.md §7, §8).
//
//   ledgerd --data DIR --listen 127.0.0.1:7433 --cert server.crt --key server.key --ca ca.crt
//   ledgerd --data DIR --listen 127.0.0.1:0 --dev-insecure      # plain TCP, loopback only
//   ledgerd --config ledgerd.toml                               # the same flags in a file
//
// Prints "listening on HOST:PORT" (the real port) on stdout once it accepts
// connections. SIGTERM/SIGINT: stop accepting, answer in-flight appends,
// close the store, exit 0. Logs go to stderr. Exit codes: 0 ok, 1 failure,
// 2 usage.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <malloc.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "ledger/calendar.h"
#include "ledger/ledger.h"
#include "ledger/net/host_port.h"
#include "ledger/net/server.h"
#include "ledger/version.h"

int main(int argc, char** argv) {
  // glibc makes up to 8 malloc arenas per core; with many I/O and RocksDB
  // threads their slack was ~55 MiB of ledgerd's RSS (docs/PERFORMANCE.md §3).
  mallopt(M_ARENA_MAX, 2);
  CLI::App app{"ledgerd: the assistance ledger server (Cap'n Proto over TLS 1.3, mutual authentication)"};
  app.set_version_flag("--version", ledger::VersionLine("ledgerd"));
  std::string data, listen = "127.0.0.1:7433", http_listen, server_key, log_level = "info";
  ledger::net::ServerOptions options;
  int64_t idle_ms = options.idle_timeout.count();
  int64_t frame_ms = options.frame_timeout.count();
  int64_t write_ms = options.write_timeout.count();
  int64_t drain_ms = options.drain_timeout.count();
  int64_t handshake_ms = options.handshake_timeout.count();
  size_t max_queue = ledger::LedgerOptions{}.max_queued_events;
  app.set_config("--config", "", "TOML/INI file with any of these flags (long names as keys)");
  app.add_option("--data", data, "store directory (created by ledger-seed or the library)")->required();
  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free port")->capture_default_str();
  app.add_option("--http", http_listen,
                 "HOST:PORT for the read-only HTTP/JSON API (HTTPS with the same certificates; plain HTTP with "
                 "--dev-insecure); off when not given");
  app.add_flag("--metrics-without-client-cert", options.metrics_without_client_cert,
               "HTTPS: serve GET /metrics to clients without a certificate (a Prometheus scraper; metrics hold no "
               "personal data); every other route still needs one");
  app.add_option("--cert", options.tls.cert, "server certificate chain (PEM)");
  app.add_option("--key", options.tls.key, "server TLS private key (PEM)");
  app.add_option("--ca", options.tls.ca, "CA certificate that signs client certificates (PEM)");
  app.add_option("--server-key", server_key, "checkpoint signing key (default DIR/keys/server.pem)");
  app.add_flag("--dev-insecure", options.dev_insecure, "plain TCP on loopback only, identities from hello (unsafe)");
  app.add_option("--threads", options.io_threads, "I/O threads (0: one per core)")->capture_default_str();
  app.add_option("--max-frame-bytes", options.limits.max_frame_bytes, "largest accepted frame")->capture_default_str();
  app.add_option("--max-connections", options.max_connections,
                 "connections with an identity (lowered to fit the open-file limit; docs/protocol.md §6)")
      ->capture_default_str();
  app.add_option("--max-pending-connections", options.max_pending_connections,
                 "connections still in TLS handshake or before hello; one more closes the oldest")
      ->capture_default_str();
  app.add_option("--max-connections-per-identity", options.max_connections_per_identity,
                 "connections of one certificate identity (dev mode: hello role and name)")
      ->capture_default_str();
  app.add_option("--handshake-timeout-ms", handshake_ms,
                 "from accept to the TLS handshake done and the first request (dev mode: an accepted hello)")
      ->capture_default_str();
  app.add_option("--max-buffered-frame-bytes", options.max_buffered_frame_bytes,
                 "bytes of partly received frames beyond 64 KiB per connection, all connections together")
      ->capture_default_str();
  app.add_option("--max-queued-queries", options.max_queued_queries,
                 "household status, history and report queries queued or running, in all")
      ->capture_default_str();
  app.add_option("--max-queries-per-identity", options.max_queries_per_identity,
                 "the same, per identity")
      ->capture_default_str();
  app.add_option("--max-queued-events", max_queue, "ledger queue size before pushback")->capture_default_str();
  app.add_option("--history-page-events", options.history_page_events,
                 "events per household history page (protocol and HTTP); clients follow the pages")
      ->capture_default_str()
      ->check(CLI::Range(size_t{1}, size_t{100000}));
  app.add_option("--history-page-bytes", options.history_page_bytes,
                 "bytes of leaves per history page (a page holds at least one event)")
      ->capture_default_str()
      ->check(CLI::Range(size_t{64} << 10, size_t{12} << 20));
  uint64_t min_free_mb = 256;
  app.add_option("--min-free-mb", min_free_mb,
                 "free-space floor: below this many MiB free on the store's file system, appends fail with "
                 "STORE_FULL until space is freed (0: none)")
      ->capture_default_str();
  app.add_option("--idle-timeout-ms", idle_ms)->capture_default_str();
  app.add_option("--frame-timeout-ms", frame_ms)->capture_default_str();
  app.add_option("--write-timeout-ms", write_ms)->capture_default_str();
  app.add_option("--drain-timeout-ms", drain_ms, "how long shutdown waits for in-flight work")->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  auto logger = spdlog::stderr_color_mt("ledgerd");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");

  if (auto s = ledger::net::SplitHostPort(listen, &options.listen_host, &options.listen_port); !s.ok()) {
    std::cerr << "ledgerd: --listen: " << s.message() << "\n";
    return 2;
  }
  if (!http_listen.empty()) {
    if (auto s = ledger::net::SplitHostPort(http_listen, &options.http_host, &options.http_port); !s.ok()) {
      std::cerr << "ledgerd: --http: " << s.message() << "\n";
      return 2;
    }
    options.http_enabled = true;
  }
  options.idle_timeout = std::chrono::milliseconds(idle_ms);
  options.frame_timeout = std::chrono::milliseconds(frame_ms);
  options.write_timeout = std::chrono::milliseconds(write_ms);
  options.drain_timeout = std::chrono::milliseconds(drain_ms);
  options.handshake_timeout = std::chrono::milliseconds(handshake_ms);
  if (server_key.empty()) server_key = (std::filesystem::path(data) / "keys" / "server.pem").string();

  // Signals are taken synchronously by this thread; block them everywhere first.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  // Every connection is a file descriptor, and so is every table file of
  // the store: take all the process may have. Server::Start then fits the
  // connection caps to it, leaving the store its reserve.
  const ledger::net::FileLimit files = ledger::net::RaiseFileLimit();
  spdlog::info("open-file limit: soft {} (was {}), hard {}", files.soft, files.soft_before, files.hard);
  if (options.dev_insecure) {
    spdlog::warn("*** --dev-insecure: plain TCP without authentication; identities are whatever clients claim. "
                 "For local experiments only. ***");
  }
  auto key = ledger::PrivateKey::LoadPemFile(server_key);
  if (!key.ok()) {
    std::cerr << "ledgerd: --server-key " << server_key << ": " << key.status().message() << "\n";
    return 1;
  }
  ledger::LedgerOptions ledger_options;
  ledger_options.max_queued_events = max_queue;
  // recordedAt never goes back (docs/formats.md §1.1); a step back of the
  // system clock is worth an operator's look: one warning per step.
  ledger_options.on_clock_step_back = [](int64_t previous_ns, int64_t now_ns) {
    spdlog::warn("the system clock stepped back by {:.3f} s (from {} to {}); recordedAt goes on from the last "
                 "event's, 1 ns apart, until the clock catches up",
                 static_cast<double>(previous_ns - now_ns) / 1e9, ledger::FormatTimestampNs(previous_ns),
                 ledger::FormatTimestampNs(now_ns));
  };
  ledger_options.min_free_bytes = min_free_mb << 20;
  // Storage faults (docs/operations.md): appends pause on a retryable store
  // error and resume by themselves; the operator sees both, with the cause.
  ledger_options.on_appends_paused = [](const ledger::Status& cause) {
    spdlog::error("appends paused ({}): {}", cause.reason(), cause.message());
  };
  ledger_options.on_appends_resumed = [](const ledger::Status& cause, int64_t paused_ns) {
    spdlog::warn("appends resumed after {:.1f} s paused ({})", static_cast<double>(paused_ns) / 1e9, cause.reason());
  };
  auto store = ledger::Ledger::Open(data, std::move(*key), ledger_options);
  if (!store.ok()) {
    std::cerr << "ledgerd: --data " << data << ": " << store.status().message() << "\n";
    return 1;
  }
  spdlog::info("store {} open: origin {}, {} events", data, (*store)->info().origin, (*store)->Size());
  if ((*store)->info().insecure_deterministic_keys) {
    // Seeded with ledger-seed --insecure-deterministic-keys: anyone who knows
    // the seed can sign checkpoints and register agencies for this store.
    spdlog::warn("*** INSECURE KEYS: the root and server keys of {} were derived from a seed "
                 "(ledger-seed --insecure-deterministic-keys); anyone who knows the seed can forge its "
                 "checkpoints and registry. For tests and demos only: never serve it as a real ledger "
                 "(start a real one with ledger-admin init, docs/operations.md). ***", data);
  }
  auto server = ledger::net::Server::Start(store->get(), options);
  if (!server.ok()) {
    std::cerr << "ledgerd: " << server.status().message() << "\n";
    return server.status().code() == ledger::StatusCode::kInvalidArgument ? 2 : 1;
  }
  std::cout << "listening on " << (*server)->endpoint() << std::endl;
  if (options.http_enabled) {
    std::cout << "http api on " << (*server)->http_endpoint() << std::endl;
    spdlog::info("http api on {} ({})", (*server)->http_endpoint(), options.dev_insecure ? "plain HTTP" : "HTTPS");
  }
  spdlog::info("listening on {} ({}); verifier key {}", (*server)->endpoint(),
               options.dev_insecure ? "dev-insecure" : "TLS 1.3, client certificates required",
               (*store)->info().VerifierKey());

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {}: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->Shutdown();
  // The server's caches (projection snapshot, iterators) read the store:
  // they go before it closes.
  server->reset();
  uint64_t size = (*store)->Size();
  store->reset();
  spdlog::info("store closed at {} events", size);
  return 0;
}
