#include "common/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace ledger::tools {
namespace {

constexpr int kBarWidth = 30;
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);

// 12345678 -> "12.3M"
std::string Compact(double v) {
  if (v >= 1e9) return fmt::format("{:.1f}G", v / 1e9);
  if (v >= 1e6) return fmt::format("{:.1f}M", v / 1e6);
  if (v >= 1e3) return fmt::format("{:.1f}k", v / 1e3);
  return fmt::format("{:.0f}", v);
}

}  // namespace

ProgressBar::ProgressBar(std::string label, uint64_t total)
    : ProgressBar(std::move(label), total, ::isatty(STDERR_FILENO) == 1) {}

ProgressBar::ProgressBar(std::string label, uint64_t total, bool enabled)
    : label_(std::move(label)), total_(total), enabled_(enabled) {
  start_ = last_draw_ = std::chrono::steady_clock::now();
}

ProgressBar::~ProgressBar() { Finish(); }

std::string ProgressBar::Format(const std::string& label, uint64_t done, uint64_t total, double seconds) {
  double frac = total == 0 ? 1.0 : std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
  int filled = static_cast<int>(frac * kBarWidth);
  std::string bar = std::string(filled, '#') + std::string(kBarWidth - filled, '.');
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  std::string eta;
  if (rate > 0 && done < total) eta = fmt::format(" ETA {:.0f}s", static_cast<double>(total - done) / rate);
  return fmt::format("{} [{}] {:3.0f}% {}/{} {}/s{}", label, bar, frac * 100, done, total, Compact(rate), eta);
}

void ProgressBar::MaybeDraw() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ < kRedrawEvery) return;
  last_draw_ = now;
  Draw();
}

void ProgressBar::Draw() {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // "\x1b[K" clears what a longer previous line left behind.
  std::fputs(("\r" + Format(label_, done_, total_, secs) + "\x1b[K").c_str(), stderr);
  std::fflush(stderr);
}

void ProgressBar::Finish() {
  if (finished_) return;
  finished_ = true;
  if (!enabled_) return;
  Draw();
  std::fputc('\n', stderr);
}

}  // namespace ledger::tools
