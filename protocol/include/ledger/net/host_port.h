// Network endpoints as the flags spell them, for ledgerd (--listen, --http)
// and the client (--server):
//
//   std::string host; uint16_t port;
//   RETURN_IF_ERROR(SplitHostPort("127.0.0.1:7433", &host, &port));   // "127.0.0.1", 7433
//   RETURN_IF_ERROR(SplitHostPort("[::1]:0", &host, &port));          // "::1", 0
//   RETURN_IF_ERROR(SplitHostPort("ledger.example:7433", &host, &port));
//
// The host is not resolved or checked further. INVALID_ARGUMENT BAD_ADDRESS,
// with a message saying what is wrong, for: no port, a port that is not a
// number from 0 to 65535, no host, and an IPv6 address without brackets
// ("::1:7433" is ambiguous); `host` and `port` are then left unchanged.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace ledger::net {

Status SplitHostPort(std::string_view endpoint, std::string* host, uint16_t* port);

}  // namespace ledger::net
