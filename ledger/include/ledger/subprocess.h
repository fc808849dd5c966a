// Child processes, spawned one way (posix_spawn) for the tools, the
// benchmarks and the tests: argv (no PATH search), an optional environment,
// where each standard stream goes, a timeout, the exit status.
//
//   // Run to the end, stdout and stderr caught as strings:
//   ASSIGN_OR_RETURN(SubprocessResult r, RunSubprocess({.argv = {tool, "--json"},
//                                                       .out = Redirect::Capture(),
//                                                       .err = Redirect::Capture()},
//                                                      std::chrono::minutes(5)));
//   if (r.exit_code != 0) ...r.err...
//
//   // A server: stdout on a pipe to read its first line, stderr to a log.
//   ASSIGN_OR_RETURN(Subprocess d, Subprocess::Start({.argv = {ledgerd, "--listen", "127.0.0.1:0", ...},
//                                                     .out = Redirect::Pipe(),
//                                                     .err = Redirect::Append(log)}));
//   ASSIGN_OR_RETURN(std::string line, d.ReadLine(std::chrono::seconds(20)));   // "listening on ..."
//   d.Signal(SIGTERM);
//   int code = d.Wait();
//
// Exit codes are the process's, or -signal when a signal ended it. A
// Subprocess destroyed while its child runs kills it (SIGKILL) and reaps it.
// Captured output goes to an unlinked temporary file, not a pipe, so a
// child writing much never blocks on a parent that waits.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ledger/status.h"

namespace ledger {

// Where one of a child's standard streams goes.
struct Redirect {
  enum class Kind { kInherit, kNull, kFile, kAppend, kPipe, kCapture };
  Kind kind = Kind::kInherit;
  std::string path = {};  // kFile, kAppend
  mode_t mode = 0600;

  static Redirect Inherit() { return {}; }
  static Redirect Null() { return {Kind::kNull}; }   // /dev/null
  // Truncated or created with `mode`.
  static Redirect File(std::string path, mode_t mode = 0600) { return {Kind::kFile, std::move(path), mode}; }
  static Redirect Append(std::string path, mode_t mode = 0600) { return {Kind::kAppend, std::move(path), mode}; }
  // stdout only: read by Subprocess::ReadLine.
  static Redirect Pipe() { return {Kind::kPipe}; }
  // stdout or stderr: kept for CapturedOut() / CapturedErr() and SubprocessResult.
  static Redirect Capture() { return {Kind::kCapture}; }
};

struct SubprocessOptions {
  std::vector<std::string> argv = {};                          // argv[0]: the program's path
  std::optional<std::vector<std::string>> env = std::nullopt;  // "NAME=value" each; none: inherited
  Redirect in = Redirect::Null();
  Redirect out = Redirect::Inherit();
  Redirect err = Redirect::Inherit();
};

class Subprocess {
 public:
  // UNAVAILABLE when it cannot be started (no such program, a redirect
  // that cannot be opened), with strerror.
  static StatusOr<Subprocess> Start(const SubprocessOptions& options);
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }   // -1 once reaped
  // The next line of a Redirect::Pipe() stdout, without its newline.
  // UNAVAILABLE when stdout closes first (the child exited) or `timeout` passes.
  StatusOr<std::string> ReadLine(std::chrono::milliseconds timeout);
  void Signal(int signal);
  // Waits for the child: its exit code, or -signal.
  int Wait();
  // Waits at most `timeout`: the exit code, or nullopt while it still runs.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout);
  // What a Redirect::Capture() stdout or stderr caught so far.
  std::string CapturedOut() const;
  std::string CapturedErr() const;

 private:
  Subprocess() = default;
  void Close();

  pid_t pid_ = -1;
  int exit_code_ = -1;
  int pipe_ = -1;         // read end of a Pipe() stdout
  int capture_out_ = -1;  // unlinked temporary files of Capture()
  int capture_err_ = -1;
  std::string pending_;   // read from the pipe past the last line returned
};

struct SubprocessResult {
  int exit_code = -1;       // or -signal
  bool timed_out = false;   // killed (SIGKILL) when the timeout passed
  std::string out, err;     // what Capture() redirects caught
};

// Starts, waits at most `timeout` (zero: no limit) and returns what it
// caught. UNAVAILABLE only when it cannot be started; a failing or timed-out
// child is a result.
StatusOr<SubprocessResult> RunSubprocess(const SubprocessOptions& options,
                                         std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());

}  // namespace ledger
