// A ledgerd child process for end-to-end tests: started with its stderr
// appended to a log, ready once it has printed "listening on HOST:PORT".
//
//   Ledgerd d;
//   d.Start({"--data", store, "--listen", "127.0.0.1:0", "--dev-insecure"}, log);
//   RunCommand({kLedger, "--server", d.endpoint(), ...});
//   d.Signal(SIGTERM);
//   EXPECT_EQ(d.Wait(), 0);
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ledger/subprocess.h"
#include "support/run_command.h"

namespace ledger::testing {

// A ledgerd child process.
class Ledgerd {
 public:
  // Starts it and waits for its "listening on HOST:PORT" line.
  void Start(const std::vector<std::string>& args, const std::string& log_path) {
    std::vector<std::string> all = {LEDGER_BINARY_DIR "/server/ledgerd"};
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

  void Signal(int sig) { process_->Signal(sig); }
  // Exit code, or -signal.
  int Wait() { return process_->Wait(); }
  uint16_t port() const { return port_; }
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::optional<Subprocess> process_;   // killed and reaped when destroyed
  uint16_t port_ = 0;
  std::string endpoint_;
};

}  // namespace ledger::testing
