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
  // Edits the projection's status JSON of a household.
  std::function<void(std::string& json)> status_json;
  // Edits the seqs of the registry events sent for an officer (hide a revocation).
  std::function<void(std::vector<uint64_t>& seqs)> registry_seqs;
  // A non-OK status answers getEvent, householdHistory, householdStatus and
  // registry instead of the real reply (a forged "not found", without proof).
  std::function<Status()> forge_error;
  // The size of the checkpoint served as the latest (a stale one); 0: the real one.
  std::function<uint64_t(uint64_t latest)> latest_size;
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

  int io_threads = 0;                          // 0: one per core
  FrameLimits limits;
  size_t max_connections = 1024;
  size_t max_events_per_append = 10000;
  size_t max_inflight_events = 20000;          // per connection
  size_t max_inflight_requests = 256;          // per connection
  size_t max_output_bytes = 4u << 20;          // queued replies per connection
  size_t max_subscriptions = 4;                // per connection
  size_t subscribe_batch = 256;
  size_t max_history = 100000;                 // events per household reply
  uint32_t pushback_retry_ms = 50;

  std::chrono::milliseconds handshake_timeout{10000};
  std::chrono::milliseconds idle_timeout{300000};   // no request and nothing in flight
  std::chrono::milliseconds frame_timeout{30000};   // a started frame must complete
  std::chrono::milliseconds write_timeout{30000};   // a reply must be taken by the client
  std::chrono::milliseconds drain_timeout{10000};   // Shutdown() waits this long for in-flight work

  ServerFaults faults;
};

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
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::net
