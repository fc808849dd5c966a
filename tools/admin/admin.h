// ledger-admin: the operator's program (docs/operations.md). One file per
// concept: main.cc (flags, dispatch, exit codes), init.cc (a new store and
// its keys), registry_commands.cc (agencies and officers), status.cc,
// backup.cc (backup and restore), common.cc (opening the store, signing and
// appending); this header is what they share.
//
// Every command returns an Output: a JSON report (printed with --json) and
// the same for people. Exit codes: 0 ok, 1 failure, 2 usage (a bad flag or
// value: CLI11's errors and INVALID_ARGUMENT statuses).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <string>

#include "ledger/crypto.h"
#include "ledger/ledger.h"
#include "ledger/status.h"

namespace ledger::admin {

struct Output {
  nlohmann::json json = nlohmann::json::object();
  std::string text;
};
using Command = std::function<StatusOr<Output>()>;

// What main.cc runs once the command line is parsed.
struct Context {
  Command run;
};

// Where a store's keys are: --keys, or DATA/keys (ledgerd --data DATA finds
// the server key there).
struct StoreFlags {
  std::string data;
  std::string keys;
  std::string KeysDir() const { return keys.empty() ? data + "/keys" : keys; }
  std::string RootKeyPath() const { return KeysDir() + "/root.pem"; }
  std::string ServerKeyPath() const { return KeysDir() + "/server.pem"; }
  std::string AgencyKeyPath(const std::string& code) const { return KeysDir() + "/agencies/" + code + ".pem"; }
  std::string OfficerKeyPath(const std::string& id) const { return KeysDir() + "/officers/" + id + ".pem"; }
};
// Adds --data (required) and --keys to `cmd`.
void AddStoreFlags(CLI::App* cmd, StoreFlags* flags, const std::string& data_help);

// Opens the store for appending with its server key (--server-key, default
// KEYS/server.pem). While ledgerd serves the store it is locked: the error
// then says how to register through ledgerd instead (--jsonl, ledger append).
StatusOr<std::unique_ptr<Ledger>> OpenForAppend(const StoreFlags& store, const std::string& server_key_path);

// Loads a private key file, naming the flag it came from in errors.
StatusOr<PrivateKey> LoadKey(const std::string& path, const std::string& flag);

// Today in Asia/Bangkok, "YYYY-MM-DD" (a registry event's occurred_at).
std::string TodayBangkok();

// Builds the event from its JSON form (ledger/event_json.h), signs it with
// `key` and appends it through Ledger::Append, with the validation every
// event gets. The report holds seq, leaf_hash, kind and idempotency_key.
StatusOr<nlohmann::json> SignAndAppend(Ledger& ledger, nlohmann::json event, const PrivateKey& key);

// The registry event as a JSON line for `ledger append FILE --key KEY`
// through a running ledgerd (written durably; its idempotency key is fixed,
// so sending the file twice stores it once).
Status WriteEventJsonl(const std::string& path, nlohmann::json event);

void AddInitCommand(CLI::App& app, Context& ctx);
void AddRegistryCommands(CLI::App& app, Context& ctx);
void AddStatusCommand(CLI::App& app, Context& ctx);
void AddBackupCommands(CLI::App& app, Context& ctx);

}  // namespace ledger::admin
