// One client connection of ledgerd: TLS handshake and identity, framing,
// pipelined requests, flow control, subscriptions, timeouts (docs/protocol.md).
//
//   StartTlsConnection(ctx, std::move(socket), tls_context);   // or
//   StartPlainConnection(ctx, std::move(socket));             // --dev-insecure
//
// The connection runs as coroutines on its socket's strand: a reader (parses
// frames, answers queries, hands appends to the ledger), a writer (sends the
// queued replies in order of completion), a watchdog (timeouts) and one
// coroutine per subscription. It registers itself in `ctx` and unregisters
// when closed.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "server_context.h"

namespace ledger::net {

void StartTlsConnection(ServerContext& ctx, boost::asio::ip::tcp::socket socket, boost::asio::ssl::context& tls);
void StartPlainConnection(ServerContext& ctx, boost::asio::ip::tcp::socket socket);

}  // namespace ledger::net
