// State shared by the server and its connections: the ledger, the request
// handler, the set of live connections (for shutdown) and the count of
// appends handed to the ledger whose callbacks have not run yet.
//
// Thread-safe. Owned by Server::Impl; outlives every connection's use of it
// because Shutdown() waits for the connections and the pending appends.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "handler.h"
#include "leaf_index.h"

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
  // New events were committed: subscriptions may send more.
  virtual void WakeSubscriptions() = 0;
};

struct ServerContext {
  ServerContext(Ledger& l, const ServerOptions& o)
      : ledger(l), options(o), leaf_index(l), projections(l), handler(l, o, leaf_index, projections) {}

  Ledger& ledger;
  const ServerOptions& options;
  LeafIndex leaf_index;
  ProjectionCache projections;
  RequestHandler handler;
  std::atomic<bool> draining{false};
  std::atomic<uint64_t> next_connection_id{1};

  void Register(ConnectionBase* c, std::weak_ptr<ConnectionBase> w) {
    std::lock_guard lock(mu);
    live.emplace(c, std::move(w));
  }
  void Unregister(ConnectionBase* c) {
    std::lock_guard lock(mu);
    live.erase(c);
    cv.notify_all();
  }
  size_t LiveCount() {
    std::lock_guard lock(mu);
    return live.size();
  }
  // Calls `f` on every live connection.
  template <typename F>
  void ForEach(F f) {
    std::vector<std::shared_ptr<ConnectionBase>> all;
    {
      std::lock_guard lock(mu);
      for (auto& [raw, weak] : live) {
        if (auto s = weak.lock()) all.push_back(std::move(s));
      }
    }
    for (auto& c : all) f(*c);
  }

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

  // Runs `work` on the server's blocking pool (set by Server::Start), off
  // the I/O threads; for queries that may take long (connection.cc,
  // http_listener.cc).
  std::function<void(std::function<void()> work)> run_blocking;
  void RunBlocking(std::function<void()> work) { run_blocking(std::move(work)); }

  std::mutex mu;
  std::condition_variable cv;
  std::unordered_map<ConnectionBase*, std::weak_ptr<ConnectionBase>> live;
  size_t pending_appends = 0;
};

}  // namespace ledger::net
