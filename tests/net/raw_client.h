// Raw protocol access for the network tests: a TLS transport without the
// verifying client, request frames built by hand, replies read as statuses.
//
//   auto t = Raw(f, "inspector");
//   t->Write(RequestFrame([](auto r) { r.initCheckpoint(); }, 7));
//   Reply r = ReadReply(*t);     // r.id == 7, r.status OK or the error
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "ledger/net/frame.h"
#include "ledger/net/protocol_codec.h"
#include "ledger/net/transport.h"
#include "net_fixture.h"
#include "schemas/protocol.capnp.h"

namespace ledger::testing {

inline std::unique_ptr<net::Transport> Raw(NetFixture& f, const std::string& cert) {
  net::TransportOptions t;
  t.port = f.server->port();
  t.cert = f.Cert(cert);
  t.key = f.Key(cert);
  t.ca = f.Cert("ca");
  t.io_timeout = std::chrono::milliseconds(10000);
  auto c = net::Transport::Connect(t);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

// A plain TCP transport to a --dev-insecure server (nothing sent yet).
inline std::unique_ptr<net::Transport> RawInsecure(NetFixture& f) {
  net::TransportOptions t;
  t.port = f.server->port();
  t.dev_insecure = true;
  auto c = net::Transport::Connect(t);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(*c) : nullptr;
}

inline std::string RequestFrame(const std::function<void(protocol::Request::Builder)>& fill, uint64_t id = 1) {
  capnp::MallocMessageBuilder b;
  auto r = b.initRoot<protocol::Request>();
  r.setId(id);
  fill(r);
  return net::EncodeFrame(b);
}

// Reads the next reply: the status of an error reply (with its id), or OK.
struct Reply {
  uint64_t id = 0;
  Status status;
  uint32_t retry_after_ms = 0;
};
inline Reply ReadReply(net::Transport& t) {
  auto m = t.ReadFrame(net::FrameLimits{});
  if (!m.ok()) return {0, m.status()};
  auto r = m->Root<protocol::Response>();
  if (r.isError()) return {r.getId(), net::ErrorStatus(r.getError()), r.getError().getRetryAfterMs()};
  return {r.getId(), OkStatus()};
}

// The server answered with `reason` and then closed the connection.
inline void ExpectErrorThenClose(net::Transport& t, const std::string& reason) {
  Reply r = ReadReply(t);
  EXPECT_EQ(r.status.reason(), reason) << r.status.ToString();
  EXPECT_EQ(r.id, 0u);
  auto next = t.ReadFrame(net::FrameLimits{});
  EXPECT_FALSE(next.ok());
  EXPECT_EQ(next.status().reason(), "CONNECTION_CLOSED") << next.status().ToString();
}

inline std::string Le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return s;
}

}  // namespace ledger::testing
