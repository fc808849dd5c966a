#include "http_listener.h"
#include "log_redact.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>

#include "http_api.h"
#include "ledger/net/protocol_codec.h"
#include "ledger/reasons.h"
#include "peer_identity.h"

namespace ledger::net {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

constexpr uint32_t kHeaderLimit = 8 * 1024;

}  // namespace

struct HttpListener::Impl {
  Impl(asio::io_context& io, ServerContext& c, asio::ssl::context* t)
      : ioc(io), ctx(c), tls(t), routes(c), acceptor(asio::make_strand(io)) {}

  asio::awaitable<void> Accept() {
    while (true) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), kUseTuple);
      if (ec == asio::error::operation_aborted || !acceptor.is_open() || ctx.draining) break;
      if (ec) {
        spdlog::error("http: accept failed: {}", ec.message());
        continue;
      }
      if (ctx.http_sessions->load() >= ctx.max_http_connections) {
        spdlog::warn("http: refused a connection: {} open (limit)", ctx.max_http_connections);
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      const uint64_t id = ctx.next_connection_id++;
      // A session that throws ends (its stream closes) with a log line; so
      // does one that cannot be started. The listener goes on.
      auto ended = [id](std::exception_ptr e) {
        if (e) spdlog::error("http {}: {}; closed", id, Redacted(ExceptionStatus(e, "the session").message()));
      };
      try {
        if (tls) {
          asio::co_spawn(socket.get_executor(),
                         TlsSession(beast::ssl_stream<beast::tcp_stream>(std::move(socket), *tls), id), ended);
        } else {
          asio::co_spawn(socket.get_executor(), PlainSession(beast::tcp_stream(std::move(socket)), id), ended);
        }
      } catch (...) {
        ended(std::current_exception());
      }
    }
  }

  asio::awaitable<void> TlsSession(beast::ssl_stream<beast::tcp_stream> stream, uint64_t id) {
    Counted counted(ctx.http_sessions);
    SSL* ssl = stream.native_handle();
    if (ctx.options.metrics_without_client_cert) {
      // Ask for a certificate without requiring one; one that is sent must
      // still verify against the CA.
      SSL_set_verify(ssl, SSL_VERIFY_PEER, SSL_CTX_get_verify_callback(SSL_get_SSL_CTX(ssl)));
    }
    beast::get_lowest_layer(stream).expires_after(ctx.options.handshake_timeout);
    auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, kUseTuple);
    if (ec) {
      spdlog::warn("http {}: TLS handshake failed: {}", id, ec.message());
      co_return;
    }
    auto who = PeerIdentity(ssl);
    if (!who.ok() && ctx.options.metrics_without_client_cert && who.status().reason() == reason::kNoCertificate) {
      spdlog::info("http {}: open (no client certificate: /metrics only, TLS)", id);
      co_await Serve(stream, id, "http/no-certificate", who.status());
    } else if (!who.ok()) {
      spdlog::warn("http {}: refused: {}", id, Redacted(who.status().ToString()));
      co_return;
    } else {
      spdlog::info("http {}: open ({} {}, TLS)", id, RoleName(who->role), who->name);
      co_await Serve(stream, id, who->Key());
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(kUseTuple);
  }

  asio::awaitable<void> PlainSession(beast::tcp_stream stream, uint64_t id) {
    Counted counted(ctx.http_sessions);
    spdlog::info("http {}: open (dev-insecure)", id);
    co_await Serve(stream, id, "http/dev-insecure");
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  }

  // A route's reply, computed on the server's query pool in the turn of
  // `identity` (a route may bring a projection up to date); 503
  // QUERY_QUEUE_FULL when the pool is full. A member coroutine, not a
  // capturing lambda: GCC 12 destroys the captures of a lambda coroutine
  // twice. Nothing escapes the work: HttpRoutes::Get catches what a route
  // throws.
  struct RouteWait {
    explicit RouteWait(const asio::any_io_executor& ex) : wake(ex, std::chrono::steady_clock::time_point::max()) {}
    asio::steady_timer wake;
    HttpReply reply;
    bool done = false;
  };
  asio::awaitable<HttpReply> Route(const std::string& identity, std::string target) {
    auto wait = std::make_shared<RouteWait>(co_await asio::this_coro::executor);
    Status queued = ctx.RunBlocking(identity, [this, wait, target = std::move(target)] {
      HttpReply reply = routes.Get(target);
      asio::post(wait->wake.get_executor(), [wait, reply = std::move(reply)]() mutable {
        wait->reply = std::move(reply);
        wait->done = true;
        wait->wake.cancel();
      });
    });
    if (!queued.ok()) {
      HttpReply refused = HttpError(queued);
      refused.status = 503;
      co_return refused;
    }
    while (!wait->done) co_await wait->wake.async_wait(kUseTuple);
    co_return std::move(wait->reply);
  }

  // Requests one after another until the client or the server ends it.
  // With `anonymous` not OK (a client without a certificate) only what
  // needs none (/metrics) is served; everything else gets that status.
  template <class Stream>
  asio::awaitable<void> Serve(Stream& stream, uint64_t id, std::string identity, Status anonymous = OkStatus()) {
    beast::flat_buffer buffer(kHeaderLimit);
    while (!ctx.draining) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(kHeaderLimit);
      beast::get_lowest_layer(stream).expires_after(ctx.options.idle_timeout);
      auto [rec, n] = co_await http::async_read(stream, buffer, parser, kUseTuple);
      if (rec == http::error::end_of_stream || rec == beast::error::timeout || rec == asio::error::eof) break;
      HttpReply reply;
      bool keep_alive = false;
      unsigned version = 11;
      bool head = false;
      if (rec) {
        spdlog::warn("http {}: bad request: {}", id, rec.message());
        reply = HttpError(InvalidArgumentError("malformed HTTP request: " + rec.message(), reason::kBadRequest));
        if (rec == http::error::header_limit) reply.status = 431;
      } else {
        const auto& req = parser.get();
        version = req.version();
        keep_alive = req.keep_alive();
        head = req.method() == http::verb::head;
        if (req.method() != http::verb::get && !head) {
          reply = HttpError(InvalidArgumentError("only GET and HEAD are served (a read-only API)", reason::kMethodNotAllowed));
          reply.status = 405;
        } else if (const std::string_view target(req.target().data(), req.target().size());
                   HttpRoutes::Inline(target)) {
          reply = routes.Get(target);
        } else if (!anonymous.ok()) {
          reply = HttpError(anonymous);
        } else {
          reply = co_await Route(identity, std::string(target));
        }
        if (reply.status >= 500) spdlog::error("http {}: {} -> {}", id, RedactedTarget(std::string_view(req.target().data(), req.target().size())), reply.status);
      }
      ctx.metrics.http_requests.Add(std::to_string(reply.status));
      http::response<http::string_body> res{static_cast<http::status>(reply.status), version};
      res.set(http::field::server, "ledgerd");
      res.set(http::field::content_type, reply.content_type);
      res.set(http::field::cache_control, "no-store");
      if (reply.status == 405) res.set(http::field::allow, "GET, HEAD");
      for (const auto& [name, value] : reply.headers) res.set(name, value);
      res.keep_alive(keep_alive && !ctx.draining);
      res.body() = std::move(reply.body);
      res.prepare_payload();
      if (head) res.body().clear();  // Content-Length stays that of the GET
      beast::get_lowest_layer(stream).expires_after(ctx.options.write_timeout);
      auto [wec, written] = co_await http::async_write(stream, res, kUseTuple);
      if (wec || !res.keep_alive()) break;
    }
  }

  // Counts live sessions for the connection limit. It shares the count:
  // a session's coroutine frame can be destroyed after this Impl, when the
  // io_context is torn down (found by ASan).
  struct Counted {
    explicit Counted(std::shared_ptr<std::atomic<size_t>> c) : count(std::move(c)) { ++*count; }
    ~Counted() { --*count; }
    std::shared_ptr<std::atomic<size_t>> count;
  };

  asio::io_context& ioc;
  ServerContext& ctx;
  asio::ssl::context* tls;
  HttpRoutes routes;
  tcp::acceptor acceptor;
  uint16_t port = 0;
};

HttpListener::HttpListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpListener::~HttpListener() = default;
uint16_t HttpListener::port() const { return impl_->port; }

void HttpListener::Stop() {
  Impl* d = impl_.get();
  asio::post(d->acceptor.get_executor(), [d] {
    boost::system::error_code ec;
    d->acceptor.close(ec);
  });
}

StatusOr<std::unique_ptr<HttpListener>> HttpListener::Start(asio::io_context& ioc, ServerContext& ctx,
                                                            asio::ssl::context* tls, const std::string& host,
                                                            uint16_t port) {
  auto impl = std::make_unique<Impl>(ioc, ctx, tls);
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) return InvalidArgumentError(fmt::format("--http: '{}' is not an IP address", host), reason::kBadAddress);
  if (!tls && !address.is_loopback()) {
    return InvalidArgumentError(
        fmt::format("--dev-insecure serves HTTP on loopback only; {} is not a loopback address", host),
        reason::kInsecureNotLoopback);
  }
  tcp::endpoint endpoint(address, port);
  auto& a = impl->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError(fmt::format("cannot listen for HTTP on {}:{}: {}", host, port, ec.message()),
                            reason::kListenFailed);
  }
  impl->port = a.local_endpoint().port();
  Impl* raw = impl.get();
  asio::co_spawn(a.get_executor(), raw->Accept(), [](std::exception_ptr e) {
    if (e) spdlog::error("http: {}; no longer accepting connections", ExceptionStatus(e, "the listener").message());
  });
  return std::unique_ptr<HttpListener>(new HttpListener(std::move(impl)));
}

}  // namespace ledger::net
