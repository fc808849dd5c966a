// Server: the listening socket, the TLS context, the I/O threads and the
// orderly shutdown. Connections live in connection.cc.
#include "ledger/net/server.h"
#include "log_redact.h"
#include "ledger/reasons.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sys/resource.h>

#include <filesystem>
#include <optional>
#include <thread>

#include "connection.h"
#include "http_listener.h"
#include "query_pool.h"
#include "server_context.h"

namespace ledger::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

StatusOr<tcp::endpoint> ResolveListen(asio::io_context& ioc, const std::string& host, uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(address, port);
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    return InvalidArgumentError(fmt::format("listen address '{}' does not resolve: {}", host, ec.message()),
                                reason::kBadAddress);
  }
  return results.begin()->endpoint();
}

StatusOr<std::unique_ptr<asio::ssl::context>> MakeTlsContext(const TlsFiles& files) {
  for (auto [flag, path] : {std::pair{"--cert", &files.cert}, std::pair{"--key", &files.key},
                            std::pair{"--ca", &files.ca}}) {
    if (path->empty()) return InvalidArgumentError(fmt::format("{}: required unless --dev-insecure", flag), reason::kNoTls);
    if (!std::filesystem::exists(*path)) {
      return InvalidArgumentError(fmt::format("{}: {} does not exist", flag, *path), reason::kNoTls);
    }
  }
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_3_VERSION);
  boost::system::error_code ec;
  auto step = [&](const char* what, const std::string& path) -> Status {
    if (ec) {
      return InvalidArgumentError(fmt::format("{} {}: {}", what, path, ec.message()), reason::kBadTlsFile);
    }
    return OkStatus();
  };
  ctx->use_certificate_chain_file(files.cert, ec);
  RETURN_IF_ERROR(step("certificate", files.cert));
  ctx->use_private_key_file(files.key, asio::ssl::context::pem, ec);
  RETURN_IF_ERROR(step("private key", files.key));
  ctx->load_verify_file(files.ca, ec);
  RETURN_IF_ERROR(step("CA", files.ca));
  ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert, ec);
  RETURN_IF_ERROR(step("verify mode", files.ca));
  return ctx;
}

}  // namespace

FileLimit RaiseFileLimit() {
  FileLimit l;
  struct rlimit r {};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return l;
  l.soft_before = l.soft = r.rlim_cur;
  l.hard = r.rlim_max;
  if (r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &r) == 0) l.soft = r.rlim_max;
  }
  return l;
}

ConnectionCaps FitConnectionCaps(const ServerOptions& o, uint64_t soft_limit) {
  // Descriptors left for sockets, shared by the ledger protocol (pending and
  // established) and, when on, the HTTP API (half each).
  const uint64_t sockets = soft_limit > kFileReserve ? soft_limit - kFileReserve : 0;
  const uint64_t share = o.http_enabled ? sockets / 2 : sockets;
  ConnectionCaps c;
  c.max_pending_connections = std::max<size_t>(1, std::min<uint64_t>(o.max_pending_connections, share / 4));
  c.max_connections =
      std::max<size_t>(1, std::min<uint64_t>(o.max_connections, share > c.max_pending_connections
                                                                     ? share - c.max_pending_connections
                                                                     : 0));
  c.max_http_connections = std::max<size_t>(1, std::min<uint64_t>(o.max_connections, share));
  return c;
}

struct Server::Impl {
  explicit Impl(Ledger* l, ServerOptions o)
      : ledger(l),
        options(std::move(o)),
        acceptor(asio::make_strand(ioc)),
        ctx(*l, options),
        blocking(std::max(2u, std::thread::hardware_concurrency()), options.max_queued_queries,
                 options.max_queries_per_identity) {}

  asio::awaitable<void> Accept() {
    const auto use = asio::as_tuple(asio::use_awaitable);
    asio::steady_timer backoff(acceptor.get_executor());
    while (true) {
      auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(ioc), use);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) break;
      if (ec) {
        spdlog::error("accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(100));  // e.g. out of file descriptors
        co_await backoff.async_wait(use);
        continue;
      }
      if (ctx.draining) break;
      // No cap here: every connection starts pending (one past the pending
      // cap evicts the oldest pending one), and one that gets an identity
      // past the caps is refused with a reason (ServerContext::Establish).
      // Starting a connection may throw (an SSL object that cannot be made,
      // out of memory): that connection is dropped, the listener goes on.
      try {
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        if (tls) {
          StartTlsConnection(ctx, std::move(socket), *tls);
        } else {
          StartPlainConnection(ctx, std::move(socket));
        }
      } catch (...) {
        spdlog::error("{}", Redacted(ExceptionStatus(std::current_exception(), "starting a connection").message()));
      }
    }
  }

  Ledger* ledger;
  ServerOptions options;
  asio::io_context ioc;
  tcp::acceptor acceptor;
  std::unique_ptr<asio::ssl::context> tls;
  ServerContext ctx;
  // Slow queries (ServerContext::RunBlocking): one thread per core, bounded, fair.
  QueryPool blocking;
  std::unique_ptr<HttpListener> http;
  std::string http_host;
  std::vector<std::thread> threads;
  std::thread warm_thread;
  uint16_t port = 0;
  std::string host;
  std::mutex shutdown_mu;
  bool stopped = false;
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() { Shutdown(); }

uint16_t Server::port() const { return impl_->port; }
std::string Server::endpoint() const { return fmt::format("{}:{}", impl_->host, impl_->port); }
std::string Server::http_endpoint() const {
  return impl_->http ? fmt::format("{}:{}", impl_->http_host, impl_->http->port()) : std::string();
}

StatusOr<std::unique_ptr<Server>> Server::Start(Ledger* ledger, ServerOptions options) {
  {
    // Connections and the store share the file limit: the caps leave the
    // store its reserve, so a flood of sockets cannot make RocksDB fail.
    struct rlimit r {};
    const uint64_t soft = getrlimit(RLIMIT_NOFILE, &r) == 0 ? r.rlim_cur : 1024;
    const ConnectionCaps caps = FitConnectionCaps(options, soft);
    if (caps.max_connections < options.max_connections ||
        caps.max_pending_connections < options.max_pending_connections) {
      spdlog::warn("the file limit ({} open files, {} kept for the store) allows {} connections and {} pending "
                   "(asked: {} and {}); raise `ulimit -n` for more",
                   soft, kFileReserve, caps.max_connections, caps.max_pending_connections, options.max_connections,
                   options.max_pending_connections);
    }
    options.max_connections = caps.max_connections;
    options.max_pending_connections = caps.max_pending_connections;
    spdlog::info("connections: at most {} with an identity ({} per identity), {} pending; file limit {}",
                 options.max_connections, options.max_connections_per_identity, options.max_pending_connections,
                 soft);
    auto impl = std::make_unique<Impl>(ledger, std::move(options));
    impl->ctx.max_http_connections = caps.max_http_connections;
    return Start(std::move(impl));
  }
}

StatusOr<std::unique_ptr<Server>> Server::Start(std::unique_ptr<Impl> impl) {
  Impl& d = *impl;
  const ServerOptions& o = d.options;
  ASSIGN_OR_RETURN(tcp::endpoint endpoint, ResolveListen(d.ioc, o.listen_host, o.listen_port));
  if (o.dev_insecure) {
    if (!endpoint.address().is_loopback()) {
      return InvalidArgumentError(
          fmt::format("--dev-insecure listens on loopback only; {} is not a loopback address", o.listen_host),
          reason::kInsecureNotLoopback);
    }
  } else {
    ASSIGN_OR_RETURN(d.tls, MakeTlsContext(o.tls));
  }
  boost::system::error_code ec;
  d.acceptor.open(endpoint.protocol(), ec);
  if (!ec) d.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) d.acceptor.bind(endpoint, ec);
  if (!ec) d.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError(fmt::format("cannot listen on {}:{}: {}", o.listen_host, o.listen_port, ec.message()),
                            reason::kListenFailed);
  }
  d.port = d.acceptor.local_endpoint().port();
  d.host = endpoint.address().is_v6() ? "[" + endpoint.address().to_string() + "]" : endpoint.address().to_string();

  d.ctx.run_blocking = [&d](const std::string& identity, std::function<void()> work) {
    return d.blocking.Submit(identity, std::move(work));
  };
  d.ctx.query_pool = &d.blocking;
  if (o.http_enabled) {
    ASSIGN_OR_RETURN(d.http, HttpListener::Start(d.ioc, d.ctx, d.tls.get(), o.http_host, o.http_port));
    d.http_host = o.http_host.find(':') != std::string::npos ? "[" + o.http_host + "]" : o.http_host;
  }

  // The leaf-hash index fills in the background; lookups wait for it.
  d.warm_thread = std::thread([&d] {
    Status s;
    try {
      s = d.ctx.leaf_index.Warm();
    } catch (...) {
      s = ExceptionStatus(std::current_exception(), "warming the leaf index");
    }
    if (!s.ok()) spdlog::error("leaf index: {}", Redacted(s.ToString()));
  });
  asio::co_spawn(d.acceptor.get_executor(), d.Accept(), [](std::exception_ptr e) {
    if (e) spdlog::error("{}; no longer accepting connections", ExceptionStatus(e, "the listener").message());
  });
  int n = o.io_threads > 0 ? o.io_threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) {
    d.threads.emplace_back([&d] {
      // A handler that throws would end the process through this thread;
      // log it and run on (io_context::run may be called again).
      while (true) {
        try {
          d.ioc.run();
          return;
        } catch (...) {
          spdlog::error("{}", Redacted(ExceptionStatus(std::current_exception(), "an I/O handler").message()));
        }
      }
    });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Shutdown() {
  Impl& d = *impl_;
  std::lock_guard guard(d.shutdown_mu);
  if (d.stopped) return;
  d.stopped = true;
  d.ctx.draining = true;
  if (d.http) d.http->Stop();
  asio::post(d.acceptor.get_executor(), [&d] {
    boost::system::error_code ec;
    d.acceptor.close(ec);
  });
  d.ctx.ForEach([](ConnectionBase& c) { c.Drain(); });
  {
    std::unique_lock lock(d.ctx.mu);
    if (!d.ctx.cv.wait_for(lock, d.options.drain_timeout, [&] { return d.ctx.live.empty(); })) {
      lock.unlock();
      spdlog::warn("shutdown: {} connections did not finish in time; closing them", d.ctx.LiveCount());
      d.ctx.ForEach([](ConnectionBase& c) { c.ForceClose(); });
      lock.lock();
      d.ctx.cv.wait_for(lock, std::chrono::seconds(2), [&] { return d.ctx.live.empty(); });
    }
    // The ledger calls back every append it was given; none may run after
    // the I/O threads are gone.
    d.ctx.cv.wait(lock, [&] { return d.ctx.pending_appends == 0; });
  }
  d.ioc.stop();
  for (auto& t : d.threads) t.join();
  d.blocking.Join();   // HTTP queries still running finish (their replies go nowhere)
  if (d.warm_thread.joinable()) d.warm_thread.join();
}

}  // namespace ledger::net
