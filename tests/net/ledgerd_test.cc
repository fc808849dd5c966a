// The ledgerd and ledger binaries end to end: the "listening on" contract,
// graceful SIGTERM, kill -9 during appends from several clients (every
// acknowledged event present exactly once after a restart, retries make no
// duplicates), the CLI's JSON contracts, a conflicting replay of an
// idempotency key, verify-claim, and the offline queue (append --offline,
// then sync, exactly once).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "ledger/durable_file.h"
#include "ledger/event.h"
#include "ledger/merkle.h"
#include "ledger/net/offline_queue.h"
#include "ledger/note.h"
#include "ledger/subprocess.h"
#include "net_fixture.h"
#include "support/ledgerd_process.h"
#include "support/run_command.h"

namespace ledger {
namespace {

using testing::AppendOk;
using testing::CommandResult;
using testing::NetFixture;
using testing::RunCommand;
using testing::TempDir;
using testing::World;

const std::string kLedger = LEDGER_BINARY_DIR "/client/ledger";

using Ledgerd = testing::LedgerdProcess;

// A fixture whose store is closed and handed to a ledgerd process.
class LedgerdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(f.world.officer.SavePemFile(f.dir.Sub("officer.pem")).ok());
    base_size = f.ledger->Size();
    store = f.HandStoreToProcess();  // ledgerd takes the store
    log = f.dir.Sub("ledgerd.log");
  }
  std::vector<std::string> TlsArgs(const std::string& listen) {
    return {"--data", store, "--listen", listen, "--cert", f.Cert("server"), "--key", f.Key("server"),
            "--ca", f.Cert("ca"), "--drain-timeout-ms", "3000"};
  }
  std::vector<std::string> InsecureArgs() { return {"--data", store, "--listen", "127.0.0.1:0", "--dev-insecure"}; }
  // `ledger` with the dev-insecure connection flags, then `args`.
  CommandResult Cli(const Ledgerd& d, std::vector<std::string> args) {
    std::vector<std::string> all = {kLedger, "--server", d.endpoint(), "--dev-insecure", "--vkey", f.vkey,
                                    "--state", f.dir.Sub("cli-state.json")};
    all.insert(all.end(), args.begin(), args.end());
    return RunCommand(all);
  }
  std::unique_ptr<Ledger> Reopen() {
    auto l = Ledger::OpenReadOnly(store);
    EXPECT_TRUE(l.ok()) << l.status().ToString();
    return l.ok() ? std::move(*l) : nullptr;
  }

  // Per client, `batches` batches of `per_batch` new households' targetings.
  std::vector<std::vector<std::vector<std::string>>> Work(int clients, int batches, int per_batch, int house) {
    std::vector<std::vector<std::vector<std::string>>> work(clients);
    for (auto& w : work) {
      w.resize(batches);
      for (auto& b : w) {
        for (int i = 0; i < per_batch; ++i) b.push_back(f.world.Target(house++));
      }
    }
    return work;
  }
  // An agency's client that rides out restarts of the server.
  net::ClientOptions RestartProofClient(const std::string& endpoint) {
    net::ClientOptions o = f.ClientFor("pho-33");
    o.server = endpoint;
    o.max_attempts = 40;
    o.connect_timeout = std::chrono::milliseconds(2000);
    o.timeout = std::chrono::milliseconds(20000);
    return o;
  }

  NetFixture f;
  std::string store, log;
  uint64_t base_size = 0;
};

std::string TargetJson(const std::string& house) {
  nlohmann::json j = {{"kind", "HouseholdTargeted"}, {"household", house},      {"agency", "PHO-33"},
                      {"officer", "off-1"},          {"occurred_at", "2022-03-15"}, {"house_code", house},
                      {"province", "33"},            {"district", "3301"},      {"subdistrict", "330101"},
                      {"survey_year", 2565},         {"source", "tpmap"},       {"failing_indicators", {4, 22}},
                      {"members", 4}};
  return j.dump();
}

std::string AssistanceJson(const std::string& house, const std::string& item, const std::string& date) {
  nlohmann::json j = {{"kind", "AssistanceGiven"}, {"household", house}, {"agency", "PHO-33"},
                      {"officer", "off-1"},        {"occurred_at", date}, {"dimension", "health"},
                      {"indicator", 0},            {"menu_item", item},   {"description", "glasses"},
                      {"quantity", 1},             {"unit", "set"},       {"value_satang", 150000}};
  return j.dump();
}

TEST_F(LedgerdTest, ListensAndStopsCleanlyOnSigterm) {
  {
    // A projection snapshot in the store: the server's projection cache
    // starts from it (and holds store state until the server goes).
    LedgerOptions o;
    o.snapshot_every_events = 2;
    auto l = f.world.Open(store, o);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    AppendOk(**l, {f.world.Visit(2), f.world.Visit(2)});
    base_size = (*l)->Size();
  }
  Ledgerd d;
  d.Start(TlsArgs("127.0.0.1:0"), log);
  EXPECT_GT(d.port(), 0);
  auto c = net::Client::Connect([&] {
    net::ClientOptions o = f.ClientFor("pho-33");
    o.server = d.endpoint();
    return o;
  }());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE((*c)->Append({f.world.Visit(1)})[0].ok());
  auto status = (*c)->HouseholdStatus(testing::World::HouseCode(2));
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  d.Signal(SIGTERM);
  EXPECT_EQ(d.Wait(), 0) << testing::ReadWholeFile(log);
  EXPECT_EQ(Reopen()->Size(), base_size + 1);
}

TEST_F(LedgerdTest, InsecureModeRefusesNonLoopback) {
  CommandResult r = RunCommand({testing::kLedgerdPath, "--data", store, "--listen", "0.0.0.0:0", "--dev-insecure"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("loopback"), std::string::npos) << r.err;
}

TEST_F(LedgerdTest, KillNineDuringAppendsLosesNothingAcknowledgedAndRetriesMakeNoDuplicates) {
  Ledgerd d;
  d.Start(TlsArgs("127.0.0.1:0"), log);
  const std::string endpoint = d.endpoint();
  constexpr int kClients = 4, kBatches = 40, kPerBatch = 25;
  auto work = Work(kClients, kBatches, kPerBatch, 10000);
  std::vector<std::vector<std::vector<AppendOutcome>>> results(kClients);
  std::atomic<int> batches_done{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto c = net::Client::Connect(RestartProofClient(endpoint));
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      for (auto& batch : work[i]) {
        results[i].push_back((*c)->Append(batch));
        ++batches_done;
      }
    });
  }
  while (batches_done < kClients * kBatches / 4) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  d.Signal(SIGKILL);
  EXPECT_EQ(d.Wait(), -SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Ledgerd again;
  again.Start(TlsArgs(endpoint), log);
  for (auto& t : clients) t.join();
  again.Signal(SIGTERM);
  EXPECT_EQ(again.Wait(), 0);

  auto l = Reopen();
  ASSERT_TRUE(l);
  std::set<uint64_t> acknowledged;
  size_t total = 0, duplicates = 0;
  for (auto& per_client : results) {
    for (auto& batch : per_client) {
      for (auto& o : batch) {
        ++total;
        ASSERT_TRUE(o.ok()) << o.status().ToString();  // retried until stored
        duplicates += o->duplicate;
        EXPECT_TRUE(acknowledged.insert(o->seq).second) << "seq " << o->seq << " acknowledged twice";
        EXPECT_EQ(*l->LeafHash(o->seq), o->leaf_hash);
      }
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kClients * kBatches * kPerBatch));
  // Events stored before the kill but acknowledged only to a retry.
  RecordProperty("acknowledged_on_retry", static_cast<int>(duplicates));
  std::cout << "acknowledged on retry (stored before the kill, reply lost): " << duplicates << "\n";
  // Exactly once: every event in the log after the bootstrap is one of ours, once.
  EXPECT_EQ(l->Size(), base_size + total);
  std::set<std::string> keys;
  for (uint64_t seq = 0; seq < l->Size(); ++seq) {
    auto e = DecodeEvent(*l->LeafBytes(seq));
    ASSERT_TRUE(e.ok());
    EXPECT_TRUE(keys.insert(e->idempotency_key).second) << "idempotency key repeated at seq " << seq;
  }
}

// Issue 9 item 7: at SIGTERM ledgerd answers every request it took, then
// closes gracefully (TLS close_notify, FIN, reads until the client closes),
// and the client reads every reply before it reconnects: across two
// restarts under load from four clients, no committed event is sent again
// (a resend of one would come back as a duplicate).
TEST_F(LedgerdTest, SigtermDuringAppendsResendsNothingCommitted) {
  auto d = std::make_unique<Ledgerd>();
  d->Start(TlsArgs("127.0.0.1:0"), log);
  const std::string endpoint = d->endpoint();
  constexpr int kClients = 4, kBatches = 80, kPerBatch = 10, kPerCall = 16;
  auto work = Work(kClients, kBatches, kPerBatch, 20000);
  std::vector<std::vector<std::vector<AppendOutcome>>> results(kClients);
  std::atomic<int> batches_done{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto c = net::Client::Connect(RestartProofClient(endpoint));
      ASSERT_TRUE(c.ok()) << c.status().ToString();
      // Pipelined, as `ledger append` sends: requests in flight when the
      // server closes are what a client could resend.
      for (size_t from = 0; from < work[i].size(); from += kPerCall) {
        std::vector<std::vector<std::string>> call(work[i].begin() + static_cast<std::ptrdiff_t>(from),
                                                   work[i].begin() + static_cast<std::ptrdiff_t>(from + kPerCall));
        for (auto& outcomes : (*c)->AppendPipelined(call, 8)) results[i].push_back(std::move(outcomes));
        batches_done += kPerCall;
      }
    });
  }
  for (int restart = 1; restart <= 2; ++restart) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (batches_done < kClients * kBatches * restart / 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    d->Signal(SIGTERM);
    EXPECT_EQ(d->Wait(), 0) << testing::ReadWholeFile(log);
    d = std::make_unique<Ledgerd>();
    d->Start(TlsArgs(endpoint), log);
  }
  for (auto& t : clients) t.join();
  d->Signal(SIGTERM);
  EXPECT_EQ(d->Wait(), 0);

  auto l = Reopen();
  ASSERT_TRUE(l);
  size_t total = 0, duplicates = 0;
  std::set<uint64_t> acknowledged;
  for (auto& per_client : results) {
    for (auto& batch : per_client) {
      for (auto& o : batch) {
        ++total;
        ASSERT_TRUE(o.ok()) << o.status().ToString();
        duplicates += o->duplicate;
        EXPECT_TRUE(acknowledged.insert(o->seq).second) << "seq " << o->seq << " acknowledged twice";
      }
    }
  }
  EXPECT_EQ(total, static_cast<size_t>(kClients * kBatches * kPerBatch));
  EXPECT_EQ(duplicates, 0u) << "committed events were sent again after a graceful restart";
  EXPECT_EQ(l->Size(), base_size + total);
}

// Issue 9 item 7: `ledger append` started while no server listens keeps
// trying to connect (backoff with jitter, within --timeout-ms) and succeeds
// once ledgerd comes up; with a short --timeout-ms it gives up with
// CONNECT_FAILED naming the flag.
TEST_F(LedgerdTest, CliAppendRetriesItsFirstConnectionUntilTheServerIsUp) {
  // A port nothing listens on: bound, read, released.
  int probe = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(probe, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(probe, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  ASSERT_EQ(::getsockname(probe, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  const std::string endpoint = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  ::close(probe);

  const std::string house = "33010000077";
  std::ofstream(f.dir.Sub("late.jsonl")) << TargetJson(house) << "\n";
  auto cli = [&](const std::string& timeout_ms) {
    return std::vector<std::string>{kLedger,  "--server", endpoint,  "--dev-insecure", "--vkey", f.vkey,
                                    "--state", f.dir.Sub("cli-state.json"), "--timeout-ms", timeout_ms,
                                    "--json", "append", f.dir.Sub("late.jsonl"), "--key", f.dir.Sub("officer.pem")};
  };

  // Nobody listens and the budget is short: a clear refusal, not a hang.
  const auto t0 = std::chrono::steady_clock::now();
  CommandResult quick = RunCommand(cli("600"));
  EXPECT_NE(quick.exit_code, 0);
  EXPECT_NE(quick.err.find("CONNECT_FAILED"), std::string::npos) << quick.err;
  EXPECT_NE(quick.err.find("--timeout-ms"), std::string::npos) << quick.err;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));

  // Started before the server, within a 20 s budget: it waits for it.
  auto started = Subprocess::Start({.argv = cli("20000"), .out = Redirect::Capture(), .err = Redirect::Capture()});
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_FALSE(started->WaitFor(std::chrono::milliseconds(0)).has_value()) << "gave up before the server came up";
  Ledgerd d;
  d.Start({"--data", store, "--listen", endpoint, "--dev-insecure"}, log);
  std::optional<int> code = started->WaitFor(std::chrono::seconds(30));
  ASSERT_TRUE(code.has_value()) << "still running 30 s after the server came up";
  EXPECT_EQ(*code, 0) << started->CapturedErr();
  EXPECT_NE(started->CapturedOut().find("\"seq\""), std::string::npos) << started->CapturedOut();
  d.Signal(SIGTERM);
  EXPECT_EQ(d.Wait(), 0);
  auto l = Reopen();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->Size(), base_size + 1);
}

TEST_F(LedgerdTest, CliAppendQueryProveVerify) {
  Ledgerd d;
  d.Start(InsecureArgs(), log);
  const std::string house = "33010000042";
  {
    std::ofstream(f.dir.Sub("events.jsonl")) << TargetJson(house) << "\n"
                                             << AssistanceJson(house, "H-07", "2022-03-16") << "\n";
  }
  CommandResult r = Cli(d, {"--json", "append", f.dir.Sub("events.jsonl"), "--key", f.dir.Sub("officer.pem")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << testing::ReadWholeFile(log);
  std::vector<nlohmann::json> appended;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) appended.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(appended.size(), 2u);
  const uint64_t seq = appended[1]["seq"];
  EXPECT_EQ(seq, base_size + 1);

  // prove SEQ --json (the contract's order; global flags may also come
  // first): the contract's fields, and the proof verifies.
  r = Cli(d, {"prove", std::to_string(seq), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto proof = nlohmann::json::parse(r.out);
  for (const char* k : {"seq", "tree_size", "leaf_hash", "path", "checkpoint"}) EXPECT_TRUE(proof.contains(k)) << k;
  EXPECT_EQ(proof["leaf_hash"], appended[1]["leaf_hash"]);
  auto v = NoteVerifier::Parse(f.vkey);
  auto opened = OpenNote(proof["checkpoint"].get<std::string>(), {*v});
  ASSERT_TRUE(opened.ok());
  auto cp = ParseCheckpoint(opened->text);
  std::vector<Hash> path;
  for (auto& h : proof["path"]) path.push_back(*HashFromHex(h.get<std::string>()));
  EXPECT_TRUE(merkle::VerifyInclusion(seq, proof["tree_size"], *HashFromHex(proof["leaf_hash"].get<std::string>()),
                                      path, cp->root)
                  .ok());

  // consistency --json.
  r = Cli(d, {"consistency", std::to_string(base_size), std::to_string(base_size + 2), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto cons = nlohmann::json::parse(r.out);
  EXPECT_EQ(cons["old_size"], base_size);
  EXPECT_EQ(cons["new_size"], base_size + 2);
  EXPECT_TRUE(cons["path"].is_array());

  // checkpoint: the note, verbatim.
  r = Cli(d, {"checkpoint"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "ledger.test/sisaket");
  EXPECT_TRUE(OpenNote(r.out, {*v}).ok()) << r.out;

  // history and event.
  r = Cli(d, {"--json", "history", house});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).size(), 2u);
  r = Cli(d, {"--json", "event", appended[1]["leaf_hash"]});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["menu_item"], "H-07");

  // verify-claim: by seq, by claim, and a claim with the wrong date.
  const std::string root_hex = ToHex(f.world.root.PublicKeyBytes());
  r = Cli(d, {"--json", "verify-claim", std::to_string(seq), "--root-key", root_hex});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["verdict"], "verified");
  r = Cli(d, {"verify-claim", "--household", house, "--agency", "PHO-33", "--item", "H-07", "--date", "2022-03-16",
              "--root-key", root_hex});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("VERIFIED", 0), 0u) << r.out;
  r = Cli(d, {"--json", "verify-claim", "--household", house, "--agency", "PHO-33", "--item", "H-07", "--date",
              "2022-03-17"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto mismatch = nlohmann::json::parse(r.out);
  EXPECT_EQ(mismatch["verdict"], "mismatch");
  EXPECT_EQ(mismatch["field"], "date");
  r = Cli(d, {"--json", "verify-claim", "--household", "33010000043", "--agency", "PHO-33"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(nlohmann::json::parse(r.out)["verdict"], "not_found");

  // household status and report come from the server's projection.
  r = Cli(d, {"--json", "household", house});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto status = nlohmann::json::parse(r.out);
  EXPECT_EQ(status["status"]["targeted"], true);
  EXPECT_EQ(status["status"]["help_total"]["value_satang"], 150000);
  r = Cli(d, {"--json", "report", "--by", "province"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto report = nlohmann::json::parse(r.out);
  ASSERT_TRUE(report.is_array());
  ASSERT_FALSE(report.empty());
  EXPECT_EQ(report[0]["code"], "33");
  EXPECT_GE(report[0]["helped"].get<int>(), 1);

  // Usage errors exit 2.
  EXPECT_EQ(Cli(d, {"prove"}).exit_code, 2);
}

// `ledger append` and a replayed idempotency key, over a real socket: the
// identical event again is a duplicate (exit 0); other content under the
// key is IDEMPOTENCY_CONFLICT (exit 1, the reason leading the message and as
// "reason" in --json), and so is any other refused event; nothing is stored.
TEST_F(LedgerdTest, CliAppendConflictingReplayExitsOneWithIdempotencyConflict) {
  Ledgerd d;
  d.Start(InsecureArgs(), log);
  const std::string key = "00112233445566778899aabbccddeeff";
  auto with_key = [&](const std::string& event_json) {
    auto j = nlohmann::json::parse(event_json);
    j["idempotency_key"] = key;
    return j.dump();
  };
  const std::string first = f.dir.Sub("first.json"), other = f.dir.Sub("other.json");
  std::ofstream(first) << with_key(TargetJson("33010000088")) << "\n";
  std::ofstream(other) << with_key(TargetJson("33010000089")) << "\n";
  ASSERT_TRUE(f.other_officer_key.SavePemFile(f.dir.Sub("stranger.pem")).ok());
  const std::string officer = f.dir.Sub("officer.pem");

  CommandResult r = Cli(d, {"--json", "append", first, "--key", officer});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err << testing::ReadWholeFile(log);
  auto stored = nlohmann::json::parse(r.out);
  EXPECT_EQ(stored["seq"], base_size);
  EXPECT_FALSE(stored["duplicate"].get<bool>());

  // The same event, the same bytes: the original seq and hash, exit 0.
  r = Cli(d, {"--json", "append", first, "--key", officer});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  auto again = nlohmann::json::parse(r.out);
  EXPECT_TRUE(again["duplicate"].get<bool>());
  EXPECT_EQ(again["seq"], stored["seq"]);
  EXPECT_EQ(again["leaf_hash"], stored["leaf_hash"]);

  // Another household under the same key.
  r = Cli(d, {"--json", "append", other, "--key", officer});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto conflict = nlohmann::json::parse(r.out);
  EXPECT_EQ(conflict["index"], 0);
  EXPECT_EQ(conflict["reason"], "IDEMPOTENCY_CONFLICT") << r.out;
  EXPECT_EQ(conflict["error"]["reason"], "IDEMPOTENCY_CONFLICT");
  EXPECT_EQ(conflict["error"]["code"], "ALREADY_EXISTS");
  EXPECT_FALSE(conflict.contains("seq")) << r.out;
  EXPECT_EQ(r.err.rfind("ledger: IDEMPOTENCY_CONFLICT: 1 of 1 events refused", 0), 0u) << r.err;
  r = Cli(d, {"append", other, "--key", officer});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(r.out.rfind("event 0: refused: IDEMPOTENCY_CONFLICT: ", 0), 0u) << r.out;

  // The first event's bytes signed with a key that is not off-1's: its own
  // reason, not the stored seq.
  r = Cli(d, {"--json", "append", first, "--key", f.dir.Sub("stranger.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["reason"], "BAD_SIGNATURE") << r.out;

  d.Signal(SIGTERM);
  EXPECT_EQ(d.Wait(), 0);
  EXPECT_EQ(Reopen()->Size(), base_size + 1);
}

TEST_F(LedgerdTest, OfflineQueueThenSyncExactlyOnce) {
  const std::string queue = f.dir.Sub("field/queue.jsonl");
  {
    std::ofstream(f.dir.Sub("visit.jsonl")) << TargetJson("33010000077") << "\n"
                                            << AssistanceJson("33010000077", "I-01", "2022-04-01") << "\n";
  }
  // No server yet: sign and queue.
  CommandResult r = RunCommand({kLedger, "append", f.dir.Sub("visit.jsonl"), "--key", f.dir.Sub("officer.pem"),
                                "--offline", "--queue", queue});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto pending = net::OfflineQueue(queue).Pending();
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 2u);
  const std::string saved_queue = testing::ReadWholeFile(queue);

  Ledgerd d;
  d.Start(InsecureArgs(), log);
  r = Cli(d, {"--json", "sync", "--queue", queue});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  std::vector<nlohmann::json> first;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) first.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0]["seq"], base_size);
  EXPECT_EQ(first[1]["seq"], base_size + 1);
  EXPECT_FALSE(first[0]["duplicate"].get<bool>());

  // The queue is empty now; syncing again sends nothing.
  r = Cli(d, {"sync", "--queue", queue});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("nothing queued"), std::string::npos) << r.out;

  // A sync interrupted before the queue was rewritten (the old queue file
  // is back): the server returns the original seqs and stores nothing.
  std::ofstream(queue, std::ios::trunc) << saved_queue;
  r = Cli(d, {"--json", "sync", "--queue", queue});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream again(r.out);
  std::string line;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(std::getline(again, line));
    auto j = nlohmann::json::parse(line);
    EXPECT_EQ(j["seq"], first[i]["seq"]);
    EXPECT_TRUE(j["duplicate"].get<bool>());
  }
  d.Signal(SIGTERM);
  EXPECT_EQ(d.Wait(), 0);
  EXPECT_EQ(Reopen()->Size(), base_size + 2);
}

// House codes, area codes, dates and whole events are checked by the client
// before it connects (ledger/field_formats.h, the ledger's own checks): no
// server listens on the port given, and none is needed to refuse them.
TEST(CliFormatsTest, BadArgumentsAndEventsFailBeforeConnecting) {
  TempDir dir;
  const std::vector<std::string> connect = {kLedger, "--server", "127.0.0.1:1", "--dev-insecure", "--vkey",
                                            "x+00000000+AA", "--state", dir.Sub("state.json"), "--timeout-ms", "60000"};
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> all = connect;
    all.insert(all.end(), args.begin(), args.end());
    return RunCommand(all);
  };
  CommandResult r = run({"household", "123"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("household: '123' is not an 11-digit house code"), std::string::npos) << r.err;
  r = run({"history", "3301000000A"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("11-digit house code"), std::string::npos) << r.err;
  r = run({"report", "--area", "3399"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--area: '3399' is not a known DOPA area code"), std::string::npos) << r.err;
  r = run({"verify-claim", "--household", "33010000001", "--agency", "PHO-33", "--date", "2565-09-30"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--date: year 2565 looks like a Buddhist Era year"), std::string::npos) << r.err;

  // An event file: refused with the ledger's reason and field, nothing sent.
  World w;
  ASSERT_TRUE(w.officer.SavePemFile(dir.Sub("officer.pem")).ok());
  nlohmann::json visit = {{"kind", "HouseholdVisited"}, {"household", "123"}, {"agency", "PHO-33"},
                          {"officer", "off-1"},         {"occurred_at", "2022-03-15"}, {"purpose", "x"}};
  ASSERT_TRUE(WriteFileDurably(dir.Sub("visit.json"), visit.dump()).ok());
  r = run({"append", dir.Sub("visit.json"), "--key", dir.Sub("officer.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("BAD_HOUSE_CODE"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("event 0: household: '123' is not an 11-digit house code"), std::string::npos) << r.err;
  visit["household"] = "33010000001";
  visit["occurred_at"] = "2565-03-15";
  ASSERT_TRUE(WriteFileDurably(dir.Sub("visit.json"), visit.dump()).ok());
  r = run({"append", dir.Sub("visit.json"), "--key", dir.Sub("officer.pem")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("BAD_DATE"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ledger
