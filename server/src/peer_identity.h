// Who is on the other end of a TLS connection: the verified client
// certificate's subject names the agency or user (CN) and the role (OU:
// agency, inspector, mirror or operator). See docs/protocol.md "Identity".
//
//   ASSIGN_OR_RETURN(Identity who, PeerIdentity(ssl_stream.native_handle()));
#pragma once

#include <openssl/ssl.h>

#include "handler.h"

namespace ledger::net {

// PermissionDenied (NO_CERTIFICATE, BAD_CERTIFICATE) when the peer sent no
// certificate, or its subject lacks a CN or a known role in OU.
StatusOr<Identity> PeerIdentity(SSL* ssl);

}  // namespace ledger::net
