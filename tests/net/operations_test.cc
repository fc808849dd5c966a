// docs/operations.md, run: a province started from nothing with ledger-admin
// alone, with the real programs in a temporary directory (ledger-admin,
// ledger-keygen, ledgerd over mutual TLS on an ephemeral port, ledger,
// ledger-verify): init, agency add, officer add, menu publish, status, start
// ledgerd, append as the agency (help off the menu refused), revoke through ledgerd (--jsonl, ledger append),
// a revoked key refused, status and backup while ledgerd runs, stop,
// registry commands on the stopped store, restore, verify, and ledgerd
// serving the restored store with the same verifier key.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "ledger/calendar.h"
#include "ledger/ledger.h"
#include "support/admin_command.h"
#include "support/ledgerd_process.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::Admin;
using testing::CommandResult;
using Ledgerd = testing::LedgerdProcess;
using testing::RunCommand;
using testing::TempDir;

const std::string kKeygen = LEDGER_BINARY_DIR "/tools/ledger-keygen";
const std::string kVerify = testing::kVerifyBinary;
const std::string kLedger = LEDGER_BINARY_DIR "/client/ledger";

json Json(const CommandResult& r) {
  EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
  return r.exit_code == 0 ? json::parse(r.out) : json::object();
}

bool OwnerOnly(const std::string& path) {
  return (fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write);
}

std::string Today() {
  return FormatDate(BangkokDate(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count()));
}

json Targeted(const std::string& house, const std::string& officer) {
  return {{"kind", "HouseholdTargeted"}, {"household", house},       {"agency", "PHO-33"},
          {"officer", officer},          {"occurred_at", Today()},  {"house_code", house},
          {"province", "33"},            {"district", "3301"},      {"subdistrict", "330101"},
          {"survey_year", 2567},         {"source", "tpmap"},       {"failing_indicators", {4, 22}},
          {"members", 4}};
}

TEST(OperationsTest, ProvinceFromNothingWithLedgerAdminAlone) {
  TempDir dir;
  const std::string store = dir.Sub("ledger"), keys = store + "/keys", pki = dir.Sub("pki");
  const std::string secret = dir.Sub("secrets/citizen-id.secret");

  // 1. init: a store, random keys 0600, the verifier key printed.
  json init = Json(Admin({"init", "--data", store, "--origin", "ledger.cdd.go.th/sisaket", "--citizen-secret", secret,
                          "--json"}));
  const std::string vkey = init["vkey"];
  EXPECT_EQ(vkey.rfind("ledger.cdd.go.th/sisaket+", 0), 0u) << vkey;
  for (const std::string& f : {keys + "/root.pem", keys + "/server.pem", secret}) EXPECT_TRUE(OwnerOnly(f)) << f;
  // A second init refuses: the store is there.
  EXPECT_EQ(Admin({"init", "--data", store, "--origin", "x"}).exit_code, 1);
  // The citizen-ID secret is not accepted inside the store.
  CommandResult inside = Admin({"init", "--data", dir.Sub("other"), "--origin", "x", "--citizen-secret",
                                dir.Sub("other/keys/secret")});
  EXPECT_EQ(inside.exit_code, 2) << inside.err;
  EXPECT_NE(inside.err.find("--citizen-secret"), std::string::npos) << inside.err;

  // 2. agency add (root-signed), officer add x2 (agency-signed), each through the append path.
  json agency = Json(Admin({"agency", "add", "--data", store, "--code", "PHO-33", "--name-th",
                            "สำนักงานสาธารณสุขจังหวัดศรีสะเกษ", "--name-en", "Si Sa Ket Provincial Health Office",
                            "--dimension", "health", "--province", "33", "--json"}));
  EXPECT_EQ(agency["seq"], 0);
  EXPECT_TRUE(OwnerOnly(keys + "/agencies/PHO-33.pem"));
  for (const char* id : {"PHO-3301-01", "PHO-3301-02"}) {
    json o = Json(Admin({"officer", "add", "--data", store, "--agency", "PHO-33", "--id", id, "--area", "3301",
                         "--json"}));
    EXPECT_TRUE(OwnerOnly(keys + "/officers/" + id + ".pem")) << id;
    EXPECT_FALSE(o["duplicate"].get<bool>());
  }
  // The same checks as any event: a second registration is refused, and
  // the key made for it is not left behind.
  CommandResult again = Admin({"agency", "add", "--data", store, "--code", "PHO-33", "--name-th", "x", "--name-en",
                               "x", "--dimension", "health", "--public-key", keys + "/agencies/PHO-33.pem"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("AGENCY_EXISTS"), std::string::npos) << again.err;
  CommandResult stray = Admin({"officer", "add", "--data", store, "--agency", "NOPE-33", "--id", "NOPE-1",
                               "--agency-key", keys + "/agencies/PHO-33.pem"});
  EXPECT_EQ(stray.exit_code, 1);
  EXPECT_FALSE(fs::exists(keys + "/officers/NOPE-1.pem"));
  // Usage errors name the flag and exit 2.
  CommandResult bad = Admin({"agency", "add", "--data", store, "--code", "CDD-33", "--name-th", "x", "--name-en",
                             "x", "--dimension", "wealth"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--dimension"), std::string::npos) << bad.err;
  EXPECT_EQ(Admin({"officer", "add", "--data", store}).exit_code, 2);
  EXPECT_EQ(Admin({"--version"}).exit_code, 0);

  // 2b. menu publish: data/menu.csv as MenuPublished version 1 (root-signed);
  // a second publish of the same file is version 2.
  json menu = Json(Admin({"menu", "publish", "--data", store, "--json"}));
  EXPECT_EQ(menu["seq"], 3);
  EXPECT_EQ(menu["version"], 1);
  EXPECT_GT(menu["items"].get<int>(), 0);
  CommandResult bad_menu = Admin({"menu", "publish", "--data", store, "--version", "5"});
  EXPECT_EQ(bad_menu.exit_code, 1);
  EXPECT_NE(bad_menu.err.find("MENU_VERSION_CONFLICT"), std::string::npos) << bad_menu.err;

  json status = Json(Admin({"status", "--data", store, "--json"}));
  EXPECT_EQ(status["tree_size"], 4);
  EXPECT_EQ(status["menu"]["version"], 1);
  EXPECT_EQ(status["menu"]["seq"], 3);
  EXPECT_EQ(status["agencies"].size(), 1u);
  EXPECT_EQ(status["officers_active"], 2);
  EXPECT_EQ(status["vkey"], vkey);
  EXPECT_FALSE(status["insecure_deterministic_keys"].get<bool>());

  // 3. ledgerd over mutual TLS (certificates from ledger-keygen).
  ASSERT_EQ(RunCommand({kKeygen, "dev-pki", "--dir", pki, "--agency", "PHO-33", "--inspector", "insp-1"}).exit_code,
            0);
  const std::string log = dir.Sub("ledgerd.log");
  auto serve = [&](Ledgerd& d, const std::string& data, std::vector<std::string> more) {
    std::vector<std::string> args = {"--data", data, "--listen", "127.0.0.1:0", "--cert", pki + "/server.crt",
                                     "--key", pki + "/server.key", "--ca", pki + "/ca.crt"};
    args.insert(args.end(), more.begin(), more.end());
    d.Start(args, log);
  };
  auto cli = [&](const Ledgerd& d, const std::string& who, std::vector<std::string> args) {
    std::vector<std::string> all = {kLedger, "--server", d.endpoint(), "--ca", pki + "/ca.crt", "--vkey", vkey,
                                    "--state", dir.Sub("state-" + who + ".json"), "--cert", pki + "/" + who + ".crt",
                                    "--cert-key", pki + "/" + who + ".key"};
    all.insert(all.end(), args.begin(), args.end());
    return RunCommand(all, std::chrono::seconds(60));
  };
  {
    Ledgerd d;
    serve(d, store, {});
    if (HasFatalFailure()) return;
    EXPECT_EQ(testing::ReadWholeFile(log).find("INSECURE KEYS"), std::string::npos);

    // 4. an officer's append, as the agency.
    {
      std::ofstream(dir.Sub("targets.jsonl")) << Targeted("33010100011", "PHO-3301-01").dump() << "\n"
                                              << Targeted("33010100012", "PHO-3301-02").dump() << "\n";
    }
    CommandResult r = cli(d, "pho-33", {"--json", "append", dir.Sub("targets.jsonl"), "--key",
                                        keys + "/officers/PHO-3301-01.pem"});
    // The second line names officer PHO-3301-02 but is signed by -01: refused, the first stored.
    EXPECT_NE(r.out.find("\"seq\":4"), std::string::npos) << r.out << r.err;
    {
      std::ofstream(dir.Sub("target2.jsonl")) << Targeted("33010100012", "PHO-3301-02").dump() << "\n";
    }
    r = cli(d, "pho-33", {"--json", "append", dir.Sub("target2.jsonl"), "--key", keys + "/officers/PHO-3301-02.pem"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    // Help must name an item of the published menu: H-99 is refused, H-01 stored.
    json help = {{"kind", "AssistanceGiven"}, {"household", "33010100011"}, {"agency", "PHO-33"},
                 {"officer", "PHO-3301-01"},  {"occurred_at", Today()},     {"dimension", "health"},
                 {"indicator", 4},            {"menu_item", "H-99"},        {"quantity", 1},
                 {"unit", "set"},             {"value_satang", 50000}};
    { std::ofstream(dir.Sub("help.jsonl")) << help.dump() << "\n"; }
    r = cli(d, "pho-33", {"--json", "append", dir.Sub("help.jsonl"), "--key", keys + "/officers/PHO-3301-01.pem"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.out.find("UNKNOWN_MENU_ITEM"), std::string::npos) << r.out << r.err;
    help["menu_item"] = "H-01";
    { std::ofstream(dir.Sub("help.jsonl")) << help.dump() << "\n"; }
    r = cli(d, "pho-33", {"--json", "append", dir.Sub("help.jsonl"), "--key", keys + "/officers/PHO-3301-01.pem"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

    // 5. revoke while ledgerd runs: the store is locked, so the event goes through ledgerd.
    CommandResult locked = Admin({"officer", "revoke", "--data", store, "--agency", "PHO-33", "--id", "PHO-3301-02",
                                  "--reason", "lost phone"});
    EXPECT_EQ(locked.exit_code, 1);
    EXPECT_NE(locked.err.find("--jsonl"), std::string::npos) << locked.err;
    ASSERT_EQ(Admin({"officer", "revoke", "--data", store, "--agency", "PHO-33", "--id", "PHO-3301-02", "--reason",
                     "lost phone", "--jsonl", dir.Sub("revoke.jsonl")})
                  .exit_code,
              0);
    r = cli(d, "pho-33", {"--json", "append", dir.Sub("revoke.jsonl"), "--key", keys + "/agencies/PHO-33.pem"});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    // Sent twice, stored once.
    r = cli(d, "pho-33", {"--json", "append", dir.Sub("revoke.jsonl"), "--key", keys + "/agencies/PHO-33.pem"});
    EXPECT_NE(r.out.find("\"duplicate\":true"), std::string::npos) << r.out << r.err;
    // The revoked key signs nothing more.
    {
      std::ofstream(dir.Sub("target3.jsonl")) << Targeted("33010100013", "PHO-3301-02").dump() << "\n";
    }
    r = cli(d, "pho-33", {"--json", "append", dir.Sub("target3.jsonl"), "--key", keys + "/officers/PHO-3301-02.pem"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE((r.out + r.err).find("KEY_REVOKED"), std::string::npos) << r.out << r.err;

    // 6. status and backup beside the running server.
    status = Json(Admin({"status", "--data", store, "--json"}));
    EXPECT_EQ(status["tree_size"], 8);
    EXPECT_EQ(status["officers_revoked"], 1);
    json backup = Json(Admin({"backup", "--data", store, dir.Sub("backup-1"), "--json"}));
    EXPECT_EQ(backup["events"], 8);
    EXPECT_EQ(backup["checkpoint_size"], 8);
    EXPECT_TRUE(fs::exists(dir.Sub("backup-1/checkpoint")));
    EXPECT_TRUE(fs::exists(dir.Sub("backup-1/backup.json")));
    EXPECT_FALSE(fs::exists(dir.Sub("backup-1/store/keys"))) << "keys are not part of a backup";
    // What the inspector sees is the checkpoint recorded with the backup.
    r = cli(d, "insp-1", {"checkpoint"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, testing::ReadWholeFile(dir.Sub("backup-1/checkpoint")));
    d.Signal(SIGTERM);
    EXPECT_EQ(d.Wait(), 0);
  }

  // 7. with ledgerd stopped, registry commands append directly.
  json third = Json(Admin({"officer", "add", "--data", store, "--agency", "PHO-33", "--id", "PHO-3301-03", "--area",
                           "3301", "--json"}));
  EXPECT_EQ(third["seq"], 8);

  // 8. restore the backup into a new directory and verify it.
  json restored = Json(Admin({"restore", dir.Sub("backup-1"), "--data", dir.Sub("restored"), "--json"}));
  EXPECT_EQ(restored["events"], 8);
  CommandResult v = RunCommand({kVerify, "--json", dir.Sub("restored")});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  json vj = json::parse(v.out);
  EXPECT_TRUE(vj["ok"].get<bool>());
  EXPECT_EQ(vj["vkey"], vkey);
  EXPECT_EQ(vj["events"], 8);
  // Restoring over a store is refused; a directory that is no backup too.
  EXPECT_EQ(Admin({"restore", dir.Sub("backup-1"), "--data", store}).exit_code, 1);
  CommandResult notabackup = Admin({"restore", pki, "--data", dir.Sub("r2")});
  EXPECT_EQ(notabackup.exit_code, 1);
  EXPECT_NE(notabackup.err.find("NOT_A_BACKUP"), std::string::npos) << notabackup.err;

  // 9. ledgerd serves the restored store with the operator's server key.
  {
    Ledgerd d;
    serve(d, dir.Sub("restored"), {"--server-key", keys + "/server.pem"});
    if (HasFatalFailure()) return;
    CommandResult r = cli(d, "insp-1", {"checkpoint"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, testing::ReadWholeFile(dir.Sub("backup-1/checkpoint")));
    d.Signal(SIGTERM);
    EXPECT_EQ(d.Wait(), 0);
  }
  EXPECT_EQ(RunCommand({kVerify, store}).exit_code, 0);
}

// Issue 9 item 9: a store seeded with keys derived from the seed says so,
// and ledgerd warns loudly when it serves one.
TEST(OperationsTest, LedgerdWarnsAboutSeedDerivedKeys) {
  TempDir dir;
  const std::string store = dir.Sub("seeded"), log = dir.Sub("ledgerd.log");
  CommandResult seeded = RunCommand({LEDGER_BINARY_DIR "/tools/ledger-seed", "--data", store, "--households", "3",
                                     "--seed", "5", "--provinces", "34", "--insecure-deterministic-keys"},
                                    std::chrono::seconds(120));
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  json status = Json(Admin({"status", "--data", store, "--json"}));
  EXPECT_TRUE(status["insecure_deterministic_keys"].get<bool>());
  Ledgerd d;
  d.Start({"--data", store, "--listen", "127.0.0.1:0", "--dev-insecure"}, log);
  if (HasFatalFailure()) return;
  d.Signal(SIGTERM);
  EXPECT_EQ(d.Wait(), 0);
  EXPECT_NE(testing::ReadWholeFile(log).find("*** INSECURE KEYS"), std::string::npos) << testing::ReadWholeFile(log);
}

}  // namespace
}  // namespace ledger
