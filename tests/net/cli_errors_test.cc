// Errors that speak plainly (issue 10, "Errors that mislead"): the client
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
