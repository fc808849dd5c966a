// Runs the built ledger-admin (tools/admin/) for end-to-end tests, with a
// time limit.
//
//   CommandResult r = Admin({"init", "--data", dir, "--origin", "test.example/x"});
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "support/run_command.h"

namespace ledger::testing {

inline const std::string kAdminBinary = LEDGER_BINARY_DIR "/tools/ledger-admin";
inline const std::string kVerifyBinary = LEDGER_BINARY_DIR "/tools/ledger-verify";

inline CommandResult Admin(std::vector<std::string> args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(120)) {
  args.insert(args.begin(), kAdminBinary);
  return RunCommand(args, timeout);
}

}  // namespace ledger::testing
