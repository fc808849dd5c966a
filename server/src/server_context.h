// State shared by the server and its connections: the ledger, the request
// handler, the set of live connections (for shutdown, the connection caps:
// pending, established, per identity, and the metrics' states), the budget
// of frame bytes, the count of appends handed to the ledger whose callbacks
// have not run yet, and the metrics (server_metrics.h).
//
// Thread-safe. Owned by Server::Impl; outlives every connection's use of it
// because Shutdown() waits for the connections and the pending appends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <fmt/format.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "handler.h"
#include "leaf_index.h"
#include "ledger/reasons.h"
#include "query_pool.h"
#include "server_metrics.h"

namespace ledger::net {

// What the server may ask of a connection from another thread. Every
// method only posts work onto the connection's own strand.
class ConnectionBase {
 public:
  virtual ~ConnectionBase() = default;
  // Stop taking requests, answer those in flight, then close.
  virtual void Drain() = 0;
  // Close now.
  virtual void ForceClose() = 0;
  // Close now: too many connections are pending and this is the oldest.
  virtual void Evict() = 0;
  // New events were committed: subscriptions may send more.
  virtual void WakeSubscriptions() = 0;
};

struct ServerContext {
  ServerContext(Ledger& l, const ServerOptions& o)
      : ledger(l), options(o), leaf_index(l), projections(l), handler(l, o, leaf_index, projections) {}

  Ledger& ledger;
  // The caps in it are those Server::Start fitted to the file limit.
  const ServerOptions& options;
  LeafIndex leaf_index;
  ProjectionCache projections;
  RequestHandler handler;
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> next_connection_id{1};
  size_t max_http_connections = 0;   // set by Server::Start
  ServerMetrics metrics;
  // The server's blocking pool (set by Server::Start), for the metrics' queue figures.
  const QueryPool* query_pool = nullptr;
  // Live HTTP API sessions. Shared: a session's coroutine frame can be
  // destroyed after this context, when the io_context is torn down.
  std::shared_ptr<std::atomic<size_t>> http_sessions = std::make_shared<std::atomic<size_t>>(0);

  // ---------------------------------------------------------------- connections
  //
  // A connection is registered pending (docs/protocol.md §6 "Connections").
  // Registering one past max_pending_connections unregisters the oldest
  // pending one from the pending set and returns it, to be evicted.
  std::shared_ptr<ConnectionBase> Register(ConnectionBase* c, std::weak_ptr<ConnectionBase> w, uint64_t id) {
    std::lock_guard lock(mu);
    live.emplace(c, Entry{std::move(w), id, {}, false, false});
    pending.emplace(id, c);
    while (pending.size() > options.max_pending_connections) {
      auto oldest = pending.begin();
      auto it = live.find(oldest->second);
      pending.erase(oldest);
      if (it == live.end()) continue;
      if (auto s = it->second.weak.lock()) return s;
    }
    return nullptr;
  }
  // The pending connection `c` has an identity: it becomes established,
  // unless that passes max_connections (TOO_MANY_CONNECTIONS) or
  // max_connections_per_identity (TOO_MANY_IDENTITY_CONNECTIONS), or it was
  // evicted meanwhile (UNAVAILABLE).
  Status Establish(ConnectionBase* c, const std::string& identity) {
    std::lock_guard lock(mu);
    auto it = live.find(c);
    if (it == live.end() || !pending.count(it->second.id)) {
      return UnavailableError("the connection was closed to make room for others", reason::kHandshakeTimeout);
    }
    if (established >= options.max_connections) {
      return ResourceExhaustedError(
          fmt::format("the server holds {} connections, its limit; retry later", established),
          reason::kTooManyConnections);
    }
    size_t& mine = per_identity[identity];
    if (mine >= options.max_connections_per_identity) {
      return ResourceExhaustedError(
          fmt::format("this identity holds {} connections, the limit per identity; close one or retry later", mine),
          reason::kTooManyIdentityConnections);
    }
    ++mine;
    ++established;
    pending.erase(it->second.id);
    it->second.identity = identity;
    it->second.established = true;
    return OkStatus();
  }
  void Unregister(ConnectionBase* c) {
    std::lock_guard lock(mu);
    if (auto it = live.find(c); it != live.end()) {
      if (it->second.established) {
        --established;
        if (auto p = per_identity.find(it->second.identity); p != per_identity.end() && --p->second == 0) {
          per_identity.erase(p);
        }
      } else {
        pending.erase(it->second.id);
      }
      live.erase(it);
    }
    cv.notify_all();
  }
  size_t LiveCount() {
    std::lock_guard lock(mu);
    return live.size();
  }
  // The connection `c` is closing: it answers what is in flight, then closes.
  void MarkClosing(ConnectionBase* c) {
    std::lock_guard lock(mu);
    if (auto it = live.find(c); it != live.end()) it->second.closing = true;
  }
  // Live connections by state, for the metrics: closing (MarkClosing), else
  // identified (established), else pending.
  struct StateCounts {
    size_t pending = 0;
    size_t identified = 0;
    size_t closing = 0;
  };
  StateCounts CountStates() {
    std::lock_guard lock(mu);
    StateCounts n;
    for (const auto& [raw, entry] : live) {
      ++(entry.closing ? n.closing : entry.established ? n.identified : n.pending);
    }
    return n;
  }
  // Calls `f` on every live connection.
  template <typename F>
  void ForEach(F f) {
    std::vector<std::shared_ptr<ConnectionBase>> all;
    {
      std::lock_guard lock(mu);
      for (auto& [raw, entry] : live) {
        if (auto s = entry.weak.lock()) all.push_back(std::move(s));
      }
    }
    for (auto& c : all) f(*c);
  }

  // ---------------------------------------------------------------- frame buffers
  //
  // Bytes of partly received frames beyond each connection's first read
  // buffer, all connections together, at most max_buffered_frame_bytes.
  bool ChargeFrameBytes(size_t n) {
    size_t now = buffered_frame_bytes.load(std::memory_order_relaxed);
    do {
      if (now + n > options.max_buffered_frame_bytes) return false;
    } while (!buffered_frame_bytes.compare_exchange_weak(now, now + n, std::memory_order_relaxed));
    return true;
  }
  void ReleaseFrameBytes(size_t n) { buffered_frame_bytes.fetch_sub(n, std::memory_order_relaxed); }

  // Appends handed to the ledger and not yet called back.
  void AppendStarted() {
    std::lock_guard lock(mu);
    ++pending_appends;
  }
  void AppendFinished() {
    std::lock_guard lock(mu);
    --pending_appends;
    cv.notify_all();
  }
  void EventsCommitted() {
    ForEach([](ConnectionBase& c) { c.WakeSubscriptions(); });
  }

  // Runs `work` on the server's blocking pool (query_pool.h, set by
  // Server::Start), off the I/O threads, for queries that may take long
  // (connection.cc, http_listener.cc); `identity` is whose turn it takes.
  // QUERY_QUEUE_FULL (and `work` is not run) when the pool is full.
  std::function<Status(const std::string& identity, std::function<void()> work)> run_blocking;
  Status RunBlocking(const std::string& identity, std::function<void()> work) {
    return run_blocking(identity, std::move(work));
  }

  struct Entry {
    std::weak_ptr<ConnectionBase> weak;
    uint64_t id = 0;
    std::string identity;     // once established
    bool established = false;
    bool closing = false;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<ConnectionBase*, Entry> live;
  std::map<uint64_t, ConnectionBase*> pending;   // by id: oldest first
  std::unordered_map<std::string, size_t> per_identity;
  size_t established = 0;
  size_t pending_appends = 0;
  std::atomic<size_t> buffered_frame_bytes{0};
};

}  // namespace ledger::net
