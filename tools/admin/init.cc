// ledger-admin init: a new, empty store with fresh random operator (root)
// and server keys.
//
//   ledger-admin init --data /var/lib/ledger --origin ledger.cdd.go.th/sisaket
//       [--keys DIR] [--key-name NAME] [--citizen-secret /etc/ledger/citizen-id.secret]
//
// The keys come from libsodium's CSPRNG and are written 0600, atomically and
// durably, never over a file already there (FILE_EXISTS). The store is
// created first (with the server key in memory); if a key cannot be
// written, the new, empty store is removed again, so nothing is left that
// no key opens.
#include <fmt/format.h>

#include <filesystem>

#include "admin/admin.h"
#include "common/key_files.h"
#include "ledger/bytes.h"
#include "ledger/reasons.h"

namespace ledger::admin {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct InitFlags {
  StoreFlags store;
  std::string origin;
  std::string key_name;
  std::string citizen_secret;
};

// True when `path` is `dir` or inside it.
bool Inside(const std::string& path, const std::string& dir) {
  std::error_code ec;
  const fs::path p = fs::weakly_canonical(fs::absolute(path, ec), ec);
  const fs::path d = fs::weakly_canonical(fs::absolute(dir, ec), ec);
  auto [end, unused] = std::mismatch(d.begin(), d.end(), p.begin(), p.end());
  return end == d.end();
}

StatusOr<Output> Init(const InitFlags& f) {
  if (!f.citizen_secret.empty() && Inside(f.citizen_secret, f.store.data)) {
    return InvalidArgumentError(fmt::format("--citizen-secret {}: keep the citizen-ID secret away from the store "
                                            "(--data {}), not in it (docs/operations.md)",
                                            f.citizen_secret, f.store.data),
                                reason::kBadSecret);
  }
  if (!f.citizen_secret.empty() && fs::exists(f.citizen_secret)) {
    return AlreadyExistsError("--citizen-secret " + f.citizen_secret + ": already exists", reason::kFileExists);
  }
  for (const std::string& path : {f.store.RootKeyPath(), f.store.ServerKeyPath()}) {
    if (fs::exists(path)) return AlreadyExistsError(path + ": a key is already there", reason::kFileExists);
  }
  ASSIGN_OR_RETURN(PrivateKey root, PrivateKey::Generate());
  ASSIGN_OR_RETURN(PrivateKey server, PrivateKey::Generate());
  CreateOptions create;
  create.origin = f.origin;
  create.key_name = f.key_name;
  create.root_public_key = root.PublicKeyBytes();
  ASSIGN_OR_RETURN(PrivateKey server_copy, PrivateKey::FromSeed(server.Seed()));
  StatusOr<std::unique_ptr<Ledger>> created = Ledger::Create(f.store.data, create, std::move(server_copy));
  if (!created.ok()) {
    const Status& s = created.status();
    return Status(s.code(), "--data " + f.store.data + ": " + s.message(), s.reason());
  }
  const StoreInfo info = (*created)->info();
  created->reset();

  Status saved = tools::WriteKeyFile(f.store.ServerKeyPath(), server, {.exclusive = true});
  if (saved.ok()) saved = tools::WriteKeyFile(f.store.RootKeyPath(), root, {.exclusive = true});
  std::string secret_path;
  if (saved.ok() && !f.citizen_secret.empty()) {
    StatusOr<std::string> secret = RandomBytes(32);
    saved = secret.ok() ? tools::WriteSecretFile(f.citizen_secret, ToHex(*secret) + "\n", {.exclusive = true})
                        : secret.status();
    secret_path = f.citizen_secret;
  }
  if (!saved.ok()) {
    // No event is in the new store yet: without its keys it is of no use.
    std::error_code ec;
    fs::remove(f.store.ServerKeyPath(), ec);
    fs::remove(f.store.RootKeyPath(), ec);
    fs::remove_all(f.store.data, ec);
    return saved;
  }

  Output out;
  out.json = {{"data", f.store.data},
              {"origin", info.origin},
              {"key_name", info.key_name},
              {"vkey", info.VerifierKey()},
              {"root_public_key", ToHex(info.root_public_key)},
              {"root_key", f.store.RootKeyPath()},
              {"server_key", f.store.ServerKeyPath()},
              {"citizen_secret", secret_path.empty() ? json() : json(secret_path)}};
  out.text = fmt::format(
      "store {} created (origin {})\n"
      "operator root key: {} (public {}): registers agencies; keep it offline once they are registered\n"
      "server key:        {} (ledgerd --data {} finds it there)\n"
      "{}"
      "verifier key (publish it to inspectors; clients pin it with --vkey):\n{}\n",
      f.store.data, info.origin, f.store.RootKeyPath(), ToHex(info.root_public_key), f.store.ServerKeyPath(),
      f.store.data,
      secret_path.empty() ? "" : fmt::format("citizen-ID secret: {} (keep it away from the store)\n", secret_path),
      info.VerifierKey());
  return out;
}

}  // namespace

void AddInitCommand(CLI::App& app, Context& ctx) {
  auto f = std::make_shared<InitFlags>();
  CLI::App* cmd = app.add_subcommand("init", "create an empty store with fresh random root and server keys");
  AddStoreFlags(cmd, &f->store, "store directory to create (must not exist or be empty)");
  cmd->add_option("--origin", f->origin, "checkpoint origin, e.g. ledger.cdd.go.th/sisaket")->required();
  cmd->add_option("--key-name", f->key_name, "note key name of the server key (default: the origin)");
  cmd->add_option("--citizen-secret", f->citizen_secret,
                  "also make the citizen-ID HMAC secret (32 random bytes, hex, 0600) in this file, outside --data");
  cmd->callback([&ctx, f] { ctx.run = [f] { return Init(*f); }; });
}

}  // namespace ledger::admin
