// The server's blocking pool for queries whose cost grows with the data
// (household status and history, reports, the HTTP API's routes), off the
// I/O threads. Bounded and fair:
//
//   QueryPool pool(2, /*max_queued=*/256, /*max_per_key=*/32);
//   Status s = pool.Submit("inspector/insp-1", [] { ... });   // QUERY_QUEUE_FULL when full
//
// * At most max_queued queries are held (queued or running) in all, and at
//   most max_per_key for one key (an identity); past either, Submit refuses
//   with RESOURCE_EXHAUSTED (QUERY_QUEUE_FULL) and does not run the work.
// * Keys take turns: each free thread takes the oldest query of the next key
//   in round-robin order, so one identity's long queue delays another's
//   query by at most one query per thread, not by the whole queue.
//
// Thread-safe. What a task throws is logged and dropped. The destructor runs
// what is queued, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ledger/status.h"

namespace ledger::net {

class QueryPool {
 public:
  QueryPool(size_t threads, size_t max_queued, size_t max_per_key);
  ~QueryPool();
  QueryPool(const QueryPool&) = delete;
  QueryPool& operator=(const QueryPool&) = delete;

  Status Submit(const std::string& key, std::function<void()> work);
  // Queries held now (queued or running, what max_queued bounds) and of
  // those, running; the bound.
  struct Load {
    size_t held = 0;
    size_t running = 0;
    size_t max_queued = 0;
  };
  Load CurrentLoad() const;
  // Runs what is queued, then stops the threads. Idempotent.
  void Join();

 private:
  struct Queue {
    std::deque<std::function<void()>> tasks;
    size_t held = 0;   // queued + running
  };
  void Work();

  const size_t max_queued_;
  const size_t max_per_key_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Queue> queues_;
  std::deque<std::string> turns_;   // keys with queued tasks, each once, in turn
  size_t held_ = 0;
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ledger::net
