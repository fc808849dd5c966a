// The trust chain (DESIGN.md §7): which key must have signed an event.
//
//   AgencyRegistered, MenuPublished       the operator's root key
//   OfficerRegistered, OfficerKeyRevoked  the key of the body's agency
//   Correction with officer == ""         the operator's root key
//   anything else                         the key of the body's officer, who
//                                         must be registered with the body's
//                                         agency and not revoked
//
// Registry entries are persisted in the `projection` column family under
// "reg/agency/<code>" and "reg/officer/<id>" in the same WriteBatch as the
// events that change them, so opening a store never replays the log.
//
// Not thread-safe: the writer thread mutates it; readers hold the ledger's
// registry lock.
#pragma once

#include <rocksdb/write_batch.h>

#include <map>
#include <string>

#include "ledger/event.h"
#include "ledger/status.h"
#include "schemas/ledger.capnp.h"
#include "store/store.h"

namespace ledger {

class KeyRegistry {
 public:
  struct Agency {
    std::string public_key;
    uint64_t registered_seq = 0;
  };
  struct Officer {
    std::string agency;
    std::string public_key;
    uint64_t registered_seq = 0;
    bool revoked = false;
    uint64_t revoked_seq = 0;
  };

  explicit KeyRegistry(std::string root_public_key) : root_key_(std::move(root_public_key)) {}

  // Loads persisted entries.
  Status Load(const Store& store);

  // The public key that must have signed `body`, or the reason none can:
  // UNKNOWN_AGENCY, UNKNOWN_OFFICER, OFFICER_AGENCY_MISMATCH, KEY_REVOKED.
  StatusOr<std::string> SignerKey(schema::EventBody::Reader body) const;

  // Structural checks of registry events against the current registry
  // (AGENCY_EXISTS, OFFICER_EXISTS, BAD_PUBLIC_KEY, ...).
  Status Check(schema::EventBody::Reader body) const;
  // Applies a registry event (no-op for other kinds); adds its puts to `batch`.
  void Apply(schema::EventBody::Reader body, uint64_t seq, const Store& store,
             rocksdb::WriteBatch* batch);

  const std::map<std::string, Agency>& agencies() const { return agencies_; }
  const std::map<std::string, Officer>& officers() const { return officers_; }
  const std::string& root_key() const { return root_key_; }

 private:
  std::string root_key_;
  std::map<std::string, Agency> agencies_;
  std::map<std::string, Officer> officers_;
};

}  // namespace ledger
