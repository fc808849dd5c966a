#include "query_pool.h"
#include "log_redact.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ledger/reasons.h"

namespace ledger::net {

QueryPool::QueryPool(size_t threads, size_t max_queued, size_t max_per_key)
    : max_queued_(std::max<size_t>(1, max_queued)), max_per_key_(std::max<size_t>(1, max_per_key)) {
  for (size_t i = 0; i < std::max<size_t>(1, threads); ++i) threads_.emplace_back([this] { Work(); });
}

QueryPool::~QueryPool() { Join(); }

Status QueryPool::Submit(const std::string& key, std::function<void()> work) {
  std::lock_guard lock(mu_);
  if (stopping_) return UnavailableError("the server is shutting down", reason::kShuttingDown);
  if (held_ >= max_queued_) {
    return ResourceExhaustedError(fmt::format("the server holds {} queries (its limit); retry later", held_),
                                  reason::kQueryQueueFull);
  }
  Queue& q = queues_[key];
  if (q.held >= max_per_key_) {
    return ResourceExhaustedError(
        fmt::format("{} queries of this identity are queued or running (the limit); retry later", q.held),
        reason::kQueryQueueFull);
  }
  if (q.tasks.empty()) turns_.push_back(key);
  q.tasks.push_back(std::move(work));
  ++q.held;
  ++held_;
  cv_.notify_one();
  return OkStatus();
}

void QueryPool::Work() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !turns_.empty(); });
    if (turns_.empty()) return;   // stopping, nothing queued
    std::string key = std::move(turns_.front());
    turns_.pop_front();
    auto it = queues_.find(key);
    std::function<void()> task = std::move(it->second.tasks.front());
    it->second.tasks.pop_front();
    if (!it->second.tasks.empty()) turns_.push_back(key);
    ++running_;
    lock.unlock();
    try {
      task();
    } catch (...) {
      spdlog::error("{}", Redacted(ExceptionStatus(std::current_exception(), "a blocking-pool task").message()));
    }
    task = nullptr;   // its captures go before the count does
    lock.lock();
    --running_;
    --held_;
    it = queues_.find(key);
    if (--it->second.held == 0) queues_.erase(it);
  }
}

QueryPool::Load QueryPool::CurrentLoad() const {
  std::lock_guard lock(mu_);
  return {held_, running_, max_queued_};
}

void QueryPool::Join() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace ledger::net
