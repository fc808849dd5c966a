// What the ledger-admin commands share: the store's key layout, opening it
// for appending, signing and appending one registry event.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "admin/admin.h"
#include "ledger/bytes.h"
#include "ledger/calendar.h"
#include "ledger/durable_file.h"
#include "ledger/event.h"
#include "ledger/event_json.h"
#include "ledger/reasons.h"

namespace ledger::admin {

using json = nlohmann::json;

void AddStoreFlags(CLI::App* cmd, StoreFlags* flags, const std::string& data_help) {
  cmd->add_option("--data", flags->data, data_help)->required();
  cmd->add_option("--keys", flags->keys, "directory of the store's keys (default DIR/keys)");
}

StatusOr<PrivateKey> LoadKey(const std::string& path, const std::string& flag) {
  StatusOr<PrivateKey> key = PrivateKey::LoadPemFile(path);
  if (!key.ok()) {
    return Status(key.status().code(), fmt::format("{} {}: {}", flag, path, key.status().message()),
                  key.status().reason());
  }
  return key;
}

StatusOr<std::unique_ptr<Ledger>> OpenForAppend(const StoreFlags& store, const std::string& server_key_path) {
  const std::string path = server_key_path.empty() ? store.ServerKeyPath() : server_key_path;
  ASSIGN_OR_RETURN(PrivateKey server, LoadKey(path, "--server-key"));
  StatusOr<std::unique_ptr<Ledger>> ledger = Ledger::Open(store.data, std::move(server));
  if (!ledger.ok() && ledger.status().reason() == reason::kStoreLocked) {
    return UnavailableError(
        fmt::format("--data {}: the store is in use (is ledgerd serving it?). Stop ledgerd for this command, or "
                    "write the event with --jsonl FILE and send it through ledgerd with `ledger append FILE --key "
                    "KEY` (docs/operations.md)",
                    store.data),
        reason::kStoreLocked);
  }
  if (!ledger.ok()) {
    return Status(ledger.status().code(), "--data " + store.data + ": " + ledger.status().message(),
                  ledger.status().reason());
  }
  return ledger;
}

std::string TodayBangkok() {
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return FormatDate(BangkokDate(now));
}

namespace {
// A fixed idempotency key, so that the JSON line and a retry name one event.
Status FixIdempotencyKey(json& event) {
  if (event.contains("idempotency_key")) return OkStatus();
  ASSIGN_OR_RETURN(std::string key, RandomBytes(16));
  event["idempotency_key"] = ToHex(key);
  return OkStatus();
}
}  // namespace

StatusOr<json> SignAndAppend(Ledger& ledger, json event, const PrivateKey& key) {
  RETURN_IF_ERROR(FixIdempotencyKey(event));
  ASSIGN_OR_RETURN(std::string body, BodyFromJson(event));
  ASSIGN_OR_RETURN(std::string signed_body, SignBodyBytes(body, key));
  std::vector<AppendOutcome> outcomes = ledger.Append({std::move(signed_body)});
  if (outcomes.size() != 1) return InternalError("append returned no outcome", reason::kInternalError);
  if (!outcomes[0].ok()) {
    const Status& s = outcomes[0].status();
    return Status(s.code(), fmt::format("{} refused: {}", event.value("kind", "event"), s.message()), s.reason());
  }
  return json{{"kind", event["kind"]},
              {"seq", outcomes[0]->seq},
              {"leaf_hash", ToHex(outcomes[0]->leaf_hash)},
              {"duplicate", outcomes[0]->duplicate},
              {"idempotency_key", event["idempotency_key"]},
              {"tree_size", ledger.Size()}};
}

Status WriteEventJsonl(const std::string& path, json event) {
  RETURN_IF_ERROR(FixIdempotencyKey(event));
  ASSIGN_OR_RETURN(std::string body, BodyFromJson(event));   // the same checks as SignAndAppend
  return WriteFileDurably(path, event.dump() + "\n");
}

}  // namespace ledger::admin
