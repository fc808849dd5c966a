// End to end: `ledger-seed --inject-anomalies` writes a programme with a
// documented set of anomalies and a manifest of their events;
// `ledger-replay anomalies` must find exactly those -- one finding per
// manifest entry, of the same type, citing (at least) its events with their
// leaf hashes -- and nothing in the same programme seeded clean.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::RunCommand;
using testing::TempDir;

const std::string kReplay = LEDGER_BINARY_DIR "/tools/ledger-replay";
const std::string kSeed = LEDGER_BINARY_DIR "/tools/ledger-seed";

class ReplayAnomaliesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    for (bool inject : {true, false}) {
      std::vector<std::string> argv = {kSeed,     "--data",     Store(inject), "--households", "300",
                                       "--seed",  "11",         "--provinces", "33",           "--fy",
                                       "2565",    "--skip-signature-check"};
      if (inject) argv.insert(argv.end(), {"--inject-anomalies", "--manifest", dir_->Sub("manifest.json")});
      CommandResult r = RunCommand(argv);
      ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    }
    std::ifstream f(dir_->Sub("manifest.json"));
    manifest_ = new json(json::parse(f));
  }
  static void TearDownTestSuite() {
    delete manifest_;
    delete dir_;
  }
  static std::string Store(bool injected) { return dir_->Sub(injected ? "injected" : "clean"); }

  static json Anomalies(bool injected, std::vector<std::string> args = {}) {
    std::vector<std::string> argv = {kReplay, "--data", Store(injected), "anomalies", "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunCommand(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }

  static inline TempDir* dir_ = nullptr;
  static inline json* manifest_ = nullptr;
};

TEST_F(ReplayAnomaliesTest, FindsExactlyTheManifestsAnomalies) {
  const json& expected = (*manifest_)["anomalies"];
  ASSERT_GE(expected.size(), 7u) << "the seed should inject every type";
  json found = Anomalies(true);
  const json& findings = found["findings"];
  ASSERT_EQ(findings.size(), expected.size()) << findings.dump(1);

  // Match each manifest entry to one finding of its type whose events
  // include the manifest's (seq and leaf hash).
  std::set<size_t> used;
  std::map<std::string, int> types;
  for (const json& want : expected) {
    ++types[want["type"]];
    std::map<uint64_t, std::string> events;
    for (const json& e : want["events"]) events[e["seq"]] = e["leaf_hash"];
    bool matched = false;
    for (size_t i = 0; i < findings.size() && !matched; ++i) {
      const json& got = findings[i];
      if (used.count(i) || got["type"] != want["type"]) continue;
      std::map<uint64_t, std::string> cited;
      for (const json& e : got["events"]) cited[e["seq"]] = e["leaf_hash"];
      bool covers = std::all_of(events.begin(), events.end(), [&](const auto& kv) {
        auto it = cited.find(kv.first);
        return it != cited.end() && it->second == kv.second;
      });
      if (!covers) continue;
      if (want.contains("household")) EXPECT_EQ(got["household"], want["household"]);
      if (want.contains("officer")) EXPECT_EQ(got["officer"], want["officer"]);
      used.insert(i);
      matched = true;
    }
    EXPECT_TRUE(matched) << "not found: " << want.dump();
  }
  EXPECT_EQ(types.size(), 7u);   // every type the seed injects
  for (const auto& [type, n] : types) EXPECT_EQ(found["counts"][type], n) << type;
  EXPECT_EQ(found["counts"]["help_not_targeted"], 0);
}

TEST_F(ReplayAnomaliesTest, NoneInACleanProgramme) {
  json found = Anomalies(false);
  EXPECT_TRUE(found["findings"].empty()) << found["findings"].dump(1);
  EXPECT_GT(found["events"].get<uint64_t>(), 3000u);
}

TEST_F(ReplayAnomaliesTest, AsOfTypesAndThresholds) {
  // Before October nothing has been corrected after the cut-off.
  json at_cutoff = Anomalies(true, {"--fy", "2565"});
  EXPECT_EQ(at_cutoff["counts"]["correction_after_cutoff"], 0);
  EXPECT_EQ(at_cutoff["counts"]["duplicate_help"], Anomalies(true)["counts"]["duplicate_help"]);
  json same = Anomalies(true, {"--calendar", "be", "--as-of", "2565-09-30"});
  EXPECT_EQ(same["findings"], at_cutoff["findings"]);
  // --type keeps one type; thresholds are flags.
  json levels = Anomalies(true, {"--type", "level_jump"});
  for (const json& f : levels["findings"]) EXPECT_EQ(f["type"], "level_jump");
  EXPECT_GT(levels["findings"].size(), 0u);
  EXPECT_EQ(Anomalies(true, {"--back-dating-days", "365"})["counts"]["back_dating"], 0);
  EXPECT_EQ(Anomalies(true, {"--max-visits-per-day", "100"})["counts"]["implausible_officer_visits"], 0);
  EXPECT_EQ(Anomalies(true, {"--back-dating-days", "365"})["options"]["back_dating_days"], 365);

  CommandResult text = RunCommand({kReplay, "--data", Store(true), "anomalies"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("bulk_entry_before_cutoff"), std::string::npos);
  const std::string hash = (*manifest_)["anomalies"][0]["events"][0]["leaf_hash"];
  EXPECT_NE(text.out.find(hash), std::string::npos) << text.out;
}

}  // namespace
}  // namespace ledger
