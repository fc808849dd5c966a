// ledger-replay: historical analysis of a ledger store. See replay.h for how
// subcommands are added.
#include <CLI/CLI.hpp>

#include <exception>
#include <vector>

#include "replay/replay.h"

int main(int argc, char** argv) {
  using namespace ledger::replay;
  CLI::App app{
      "ledger-replay: historical analysis of a ledger store. Opens the store read-only\n"
      "(safe beside a running ledgerd) and never changes it.\n"
      "Exit codes: 0 ok, 1 failure (unreadable or corrupt store), 2 usage."};
  app.name("ledger-replay");
  Globals globals;
  app.add_option("--data", globals.data_dir, "Store directory (as given to ledgerd --data)")
      ->required()
      ->type_name("DIR");
  app.require_subcommand(1);
  app.fallthrough();  // --data may also follow the subcommand

  std::vector<Subcommand> commands = {
      AddExportCommand(app, globals),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  try {
    for (const Subcommand& c : commands) {
      if (c.app->parsed()) return c.run();
    }
  } catch (const std::exception& e) {
    return Fail(ledger::InternalError(e.what()));
  }
  return UsageError("no subcommand given (try --help)");
}
