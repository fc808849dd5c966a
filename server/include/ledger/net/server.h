// ledgerd's network server: the wire protocol of schemas/protocol.capnp over
// TLS 1.3 with mutual authentication (or plain TCP on loopback in dev mode),
// in front of one Ledger. See docs/protocol.md.
//
//   auto ledger = Ledger::Open(dir, std::move(server_key));
//   ServerOptions o;
//   o.listen_host = "127.0.0.1";  o.listen_port = 0;          // 0: any free port
//   o.tls = {"server.crt", "server.key", "ca.crt"};
//   ASSIGN_OR_RETURN(auto server, Server::Start(ledger->get(), o));
//   std::cout << "listening on " << server->endpoint() << "\n";
//   ...
//   server->Shutdown();    // stop accepting, finish in-flight appends, close
//   ledger.reset();        // then close the store
//
// Threads: the server runs its own I/O threads (one per core by default);
// appends from every connection go to the ledger's group commit. The ledger
// must outlive the server.
//
// Memory is bounded: a connection reads no further frames while it has too
// many requests or events in flight, a subscription reads no further events
// while its connection's output queue is full, and the ledger's queue pushes
// back (error reply with retryAfterMs) when full.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/ledger.h"
#include "ledger/net/frame_limits.h"
#include "ledger/store_limits.h"
#include "ledger/status.h"

namespace ledger::net {

struct TlsFiles {
  std::string cert;   // server certificate chain (PEM)
  std::string key;    // its private key (PEM)
  std::string ca;     // CA that signs client certificates (PEM)
};

// Test-only hooks that make the server lie, to check that clients refuse
// forged answers. Each is applied to a reply just before it is encoded.
struct ServerFaults {
  std::function<void(std::vector<Hash>& path)> inclusion_path;
  std::function<void(std::vector<Hash>& path)> consistency_path;
  std::function<void(std::string& leaf)> event_leaf;
  // Replaces any checkpoint note the server sends.
  std::function<void(std::string& note)> checkpoint;
  // Edits a household history's leaves (drop the last, drop one in the middle).
  std::function<void(std::vector<std::string>& leaves)> history_leaves;
  // Edits a history page's nextSeq (0: claim the page is the last).
  std::function<void(uint64_t& next_seq)> history_next;
  // Edits the projection's status JSON of a household.
  std::function<void(std::string& json)> status_json;
  // Edits the seqs of the registry events sent for an officer (hide a revocation).
  std::function<void(std::vector<uint64_t>& seqs)> registry_seqs;
  // A non-OK status answers getEvent, householdHistory, householdStatus and
  // registry instead of the real reply (a forged "not found", without proof).
  std::function<Status()> forge_error;
  // The size of the checkpoint served as the latest (a stale one); 0: the real one.
  std::function<uint64_t(uint64_t latest)> latest_size;
  // Runs before every report is computed (a slow report, for tests of the
  // blocking pool's fairness).
  std::function<void()> report_delay;
};

struct ServerOptions {
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 0;
  // Plain TCP, loopback addresses only; identities come from Hello.
  bool dev_insecure = false;
  TlsFiles tls;
  // The read-only HTTP/JSON API (docs/protocol.md "HTTP API") on its own
  // port: HTTPS with the same TLS files and client certificates, or plain
  // HTTP on loopback with dev_insecure. Off unless http_enabled.
  bool http_enabled = false;
  std::string http_host = "127.0.0.1";
  uint16_t http_port = 0;                      // 0: any free port
  // HTTPS clients without a certificate may GET /metrics (a Prometheus
  // scraper; metrics hold no personal data); every other route still needs
  // one (403 NO_CERTIFICATE). A certificate that is sent must verify.
  bool metrics_without_client_cert = false;

  int io_threads = 0;                          // 0: one per core
  FrameLimits limits;
  // Connections (docs/protocol.md §6 "Connections"). A connection is
  // *pending* from accept until its TLS handshake is done and its identity
  // is known (TLS: its first request; dev mode: an accepted hello), and
  // must get there within handshake_timeout. At most max_pending_connections
  // are pending: one more closes the oldest pending one. Then it counts
  // against max_connections and max_connections_per_identity; past either it
  // is refused with an Error (TOO_MANY_CONNECTIONS,
  // TOO_MANY_IDENTITY_CONNECTIONS; RESOURCE_EXHAUSTED, retryAfterMs) and
  // closed. Server::Start lowers both caps to fit the file limit (ConnectionCaps).
  size_t max_connections = 1024;
  size_t max_pending_connections = 64;
  size_t max_connections_per_identity = 64;
  uint32_t connection_retry_ms = 1000;         // retryAfterMs of a refused connection
  // Bytes of partly received frames beyond each connection's first 64 KiB
  // read buffer, all connections together; a connection that needs more
  // waits (its frame timeout runs on).
  size_t max_buffered_frame_bytes = 256u << 20;
  // The blocking pool for household status, history and reports (and the
  // HTTP API's routes): queued and running queries, in all and per identity;
  // past either, QUERY_QUEUE_FULL (RESOURCE_EXHAUSTED, retryAfterMs). The
  // pool serves identities in turn, so one identity's queue does not delay
  // another's queries.
  size_t max_queued_queries = 256;
  size_t max_queries_per_identity = 32;
  uint32_t query_retry_ms = 200;
  size_t max_events_per_append = 10000;
  size_t max_inflight_events = 20000;          // per connection
  size_t max_inflight_requests = 256;          // per connection
  size_t max_output_bytes = 4u << 20;          // queued replies per connection
  size_t max_subscriptions = 4;                // per connection
  size_t subscribe_batch = 256;
  // A household history reply is a page (docs/protocol.md §3.2): at most
  // this many events (a request's limit may ask for fewer) and this many
  // bytes of leaves (but always one event), so no household outgrows a frame.
  size_t history_page_events = 10000;
  size_t history_page_bytes = 4u << 20;
  uint32_t pushback_retry_ms = 50;
  // Appends paused by a storage fault (STORE_FULL, STORE_IO): try again after this.
  uint32_t store_retry_ms = 1000;

  std::chrono::milliseconds handshake_timeout{5000};   // accept to identity known (pending)
  std::chrono::milliseconds idle_timeout{300000};   // no request and nothing in flight
  std::chrono::milliseconds frame_timeout{30000};   // a started frame must complete
  std::chrono::milliseconds write_timeout{30000};   // a reply must be taken by the client
  std::chrono::milliseconds drain_timeout{10000};   // Shutdown() waits this long for in-flight work

  ServerFaults faults;
};

// File descriptors ledgerd keeps for everything but connections: RocksDB's
// table files (kStoreMaxOpenFiles), its WAL, MANIFEST and logs, the
// listeners, epoll and eventfds, stdio and tools such as backups.
inline constexpr uint64_t kFileReserve = kStoreMaxOpenFiles + 128;

// The soft RLIMIT_NOFILE before and after RaiseFileLimit, and the hard one.
struct FileLimit {
  uint64_t soft_before = 0;
  uint64_t soft = 0;
  uint64_t hard = 0;
};
// Raises the soft limit on open files to the hard one (ledgerd at start).
FileLimit RaiseFileLimit();

// The connection caps that fit `soft_limit` open files: established plus
// pending connections (plus the HTTP API's sessions, when on, which get the
// same share) leave kFileReserve descriptors to the store. Never above the
// options' values; at least 1 each.
struct ConnectionCaps {
  size_t max_connections = 0;
  size_t max_pending_connections = 0;
  size_t max_http_connections = 0;
};
ConnectionCaps FitConnectionCaps(const ServerOptions& options, uint64_t soft_limit);

class Server {
 public:
  // Binds, listens and starts serving. InvalidArgument for bad options
  // (dev_insecure on a non-loopback address, missing TLS files), Unavailable
  // when the address cannot be bound.
  static StatusOr<std::unique_ptr<Server>> Start(Ledger* ledger, ServerOptions options);
  ~Server();  // Shutdown()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  uint16_t port() const;
  // "HOST:PORT" with the real port.
  std::string endpoint() const;
  // The HTTP API's "HOST:PORT" ("" when it is off).
  std::string http_endpoint() const;
  // Stops accepting, answers what is in flight, closes every connection and
  // stops the I/O threads. Blocks; idempotent; callable from any thread
  // except the server's own.
  void Shutdown();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  static StatusOr<std::unique_ptr<Server>> Start(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::net
