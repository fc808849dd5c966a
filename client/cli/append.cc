// ledger append, ledger sync.
//
//   ledger ... append events.jsonl --key officer.pem          # one object, an array, or JSON Lines
//   ledger ... append event.json --key officer.pem --offline  # sign now, queue for later
//   ledger ... sync                                           # send the queue, exactly once
//
// The JSON of an event is the `ledger-replay export --format jsonl` object
// (ledger/event_json.h); server-set keys in it are ignored.
#include <fmt/format.h>

#include <openssl/rand.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "cli.h"
#include "ledger/durable_file.h"
#include "ledger/event_codec.h"
#include "ledger/event_json.h"
#include "ledger/field_formats.h"
#include "ledger/net/offline_queue.h"
#include "ledger/reasons.h"

namespace ledger::cli {
namespace {

struct AppendOptions {
  std::string input = "-";
  std::string key;
  bool offline = false;
  std::string queue;
  size_t batch = 500;
  bool keep_input = false;   // --no-write-keys
};

// The input as read, key order kept (written back with the keys drawn).
using Ordered = nlohmann::ordered_json;
enum class Shape { kObject, kArray, kLines };
struct Input {
  Shape shape = Shape::kLines;
  std::vector<Ordered> events;
};

// Events as JSON: one object, an array of objects, or one object per line.
StatusOr<Input> ParseEvents(const std::string& text) {
  Input in;
  try {
    auto j = Ordered::parse(text);
    if (j.is_object()) return Input{Shape::kObject, {j}};
    if (j.is_array()) {
      in.shape = Shape::kArray;
      for (auto& e : j) in.events.push_back(e);
      return in;
    }
    return InvalidArgumentError("input: expected a JSON object, an array of objects, or JSON Lines", reason::kBadJson);
  } catch (const Ordered::parse_error&) {
    // Not one JSON value: JSON Lines.
  }
  std::vector<Ordered>& out = in.events;
  size_t line_no = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      out.push_back(Ordered::parse(line));
    } catch (const Ordered::parse_error& e) {
      return InvalidArgumentError(fmt::format("input line {}: not JSON: {}", line_no, e.what()), reason::kBadJson);
    }
  }
  return in;
}

// Exactly once from files too: every event without an idempotency key gets
// one drawn here, and the input file is rewritten with them (durably, in
// its own shape) before anything is signed or sent. Running the same file
// again then sends the same keys, and the server answers `duplicate`
// instead of recording the help twice. Input from stdin cannot be written
// back: a warning says so.
Status AssignIdempotencyKeys(const AppendOptions& o, Input& in) {
  size_t drawn = 0;
  for (Ordered& e : in.events) {
    if (!e.is_object() || e.contains("idempotency_key")) continue;
    std::string key(16, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(key.data()), 16) != 1) return InternalError("RAND_bytes failed");
    e["idempotency_key"] = ToHex(key);
    ++drawn;
  }
  if (drawn == 0 || o.keep_input) return OkStatus();
  if (o.input == "-") {
    fmt::print(stderr,
               "ledger: warning: {} events from stdin have no idempotency_key; running the same input again "
               "records them again (give a file, or add the keys)\n",
               drawn);
    return OkStatus();
  }
  std::string text;
  if (in.shape == Shape::kLines) {
    for (const Ordered& e : in.events) text += e.dump() + "\n";
  } else {
    text = (in.shape == Shape::kObject ? in.events[0] : Ordered(in.events)).dump(2) + "\n";
  }
  std::error_code ec;
  const auto mode = std::filesystem::status(o.input, ec).permissions();
  WriteOptions w;
  if (!ec) w.mode = static_cast<mode_t>(mode & std::filesystem::perms::mask);
  if (Status s = WriteFileDurably(o.input, text, w); !s.ok()) {
    return Status(s.code(),
                  fmt::format("{}: writing the drawn idempotency keys back: {} (or pass --no-write-keys)", o.input,
                              s.message()),
                  s.reason());
  }
  return OkStatus();
}

// The agency of a signed event ("" if unreadable): the dev-mode identity.
std::string AgencyOf(const std::string& signed_body) {
  auto m = MessageBytes::Parse(signed_body, /*framed=*/true);
  if (!m.ok()) return "";
  try {
    return m->Root<schema::SignedBody>().getBody().getAgency();
  } catch (const kj::Exception&) {
    return "";
  }
}

// The reason of a refused event: its stable reason, else its code's name.
std::string ReasonOf(const Status& s) {
  return s.reason().empty() ? std::string(StatusCodeName(s.code())) : s.reason();
}

// One line per event. A refused event's line leads with its reason (and
// --json gives it as "reason" beside "error"); a duplicate of identical
// bytes (duplicate = true) is not refused.
void PrintOutcome(const Globals& g, size_t index, const AppendOutcome& o) {
  if (g.json) {
    nlohmann::json j = {{"index", index}};
    if (o.ok()) {
      j["seq"] = o->seq;
      j["leaf_hash"] = ToHex(o->leaf_hash);
      j["duplicate"] = o->duplicate;
    } else {
      j["reason"] = ReasonOf(o.status());
      j["error"] = ErrorJson(o.status());
    }
    std::cout << j.dump() << "\n";
  } else if (o.ok()) {
    std::cout << fmt::format("event {}: seq {} leaf_hash {}{}\n", index, o->seq, ToHex(o->leaf_hash),
                             o->duplicate ? " (already recorded)" : "");
  } else {
    std::cout << fmt::format("event {}: refused: {}: {}\n", index, ReasonOf(o.status()), o.status().message());
  }
}

int RunAppend(const Globals& g, const AppendOptions& o) {
  auto text = ReadInput(o.input);
  if (!text.ok()) return Fail(text.status());
  auto input = ParseEvents(*text);
  if (!input.ok()) return Fail(input.status());
  if (input->events.empty()) return UsageError("append: no events in the input");
  auto key = PrivateKey::LoadPemFile(o.key);
  if (!key.ok()) return Fail(Status(key.status().code(), fmt::format("--key {}: {}", o.key, key.status().message())));
  if (Status s = AssignIdempotencyKeys(o, *input); !s.ok()) return Fail(s);
  std::vector<nlohmann::json> events;
  for (const Ordered& e : input->events) events.push_back(nlohmann::json::parse(e.dump()));
  std::vector<std::string> signed_bodies;
  for (size_t i = 0; i < events.size(); ++i) {
    auto body = BodyFromJson(events[i]);
    // House codes, ID hashes, area codes and dates as the ledger checks them at append, before signing.
    Status formats = body.ok() ? CheckEventFormats(*body, ReferenceData::Builtin()) : body.status();
    if (!formats.ok()) {
      return Fail(Status(formats.code(), fmt::format("event {}: {}", i, formats.message()), formats.reason()));
    }
    auto sb = SignBodyBytes(*body, *key);
    if (!sb.ok()) return Fail(sb.status());
    signed_bodies.push_back(std::move(*sb));
  }
  if (o.offline) {
    net::OfflineQueue queue(o.queue.empty() ? DefaultPath("queue.jsonl") : o.queue);
    if (Status s = queue.Add(signed_bodies); !s.ok()) return Fail(s);
    if (g.json) {
      std::cout << nlohmann::json{{"queued", signed_bodies.size()}, {"queue", queue.path()}}.dump() << "\n";
    } else {
      std::cout << fmt::format("{} events signed and queued in {}; send them with `ledger sync`\n",
                               signed_bodies.size(), queue.path());
    }
    return kExitOk;
  }
  const std::string agency = events[0].value("agency", "");
  auto client = Connect(g, "agency", agency);
  if (!client.ok()) {
    if (client.status().code() == StatusCode::kUnavailable) {
      return Fail(Status(client.status().code(),
                         client.status().message() + " (to sign now and send later: append --offline, then sync)",
                         client.status().reason()));
    }
    return Fail(client.status());
  }
  std::vector<std::vector<std::string>> batches;
  for (size_t i = 0; i < signed_bodies.size(); i += o.batch) {
    batches.emplace_back(signed_bodies.begin() + i,
                         signed_bodies.begin() + std::min(signed_bodies.size(), i + o.batch));
  }
  auto results = (*client)->AppendPipelined(batches, 4);
  size_t index = 0, failed = 0;
  std::optional<std::pair<size_t, Status>> first_refused;
  for (auto& batch : results) {
    for (auto& outcome : batch) {
      if (!outcome.ok() && !first_refused) first_refused.emplace(index, outcome.status());
      PrintOutcome(g, index++, outcome);
      failed += !outcome.ok();
    }
  }
  if (failed == 0) return kExitOk;
  // Any refused event (IDEMPOTENCY_CONFLICT, BAD_SIGNATURE, a domain rule,
  // ...) fails the command; the summary leads with the first one's reason.
  const auto& [at, status] = *first_refused;
  fmt::print(stderr, "ledger: {}: {} of {} events refused (event {}: {})\n", ReasonOf(status), failed, index, at,
             status.message());
  return kExitFailure;
}

int RunSync(const Globals& g, const std::string& queue_path) {
  net::OfflineQueue queue(queue_path.empty() ? DefaultPath("queue.jsonl") : queue_path);
  auto pending = queue.Pending();
  if (!pending.ok()) return Fail(pending.status());
  if (pending->empty()) {
    if (!g.json) std::cout << "nothing queued in " << queue.path() << "\n";
    return kExitOk;
  }
  auto client = Connect(g, "agency", AgencyOf((*pending)[0]));
  if (!client.ok()) return Fail(client.status());
  auto results = queue.Sync(**client);
  if (!results.ok()) return Fail(results.status());
  size_t failed = 0, kept = 0;
  for (size_t i = 0; i < results->size(); ++i) {
    const net::SyncResult& r = (*results)[i];
    PrintOutcome(g, i, r.outcome);
    failed += !r.outcome.ok() && !r.kept;
    kept += r.kept;
  }
  if (!g.json) {
    std::cout << fmt::format("{} sent, {} refused (see {}.rejected), {} still queued\n",
                             results->size() - failed - kept, failed, queue.path(), kept);
  }
  return failed == 0 && kept == 0 ? kExitOk : kExitFailure;
}

}  // namespace

std::vector<Subcommand> AddAppendCommands(CLI::App& app, const Globals& g) {
  auto o = std::make_shared<AppendOptions>();
  CLI::App* append = app.add_subcommand("append", "Sign events (JSON) with an officer's key and append them");
  append->add_option("input", o->input, "file of events: one JSON object, an array, or JSON Lines (- : stdin)")
      ->capture_default_str();
  append->add_option("--key", o->key, "the signer's Ed25519 private key (PEM)")->required();
  append->add_flag("--offline", o->offline, "sign and queue locally; send later with `ledger sync`");
  append->add_option("--queue", o->queue, "offline queue file (default ~/.ledger/queue.jsonl)")
      ->envname("LEDGER_QUEUE");
  append->add_option("--batch", o->batch, "events per request")->capture_default_str()->check(CLI::PositiveNumber);
  append->add_flag("--no-write-keys", o->keep_input,
                   "do not write the idempotency keys drawn for events without one back into the input file "
                   "(a re-run then records those events again)");

  auto queue = std::make_shared<std::string>();
  CLI::App* sync = app.add_subcommand("sync", "Send the offline queue, exactly once; prints each event's seq");
  sync->add_option("--queue", *queue, "offline queue file (default ~/.ledger/queue.jsonl)")->envname("LEDGER_QUEUE");
  return {{append, [o, &g] { return RunAppend(g, *o); }}, {sync, [queue, &g] { return RunSync(g, *queue); }}};
}

}  // namespace ledger::cli
