#include "common/key_files.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include <filesystem>
#include <fstream>

#include "ledger/bytes.h"
#include "ledger/durable_file.h"
#include "ledger/reasons.h"

namespace ledger::tools {

namespace fs = std::filesystem;

Status WriteSecretFile(const std::string& path, const std::string& text, const KeyFileOptions& options) {
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    std::error_code ec;
    // Each directory made here is 0700; one already there keeps its mode.
    fs::path made;
    for (const auto& part : parent) {
      made /= part;
      if (fs::exists(made, ec)) continue;
      if (::mkdir(made.c_str(), 0700) != 0 && !fs::is_directory(made, ec)) {
        return UnavailableError("creating " + made.string() + ": " + std::strerror(errno), reason::kWriteFailed);
      }
    }
  }
  return WriteFileDurably(path, text, {.mode = 0600, .exclusive = options.exclusive});
}

Status WriteKeyFile(const std::string& path, const PrivateKey& key, const KeyFileOptions& options) {
  return WriteSecretFile(path, key.ToPem(), options);
}

StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return NotFoundError(path + ": cannot be read", reason::kNoFile);
  std::string hex;
  in >> hex;
  auto secret = FromHex(hex);
  if (!secret.ok() || secret->size() != 32) {
    return InvalidArgumentError(path + ": must hold 32 bytes as 64 hex digits", reason::kBadSecret);
  }
  return *secret;
}

}  // namespace ledger::tools
