// Errors that speak plainly and output for people (issue 10, "Errors that
// mislead", "Output for people"): the client
// names the port it was pointed at when that port speaks HTTP or TLS to a
// plain client, names --cert-key (its real flag), suggests the command a
// typo meant, writes JSON errors with --json, and exits 2 for every usage
// error; every program answers --version.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "net_fixture.h"
#include "support/run_command.h"

namespace ledger {
namespace {

using testing::CommandResult;
using testing::NetFixture;
using testing::RunCommand;

const std::string kLedger = LEDGER_BINARY_DIR "/client/ledger";

class CliErrorsTest : public ::testing::Test {
 protected:
  CommandResult Ledger(std::vector<std::string> args) {
    args.insert(args.begin(), kLedger);
    return RunCommand(args, std::chrono::seconds(30));
  }
  std::vector<std::string> Tls(const std::string& server, const std::string& key) {
    return {"--server", server, "--cert", f.Cert("inspector"), "--cert-key", key, "--ca", f.Cert("ca"),
            "--vkey", f.vkey, "--state", f.dir.Sub("state.json"), "--timeout-ms", "3000"};
  }
  NetFixture f;
};

TEST_F(CliErrorsTest, TheHttpPortIsNamedNotMisreadAsAFrame) {
  net::ServerOptions o = f.DefaultServerOptions();
  o.http_enabled = true;
  f.StartServer(o);
  std::vector<std::string> args = Tls(f.server->http_endpoint(), f.Key("inspector"));
  args.push_back("checkpoint");
  CommandResult r = Ledger(args);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("WRONG_PORT"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("HTTP port"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("segments"), std::string::npos) << r.err;
}

TEST_F(CliErrorsTest, APlainClientAtATlsPortIsToldTheServerSpeaksTls) {
  f.StartServer();
  CommandResult r = Ledger({"--server", f.server->endpoint(), "--dev-insecure", "--vkey", f.vkey, "--state",
                            f.dir.Sub("state.json"), "--timeout-ms", "3000", "checkpoint"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("TLS"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--dev-insecure"), std::string::npos) << r.err;
}

TEST_F(CliErrorsTest, AKeyThatIsNotTheCertificatesNamesCertKey) {
  f.StartServer();
  std::vector<std::string> args = Tls(f.server->endpoint(), f.Key("pho-33"));   // another certificate's key
  args.push_back("checkpoint");
  CommandResult r = Ledger(args);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--cert-key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("is not the private key of --cert"), std::string::npos) << r.err;
}

TEST_F(CliErrorsTest, ATypoGetsDidYouMeanAndExitTwo) {
  CommandResult r = Ledger({"--server", "127.0.0.1:1", "reports"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("unknown command 'reports'; did you mean 'report'?"), std::string::npos) << r.err;
}

TEST_F(CliErrorsTest, UsageErrorsExitTwoAndAreJsonWithJson) {
  CommandResult no_port = Ledger({"--server", "localhost", "--dev-insecure", "--json", "checkpoint"});
  EXPECT_EQ(no_port.exit_code, 2) << no_port.err;
  auto j = nlohmann::json::parse(no_port.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << no_port.out;
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["code"], "INVALID_ARGUMENT");
  EXPECT_EQ(j["reason"], "BAD_ADDRESS");
  EXPECT_NE(j["message"].get<std::string>().find("localhost"), std::string::npos);

  CommandResult bad_by = Ledger({"--server", "127.0.0.1:1", "--dev-insecure", "report", "--by", "city"});
  EXPECT_EQ(bad_by.exit_code, 2) << bad_by.err;
  EXPECT_NE(bad_by.err.find("--by"), std::string::npos) << bad_by.err;

  CommandResult typo_json = Ledger({"--json", "reports"});
  EXPECT_EQ(typo_json.exit_code, 2);
  auto t = nlohmann::json::parse(typo_json.out, nullptr, false);
  ASSERT_TRUE(t.is_object()) << typo_json.out;
  EXPECT_EQ(t["reason"], "USAGE");
}

// "Output for people": `ledger household` prints a status summary and a
// timeline, not raw JSON; --calendar be and --lang th change dates and
// names; --json keeps the objects.
TEST_F(CliErrorsTest, HouseholdPrintsATimelineForPeople) {
  testing::AppendOk(*f.ledger, {f.world.Target(5), f.world.Visit(5)});
  f.StartServer();
  const std::string house = testing::World::HouseCode(5);
  std::vector<std::string> args = Tls(f.server->endpoint(), f.Key("inspector"));
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> all = args;
    all.insert(all.end(), extra.begin(), extra.end());
    return Ledger(all);
  };
  CommandResult text = run({"household", house});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("status (folded by this client"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("HouseholdTargeted"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("2022-03-15"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("purpose follow-up"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("{\""), std::string::npos) << "raw JSON in the text output: " << text.out;

  CommandResult thai = run({"--calendar", "be", "--lang", "th", "household", house});
  ASSERT_EQ(thai.exit_code, 0) << thai.err;
  EXPECT_NE(thai.out.find("2565-03-15"), std::string::npos) << thai.out;
  EXPECT_EQ(thai.out.find("HouseholdTargeted"), std::string::npos) << thai.out;

  CommandResult json = run({"--json", "household", house});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto j = nlohmann::json::parse(json.out, nullptr, false);
  ASSERT_TRUE(j.is_object()) << json.out;
  EXPECT_EQ(j["events"].size(), 2u);
}

TEST(VersionTest, EveryProgramPrintsItsVersionCommitAndStoreFormat) {
  for (const char* program : {"/client/ledger", "/server/ledgerd", "/tools/ledger-admin", "/tools/ledger-verify",
                              "/tools/ledger-keygen", "/tools/ledger-replay", "/tools/ledger-seed",
                              "/tools/ledger-demo"}) {
    CommandResult r = RunCommand({std::string(LEDGER_BINARY_DIR) + program, "--version"}, std::chrono::seconds(10));
    const std::string name = std::string(program).substr(std::string(program).rfind('/') + 1);
    EXPECT_EQ(r.exit_code, 0) << program << ": " << r.err;
    EXPECT_EQ(r.out.rfind(name + " ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find("(commit "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("store format "), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace ledger
