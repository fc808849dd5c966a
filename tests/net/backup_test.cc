// ledger-admin backup beside a live ledgerd (issue 9 item 8): ten backups
// taken while a client appends without pause all open, verify with
// ledger-verify, hold every event acknowledged before they began, carry
// their own latest checkpoint beside them, and one restores and verifies.
// Bounded: ten backups, a 60 s limit on each command, the load stops with
// the backups (or after 180 s).
#include <gtest/gtest.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "ledger/event_json.h"
#include "ledger/ledger.h"
#include "ledger/net/client.h"
#include "support/admin_command.h"
#include "support/ledgerd_process.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using json = nlohmann::json;
using testing::Admin;
using testing::CommandResult;
using Ledgerd = testing::LedgerdProcess;
using testing::RunCommand;
using testing::TempDir;

const std::string kVerify = testing::kVerifyBinary;
constexpr auto kCommandLimit = std::chrono::seconds(60);

TEST(BackupTest, TenBackupsUnderAppendLoadAllOpenAndVerify) {
  TempDir dir;
  const std::string store = dir.Sub("ledger"), keys = store + "/keys";
  ASSERT_EQ(Admin({"init", "--data", store, "--origin", "test.example/backup"}).exit_code, 0);
  ASSERT_EQ(Admin({"agency", "add", "--data", store, "--code", "PHO-33", "--name-th", "สสจ.", "--name-en", "PHO",
                   "--dimension", "health", "--province", "33"})
                .exit_code,
            0);
  ASSERT_EQ(Admin({"officer", "add", "--data", store, "--agency", "PHO-33", "--id", "PHO-3301-01", "--area", "3301"})
                .exit_code,
            0);
  auto officer = PrivateKey::LoadPemFile(keys + "/officers/PHO-3301-01.pem");
  ASSERT_TRUE(officer.ok());

  Ledgerd d;
  d.Start({"--data", store, "--listen", "127.0.0.1:0", "--dev-insecure"}, dir.Sub("ledgerd.log"));
  if (HasFatalFailure()) return;
  net::ClientOptions o;
  o.server = d.endpoint();
  o.dev_insecure = true;
  o.dev_role = "agency";
  o.dev_name = "PHO-33";
  o.trust_on_first_use = true;
  auto client = net::Client::Connect(o);
  ASSERT_TRUE(client.ok()) << client.status().ToString();

  // The load: batches of 20 new households, one after the other.
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> acknowledged{0};   // highest seq + 1 acknowledged
  std::atomic<uint64_t> failures{0};
  std::thread load([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(180);
    uint64_t house = 0;
    while (!stop && std::chrono::steady_clock::now() < deadline) {
      std::vector<std::string> batch;
      for (int i = 0; i < 20; ++i, ++house) {
        const std::string code = fmt::format("3301{:07d}", house);
        json e = {{"kind", "HouseholdTargeted"}, {"household", code},        {"agency", "PHO-33"},
                  {"officer", "PHO-3301-01"},    {"occurred_at", "2024-01-15"}, {"house_code", code},
                  {"province", "33"},            {"district", "3301"},      {"subdistrict", "330101"},
                  {"survey_year", 2567},         {"source", "tpmap"},       {"failing_indicators", {4}},
                  {"members", 3}};
        auto body = BodyFromJson(e);
        auto signed_body = body.ok() ? SignBodyBytes(*body, *officer) : body;
        if (!signed_body.ok()) {
          ++failures;
          return;
        }
        batch.push_back(*signed_body);
      }
      for (const AppendOutcome& r : (*client)->Append(batch)) {
        if (!r.ok()) {
          ++failures;
          continue;
        }
        uint64_t seen = acknowledged.load();
        while (r->seq + 1 > seen && !acknowledged.compare_exchange_weak(seen, r->seq + 1)) {
        }
      }
    }
  });
  // Some load before the first backup.
  for (int i = 0; i < 200 && acknowledged < 200; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));

  uint64_t previous = 0;
  std::vector<std::string> backups;
  for (int i = 0; i < 10; ++i) {
    const uint64_t before = acknowledged.load();
    const std::string dest = dir.Sub(fmt::format("backup-{}", i));
    CommandResult r = Admin({"backup", "--data", store, dest, "--skip-projections", "--json"});
    ASSERT_EQ(r.exit_code, 0) << "backup " << i << ": " << r.err << r.out;
    json j = json::parse(r.out);
    // Everything acknowledged before the backup began is in it, and it
    // ends at its recorded checkpoint (no half group).
    EXPECT_GE(j["events"].get<uint64_t>(), before) << "backup " << i;
    EXPECT_EQ(j["checkpoint_size"], j["events"]) << "backup " << i;
    EXPECT_GE(j["events"].get<uint64_t>(), previous);
    previous = j["events"];
    EXPECT_EQ(testing::ReadWholeFile(dest + "/checkpoint"), j["checkpoint"].get<std::string>());
    backups.push_back(dest);
  }
  const uint64_t grew_to = acknowledged.load();
  stop = true;
  load.join();
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_GT(grew_to, previous > 0 ? 0 : 1) << "the load made progress";

  // Every backup opens and verifies on its own (projections included).
  for (const std::string& b : backups) {
    CommandResult v = RunCommand({kVerify, "--json", b + "/store"}, kCommandLimit);
    EXPECT_EQ(v.exit_code, 0) << b << ": " << v.out << v.err;
  }
  // The last one restores and verifies.
  ASSERT_EQ(Admin({"restore", backups.back(), "--data", dir.Sub("restored")}).exit_code, 0);
  EXPECT_EQ(RunCommand({kVerify, dir.Sub("restored")}, kCommandLimit).exit_code, 0);
  d.Signal(SIGTERM);
  EXPECT_EQ(d.Wait(), 0);
}

}  // namespace
}  // namespace ledger
