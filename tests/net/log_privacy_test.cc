// ledgerd's log carries no household code (docs/protocol.md §6): the lines
// that quote a request (an HTTP target answered 5xx, an error while
// answering a query) show a keyed tag ("#" and 8 hex digits) instead. The
// log is captured from the in-process server's spdlog logger.
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "net_fixture.h"
#include "support/http_get.h"

namespace ledger {
namespace {

using testing::NetFixture;
using testing::World;

class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out_);
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", sink));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() {
    spdlog::default_logger()->flush();
    return out_.str();
  }

 private:
  std::ostringstream out_;
  std::shared_ptr<spdlog::logger> previous_;
};

TEST(LogPrivacyTest, NoHouseholdCodeInTheServerLog) {
  CapturedLog log;
  const std::string house = World::HouseCode(1);
  NetFixture f;
  net::ServerOptions o = f.DefaultServerOptions();
  o.http_enabled = true;
  o.max_queued_queries = 1;   // one slow report fills the query pool
  std::mutex mu;
  std::condition_variable cv;
  bool report_started = false, release_report = false;
  o.faults.report_delay = [&] {
    std::unique_lock lock(mu);
    report_started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release_report; });
  };
  // A bug while answering a history: the exception's message quotes the code.
  o.faults.history_leaves = [house](std::vector<std::string>&) {
    throw std::runtime_error("cannot read the leaves of household " + house);
  };
  f.StartServer(o);
  auto writer = f.Connect("pho-33");
  ASSERT_TRUE(writer);
  ASSERT_TRUE(writer->Append({f.world.Visit(1)})[0].ok());
  const uint16_t port = static_cast<uint16_t>(std::stoi(f.server->http_endpoint().substr(10)));

  // 1. An error while answering the ledger protocol's history request.
  auto c = f.Connect("inspector");
  ASSERT_TRUE(c);
  auto h = c->History(house);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().reason(), "INTERNAL_ERROR") << h.status().ToString();

  // 2. An HTTP request answered 503 (the query pool is full): the listener
  // logs its target.
  auto reporter = f.Connect("inspector");
  ASSERT_TRUE(reporter);
  std::thread slow([&] { (void)reporter->Report("province"); });
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return report_started; }));
  }
  testing::HttpResult r =
      testing::HttpsGet(port, "/v1/households/" + house + "/history", f.Cert("ca"), f.Cert("inspector"), f.Key("inspector"));
  EXPECT_EQ(r.status, 503) << r.body;
  {
    std::lock_guard lock(mu);
    release_report = true;
  }
  cv.notify_all();
  slow.join();
  f.StopServer();

  const std::string text = log.text();
  // The lines are there (so the test can see them) ...
  EXPECT_NE(text.find("answering the request"), std::string::npos) << text;
  EXPECT_NE(text.find("/history -> 503"), std::string::npos) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("/v1/households/#[0-9a-f]{8}/history"))) << text;
  EXPECT_TRUE(std::regex_search(text, std::regex("household #[0-9a-f]{8}"))) << text;
  // ... and the code is not.
  EXPECT_EQ(text.find(house), std::string::npos) << text;
}

}  // namespace
}  // namespace ledger
