// A server that lies (docs/protocol.md "Client verdicts"): it leaves events
// out of a history, says "not found" without proof, rolls the client back to
// an older checkpoint, forks across two host names, forges a household's
// status, hides a key revocation. Each lie is refused with its reason, over
// real sockets; the honest answers still pass.
#include <gtest/gtest.h>

#include <cstdlib>
#include <mutex>

#include "ledger/event.h"
#include "ledger/net/client.h"
#include "ledger/note.h"
#include "ledger/reasons.h"
#include "net_fixture.h"
#include "support/run_command.h"

namespace ledger {
namespace {

using net::Client;
using testing::CommandResult;
using testing::NetFixture;
using testing::RunCommand;
using testing::World;

const std::string kLedger = LEDGER_BINARY_DIR "/client/ledger";

class LiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::ServerOptions o = f.DefaultServerOptions();
    o.faults.history_leaves = [this](std::vector<std::string>& leaves) {
      std::lock_guard lock(mu);
      if (drop_last && !leaves.empty()) leaves.pop_back();
      if (drop_middle && leaves.size() > 2) leaves.erase(leaves.begin() + 1);
    };
    o.faults.forge_error = [this]() {
      std::lock_guard lock(mu);
      return forged;
    };
    o.faults.latest_size = [this](uint64_t latest) -> uint64_t {
      std::lock_guard lock(mu);
      return stale_size < latest ? stale_size : 0;
    };
    o.faults.status_json = [this](std::string& json) {
      std::lock_guard lock(mu);
      if (forge_status) json = R"({"house_code":"forged","level":"sustainable"})";
    };
    o.faults.registry_seqs = [this](std::vector<uint64_t>& seqs) {
      std::lock_guard lock(mu);
      if (hide_revocation && !seqs.empty()) seqs.pop_back();
    };
    o.faults.checkpoint = [this](std::string& note) {
      std::lock_guard lock(mu);
      if (!fake_note.empty()) note = fake_note;
    };
    f.StartServer(o);
    writer = f.Connect("pho-33");
    ASSERT_TRUE(writer);
    // Household 1: targeted, then visited in three more group commits.
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(writer->Append({f.world.Visit(1)})[0].ok());
    ASSERT_TRUE(writer->Append({f.world.Visit(2)})[0].ok());
    c = f.Connect("inspector");
    ASSERT_TRUE(c);
  }

  // A checkpoint of `size` with a made-up root, signed with the real server key.
  std::string ForkedNote(uint64_t size) {
    NoteSigner signer(f.ledger->info().key_name, f.world.server);
    Hash root{};
    root[3] = 9;
    return *signer.Sign(FormatCheckpoint({f.ledger->info().origin, size, root, {}}));
  }

  CommandResult Cli(const std::string& server, std::vector<std::string> args) {
    std::vector<std::string> all = {kLedger,        "--server", server,         "--cert", f.Cert("inspector"),
                                    "--cert-key",   f.Key("inspector"), "--ca", f.Cert("ca"), "--vkey", f.vkey};
    all.insert(all.end(), args.begin(), args.end());
    return RunCommand(all);
  }

  NetFixture f;
  std::unique_ptr<Client> c, writer;
  std::mutex mu;
  bool drop_last = false, drop_middle = false, forge_status = false, hide_revocation = false;
  Status forged;
  uint64_t stale_size = ~uint64_t{0};
  std::string fake_note;
};

TEST_F(LiesTest, HonestHistoryIsCompleteAndCommitted) {
  auto h = c->History(World::HouseCode(1));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->leaves.size(), 4u);
  EXPECT_EQ(h->committed_size, f.ledger->Size());
  auto reg = c->Registry("PHO-33", "off-3");
  ASSERT_TRUE(reg.ok()) << reg.status().ToString();
  EXPECT_EQ(reg->events.size(), 3u);   // agency, officer, revocation
}

TEST_F(LiesTest, DroppedLastEventIsIncompleteHistory) {
  drop_last = true;
  auto h = c->History(World::HouseCode(1));
  EXPECT_EQ(h.status().reason(), reason::kIncompleteHistory) << h.status().ToString();
  auto s = c->HouseholdStatus(World::HouseCode(1));
  EXPECT_EQ(s.status().reason(), reason::kIncompleteHistory) << s.status().ToString();
}

TEST_F(LiesTest, DroppedMiddleEventIsIncompleteHistory) {
  drop_middle = true;
  auto h = c->History(World::HouseCode(1));
  EXPECT_EQ(h.status().reason(), reason::kIncompleteHistory) << h.status().ToString();
}

TEST_F(LiesTest, ForgedNotFoundForAnEventIsUnprovenAbsence) {
  forged = NotFoundError("event 6 does not exist", reason::kNoSuchEvent);
  auto e = c->GetEvent(6);
  EXPECT_EQ(e.status().reason(), reason::kUnprovenAbsence) << e.status().ToString();
  // A true "not found" is proven by the checkpoint.
  forged = OkStatus();
  auto beyond = c->GetEvent(f.ledger->Size() + 10);
  EXPECT_EQ(beyond.status().code(), StatusCode::kNotFound) << beyond.status().ToString();
  EXPECT_EQ(beyond.status().reason(), reason::kNoSuchEvent);
}

TEST_F(LiesTest, ForgedUnknownHouseholdIsUnprovenAbsence) {
  forged = NotFoundError("household has no events", reason::kUnknownHousehold);
  auto h = c->History(World::HouseCode(1));
  EXPECT_EQ(h.status().reason(), reason::kUnprovenAbsence) << h.status().ToString();
  // A household that truly has no events: absence proven in the heads map.
  forged = OkStatus();
  auto none = c->History(World::HouseCode(777));
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound) << none.status().ToString();
  EXPECT_EQ(none.status().reason(), reason::kUnknownHousehold);
  EXPECT_NE(none.status().message().find("absence proven"), std::string::npos) << none.status().message();
  // An unknown officer too.
  auto officer = c->Registry("PHO-33", "nobody");
  EXPECT_EQ(officer.status().reason(), reason::kUnknownOfficer) << officer.status().ToString();
}

TEST_F(LiesTest, StaleCheckpointIsRefusedUnlessAskedFor) {
  auto first = c->LatestCheckpoint();
  ASSERT_TRUE(first.ok());
  const uint64_t old_size = first->checkpoint.size;
  ASSERT_TRUE(writer->Append({f.world.Visit(3)})[0].ok());
  ASSERT_TRUE(c->LatestCheckpoint().ok());   // the client has now seen the larger one
  stale_size = old_size;
  auto rolled_back = c->LatestCheckpoint();
  EXPECT_EQ(rolled_back.status().reason(), reason::kStaleCheckpoint) << rolled_back.status().ToString();
  // Asked for explicitly, the old checkpoint is fine.
  auto asked = c->CheckpointAt(old_size);
  EXPECT_TRUE(asked.ok()) << asked.status().ToString();
}

TEST_F(LiesTest, HiddenKeyRevocationIsIncomplete) {
  hide_revocation = true;
  auto reg = c->Registry("PHO-33", "off-3");
  EXPECT_EQ(reg.status().reason(), reason::kIncompleteHistory) << reg.status().ToString();
}

TEST_F(LiesTest, ForgedStatusIsNotShown) {
  const std::string home = f.dir.Sub("home");
  std::filesystem::create_directories(home);
  ::setenv("HOME", home.c_str(), 1);
  const std::string server = f.server->endpoint();
  CommandResult honest = Cli(server, {"household", World::HouseCode(1)});
  ASSERT_EQ(honest.exit_code, 0) << honest.err;
  EXPECT_NE(honest.out.find("the server's projection agrees"), std::string::npos) << honest.out;
  forge_status = true;
  CommandResult forged_run = Cli(server, {"household", World::HouseCode(1)});
  ASSERT_EQ(forged_run.exit_code, 0) << forged_run.err;
  EXPECT_NE(forged_run.out.find("STATUS_MISMATCH"), std::string::npos) << forged_run.out;
  EXPECT_EQ(forged_run.out.find("forged"), std::string::npos) << forged_run.out;
  EXPECT_NE(forged_run.out.find(World::HouseCode(1)), std::string::npos) << forged_run.out;
}

TEST_F(LiesTest, ForkAcrossTwoHostNamesIsCaught) {
  const std::string home = f.dir.Sub("home2");
  std::filesystem::create_directories(home);
  ::setenv("HOME", home.c_str(), 1);
  const std::string port = std::to_string(f.server->port());
  CommandResult first = Cli("127.0.0.1:" + port, {"checkpoint"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  {
    std::lock_guard lock(mu);
    fake_note = ForkedNote(f.ledger->Size() + 3);
  }
  // The same log under another name: the same state, so the fork shows.
  CommandResult second = Cli("localhost:" + port, {"checkpoint"});
  EXPECT_EQ(second.exit_code, 1) << second.out;
  EXPECT_NE(second.err.find(reason::kInconsistentCheckpoint), std::string::npos) << second.err;
}

}  // namespace
}  // namespace ledger
