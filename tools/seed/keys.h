// The keys of a seeded store, under DIR/keys/:
//
//   root.pem                 the operator's root key (registers agencies)
//   server.pem               the checkpoint key (ledgerd --data DIR finds it here)
//   agencies/<code>.pem      one per agency (registers its officers)
//   officers/<id>.pem        one per officer (signs household events)
//
// Keys found on disk are used as they are (a second run appends to a store
// with the keys it already has). Missing ones are fresh random keys, or,
// with `deterministic` (ledger-seed --insecure-deterministic-keys), derived
// from the seed, SHA-256("ledger-seed/v1/<role>/<name>/<seed>"), so that a
// run is reproducible byte for byte: anyone who knows the seed can sign
// with such keys, so the store records that it has them and ledgerd warns.
//
// The citizen-ID HMAC secret is not kept beside the store: it is read from
// (or, when missing, written to) `secret_path` when one is given; without
// one it is random for this run, or derived from the seed when
// `deterministic`, and written nowhere. (A citizen-id-secret.hex left in
// DIR/keys/ by an older ledger-seed is still read.)
//
//   ASSIGN_OR_RETURN(SeedKeys keys, SeedKeys::Open(dir + "/keys", {.seed = 42}));
//   const PrivateKey& k = keys.Officer("PHO-33-3301-01");
//   RETURN_IF_ERROR(keys.SaveNew());     // files mode 0600, directories 0700
//
// Not thread-safe while keys are being added; the references it hands out
// stay valid for its lifetime.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "ledger/crypto.h"
#include "ledger/status.h"

namespace ledger::seed {

struct SeedKeysOptions {
  uint64_t seed = 1;
  bool deterministic = false;   // derive missing keys from the seed (insecure)
  std::string secret_path;      // the citizen-ID secret's file, "" for none
};

class SeedKeys {
 public:
  static StatusOr<SeedKeys> Open(const std::string& keys_dir, const SeedKeysOptions& options);

  const PrivateKey& root() const { return *root_; }
  const PrivateKey& server() const { return *server_; }
  const std::string& citizen_secret() const { return citizen_secret_; }
  // Where the citizen-ID secret is kept ("" when written nowhere).
  const std::string& secret_path() const { return secret_path_; }
  // Loaded or derived on first use.
  StatusOr<const PrivateKey*> Agency(const std::string& code) { return Get("agencies", code); }
  StatusOr<const PrivateKey*> Officer(const std::string& id) { return Get("officers", id); }

  // Writes every key not yet on disk.
  Status SaveNew();

 private:
  SeedKeys(std::string dir, SeedKeysOptions options) : dir_(std::move(dir)), options_(std::move(options)) {}
  StatusOr<const PrivateKey*> Get(const std::string& role, const std::string& name);
  StatusOr<std::unique_ptr<PrivateKey>> LoadOrMake(const std::string& role, const std::string& name,
                                                    const std::string& path);
  std::string Path(const std::string& role, const std::string& name) const;

  std::string dir_;
  SeedKeysOptions options_;
  std::string secret_path_;
  std::unique_ptr<PrivateKey> root_, server_;
  std::string citizen_secret_;
  bool citizen_secret_new_ = false;
  std::map<std::string, std::unique_ptr<PrivateKey>> keys_;   // "role/name" -> key
  std::map<std::string, const PrivateKey*> unsaved_;           // path -> key
};

}  // namespace ledger::seed
