// ledger-admin: the operator's program (docs/operations.md).
//
//   ledger-admin init --data DIR --origin ledger.cdd.go.th/sisaket
//   ledger-admin agency add --data DIR --code PHO-33 --name-th ... --name-en ... --dimension health --province 33
//   ledger-admin officer add --data DIR --agency PHO-33 --id PHO-3301-01 --area 3301
//   ledger-admin officer revoke --data DIR --agency PHO-33 --id PHO-3301-01 --reason "lost phone"
//   ledger-admin menu publish --data DIR [--file menu.csv]
//   ledger-admin status --data DIR
//   ledger-admin backup --data DIR DEST
//   ledger-admin restore BACKUP --data DIR
//
// Exit codes: 0 ok, 1 failure, 2 usage.
#include <fmt/format.h>

#include <iostream>

#include "admin/admin.h"
#include "ledger/ledger.h"
#include "ledger/version.h"

int main(int argc, char** argv) {
  using namespace ledger::admin;
  CLI::App app{"ledger-admin: the operator's program: a new store and its keys, agencies and officers, "
               "status, backup and restore (docs/operations.md)"};
  app.set_version_flag("--version", ledger::VersionLine("ledger-admin"));
  app.require_subcommand(1);
  app.fallthrough();   // --json after the subcommand too
  bool json = false;
  app.add_flag("--json", json, "print the report as JSON");
  Context ctx;
  AddInitCommand(app, ctx);
  AddRegistryCommands(app, ctx);
  AddStatusCommand(app, ctx);
  AddBackupCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;   // --help and --version exit 0; usage errors are 2
  }
  if (!ctx.run) {
    std::cerr << "ledger-admin: a subcommand is required (ledger-admin --help)\n";
    return 2;
  }
  ledger::StatusOr<Output> out = ctx.run();
  if (!out.ok()) {
    const ledger::Status& s = out.status();
    if (json) {
      nlohmann::json j = {{"ok", false}, {"code", std::string(ledger::StatusCodeName(s.code()))}, {"reason", s.reason()},
                          {"message", s.message()}};
      std::cout << j.dump(2) << "\n";
    }
    std::cerr << "ledger-admin: " << (s.reason().empty() ? "" : s.reason() + ": ") << s.message() << "\n";
    return s.code() == ledger::StatusCode::kInvalidArgument ? 2 : 1;
  }
  if (json) {
    std::cout << out->json.dump(2) << "\n";
  } else {
    std::cout << out->text;
  }
  return 0;
}
