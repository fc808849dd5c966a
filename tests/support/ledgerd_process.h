// A ledgerd child process for end-to-end tests (tests/net): started from the
// build tree, its "listening on HOST:PORT" line awaited, killed and reaped
// when destroyed.
//
//   LedgerdProcess d;
//   d.Start({"--data", store, "--listen", "127.0.0.1:0", "--dev-insecure"}, log_path);
//   connect to d.endpoint() ...; d.Signal(SIGTERM); EXPECT_EQ(d.Wait(), 0);
//
// With `shell_prefix` (e.g. "ulimit -n 1024 &&"), ledgerd runs under
// /bin/sh after it, for limits a test must set on the child alone.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ledger/subprocess.h"
#include "support/run_command.h"

namespace ledger::testing {

inline const std::string kLedgerdPath = LEDGER_BINARY_DIR "/server/ledgerd";

class LedgerdProcess {
 public:
  // Starts it and waits for its "listening on HOST:PORT" line.
  void Start(const std::vector<std::string>& args, const std::string& log_path, const std::string& shell_prefix = "") {
    std::vector<std::string> all;
    if (!shell_prefix.empty()) {
      all = {"/bin/sh", "-c", shell_prefix + " exec \"$0\" \"$@\""};
    }
    all.push_back(kLedgerdPath);
    all.insert(all.end(), args.begin(), args.end());
    auto started = Subprocess::Start(
        {.argv = all, .in = Redirect::Inherit(), .out = Redirect::Pipe(), .err = Redirect::Append(log_path)});
    ASSERT_TRUE(started.ok()) << started.status().ToString();
    process_ = std::move(*started);
    auto line = process_->ReadLine(std::chrono::seconds(20));
    ASSERT_TRUE(line.ok()) << "ledgerd did not start (" << line.status().message()
                           << "); log: " << ReadWholeFile(log_path);
    ASSERT_EQ(line->rfind("listening on 127.0.0.1:", 0), 0u) << *line;
    endpoint_ = line->substr(std::string("listening on ").size());
    port_ = static_cast<uint16_t>(std::stoi(endpoint_.substr(endpoint_.find(':') + 1)));
  }

  // The next line ledgerd prints on stdout ("http api on HOST:PORT" after
  // the listening line, with --http).
  StatusOr<std::string> ReadLine(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    return process_->ReadLine(timeout);
  }
  void Signal(int sig) { process_->Signal(sig); }
  // Exit code, or -signal.
  int Wait() { return process_->Wait(); }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  uint16_t port() const { return port_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::optional<Subprocess> process_;   // killed and reaped when destroyed
  uint16_t port_ = 0;
  std::string endpoint_;
};

}  // namespace ledger::testing
