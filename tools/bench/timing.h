// Clocks for ledger-bench: wall time of a run and the process's CPU time.
//
//   auto start = Clock::now();
//   const double cpu_start = ProcessCpuSeconds();
//   Work();
//   double wall = SecondsSince(start), cpu = ProcessCpuSeconds() - cpu_start;
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace ledger::bench {

using Clock = std::chrono::steady_clock;

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU seconds used so far by the whole process: every thread, RocksDB's
// background threads included. A cost per event computed from it hardly
// moves with load from other processes, unlike a wall-clock rate.
inline double ProcessCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace ledger::bench
