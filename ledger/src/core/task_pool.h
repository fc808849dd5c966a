// A small pool of worker threads with prioritised FIFO queues, for the
// verifier's pipeline. The thread that waits for a result helps: it runs
// queued tasks itself, so a pool of 0 workers runs everything inline and no
// core idles while the caller waits.
//
//   TaskPool pool(/*workers=*/1);
//   std::atomic<bool> done{false};
//   pool.Submit(TaskPool::kFirst, [&] { Work(); done = true; });
//   pool.HelpUntil([&] { return done.load(); });
//
// Tasks run in priority order (kFirst before kSecond before kLast), FIFO
// within a priority. A task must not call HelpUntil. Internal to the ledger
// library. Thread-safe.
#pragma once

#include <array>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ledger {

class TaskPool {
 public:
  enum Priority { kFirst = 0, kSecond = 1, kLast = 2 };

  explicit TaskPool(int workers) {
    for (int i = 0; i < workers; ++i) threads_.emplace_back([this] { WorkerLoop(); });
  }
  // Runs every task still queued, then joins the workers.
  ~TaskPool() {
    HelpUntil([this] { return Empty(); });
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    work_cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  void Submit(Priority priority, std::function<void()> task) {
    {
      std::lock_guard lock(mu_);
      queues_[priority].push_back(std::move(task));
    }
    work_cv_.notify_one();
  }

  // Runs queued tasks on the calling thread until `done()` holds. `done` is
  // evaluated under the pool's lock after every task finishes anywhere, so
  // it must be cheap and must not touch the pool.
  void HelpUntil(const std::function<bool()>& done) {
    std::unique_lock lock(mu_);
    while (!done()) {
      if (RunOneLocked(lock)) continue;
      done_cv_.wait(lock);
    }
  }

 private:
  std::optional<std::function<void()>> PopLocked() {
    for (auto& q : queues_) {
      if (!q.empty()) {
        std::function<void()> task = std::move(q.front());
        q.pop_front();
        ++running_;
        return task;
      }
    }
    return std::nullopt;
  }

  // Runs the next queued task, if any, with `lock` (on mu_) released
  // meanwhile; false when nothing is queued.
  bool RunOneLocked(std::unique_lock<std::mutex>& lock) {
    std::optional<std::function<void()>> task = PopLocked();
    if (!task) return false;
    lock.unlock();
    (*task)();
    lock.lock();
    ++running_done_;
    done_cv_.notify_all();
    return true;
  }

  // Under mu_: nothing queued and nothing running.
  bool Empty() const {
    for (const auto& q : queues_) {
      if (!q.empty()) return false;
    }
    return running_ == running_done_;
  }

  void WorkerLoop() {
    std::unique_lock lock(mu_);
    while (true) {
      if (RunOneLocked(lock)) continue;
      if (stop_) return;
      work_cv_.wait(lock);
    }
  }

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::array<std::deque<std::function<void()>>, 3> queues_;
  uint64_t running_ = 0;        // tasks started
  uint64_t running_done_ = 0;   // tasks finished
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ledger
