#include "seed/keys.h"
#include "ledger/durable_file.h"
#include "ledger/reasons.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace ledger::seed {
namespace {

namespace fs = std::filesystem;

std::string Derive(const std::string& role, const std::string& name, uint64_t seed) {
  Hash h = Sha256(fmt::format("ledger-seed/v1/{}/{}/{}", role, name, seed));
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

Status WriteSecretFile(const std::string& path, const std::string& text) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  return WriteFileDurably(path, text, {.mode = 0600});
}

}  // namespace

std::string SeedKeys::Path(const std::string& role, const std::string& name) const {
  return role.empty() ? fmt::format("{}/{}.pem", dir_, name) : fmt::format("{}/{}/{}.pem", dir_, role, name);
}

StatusOr<std::unique_ptr<PrivateKey>> SeedKeys::LoadOrDerive(const std::string& role, const std::string& name,
                                                             const std::string& path) {
  if (fs::exists(path)) {
    ASSIGN_OR_RETURN(PrivateKey k, PrivateKey::LoadPemFile(path));
    return std::make_unique<PrivateKey>(std::move(k));
  }
  ASSIGN_OR_RETURN(PrivateKey k, PrivateKey::FromSeed(Derive(role.empty() ? name : role, name, seed_)));
  auto key = std::make_unique<PrivateKey>(std::move(k));
  unsaved_[path] = key.get();
  return key;
}

StatusOr<SeedKeys> SeedKeys::Open(const std::string& keys_dir, uint64_t seed) {
  SeedKeys k(keys_dir, seed);
  ASSIGN_OR_RETURN(k.root_, k.LoadOrDerive("", "root", k.Path("", "root")));
  ASSIGN_OR_RETURN(k.server_, k.LoadOrDerive("", "server", k.Path("", "server")));
  const std::string secret_path = keys_dir + "/citizen-id-secret.hex";
  if (fs::exists(secret_path)) {
    std::ifstream in(secret_path);
    std::string hex;
    in >> hex;
    ASSIGN_OR_RETURN(k.citizen_secret_, FromHex(hex));
    if (k.citizen_secret_.size() != 32) {
      return InvalidArgumentError(secret_path + ": must hold 32 bytes as 64 hex digits", reason::kBadSecret);
    }
  } else {
    k.citizen_secret_ = Derive("citizen-id-secret", "operator", seed);
    k.citizen_secret_new_ = true;
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
  ASSIGN_OR_RETURN(auto key, LoadOrDerive(role, name, Path(role, name)));
  const PrivateKey* raw = key.get();
  keys_.emplace(id, std::move(key));
  return raw;
}

Status SeedKeys::SaveNew() {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  ::chmod(dir_.c_str(), 0700);
  for (const auto& [path, key] : unsaved_) RETURN_IF_ERROR(WriteSecretFile(path, key->ToPem()));
  unsaved_.clear();
  if (citizen_secret_new_) {
    RETURN_IF_ERROR(WriteSecretFile(dir_ + "/citizen-id-secret.hex", ToHex(citizen_secret_) + "\n"));
    citizen_secret_new_ = false;
  }
  return OkStatus();
}

}  // namespace ledger::seed
