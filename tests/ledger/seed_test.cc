// ledger-seed end to end: a clean programme passes every rule, is the same
// for the same seed, writes its keys, and its injected anomalies are what
// the manifest says (docs/domain.md "Seeded data").
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "ledger/crypto.h"
#include "ledger/event_json.h"
#include "ledger/ledger.h"
#include "ledger/menu.h"
#include "ledger/projection.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using json = nlohmann::json;
using testing::CommandResult;
using testing::RunCommand;
using testing::TempDir;

const std::string kSeed = LEDGER_BINARY_DIR "/tools/ledger-seed";

CommandResult Seed(const std::string& dir, std::vector<std::string> more) {
  std::vector<std::string> argv = {kSeed, "--data", dir, "--json"};
  argv.insert(argv.end(), more.begin(), more.end());
  return RunCommand(argv);
}

// Every event of a store as its export object.
std::vector<json> Events(const std::string& dir) {
  auto l = Ledger::OpenReadOnly(dir);
  EXPECT_TRUE(l.ok()) << l.status().ToString();
  std::vector<json> out;
  if (!l.ok()) return out;
  Status s = (*l)->ForEachEvent(0, (*l)->Size(), [&](uint64_t, std::string_view leaf) -> Status {
    ASSIGN_OR_RETURN(json j, EventToJson(leaf));
    out.push_back(std::move(j));
    return OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

CivilDate Date(const std::string& iso) {
  return {std::stoi(iso.substr(0, 4)), std::stoi(iso.substr(5, 2)), std::stoi(iso.substr(8, 2))};
}
CivilDate RecordedDate(const json& e) { return BangkokDate(e["recorded_at_ns"].get<int64_t>()); }
// Days from a to b: calendar.h's DaysBetween.

TEST(SeedTest, CleanProgrammePassesEveryRuleAndIsDeterministic) {
  TempDir dir;
  CommandResult a = Seed(dir.Sub("a"), {"--households", "150", "--seed", "9", "--provinces", "33", "--check-projection",
                                        "--insecure-deterministic-keys"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  json ra = json::parse(a.out);
  EXPECT_TRUE(ra["refused"].empty()) << ra["refused"].dump();
  EXPECT_TRUE(ra["projection_equal"].get<bool>());
  EXPECT_GT(ra["events"].get<uint64_t>(), 150u * 10);
  EXPECT_EQ(ra["origin"], "ledger.cdd.go.th/si-sa-ket");
  for (const char* f : {"keys/root.pem", "keys/server.pem", "keys/agencies/PHO-33.pem"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.Sub("a") + "/" + f)) << f;
  }
  // The citizen-ID secret is not kept beside the store.
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("a") + "/keys/citizen-id-secret.hex"));
  EXPECT_TRUE(ra["insecure_deterministic_keys"].get<bool>());
  // The same seed gives the same log, leaf for leaf.
  CommandResult b = Seed(dir.Sub("b"), {"--households", "150", "--seed", "9", "--provinces", "33",
                                        "--insecure-deterministic-keys"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto la = Ledger::OpenReadOnly(dir.Sub("a"));
  auto lb = Ledger::OpenReadOnly(dir.Sub("b"));
  ASSERT_TRUE(la.ok() && lb.ok());
  ASSERT_EQ((*la)->Size(), (*lb)->Size());
  EXPECT_EQ(*(*la)->RootAt((*la)->Size()), *(*lb)->RootAt((*lb)->Size()));

  // What the events look like.
  std::map<std::string, int> kinds;
  std::set<std::pair<std::string, std::string>> menu_items;
  for (const json& e : Events(dir.Sub("a"))) {
    ++kinds[e["kind"]];
    if (e["kind"] == "HouseholdTargeted") {
      EXPECT_EQ(e["household"].get<std::string>().substr(0, 4), e["district"].get<std::string>());
      EXPECT_EQ(e["survey_year"], 2565);
      for (const auto& h : e["member_id_hashes"]) EXPECT_EQ(h.get<std::string>().size(), 64u);
    }
    if (e["kind"] != "AgencyRegistered" && e["kind"] != "OfficerRegistered") {
      int delay = DaysBetween(Date(e["occurred_at"]), RecordedDate(e));
      EXPECT_GE(delay, 0);
      EXPECT_LE(delay, 13) << e.dump();
    }
    if (e["kind"] == "AssistanceGiven") {
      EXPECT_GE(e["value_satang"].get<int64_t>(), 0);
      auto item = std::make_pair(e["household"].get<std::string>(), e["menu_item"].get<std::string>());
      EXPECT_TRUE(menu_items.insert(item).second) << "menu item given twice: " << e.dump();
    }
  }
  for (const char* k : {"AgencyRegistered", "OfficerRegistered", "HouseholdTargeted", "MentorAssigned",
                        "HouseholdVisited", "ProblemsAnalysed", "PlanAgreed", "AssistanceGiven", "LevelAssessed",
                        "IndicatorResolved"}) {
    EXPECT_GT(kinds[k], 0) << k;
  }
  EXPECT_EQ(kinds["HouseholdTargeted"], 150);
  EXPECT_EQ(kinds["AgencyRegistered"], 5);
  // The shipped menu, published first; every help record names one of its items.
  EXPECT_EQ(kinds["MenuPublished"], 1);
  std::set<std::string> shipped;
  for (const MenuRow& row : BuiltinMenu()) shipped.insert(row.code);
  for (const auto& [household, item] : menu_items) EXPECT_TRUE(shipped.count(item)) << item;
}

TEST(SeedTest, RerunWithTheSameSeedStoresNothingNew) {
  TempDir dir;
  // Random keys (kept in DIR/keys) and a citizen-ID secret kept apart: a
  // re-run with the same secret makes the same bodies.
  const std::string secret = dir.Sub("citizen-id.secret");
  CommandResult a = Seed(dir.Sub("s"), {"--households", "30", "--seed", "4", "--provinces", "34", "--citizen-secret", secret});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(std::filesystem::status(secret).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  CommandResult b = Seed(dir.Sub("s"), {"--households", "30", "--seed", "4", "--provinces", "34", "--citizen-secret", secret});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  json ra = json::parse(a.out), rb = json::parse(b.out);
  EXPECT_EQ(rb["events"], 0);
  EXPECT_EQ(rb["duplicates"], ra["events"]);
  EXPECT_EQ(rb["store_events"], ra["store_events"]);
}

// Issue 9 item 9: without --insecure-deterministic-keys the keys are random
// (the same seed gives other keys), written 0600, the store is not marked
// insecure, and no citizen-ID secret is left beside the store.
TEST(SeedTest, KeysAreRandomUnlessAskedForInsecureOnes) {
  TempDir dir;
  CommandResult a = Seed(dir.Sub("a"), {"--households", "5", "--seed", "3", "--provinces", "34"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  CommandResult b = Seed(dir.Sub("b"), {"--households", "5", "--seed", "3", "--provinces", "34"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  json ra = json::parse(a.out), rb = json::parse(b.out);
  EXPECT_NE(ra["vkey"], rb["vkey"]);
  EXPECT_FALSE(ra["insecure_deterministic_keys"].get<bool>());
  EXPECT_TRUE(ra["citizen_secret"].is_null());
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("a/keys/citizen-id-secret.hex")));
  namespace fs = std::filesystem;
  for (const char* f : {"keys/root.pem", "keys/server.pem", "keys/agencies/PHO-34.pem"}) {
    EXPECT_EQ(fs::status(dir.Sub("a") + "/" + f).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << f;
  }
  auto la = Ledger::OpenReadOnly(dir.Sub("a"));
  ASSERT_TRUE(la.ok());
  EXPECT_FALSE((*la)->info().insecure_deterministic_keys);
  // Deterministic keys cannot be mixed into a store with random ones.
  CommandResult c = Seed(dir.Sub("a"), {"--households", "5", "--seed", "3", "--provinces", "34",
                                        "--insecure-deterministic-keys"});
  EXPECT_EQ(c.exit_code, 1);
  EXPECT_NE(c.err.find("--insecure-deterministic-keys"), std::string::npos) << c.err;
}

TEST(SeedTest, InjectedAnomaliesAreWhatTheManifestSays) {
  TempDir dir;
  const std::string manifest = dir.Sub("manifest.json");
  CommandResult r = Seed(dir.Sub("s"), {"--households", "250", "--seed", "77", "--provinces", "33",
                                        "--inject-anomalies", "--manifest", manifest});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(json::parse(r.out)["refused"].empty());
  json m = json::parse(std::ifstream(manifest));
  EXPECT_EQ(m["cutoff"], "2022-09-30");
  std::vector<json> events = Events(dir.Sub("s"));
  std::map<std::string, int> types;
  for (const json& a : m["anomalies"]) {
    ++types[a["type"]];
    std::map<std::string, std::vector<json>> by_role;
    for (const json& e : a["events"]) {
      const json& ev = events.at(e["seq"].get<uint64_t>());
      EXPECT_EQ(ev["leaf_hash"], e["leaf_hash"]);
      by_role[e["role"]].push_back(ev);
    }
    const std::string type = a["type"];
    if (type == "duplicate_help") {
      const json& first = by_role.at("first").at(0);
      const json& dup = by_role.at("duplicate").at(0);
      EXPECT_EQ(first["menu_item"], dup["menu_item"]);
      EXPECT_EQ(first["household"], dup["household"]);
      EXPECT_LE(DaysBetween(Date(first["occurred_at"]), Date(dup["occurred_at"])), 6);
    } else if (type == "help_after_exit") {
      const json& help = by_role.at("help_after_exit").at(0);
      const json& exit = by_role.at("exit").at(0);
      EXPECT_EQ(help["kind"], "AssistanceGiven");
      EXPECT_EQ(exit["kind"], "HouseholdExited");
      EXPECT_LT(help["seq"], exit["seq"]);
      EXPECT_GT(DaysBetween(Date(exit["occurred_at"]), Date(help["occurred_at"])), 0);
    } else if (type == "back_dating") {
      const json& e = by_role.at("back_dated").at(0);
      EXPECT_GE(DaysBetween(Date(e["occurred_at"]), RecordedDate(e)), 60);
    } else if (type == "level_jump") {
      const json& e = by_role.at("jump").at(0);
      EXPECT_EQ(e["level"], "sustainable");
      for (const json& x : events) {
        if (x["kind"] == "LevelAssessed" && x["household"] == e["household"]) EXPECT_GE(x["seq"], e["seq"]);
      }
    } else if (type == "correction_after_cutoff") {
      const json& c = by_role.at("correction").at(0);
      EXPECT_EQ(c["kind"], "Correction");
      EXPECT_EQ(c["corrected_seq"], by_role.at("corrected").at(0)["seq"]);
      EXPECT_GT(RecordedDate(c), (CivilDate{2022, 9, 30}));
    } else if (type == "bulk_entry_before_cutoff") {
      EXPECT_GE(by_role.at("bulk").size(), 50u);
      for (const json& e : by_role.at("bulk")) {
        EXPECT_EQ(e["officer"], a["officer"]);
        CivilDate rec = RecordedDate(e);
        EXPECT_TRUE(rec == (CivilDate{2022, 9, 29}) || rec == (CivilDate{2022, 9, 30})) << FormatDate(rec);
        EXPECT_GE(DaysBetween(Date(e["occurred_at"]), rec), 30);
      }
    } else if (type == "implausible_officer_visits") {
      ASSERT_EQ(by_role.at("visit").size(), 40u);
      for (const json& e : by_role.at("visit")) {
        EXPECT_EQ(e["kind"], "HouseholdVisited");
        EXPECT_EQ(e["officer"], a["officer"]);
        EXPECT_EQ(e["occurred_at"], by_role.at("visit")[0]["occurred_at"]);
      }
    } else {
      ADD_FAILURE() << "unknown anomaly type " << type;
    }
  }
  EXPECT_EQ(types, (std::map<std::string, int>{{"back_dating", 3},
                                               {"bulk_entry_before_cutoff", 1},
                                               {"correction_after_cutoff", 2},
                                               {"duplicate_help", 3},
                                               {"help_after_exit", 2},
                                               {"implausible_officer_visits", 1},
                                               {"level_jump", 2}}));
}

TEST(SeedTest, JsonlLinesAreTheSignedBodies) {
  TempDir dir;
  const std::string out = dir.Sub("events.jsonl");
  CommandResult r = Seed(dir.Sub("s"), {"--households", "10", "--seed", "3", "--provinces", "34", "--jsonl", out});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(out);
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines) {
    json j = json::parse(line);
    EXPECT_FALSE(j.contains("seq"));
    EXPECT_NE(j["kind"], "Correction");
    auto body = BodyFromJson(j);
    ASSERT_TRUE(body.ok()) << body.status().ToString();
    // The signer: the root for agencies and the menu, the agency for officers, else the officer.
    std::string key_file = j["kind"] == "AgencyRegistered" || j["kind"] == "MenuPublished" ? "root"
                           : j["kind"] == "OfficerRegistered" ? "agencies/" + j["agency"].get<std::string>()
                                                              : "officers/" + j["officer"].get<std::string>();
    auto key = LoadPublicKeyFile(dir.Sub("s") + "/keys/" + key_file + ".pem");
    ASSERT_TRUE(key.ok()) << key_file;
    auto sig = FromHex(j["signature"].get<std::string>());
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(Ed25519Verify(*key, *body, *sig)) << line;
  }
  EXPECT_GT(lines, 100);
}

TEST(SeedTest, UsageErrors) {
  TempDir dir;
  EXPECT_EQ(RunCommand({kSeed, "--households", "5"}).exit_code, 2);   // no --data
  EXPECT_EQ(Seed(dir.Sub("s"), {"--manifest", dir.Sub("m.json")}).exit_code, 2);
  EXPECT_EQ(Seed(dir.Sub("s"), {"--inject-anomalies", "--jsonl", dir.Sub("x")}).exit_code, 2);
  CommandResult bad = Seed(dir.Sub("s"), {"--provinces", "99"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--provinces"), std::string::npos) << bad.err;
  std::filesystem::create_directories(dir.Sub("full"));
  std::ofstream(dir.Sub("full") + "/notes.txt") << "not a store";
  CommandResult full = Seed(dir.Sub("full"), {"--households", "5"});
  EXPECT_EQ(full.exit_code, 1);
  EXPECT_NE(full.err.find("not a store"), std::string::npos) << full.err;
}

}  // namespace
}  // namespace ledger
