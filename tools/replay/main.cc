// ledger-replay: historical analysis of a ledger store. See replay.h for how
// subcommands are added.
#include <CLI/CLI.hpp>

#include <exception>
#include <vector>

#include "ledger/version.h"
#include "replay/replay.h"

int main(int argc, char** argv) {
  using namespace ledger::replay;
  CLI::App app{
      "ledger-replay: historical analysis of a ledger store. Opens the store read-only\n"
      "(safe beside a running ledgerd) and never changes it.\n"
      "Exit codes: 0 ok, 1 failure (unreadable or corrupt store), 2 usage."};
  app.name("ledger-replay");
  app.set_version_flag("--version", ledger::VersionLine("ledger-replay"));
  Globals globals;
  app.add_option("--data", globals.data_dir, "Store directory (as given to ledgerd --data)")
      ->required()
      ->type_name("DIR");
  app.add_option("--calendar", globals.calendar_name,
                 "Years of dates given and shown: ce (2022-09-30) or be, the Buddhist Era (2565-09-30)")
      ->check(CLI::IsMember({"ce", "be"}));
  app.add_option("--areas", globals.areas_csv,
                 "Area names: a CSV in the format of thai_admin_divisions.csv (default: the built-in copy)")
      ->type_name("FILE");
  app.require_subcommand(1);
  app.fallthrough();  // --data may also follow the subcommand

  std::vector<Subcommand> commands = {
      AddExportCommand(app, globals),   AddStatusCommand(app, globals), AddReportCommand(app, globals),
      AddSeriesCommand(app, globals),   AddChartCommand(app, globals),  AddAnomaliesCommand(app, globals),
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
