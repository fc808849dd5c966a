// Key and secret files of the tools (ledger-admin, ledger-seed): written
// atomically and durably with mode 0600 (ledger/durable_file.h), their
// directory created 0700 when missing.
//
//   RETURN_IF_ERROR(WriteKeyFile(dir + "/keys/root.pem", key, {.exclusive = true}));
//   RETURN_IF_ERROR(WriteSecretFile(path, ToHex(secret) + "\n"));
//   ASSIGN_OR_RETURN(std::string secret, ReadSecretFile(path));   // 32 bytes
#pragma once

#include <string>

#include "ledger/crypto.h"
#include "ledger/status.h"

namespace ledger::tools {

struct KeyFileOptions {
  bool exclusive = false;   // FILE_EXISTS instead of replacing a file already there
};

// Writes `text` as `path` (0600), creating missing parent directories 0700.
Status WriteSecretFile(const std::string& path, const std::string& text, const KeyFileOptions& options = {});
// The key's PKCS#8 PEM, as WriteSecretFile.
Status WriteKeyFile(const std::string& path, const PrivateKey& key, const KeyFileOptions& options = {});

// A citizen-ID HMAC secret file: 32 bytes as 64 hex digits (BAD_SECRET
// otherwise, NO_FILE when missing).
StatusOr<std::string> ReadSecretFile(const std::string& path);

}  // namespace ledger::tools
