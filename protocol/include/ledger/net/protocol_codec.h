// Helpers between the wire protocol's generated types (schemas/protocol.capnp)
// and the ledger's types. Includes generated headers: include it only from
// .cc files of the server and the client.
//
//   protocol::Error::Builder e = response.initError();
//   SetError(e, PermissionDeniedError("role inspector cannot append", "WRONG_ROLE"));
//   Status s = ErrorStatus(reply.getError());       // same code, reason, message
//   ASSIGN_OR_RETURN(Hash h, HashFromData(reply.getLeafHash(), "leafHash"));
#pragma once

#include <capnp/message.h>

#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/status.h"
#include "schemas/protocol.capnp.h"

namespace ledger::net {

// Canonical code name ("PERMISSION_DENIED") -> code; kInternal when unknown.
StatusCode StatusCodeFromName(std::string_view name);

// Fills `e` from a non-OK status.
void SetError(protocol::Error::Builder e, const Status& status, uint32_t retry_after_ms = 0);
// The status an Error reply stands for.
Status ErrorStatus(protocol::Error::Reader e);

inline capnp::Data::Reader AsData(std::string_view s) {
  return capnp::Data::Reader(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}
inline capnp::Data::Reader AsData(const Hash& h) { return capnp::Data::Reader(h.data(), h.size()); }
inline std::string DataString(capnp::Data::Reader d) {
  return std::string(reinterpret_cast<const char*>(d.begin()), d.size());
}
inline std::string TextString(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

// Exactly 32 bytes -> Hash; InvalidArgument naming `field` otherwise.
StatusOr<Hash> HashFromData(capnp::Data::Reader d, std::string_view field);
StatusOr<std::vector<Hash>> HashesFromList(capnp::List<capnp::Data>::Reader list, std::string_view field);
void SetHashes(capnp::List<capnp::Data>::Builder list, const std::vector<Hash>& hashes);

std::string_view RoleName(protocol::Role role);     // "agency", ...; "unknown" for no enumerant
bool IsKnownRole(protocol::Role role);              // an enumerant of protocol::Role
StatusOr<protocol::Role> RoleFromName(std::string_view name);

}  // namespace ledger::net
