// Blocking I/O with timeouts over Asio: each operation starts the
// asynchronous version and runs the private io_context for at most the
// timeout; if the operation did not finish, the socket is closed (the
// connection is unusable afterwards) and the caller gets TIMEOUT.
#include "ledger/net/transport.h"
#include "ledger/reasons.h"

#include <openssl/ssl.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <optional>
#include <vector>

namespace ledger::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

}  // namespace

struct Transport::Impl {
  TransportOptions options;
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls;
  std::optional<asio::ssl::stream<tcp::socket>> tls_stream;
  std::optional<tcp::socket> plain;
  std::vector<uint8_t> in;   // received, not yet returned
  bool open = false;
  // A write failed (the server closed or reset): nothing more is sent, but
  // replies the server sent before closing can still be read, to EOF.
  bool write_failed = false;
  bool checked_protocol = false;   // the first frame was a frame (CheckProtocol)

  tcp::socket& Socket() { return tls_stream ? tls_stream->next_layer() : *plain; }

  void CloseSocket() {
    boost::system::error_code ec;
    Socket().close(ec);
    open = false;
  }

  // Runs until `done` or the timeout; on timeout closes the socket and
  // drains the aborted handlers.
  Status RunFor(const bool& done, std::chrono::milliseconds timeout, std::string_view what) {
    ioc.restart();
    ioc.run_for(timeout);
    if (done) return OkStatus();
    CloseSocket();
    ioc.restart();
    ioc.run();
    return UnavailableError(fmt::format("{}: no answer within {} ms", what, timeout.count()), reason::kTimeout);
  }

  Status Translate(const boost::system::error_code& ec, std::string_view what) {
    if (!ec) return OkStatus();
    CloseSocket();
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated ||
        ec == asio::error::connection_reset || ec == asio::error::broken_pipe) {
      return UnavailableError(fmt::format("{}: the server closed the connection", what), reason::kConnectionClosed);
    }
    return UnavailableError(fmt::format("{}: {}", what, ec.message()), reason::kConnectionFailed);
  }

  template <typename Buffers>
  Status WriteAll(const Buffers& buffers) {
    bool done = false;
    boost::system::error_code result;
    auto handler = [&](boost::system::error_code ec, size_t) {
      result = ec;
      done = true;
    };
    if (tls_stream) {
      asio::async_write(*tls_stream, buffers, handler);
    } else {
      asio::async_write(*plain, buffers, handler);
    }
    RETURN_IF_ERROR(RunFor(done, options.io_timeout, "write"));
    if (!result) return OkStatus();
    // The socket stays open for reading: the replies already sent.
    write_failed = true;
    if (result == asio::error::eof || result == asio::ssl::error::stream_truncated ||
        result == asio::error::connection_reset || result == asio::error::broken_pipe) {
      return UnavailableError("write: the server closed the connection", reason::kConnectionClosed);
    }
    return UnavailableError(fmt::format("write: {}", result.message()), reason::kConnectionFailed);
  }

  // The first bytes of a reply that is not ledger protocol at all, named
  // (instead of a frame header of absurd size: "HTTP" read as a segment
  // count is 1,347,703,881).
  Status CheckProtocol() const {
    if (checked_protocol || in.size() < 4) return OkStatus();
    const std::string_view head(reinterpret_cast<const char*>(in.data()), 4);
    const std::string where = fmt::format("{}:{}", options.host, options.port);
    if (head == "HTTP") {
      return FailedPreconditionError(
          fmt::format("{} answered in HTTP: that is ledgerd's HTTP port (--http); --server takes the port of "
                      "ledgerd --listen",
                      where),
          reason::kWrongPort);
    }
    if (!tls_stream && (in[0] == 0x15 || in[0] == 0x16) && in[1] == 0x03) {
      return FailedPreconditionError(
          fmt::format("{} answered in TLS: it is not a --dev-insecure ledgerd; drop --dev-insecure and give "
                      "--cert, --cert-key and --ca",
                      where),
          reason::kWrongPort);
    }
    return OkStatus();
  }

  // Reads at least one more byte into `in`.
  Status ReadSome(std::chrono::milliseconds timeout, size_t want) {
    const size_t old = in.size();
    in.resize(old + std::max<size_t>(want, 64 * 1024));
    bool done = false;
    boost::system::error_code result;
    size_t got = 0;
    auto handler = [&](boost::system::error_code ec, size_t n) {
      result = ec;
      got = n;
      done = true;
    };
    auto buffer = asio::buffer(in.data() + old, in.size() - old);
    if (tls_stream) {
      tls_stream->async_read_some(buffer, handler);
    } else {
      plain->async_read_some(buffer, handler);
    }
    Status s = RunFor(done, timeout, "read");
    in.resize(old + got);
    RETURN_IF_ERROR(s);
    return Translate(result, "read");
  }
};

Transport::Transport() : impl_(std::make_unique<Impl>()) {}
Transport::~Transport() { Close(); }

bool Transport::is_open() const { return impl_->open && !impl_->write_failed; }

void Transport::Close() {
  if (impl_ && impl_->open && (impl_->plain || impl_->tls_stream)) impl_->CloseSocket();
}

StatusOr<std::unique_ptr<Transport>> Transport::Connect(const TransportOptions& options) {
  std::unique_ptr<Transport> t(new Transport());
  Impl& d = *t->impl_;
  d.options = options;
  if (!options.dev_insecure) {
    if (options.cert.empty() || options.key.empty() || options.ca.empty()) {
      return InvalidArgumentError("TLS needs a client certificate, its key and the CA (--cert, --cert-key, --ca)",
                                  reason::kNoTls);
    }
    d.tls.emplace(asio::ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(d.tls->native_handle(), TLS1_3_VERSION);
    boost::system::error_code ec;
    d.tls->use_certificate_chain_file(options.cert, ec);
    if (ec) return InvalidArgumentError(fmt::format("--cert {}: {}", options.cert, ec.message()), reason::kBadTlsFile);
    d.tls->use_private_key_file(options.key, asio::ssl::context::pem, ec);
    if (ec && ec.message().find("mismatch") != std::string::npos) {
      return InvalidArgumentError(
          fmt::format("--cert-key {} is not the private key of --cert {}", options.key, options.cert),
          reason::kBadTlsFile);
    }
    if (ec) return InvalidArgumentError(fmt::format("--cert-key {}: {}", options.key, ec.message()), reason::kBadTlsFile);
    d.tls->load_verify_file(options.ca, ec);
    if (ec) return InvalidArgumentError(fmt::format("--ca {}: {}", options.ca, ec.message()), reason::kBadTlsFile);
    d.tls->set_verify_mode(asio::ssl::verify_peer);
    d.tls->set_verify_callback(
        asio::ssl::host_name_verification(options.server_name.empty() ? options.host : options.server_name));
    d.tls_stream.emplace(d.ioc, *d.tls);
  } else {
    d.plain.emplace(d.ioc);
  }

  // Resolve and connect.
  boost::system::error_code ec;
  tcp::resolver resolver(d.ioc);
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec) {
    return UnavailableError(fmt::format("{}: cannot resolve: {}", options.host, ec.message()), reason::kConnectFailed);
  }
  bool done = false;
  boost::system::error_code result;
  asio::async_connect(d.Socket(), endpoints, [&](boost::system::error_code e, const tcp::endpoint&) {
    result = e;
    done = true;
  });
  Status s = d.RunFor(done, options.connect_timeout, "connect");
  if (!s.ok() || result) {
    return UnavailableError(fmt::format("cannot connect to {}:{}: {}", options.host, options.port,
                                        s.ok() ? result.message() : s.message()),
                            reason::kConnectFailed);
  }
  d.open = true;
  d.Socket().set_option(tcp::no_delay(true), ec);
  if (d.tls_stream) {
    SSL_set_tlsext_host_name(d.tls_stream->native_handle(),
                             (options.server_name.empty() ? options.host : options.server_name).c_str());
    done = false;
    d.tls_stream->async_handshake(asio::ssl::stream_base::client, [&](boost::system::error_code e) {
      result = e;
      done = true;
    });
    RETURN_IF_ERROR(d.RunFor(done, options.connect_timeout, "TLS handshake"));
    if (result) {
      d.CloseSocket();
      // A reply that is not TLS at all ("wrong version number", "packet
      // length too long"): a plain server, or HTTP.
      const std::string why = result.message();
      const bool not_tls = why.find("wrong version number") != std::string::npos ||
                           why.find("packet length too long") != std::string::npos ||
                           why.find("http request") != std::string::npos;
      if (not_tls) {
        return FailedPreconditionError(
            fmt::format("{}:{} did not answer in TLS ({}): it is a ledgerd started with --dev-insecure (then add "
                        "--dev-insecure) or not ledgerd's protocol port (--server takes the port of ledgerd "
                        "--listen, not --http)",
                        options.host, options.port, why),
            reason::kWrongPort);
      }
      return UnavailableError(fmt::format("TLS handshake with {}:{} failed: {}", options.host, options.port, why),
                              reason::kTlsFailed);
    }
  }
  return t;
}

Status Transport::Write(std::string_view bytes) {
  if (!impl_->open || impl_->write_failed) {
    return UnavailableError("write: the connection is closed", reason::kConnectionClosed);
  }
  return impl_->WriteAll(asio::buffer(bytes.data(), bytes.size()));
}

StatusOr<InboundMessage> Transport::ReadFrame(const FrameLimits& limits) {
  return ReadFrame(limits, impl_->options.io_timeout);
}

StatusOr<InboundMessage> Transport::ReadFrame(const FrameLimits& limits, std::chrono::milliseconds timeout) {
  Impl& d = *impl_;
  while (true) {
    RETURN_IF_ERROR(d.CheckProtocol());
    ASSIGN_OR_RETURN(std::optional<size_t> size, PeekFrameSize(d.in, limits));
    if (size && d.in.size() >= *size) {
      auto message = InboundMessage::Parse(std::span<const uint8_t>(d.in.data(), *size), limits);
      d.checked_protocol = true;
      d.in.erase(d.in.begin(), d.in.begin() + static_cast<std::ptrdiff_t>(*size));
      return message;
    }
    if (!d.open) return UnavailableError("read: the connection is closed", reason::kConnectionClosed);
    RETURN_IF_ERROR(d.ReadSome(timeout, size ? *size - d.in.size() : 0));
  }
}

Status Transport::ShutdownSend() {
  boost::system::error_code ec;
  impl_->Socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return UnavailableError("shutdown: " + ec.message(), reason::kConnectionFailed);
  return OkStatus();
}

}  // namespace ledger::net
