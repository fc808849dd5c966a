#include "seed/keys.h"
#include "common/key_files.h"
#include "ledger/reasons.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>

namespace ledger::seed {
namespace {

namespace fs = std::filesystem;

std::string Derive(const std::string& role, const std::string& name, uint64_t seed) {
  Hash h = Sha256(fmt::format("ledger-seed/v1/{}/{}/{}", role, name, seed));
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

}  // namespace

std::string SeedKeys::Path(const std::string& role, const std::string& name) const {
  return role.empty() ? fmt::format("{}/{}.pem", dir_, name) : fmt::format("{}/{}/{}.pem", dir_, role, name);
}

StatusOr<std::unique_ptr<PrivateKey>> SeedKeys::LoadOrMake(const std::string& role, const std::string& name,
                                                           const std::string& path) {
  if (fs::exists(path)) {
    ASSIGN_OR_RETURN(PrivateKey k, PrivateKey::LoadPemFile(path));
    return std::make_unique<PrivateKey>(std::move(k));
  }
  StatusOr<PrivateKey> made = options_.deterministic
                                  ? PrivateKey::FromSeed(Derive(role.empty() ? name : role, name, options_.seed))
                                  : PrivateKey::Generate();
  if (!made.ok()) return made.status();
  auto key = std::make_unique<PrivateKey>(std::move(*made));
  unsaved_[path] = key.get();
  return key;
}

StatusOr<SeedKeys> SeedKeys::Open(const std::string& keys_dir, const SeedKeysOptions& options) {
  SeedKeys k(keys_dir, options);
  ASSIGN_OR_RETURN(k.root_, k.LoadOrMake("", "root", k.Path("", "root")));
  ASSIGN_OR_RETURN(k.server_, k.LoadOrMake("", "server", k.Path("", "server")));
  const std::string legacy = keys_dir + "/citizen-id-secret.hex";
  const std::string& path = !options.secret_path.empty() ? options.secret_path : legacy;
  if (fs::exists(path)) {
    ASSIGN_OR_RETURN(k.citizen_secret_, tools::ReadSecretFile(path));
    k.secret_path_ = path;
    return k;
  }
  if (options.deterministic) {
    k.citizen_secret_ = Derive("citizen-id-secret", "operator", options.seed);
  } else {
    ASSIGN_OR_RETURN(k.citizen_secret_, RandomBytes(32));
  }
  if (!options.secret_path.empty()) {
    k.citizen_secret_new_ = true;
    k.secret_path_ = options.secret_path;
  }
  return k;
}

StatusOr<const PrivateKey*> SeedKeys::Get(const std::string& role, const std::string& name) {
  const std::string id = role + "/" + name;
  auto it = keys_.find(id);
  if (it != keys_.end()) return it->second.get();
  if (name.empty() || name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
    return InvalidArgumentError(fmt::format("{} key name '{}' is not a file name", role, name), reason::kBadName);
  }
  ASSIGN_OR_RETURN(auto key, LoadOrMake(role, name, Path(role, name)));
  const PrivateKey* raw = key.get();
  keys_.emplace(id, std::move(key));
  return raw;
}

Status SeedKeys::SaveNew() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  ::chmod(dir_.c_str(), 0700);
  for (const auto& [path, key] : unsaved_) RETURN_IF_ERROR(tools::WriteKeyFile(path, *key));
  unsaved_.clear();
  if (citizen_secret_new_) {
    RETURN_IF_ERROR(tools::WriteSecretFile(secret_path_, ToHex(citizen_secret_) + "\n"));
    citizen_secret_new_ = false;
  }
  return OkStatus();
}

}  // namespace ledger::seed
