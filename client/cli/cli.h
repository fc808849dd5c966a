// The `ledger` command-line client (DESIGN.md §8): shared options and
// helpers. One file per group of subcommands (append.cc, query.cc,
// verify_claim.cc); each Add*Commands function registers its subcommands
// and the functions that run them; main.cc runs the chosen one.
//
//   ledger --server HOST:PORT --cert me.crt --cert-key me.key --ca ca.crt --vkey VKEY <command> ...
//   ledger --server 127.0.0.1:7433 --dev-insecure --vkey VKEY <command> ...
//
// Every flag of the connection also reads an environment variable
// (LEDGER_SERVER, LEDGER_CERT, LEDGER_CERT_KEY, LEDGER_CA, LEDGER_VKEY, ...), so a
// shell can set them once. Exit codes: 0 ok, 1 failure (or a claim that does
// not verify), 2 usage.
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ledger/net/client.h"
#include "ledger/status.h"

namespace ledger::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

struct Globals {
  std::string server;
  bool dev_insecure = false;
  std::string role;        // dev mode identity
  std::string name;
  std::string cert, key, ca, server_name;
  std::string vkey;        // "name+hash+key" or "@file"
  std::string state;       // state file; default ~/.ledger/state-KEYNAME-KEYHASH.json
  bool trust_on_first_use = false;
  bool json = false;
  std::string calendar = "ce";   // dates shown: ce or be (Buddhist Era)
  std::string lang = "en";       // en or th: the timeline's event names and titles
  int64_t timeout_ms = 30000;
};

struct Subcommand {
  CLI::App* app = nullptr;
  std::function<int()> run;
};

// Connects with the global options. In dev mode the identity is --role and
// --name, defaulting to `default_role` and `default_name`.
StatusOr<std::unique_ptr<net::Client>> Connect(const Globals& g, const std::string& default_role,
                                               const std::string& default_name = "");

// "ledger: <message>" on stderr; returns kExitFailure (kExitUsage for usage).
int Fail(const Status& status);
int UsageError(const std::string& message);

// The status as the JSON object {"code", "reason", "message"}.
nlohmann::json ErrorJson(const Status& status);
// Hex strings of a proof path.
nlohmann::json PathJson(const std::vector<Hash>& path);
// Reads a whole file, or stdin for "-".
StatusOr<std::string> ReadInput(const std::string& path);
// ~/.ledger/<name> (or ./.ledger/<name> without HOME).
std::string DefaultPath(const std::string& name);

std::vector<Subcommand> AddAppendCommands(CLI::App& app, const Globals& g);
std::vector<Subcommand> AddQueryCommands(CLI::App& app, const Globals& g);
std::vector<Subcommand> AddVerifyClaimCommand(CLI::App& app, const Globals& g);

}  // namespace ledger::cli
