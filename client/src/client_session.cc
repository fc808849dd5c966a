// The client's connection (client_impl.h): connect, hello, frames sent
// and awaited by request id.
#include <thread>

#include "ledger/net/host_port.h"

#include "client_impl.h"

namespace ledger::net {

void Client::Impl::Disconnect() {
  if (conn) conn->Close();
  conn.reset();
  stash.clear();
  outstanding.clear();
}

Status Client::Impl::EnsureConnected() {
  if (conn && conn->is_open()) return OkStatus();
  Disconnect();
  TransportOptions t;
  t.host = host;
  t.port = port;
  t.dev_insecure = options.dev_insecure;
  t.cert = options.tls.cert;
  t.key = options.tls.key;
  t.ca = options.tls.ca;
  t.server_name = options.server_name;
  t.connect_timeout = options.connect_timeout;
  t.io_timeout = options.timeout;
  ASSIGN_OR_RETURN(conn, Transport::Connect(t));
  Status s = Hello();
  if (!s.ok()) Disconnect();
  if (s.reason() == reason::kConnectionClosed && options.dev_insecure) {
    // A TLS ledgerd drops a plain hello without a word.
    return Status(s.code(),
                  s.message() + " before answering the hello: if it is a TLS ledgerd (no --dev-insecure), drop "
                                "--dev-insecure and give --cert, --cert-key and --ca",
                  s.reason());
  }
  return s;
}

std::chrono::milliseconds Client::Impl::RetryDelay(int attempt) {
  const int64_t top = int64_t{100} << std::min(attempt, 4);   // 100 ms .. 1.6 s
  return std::chrono::milliseconds(top / 2 + static_cast<int64_t>(jitter_rng() % (top / 2 + 1)));
}

Status Client::Impl::ConnectRetrying(std::chrono::steady_clock::time_point since) {
  const auto deadline = since + options.timeout;
  for (int attempt = 0;; ++attempt) {
    Status s = EnsureConnected();
    if (s.ok()) return s;
    if (s.code() != StatusCode::kUnavailable && s.code() != StatusCode::kResourceExhausted) return s;
    const auto wait = RetryDelay(attempt);
    if (std::chrono::steady_clock::now() + wait >= deadline) {
      return Status(s.code(),
                    fmt::format("{} (gave up after {} attempts within --timeout-ms {})", s.message(), attempt + 1,
                                options.timeout.count()),
                    s.reason());
    }
    std::this_thread::sleep_for(wait);
  }
}

Status Client::Impl::Hello() {
  capnp::MallocMessageBuilder msg;
  auto req = msg.initRoot<protocol::Request>();
  const uint64_t id = next_id++;
  req.setId(id);
  auto hello = req.initHello();
  hello.setVersion(protocol::PROTOCOL_VERSION);
  hello.setClient("ledger-client/0.1");
  if (options.dev_insecure) {
    ASSIGN_OR_RETURN(protocol::Role role, RoleFromName(options.dev_role));
    hello.setRole(role);
    hello.setAgency(options.dev_name);
  }
  RETURN_IF_ERROR(Send(msg, id));
  ASSIGN_OR_RETURN(InboundMessage reply, Await(id));
  try {
    auto r = reply.Root<protocol::Response>();
    if (r.isError()) return ErrorStatus(r.getError());
    if (!r.isHello()) return BadReply("expected a hello");
    auto h = r.getHello();
    info.origin = TextString(h.getOrigin());
    info.verifier_key = TextString(h.getVerifierKey());
    info.tree_size = h.getTreeSize();
    info.role = std::string(RoleName(h.getRole()));
    info.name = TextString(h.getAgency());
  } catch (const kj::Exception& e) {
    return BadReply(e.getDescription().cStr());
  }
  return trust.CheckServerKey(info.verifier_key, info.origin);
}

Status Client::Impl::Send(capnp::MallocMessageBuilder& msg, uint64_t id) {
  // A failed write leaves the connection readable (Transport::Write): the
  // caller may still read replies the server sent before it closed; the
  // next EnsureConnected reconnects.
  Status s = conn->Write(EncodeFrame(msg));
  if (!s.ok()) return s;
  outstanding.insert(id);
  return OkStatus();
}

StatusOr<InboundMessage> Client::Impl::Await(uint64_t id) {
  while (true) {
    if (auto it = stash.find(id); it != stash.end() && !it->second.empty()) {
      InboundMessage m = std::move(it->second.front());
      it->second.pop_front();
      if (it->second.empty()) stash.erase(it);
      return m;
    }
    if (!conn) return UnavailableError("not connected", reason::kConnectionClosed);
    auto frame = conn->ReadFrame(options.limits);
    if (!frame.ok()) {
      Disconnect();
      return frame.status();
    }
    uint64_t got = 0;
    try {
      got = frame->Root<protocol::Response>().getId();
    } catch (const kj::Exception& e) {
      Disconnect();
      return BadReply(e.getDescription().cStr());
    }
    if (got == id) return std::move(*frame);
    if (got == 0) {
      // A connection-level error (bad frame, timeout): the server closes.
      Status s = BadReply("connection error");
      try {
        auto r = frame->Root<protocol::Response>();
        if (r.isError()) s = ErrorStatus(r.getError());
      } catch (const kj::Exception&) {
      }
      Disconnect();
      return s;
    }
    if (outstanding.count(got)) stash[got].push_back(std::move(*frame));
  }
}

}  // namespace ledger::net
