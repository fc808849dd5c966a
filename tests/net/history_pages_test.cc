// Paged household histories (docs/protocol.md §3.2): a household whose
// history spans several pages is read completely by the client library,
// `ledger history` and `ledger household`, and the HTTP route; a server that
// leaves a page out, cuts the history short or drops an event of a page is
// caught (INCOMPLETE_HISTORY); a page is bounded in events and in bytes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <mutex>

#include "ledger/event.h"
#include "ledger/reasons.h"
#include "net_fixture.h"
#include "support/http_get.h"
#include "support/run_command.h"

namespace ledger {
namespace {

using nlohmann::json;
using testing::NetFixture;
using testing::World;

const std::string kLedger = LEDGER_BINARY_DIR "/client/ledger";
constexpr int kHouse = 1;
constexpr size_t kVisits = 11;   // + the targeting: 12 events, 4 pages of 3

class HistoryPagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    net::ServerOptions o = f.DefaultServerOptions();
    o.history_page_events = 3;
    o.http_enabled = true;
    o.faults.history_leaves = [this](std::vector<std::string>& leaves) {
      std::lock_guard lock(mu);
      ++pages_served;
      if (drop_in_page == pages_served && leaves.size() > 1) leaves.erase(leaves.begin() + 1);
      // Each page repeated many times over: more events than the head counts.
      if (inflate_pages) {
        const std::vector<std::string> page(leaves);
        for (int i = 0; i < 20; ++i) leaves.insert(leaves.end(), page.begin(), page.end());
      }
    };
    o.faults.history_next = [this](uint64_t& next) {
      std::lock_guard lock(mu);
      if (end_after_page == pages_served) next = 0;
      if (skip_a_page && next != 0) skipped_to = next = NextAfter(next);
    };
    f.StartServer(o);
    http_port = static_cast<uint16_t>(std::stoi(f.server->http_endpoint().substr(10)));
    auto writer = f.Connect("pho-33");
    ASSERT_TRUE(writer);
    // One event per request, interleaved with another household, so the
    // household's seqs are not consecutive.
    for (size_t i = 0; i <= kVisits; ++i) {
      ASSERT_TRUE(writer->Append({f.world.Visit(kHouse)})[0].ok());
      ASSERT_TRUE(writer->Append({f.world.Visit(2)})[0].ok());
    }
    auto seqs = f.ledger->HouseholdSeqs(World::HouseCode(kHouse));
    ASSERT_TRUE(seqs.ok());
    all_seqs = *seqs;
    ASSERT_EQ(all_seqs.size(), kVisits + 1);
  }

  // The household seq after `seq` (for a server that skips a page).
  uint64_t NextAfter(uint64_t seq) const {
    for (size_t i = 0; i + 3 < all_seqs.size(); ++i) {
      if (all_seqs[i] == seq) return all_seqs[i + 3];
    }
    return seq;
  }

  std::vector<std::string> Cli(std::vector<std::string> args) {
    std::vector<std::string> all = {kLedger,      "--server",         f.server->endpoint(), "--cert",
                                    f.Cert("inspector"), "--cert-key", f.Key("inspector"),  "--ca",
                                    f.Cert("ca"), "--vkey",           f.vkey,               "--state",
                                    f.dir.Sub("cli-state.json")};
    all.insert(all.end(), args.begin(), args.end());
    return all;
  }

  NetFixture f;
  uint16_t http_port = 0;
  std::vector<uint64_t> all_seqs;
  std::mutex mu;
  size_t pages_served = 0;
  size_t drop_in_page = 0;     // 1-based; 0: none
  bool inflate_pages = false;
  size_t end_after_page = 0;   // 1-based; 0: never
  bool skip_a_page = false;
  uint64_t skipped_to = 0;
};

TEST_F(HistoryPagesTest, TheClientFollowsEveryPageAndVerifiesTheWhole) {
  auto c = f.Connect("inspector");
  ASSERT_TRUE(c);
  auto h = c->History(World::HouseCode(kHouse));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->seqs, all_seqs);
  EXPECT_EQ(pages_served, 4u);   // 12 events, 3 per page
  EXPECT_EQ(h->last_proof.seq, all_seqs.back());

  pages_served = 0;
  auto s = c->HouseholdStatus(World::HouseCode(kHouse));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->history.seqs, all_seqs);
  EXPECT_EQ(pages_served, 4u);
  EXPECT_NE(s->json.find(World::HouseCode(kHouse)), std::string::npos);
}

TEST_F(HistoryPagesTest, AServerThatLeavesEventsOutIsCaught) {
  auto c = f.Connect("inspector");
  ASSERT_TRUE(c);
  {
    std::lock_guard lock(mu);
    end_after_page = 2;   // "that was all" after 6 of 12 events
  }
  auto cut = c->History(World::HouseCode(kHouse));
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().reason(), reason::kIncompleteHistory) << cut.status().ToString();
  {
    std::lock_guard lock(mu);
    end_after_page = 0;
    pages_served = 0;
    drop_in_page = 3;   // one event missing from the middle of page 3
  }
  auto dropped = c->History(World::HouseCode(kHouse));
  ASSERT_FALSE(dropped.ok());
  EXPECT_EQ(dropped.status().reason(), reason::kIncompleteHistory) << dropped.status().ToString();
  {
    std::lock_guard lock(mu);
    drop_in_page = 0;
    pages_served = 0;
    skip_a_page = true;   // every "next" jumps one page ahead
  }
  auto skipped = c->History(World::HouseCode(kHouse));
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.status().reason(), reason::kIncompleteHistory) << skipped.status().ToString();
  EXPECT_NE(skipped_to, 0u);
  {
    std::lock_guard lock(mu);
    skip_a_page = false;
  }
  // And the honest server is believed again.
  EXPECT_TRUE(c->History(World::HouseCode(kHouse)).ok());
}

// A lying server could send pages without end; the client keeps no more
// events than the committed head counts (and at most 1 GiB of leaves).
TEST_F(HistoryPagesTest, PagesBeyondTheCommittedCountAreRefusedAsTheyArrive) {
  auto c = f.Connect("inspector");
  ASSERT_TRUE(c);
  {
    std::lock_guard lock(mu);
    inflate_pages = true;
  }
  auto inflated = c->History(World::HouseCode(kHouse));
  ASSERT_FALSE(inflated.ok());
  EXPECT_EQ(inflated.status().reason(), reason::kIncompleteHistory) << inflated.status().ToString();
  EXPECT_NE(inflated.status().message().find("more than its committed head counts"), std::string::npos)
      << inflated.status().message();
  EXPECT_EQ(pages_served, 1u) << "refused at the first page that passed the count";
  {
    std::lock_guard lock(mu);
    inflate_pages = false;
  }
  EXPECT_TRUE(c->History(World::HouseCode(kHouse)).ok());
}

TEST_F(HistoryPagesTest, LedgerHistoryAndHouseholdReadEveryPage) {
  auto r = testing::RunCommand(Cli({"history", World::HouseCode(kHouse), "--json"}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json events = json::parse(r.out);
  ASSERT_EQ(events.size(), all_seqs.size()) << r.out;
  for (size_t i = 0; i < all_seqs.size(); ++i) EXPECT_EQ(events[i]["seq"], all_seqs[i]);
  EXPECT_EQ(pages_served, 4u);

  auto hh = testing::RunCommand(Cli({"household", World::HouseCode(kHouse), "--json"}));
  ASSERT_EQ(hh.exit_code, 0) << hh.err;
  json status = json::parse(hh.out);
  EXPECT_EQ(status["events"].size(), all_seqs.size()) << hh.out;
  EXPECT_TRUE(status["server_status_agrees"].get<bool>()) << hh.out;
}

TEST_F(HistoryPagesTest, TheHttpRoutePagesWithNextFrom) {
  std::vector<uint64_t> seen;
  std::string target = "/v1/households/" + World::HouseCode(kHouse) + "/history";
  size_t pages = 0;
  while (!target.empty()) {
    ASSERT_LT(++pages, 10u);
    testing::HttpResult r = testing::HttpsGet(http_port, target, f.Cert("ca"), f.Cert("inspector"), f.Key("inspector"));
    ASSERT_EQ(r.status, 200) << target << ": " << r.error << r.body;
    json page = json::parse(r.body);
    ASSERT_TRUE(page.is_array());
    EXPECT_LE(page.size(), 3u);
    for (auto& e : page) seen.push_back(e["seq"].get<uint64_t>());
    std::string next = r.Header("X-Next-From");
    if (next.empty()) {
      EXPECT_EQ(r.Header("Link"), "");
      target.clear();
    } else {
      EXPECT_NE(r.Header("Link").find("from=" + next), std::string::npos) << r.headers;
      target = "/v1/households/" + World::HouseCode(kHouse) + "/history?from=" + next;
    }
  }
  EXPECT_EQ(seen, all_seqs);
  EXPECT_EQ(pages, 4u);
  // A smaller limit, from the middle.
  testing::HttpResult two = testing::HttpsGet(
      http_port, "/v1/households/" + World::HouseCode(kHouse) + "/history?from=" + std::to_string(all_seqs[5]) + "&limit=2",
      f.Cert("ca"), f.Cert("inspector"), f.Key("inspector"));
  ASSERT_EQ(two.status, 200) << two.body;
  json p = json::parse(two.body);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0]["seq"], all_seqs[5]);
  EXPECT_EQ(two.Header("X-Next-From"), std::to_string(all_seqs[7]));
  EXPECT_NE(two.Header("Link").find("limit=2"), std::string::npos);
  // A bad number is a 400 with its reason.
  testing::HttpResult bad = testing::HttpsGet(
      http_port, "/v1/households/" + World::HouseCode(kHouse) + "/history?limit=x", f.Cert("ca"),
      f.Cert("inspector"), f.Key("inspector"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(json::parse(bad.body)["error"]["reason"], "BAD_NUMBER");
}

// Pages are bounded in bytes too: with a 3 KiB page and ~1.1 KiB events, two
// events a page, however many a request asks for.
TEST(HistoryPageBytesTest, APageHoldsAtMostItsBytesButAlwaysOneEvent) {
  NetFixture f;
  net::ServerOptions o = f.DefaultServerOptions();
  o.history_page_bytes = 3000;
  o.http_enabled = true;
  f.StartServer(o);
  auto writer = f.Connect("pho-33");
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->Append({f.world.Target(7)})[0].ok());
  for (int i = 0; i < 6; ++i) {
    auto r = writer->Append({f.world.factory.Make(f.world.Officer(), World::HouseCode(7), testing::kDay,
                                                  [](schema::Payload::Builder p) {
                                                    p.initHouseholdVisited().setPurpose(std::string(1000, 'v'));
                                                  })});
    ASSERT_TRUE(r[0].ok()) << r[0].status().ToString();
  }
  const uint16_t port = static_cast<uint16_t>(std::stoi(f.server->http_endpoint().substr(10)));
  testing::HttpResult r = testing::HttpsGet(port, "/v1/households/" + World::HouseCode(7) + "/history?limit=100",
                                            f.Cert("ca"), f.Cert("inspector"), f.Key("inspector"));
  ASSERT_EQ(r.status, 200) << r.body;
  json page = json::parse(r.body);
  EXPECT_GE(page.size(), 1u);
  EXPECT_LE(page.size(), 2u);   // the targeting (~0.5 KiB) and one visit, or two visits
  EXPECT_NE(r.Header("X-Next-From"), "");
  // The client still reads it all.
  auto c = f.Connect("inspector");
  ASSERT_TRUE(c);
  auto h = c->History(World::HouseCode(7));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->seqs.size(), 7u);
}

}  // namespace
}  // namespace ledger
