// Runs a built program (a tool under test) and captures its exit code,
// stdout and stderr. For end-to-end tests of the command-line tools.
//
//   CommandResult r = RunCommand({LEDGER_BINARY_DIR "/tools/ledger-replay", "--data", dir, ...});
//   EXPECT_EQ(r.exit_code, 0) << r.err;
//
// stdout and stderr are captured (ledger/subprocess.h: temporary files, no
// pipe deadlock on large outputs); stdin is /dev/null. exit_code is -signal
// when it was killed.
#pragma once

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ledger/subprocess.h"

namespace ledger::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// With a `timeout`, a command still running then is killed (exit_code
// -SIGKILL) and err says so.
inline CommandResult RunCommand(const std::vector<std::string>& argv,
                                std::chrono::milliseconds timeout = std::chrono::milliseconds::zero()) {
  CommandResult r;
  auto run = RunSubprocess({.argv = argv, .out = Redirect::Capture(), .err = Redirect::Capture()}, timeout);
  if (!run.ok()) {
    r.err = "posix_spawn failed for " + argv[0] + ": " + run.status().message();
    return r;
  }
  r.exit_code = run->exit_code;
  r.out = std::move(run->out);
  r.err = std::move(run->err);
  if (run->timed_out) r.err += "\n[killed after " + std::to_string(timeout.count()) + " ms]";
  return r;
}

// Splits on "\n", dropping the empty piece after a final newline.
inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

}  // namespace ledger::testing
