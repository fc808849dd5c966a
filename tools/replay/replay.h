// ledger-replay: historical analysis of a ledger store (DESIGN.md §8).
//
// One file per subcommand (export.cc, ...). Each defines an Add*Command
// function that registers the subcommand and its options on the main app
// and returns the function that runs it; main.cc runs the chosen one.
//
//   Subcommand AddFooCommand(CLI::App& app, const Globals& globals) {
//     auto opts = std::make_shared<FooOptions>();
//     CLI::App* cmd = app.add_subcommand("foo", "What foo does");
//     cmd->add_option("--bar", opts->bar, "...");
//     return {cmd, [opts, &globals] { ... return kExitOk; }};
//   }
//
// Every subcommand opens the store read-only and never changes it.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>

#include "ledger/ledger.h"
#include "ledger/status.h"

namespace ledger::replay {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Options of the main command, shared by every subcommand.
struct Globals {
  std::string data_dir;
};

struct Subcommand {
  CLI::App* app = nullptr;
  // Runs the subcommand after parsing; returns the process exit code.
  std::function<int()> run;
};

// Opens the store of `globals` read-only.
StatusOr<std::unique_ptr<Ledger>> OpenStore(const Globals& globals);

// Prints "ledger-replay: <message>" on stderr and returns kExitFailure.
int Fail(const Status& status);
// Prints "ledger-replay: <message>" on stderr and returns kExitUsage.
int UsageError(const std::string& message);

Subcommand AddExportCommand(CLI::App& app, const Globals& globals);

}  // namespace ledger::replay
