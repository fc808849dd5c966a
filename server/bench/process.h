// ledger-net-bench's view of processes: a `ledgerd` child started on a
// store (so that its memory and CPU can be read apart from the client's),
// and what /proc says about a process.
//
//   ASSIGN_OR_RETURN(auto d, LedgerdProcess::Start("build/server/ledgerd",
//                                                  {"--data", dir, "--listen", "127.0.0.1:0", ...},
//                                                  dir + "/ledgerd.log"));
//   connect to d->endpoint() ...
//   ProcMemory m = ReadMemory(d->pid());    // VmRSS, VmHWM of ledgerd
//   int rc = d->Stop();                     // SIGTERM, wait: ledgerd's exit code
//
// The destructor kills a child that was not stopped (SIGKILL) and reaps it.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ledger/status.h"
#include "ledger/subprocess.h"

namespace ledger::bench {

struct ProcMemory {
  uint64_t rss_kb = 0;   // VmRSS: resident now
  uint64_t hwm_kb = 0;   // VmHWM: the peak resident size so far
  uint64_t anon_kb = 0;  // RssAnon: of VmRSS, the heap and stacks (not the mapped files)
};

// From /proc/PID/status; zeros when the process is gone.
ProcMemory ReadMemory(pid_t pid);
// User + system CPU seconds of the process so far (/proc/PID/stat), -1 when gone.
double ProcessCpuSeconds(pid_t pid);
// CPU seconds of each thread of the process, by thread id.
std::map<pid_t, double> ThreadCpuSeconds(pid_t pid);
// The three load averages of /proc/loadavg, as text ("2.05 2.54 2.01").
std::string LoadAverage();

class LedgerdProcess {
 public:
  // Spawns `ledgerd args...` with stdout on a pipe and stderr appended to
  // `log_path`, and waits (up to `timeout_s`) for its "listening on
  // HOST:PORT" line. Unavailable with the log's last lines when it exits
  // or stays silent.
  static StatusOr<std::unique_ptr<LedgerdProcess>> Start(const std::string& ledgerd,
                                                          const std::vector<std::string>& args,
                                                          const std::string& log_path, int timeout_s = 600);

  pid_t pid() const { return child_.pid(); }
  const std::string& endpoint() const { return endpoint_; }
  // SIGTERM, then waits: the exit code, or -signal.
  int Stop();

 private:
  explicit LedgerdProcess(Subprocess child) : child_(std::move(child)) {}

  Subprocess child_;   // killed (SIGKILL) and reaped if not stopped
  std::string endpoint_;
};

}  // namespace ledger::bench
