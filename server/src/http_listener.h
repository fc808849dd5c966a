// Serves the HTTP/JSON API (http_api.h) with Boost.Beast on its own port,
// on the server's I/O threads: HTTPS with the ledger protocol's TLS context
// (so the same client certificates, every role reads), or plain HTTP on
// loopback in dev mode. GET and HEAD only, keep-alive, one request at a
// time per connection, header size and time limits.
//
//   ASSIGN_OR_RETURN(auto http, HttpListener::Start(ioc, ctx, tls_or_null, "127.0.0.1", 0));
//   http->port();   // the real port
//   http->Stop();   // closes the listening socket (Server::Shutdown does it)
//
// Internal to the server; kept apart so that only this file compiles Beast.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ledger/status.h"
#include "server_context.h"

#include <boost/asio/any_io_executor.hpp>

namespace boost::asio {
class io_context;
namespace ssl {
class context;
}
}  // namespace boost::asio

namespace ledger::net {

class HttpListener {
 public:
  // `tls` null: plain HTTP (the caller checks loopback). Unavailable
  // (LISTEN_FAILED) when the address cannot be bound.
  // Routes run on the server's query pool (ctx.RunBlocking, in the turn of
  // the session's identity), never on an I/O thread.
  static StatusOr<std::unique_ptr<HttpListener>> Start(boost::asio::io_context& ioc, ServerContext& ctx,
                                                       boost::asio::ssl::context* tls, const std::string& host,
                                                       uint16_t port);
  ~HttpListener();
  uint16_t port() const;
  void Stop();

  struct Impl;

 private:
  explicit HttpListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::net
