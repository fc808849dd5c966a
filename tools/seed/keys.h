// The keys of a seeded store, under DIR/keys/:
//
//   root.pem                 the operator's root key (registers agencies)
//   server.pem               the checkpoint key (ledgerd --data DIR finds it here)
//   agencies/<code>.pem      one per agency (registers its officers)
//   officers/<id>.pem        one per officer (signs household events)
//   citizen-id-secret.hex    the operator's HMAC secret for citizen IDs (32 bytes, hex)
//
// Keys found on disk are used as they are (a second run appends to a store
// with the keys it already has); missing ones are derived from the seed,
// SHA-256("ledger-seed/v1/<role>/<name>/<seed>"), so that a run is
// reproducible byte for byte. Seed-derived keys are for synthetic data only:
// anyone who knows the seed can sign with them.
//
//   ASSIGN_OR_RETURN(SeedKeys keys, SeedKeys::Open(dir + "/keys", 42));
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

class SeedKeys {
 public:
  static StatusOr<SeedKeys> Open(const std::string& keys_dir, uint64_t seed);

  const PrivateKey& root() const { return *root_; }
  const PrivateKey& server() const { return *server_; }
  const std::string& citizen_secret() const { return citizen_secret_; }
  // Loaded or derived on first use.
  StatusOr<const PrivateKey*> Agency(const std::string& code) { return Get("agencies", code); }
  StatusOr<const PrivateKey*> Officer(const std::string& id) { return Get("officers", id); }

  // Writes every key not yet on disk.
  Status SaveNew();

 private:
  SeedKeys(std::string dir, uint64_t seed) : dir_(std::move(dir)), seed_(seed) {}
  StatusOr<const PrivateKey*> Get(const std::string& role, const std::string& name);
  StatusOr<std::unique_ptr<PrivateKey>> LoadOrDerive(const std::string& role, const std::string& name,
                                                    const std::string& path);
  std::string Path(const std::string& role, const std::string& name) const;

  std::string dir_;
  uint64_t seed_;
  std::unique_ptr<PrivateKey> root_, server_;
  std::string citizen_secret_;
  bool citizen_secret_new_ = false;
  std::map<std::string, std::unique_ptr<PrivateKey>> keys_;   // "role/name" -> key
  std::map<std::string, const PrivateKey*> unsaved_;           // path -> key
};

}  // namespace ledger::seed
