// ledger-keygen: Ed25519 keys for a test or pilot deployment (DESIGN.md §8).
//
//   ledger-keygen --out server.pem --name ledger.cdd.go.th/sisaket
//       writes server.pem (PKCS#8 private key, mode 0600) and server.pub.pem
//       (SPKI public key, 0644); prints the raw public key in base64 and the
//       note verifier key "<name>+<hex key hash>+<base64(0x01 || key)>".
//   ledger-keygen --print-vkey --key server.pem --name ledger.cdd.go.th/sisaket
//       prints the verifier key of an existing (private or public) key.
//
// The Ed25519 commands are flags of the main command; other kinds of key
// material (TLS certificates) are added as subcommands of this same app
// (`app.add_subcommand(...)`), which CLI11 allows beside the flags.
//
// Files are written by WriteFileDurably (ledger/durable_file.h), exclusive
// unless --force, so a key file is never seen half-written, an existing
// file is never overwritten without --force, and the private key is never
// readable by others, even briefly.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/durable_file.h"
#include "ledger/note.h"
#include "ledger/reasons.h"
#include "ledger/status.h"
#include "ledger/version.h"
#include "keygen_certs.h"

namespace ledger {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const std::string& message, int code = kExitFailure) {
  fmt::print(stderr, "ledger-keygen: {}\n", message);
  return code;
}

// "server.pem" -> "server.pub.pem"; "server" -> "server.pub.pem".
std::string PublicPath(const std::string& out) {
  constexpr std::string_view kPem = ".pem";
  if (out.size() > kPem.size() && out.ends_with(kPem)) return out.substr(0, out.size() - kPem.size()) + ".pub.pem";
  return out + ".pub.pem";
}

// The verifier key for `name`, or InvalidArgument when `name` is not a valid
// note key name (non-empty, no '+', no whitespace).
StatusOr<std::string> VerifierKey(const std::string& name, const std::string& public_key) {
  std::string vkey = FormatNoteVerifierKey(name, public_key);
  auto parsed = NoteVerifier::Parse(vkey);
  if (!parsed.ok()) {
    return InvalidArgumentError(fmt::format("--name '{}' is not a valid key name: {}", name, parsed.status().message()));
  }
  return vkey;
}

struct Options {
  std::string out;
  std::string name;
  std::string key;
  bool force = false;
  bool print_vkey = false;
  bool json = false;
};

int Generate(const Options& o) {
  auto key = PrivateKey::Generate();
  if (!key.ok()) return Fail(key.status().message());
  std::string vkey;
  if (!o.name.empty()) {
    auto v = VerifierKey(o.name, key->PublicKeyBytes());
    if (!v.ok()) return Fail(v.status().message(), kExitUsage);
    vkey = *v;
  }
  std::string pub_path = PublicPath(o.out);
  if (!o.force) {
    // Checked up front so that neither file is written when one exists;
    // WriteFileDurably checks again without a race.
    for (const std::string& p : {o.out, pub_path}) {
      std::error_code ec;
      if (std::filesystem::exists(p, ec)) return Fail(fmt::format("{} exists; not overwriting it (use --force)", p));
    }
  }
  Status s = WriteFileDurably(o.out, key->ToPem(), {.mode = 0600, .exclusive = !o.force});
  if (s.ok()) s = WriteFileDurably(pub_path, key->PublicKeyPem(), {.mode = 0644, .exclusive = !o.force});
  if (!s.ok()) return Fail(s.reason() == reason::kFileExists ? s.message() + " (use --force)" : s.message());

  std::string pk64 = ToBase64(key->PublicKeyBytes());
  if (o.json) {
    nlohmann::json j = {{"private_key_file", o.out}, {"public_key_file", pub_path}, {"public_key", pk64}};
    if (!vkey.empty()) j["vkey"] = vkey;
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("private_key_file: {}\npublic_key_file: {}\npublic_key: {}\n", o.out, pub_path, pk64);
    if (!vkey.empty()) fmt::print("vkey: {}\n", vkey);
  }
  return kExitOk;
}

int PrintVkey(const Options& o) {
  auto pk = LoadPublicKeyFile(o.key);
  if (!pk.ok()) return Fail(fmt::format("{}: {}", o.key, pk.status().message()));
  auto vkey = VerifierKey(o.name, *pk);
  if (!vkey.ok()) return Fail(vkey.status().message(), kExitUsage);
  if (o.json) {
    fmt::print("{}\n", nlohmann::json{{"vkey", *vkey}, {"public_key", ToBase64(*pk)}}.dump());
  } else {
    fmt::print("{}\n", *vkey);
  }
  return kExitOk;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "ledger-keygen: Ed25519 keys for ledger servers, operators, agencies and officers.\n"
      "\n"
      "  ledger-keygen --out PATH.pem [--name NAME] [--force]\n"
      "      new key: PATH.pem (private, PKCS#8 PEM, mode 0600) and PATH.pub.pem\n"
      "      (public, SPKI PEM); prints the public key in base64 and, with --name,\n"
      "      the note verifier key NAME+<key hash>+<base64> of a server key.\n"
      "  ledger-keygen --print-vkey --key PATH.pem --name NAME\n"
      "      prints the verifier key of an existing private or public key PEM.\n"
      "\n"
      "\n"
      "TLS material for ledgerd and its clients (subcommands; see <subcommand> --help):\n"
      "  ca, server-cert, client-cert, dev-pki\n"
      "\n"
      "Exit codes: 0 ok, 1 failure (file exists, unreadable key), 2 usage."};
  app.set_version_flag("--version", ledger::VersionLine("ledger-keygen"));
  app.name("ledger-keygen");
  Options o;
  auto* out = app.add_option("--out", o.out, "Private key file to write; the public key goes beside it")
                  ->type_name("PATH.pem");
  app.add_option("--name", o.name, "Note key name (for a server: the checkpoint key name, e.g. its origin)");
  auto* force = app.add_flag("--force", o.force, "Overwrite existing files");
  auto* print = app.add_flag("--print-vkey", o.print_vkey, "Print the verifier key of --key under --name");
  auto* key = app.add_option("--key", o.key, "Existing key PEM (private or public), for --print-vkey")
                  ->type_name("PATH");
  app.add_flag("--json", o.json, "Print the result as one JSON object");
  print->excludes(out)->excludes(force)->needs(key);
  key->needs(print);
  tls::CertCommands certs(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  if (auto rc = certs.Run()) return *rc;
  if (o.print_vkey) {
    if (o.name.empty()) return Fail("--print-vkey needs --name", kExitUsage);
    return PrintVkey(o);
  }
  if (o.out.empty()) return Fail("--out PATH.pem is required (or --print-vkey; see --help)", kExitUsage);
  return Generate(o);
}

}  // namespace
}  // namespace ledger

int main(int argc, char** argv) {
  try {
    return ledger::Main(argc, argv);
  } catch (const std::exception& e) {
    return ledger::Fail(e.what());
  }
}
