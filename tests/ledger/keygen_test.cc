// End to end: the built `ledger-keygen` writes loadable PEM keys with the
// right modes, prints a verifier key that NoteVerifier::Parse accepts, and
// refuses to overwrite without --force.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/note.h"
#include "support/run_command.h"
#include "support/test_ledger.h"

namespace ledger {
namespace {

using testing::CommandResult;
using testing::Lines;
using testing::RunCommand;
using testing::TempDir;

const std::string kKeygen = LEDGER_BINARY_DIR "/tools/ledger-keygen";
const std::string kName = "ledger.test/sisaket";

int Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

// The value of "<label>: <value>" in the plain output.
std::string Field(const std::string& out, const std::string& label) {
  for (const auto& line : Lines(out)) {
    if (line.starts_with(label + ": ")) return line.substr(label.size() + 2);
  }
  ADD_FAILURE() << label << " not in: " << out;
  return "";
}

TEST(KeygenTest, WritesLoadableKeysAndAParsableVerifierKey) {
  TempDir dir;
  std::string priv = dir.Sub("server.pem"), pub = dir.Sub("server.pub.pem");
  CommandResult r = RunCommand({kKeygen, "--out", priv, "--name", kName});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Mode(priv), 0600);
  EXPECT_EQ(Mode(pub), 0644);

  auto key = PrivateKey::LoadPemFile(priv);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  auto pub_key = LoadPublicKeyFile(pub);
  ASSERT_TRUE(pub_key.ok()) << pub_key.status().ToString();
  EXPECT_EQ(*pub_key, key->PublicKeyBytes());
  EXPECT_EQ(Field(r.out, "public_key"), ToBase64(key->PublicKeyBytes()));
  EXPECT_EQ(Field(r.out, "private_key_file"), priv);
  EXPECT_EQ(Field(r.out, "public_key_file"), pub);

  auto v = NoteVerifier::Parse(Field(r.out, "vkey"));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->name(), kName);
  EXPECT_EQ(v->public_key(), key->PublicKeyBytes());
  // The key signs notes that the printed verifier key accepts.
  auto note = NoteSigner(kName, *key).Sign("ledger.test/sisaket\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n");
  ASSERT_TRUE(note.ok());
  EXPECT_TRUE(OpenNote(*note, {*v}).ok());

  // --print-vkey gives the same verifier key, from the private or the public PEM.
  for (const std::string& file : {priv, pub}) {
    CommandResult p = RunCommand({kKeygen, "--print-vkey", "--key", file, "--name", kName});
    ASSERT_EQ(p.exit_code, 0) << p.err;
    EXPECT_EQ(p.out, Field(r.out, "vkey") + "\n");
  }
}

TEST(KeygenTest, RefusesToOverwriteWithoutForce) {
  TempDir dir;
  std::string priv = dir.Sub("k.pem");
  ASSERT_EQ(RunCommand({kKeygen, "--out", priv}).exit_code, 0);
  std::string first = *LoadPublicKeyFile(priv);

  CommandResult again = RunCommand({kKeygen, "--out", priv});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;
  EXPECT_EQ(*LoadPublicKeyFile(priv), first);

  // Only the public file exists: still refused, nothing written.
  std::filesystem::remove(priv);
  EXPECT_EQ(RunCommand({kKeygen, "--out", priv}).exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(priv));

  // --force replaces both, and a loosened mode is restored to 0600.
  ASSERT_EQ(RunCommand({kKeygen, "--out", priv, "--force"}).exit_code, 0);
  ::chmod(priv.c_str(), 0644);
  CommandResult forced = RunCommand({kKeygen, "--out", priv, "--force", "--json"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(Mode(priv), 0600);
  auto j = nlohmann::json::parse(forced.out);
  std::string pk = *LoadPublicKeyFile(priv);
  EXPECT_NE(pk, first);
  EXPECT_EQ(j["public_key"], ToBase64(pk));
  EXPECT_EQ(*LoadPublicKeyFile(dir.Sub("k.pub.pem")), pk);
  EXPECT_FALSE(j.contains("vkey"));
  // No temporary files are left behind.
  int files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 2);
}

TEST(KeygenTest, UsageErrors) {
  TempDir dir;
  EXPECT_EQ(RunCommand({kKeygen}).exit_code, 2);
  EXPECT_EQ(RunCommand({kKeygen, "--help"}).exit_code, 0);
  EXPECT_EQ(RunCommand({kKeygen, "--out", dir.Sub("a.pem"), "--name", "has space"}).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("a.pem")));
  EXPECT_EQ(RunCommand({kKeygen, "--out", dir.Sub("b.pem"), "--name", "a+b"}).exit_code, 2);
  EXPECT_EQ(RunCommand({kKeygen, "--print-vkey", "--name", kName}).exit_code, 2);  // no --key
  ASSERT_EQ(RunCommand({kKeygen, "--out", dir.Sub("c.pem")}).exit_code, 0);
  EXPECT_EQ(RunCommand({kKeygen, "--print-vkey", "--key", dir.Sub("c.pem")}).exit_code, 2);  // no --name
  CommandResult missing = RunCommand({kKeygen, "--print-vkey", "--key", dir.Sub("none.pem"), "--name", kName});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(Lines(missing.err).size(), 1u) << missing.err;
  EXPECT_EQ(RunCommand({kKeygen, "--out", dir.Sub("no-such-dir/k.pem")}).exit_code, 1);
}

}  // namespace
}  // namespace ledger
