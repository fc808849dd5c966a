// A progress bar on stderr for long-running tools, drawn only when stderr is
// a terminal (DESIGN.md §8), so pipes and logs stay clean.
//
//   ProgressBar bar("export", total_events);
//   for (uint64_t i = 0; i < total; ++i) { work(i); bar.Update(i + 1); }
//   bar.Finish();   // final line and newline; also run by the destructor
//
// Draws at most every 100 ms; Update() costs a clock read when enabled and
// nothing otherwise, so it can be called per item.
// Not thread-safe: one thread updates a bar.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ledger::tools {

class ProgressBar {
 public:
  // Enabled iff stderr is a terminal.
  ProgressBar(std::string label, uint64_t total);
  // For tests: draw (or not) regardless of the terminal.
  ProgressBar(std::string label, uint64_t total, bool enabled);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  bool enabled() const { return enabled_; }
  // `done` items of `total` are finished.
  void Update(uint64_t done) {
    done_ = done;
    if (enabled_) MaybeDraw();
  }
  // Draws the final state and ends the line. Idempotent.
  void Finish();

  // The line drawn for `done` of `total` after `seconds` (no "\r").
  static std::string Format(const std::string& label, uint64_t done, uint64_t total, double seconds);

 private:
  void MaybeDraw();
  void Draw();

  std::string label_;
  uint64_t total_;
  bool enabled_;
  bool finished_ = false;
  uint64_t done_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace ledger::tools
