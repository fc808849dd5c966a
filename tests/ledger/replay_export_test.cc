// End to end: the built `ledger-replay export` on a small store. Raw lines
// decode to the stored leaf bytes (hash = Ledger::LeafHash); jsonl lines
// carry the contract fields (DESIGN.md §8); ranges, usage errors, and the
// store is left untouched.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

#include "ledger/bytes.h"
#include "ledger/merkle.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using nlohmann::json;
using testing::AppendOk;
using testing::CommandResult;
using testing::Lines;
using testing::RunCommand;
using testing::TempDir;
using testing::World;

const std::string kReplay = LEDGER_BINARY_DIR "/tools/ledger-replay";

// A store of 3 registry events, 2 targeted households, help and visits.
class ReplayExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = w_.Create(dir_.path());
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    ledger_ = std::move(*l);
    AppendOk(*ledger_, w_.Bootstrap());
    AppendOk(*ledger_, {w_.factory.HouseholdTargeted(w_.Officer(), "33010000001", "330101", 2565, {4, 22}, 5, kDay),
                        w_.factory.HouseholdTargeted(w_.Officer(), "33010000002", "330102", 2565, {17}, 3, kDay)});
    AppendOk(*ledger_, {w_.factory.AssistanceGiven(w_.Officer(), "33010000001", schema::Dimension::INCOME, 22,
                                                    "INC-07", 150000, kDay),
                        w_.Visit(1), w_.Visit(2)});
    ASSERT_EQ(ledger_->Size(), 8u);
  }

  CommandResult Export(std::vector<std::string> args) {
    std::vector<std::string> argv = {kReplay, "--data", dir_.path(), "export"};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }

  static constexpr CivilDate kDay{2022, 9, 30};
  TempDir dir_;
  World w_;
  std::unique_ptr<Ledger> ledger_;
};

TEST_F(ReplayExportTest, RawLinesDecodeToTheStoredLeaves) {
  CommandResult r = Export({"--format", "raw"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // no progress bar when stderr is not a terminal
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), ledger_->Size());
  for (uint64_t seq = 0; seq < lines.size(); ++seq) {
    const std::string& line = lines[seq];
    size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    EXPECT_EQ(line.substr(0, tab), std::to_string(seq));
    auto leaf = FromBase64(line.substr(tab + 1));
    ASSERT_TRUE(leaf.ok()) << leaf.status().ToString();
    EXPECT_EQ(*leaf, *ledger_->LeafBytes(seq));
    EXPECT_EQ(merkle::HashLeaf(AsBytes(*leaf)), *ledger_->LeafHash(seq)) << seq;
  }
}

TEST_F(ReplayExportTest, JsonlHasTheContractFields) {
  CommandResult r = Export({"--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = Lines(r.out);
  ASSERT_EQ(lines.size(), ledger_->Size());
  std::map<std::string, int> kinds;
  for (uint64_t seq = 0; seq < lines.size(); ++seq) {
    json j = json::parse(lines[seq]);
    for (const char* key : {"seq", "kind", "household", "agency", "officer", "occurred_at", "recorded_at",
                            "leaf_hash"}) {
      EXPECT_TRUE(j.contains(key)) << key << " missing: " << lines[seq];
    }
    EXPECT_EQ(j["seq"], seq);
    EXPECT_EQ(j["leaf_hash"], ToHex(*ledger_->LeafHash(seq)));
    std::string occurred = j["occurred_at"];
    EXPECT_TRUE(occurred == "2022-09-30" || occurred == "2022-03-15") << occurred;
    std::string recorded = j["recorded_at"];
    EXPECT_EQ(recorded.size(), std::string("2026-11-23T10:00:00.123456789Z").size()) << recorded;
    EXPECT_EQ(recorded.back(), 'Z');
    ++kinds[j["kind"]];
    if (j["kind"] == "HouseholdTargeted" && j["household"] == "33010000001") {
      EXPECT_EQ(j["subdistrict"], "330101");
      EXPECT_EQ(j["province"], "33");
      EXPECT_EQ(j["source"], "tpmap");
      EXPECT_EQ(j["failing_indicators"], json({4, 22}));
    }
    if (j["kind"] == "AssistanceGiven") {
      EXPECT_TRUE(j["value_satang"].is_number_integer());
      EXPECT_EQ(j["value_satang"], 150000);
      EXPECT_EQ(j["dimension"], "income");
      EXPECT_EQ(j["menu_item"], "INC-07");
    }
  }
  EXPECT_EQ(kinds["AgencyRegistered"], 1);
  EXPECT_EQ(kinds["OfficerRegistered"], 2);
  EXPECT_EQ(kinds["HouseholdTargeted"], 2);
  EXPECT_EQ(kinds["AssistanceGiven"], 1);
  EXPECT_EQ(kinds["HouseholdVisited"], 2);
}

TEST_F(ReplayExportTest, SeqRanges) {
  auto seqs = [&](std::vector<std::string> args) {
    CommandResult r = Export(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<uint64_t> out;
    for (const auto& line : Lines(r.out)) out.push_back(std::stoull(line.substr(0, line.find('\t'))));
    return out;
  };
  EXPECT_EQ(seqs({"--format", "raw", "--from-seq", "2", "--to-seq", "4"}), (std::vector<uint64_t>{2, 3, 4}));
  EXPECT_EQ(seqs({"--format", "raw", "--from-seq", "6"}), (std::vector<uint64_t>{6, 7}));
  EXPECT_EQ(seqs({"--format", "raw", "--to-seq", "0"}), (std::vector<uint64_t>{0}));
  EXPECT_EQ(seqs({"--format", "raw", "--from-seq", "8"}), (std::vector<uint64_t>{}));
  EXPECT_EQ(seqs({"--format", "raw", "--to-seq", "18446744073709551615"}).size(), 8u);
  CommandResult r = Export({"--format", "jsonl", "--from-seq", "7", "--to-seq", "7"});
  ASSERT_EQ(Lines(r.out).size(), 1u);
  EXPECT_EQ(json::parse(r.out)["seq"], 7);
}

TEST_F(ReplayExportTest, UsageErrorsExit2FailuresExit1) {
  EXPECT_EQ(Export({"--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Export({}).exit_code, 2);
  EXPECT_EQ(Export({"--format", "raw", "--from-seq", "5", "--to-seq", "4"}).exit_code, 2);
  EXPECT_EQ(Export({"--format", "raw", "--from-seq", "-1"}).exit_code, 2);
  EXPECT_EQ(RunCommand({kReplay, "export", "--format", "raw"}).exit_code, 2);  // no --data
  EXPECT_EQ(RunCommand({kReplay, "--data", dir_.path()}).exit_code, 2);     // no subcommand
  EXPECT_EQ(RunCommand({kReplay, "--help"}).exit_code, 0);

  CommandResult missing = RunCommand({kReplay, "--data", dir_.Sub("nope"), "export", "--format", "raw"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(Lines(missing.err).size(), 1u) << missing.err;
  EXPECT_NE(missing.err.find("nope"), std::string::npos) << missing.err;
  std::filesystem::create_directories(dir_.Sub("empty"));
  CommandResult empty = RunCommand({kReplay, "--data", dir_.Sub("empty"), "export", "--format", "raw"});
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("not a ledger store"), std::string::npos) << empty.err;
}

// Snapshot of a directory: every file's name, size and modification time.
std::map<std::string, std::pair<uintmax_t, std::filesystem::file_time_type>> Snapshot(const std::string& dir) {
  std::map<std::string, std::pair<uintmax_t, std::filesystem::file_time_type>> s;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) s[e.path().string()] = {e.file_size(), e.last_write_time()};
  }
  return s;
}

TEST_F(ReplayExportTest, ReadsBesideAWriterAndChangesNothing) {
  // The writer is still open here: a read-only export works beside it.
  CommandResult live = Export({"--format", "raw"});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  ledger_.reset();
  auto before = Snapshot(dir_.path());
  CommandResult raw = Export({"--format", "raw"});
  CommandResult jsonl = Export({"--format", "jsonl"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  EXPECT_EQ(raw.out, live.out);
  EXPECT_EQ(Snapshot(dir_.path()), before);
}

}  // namespace
}  // namespace ledger
