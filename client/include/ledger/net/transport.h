// A blocking byte stream to ledgerd with timeouts: TLS 1.3 with a client
// certificate, or plain TCP (--dev-insecure). The Client builds on it; tests
// use it directly to send raw (even malformed) bytes.
//
//   TransportOptions t;  t.host = "127.0.0.1";  t.port = 7433;
//   t.cert = "pho-33.crt";  t.key = "pho-33.key";  t.ca = "ca.crt";
//   ASSIGN_OR_RETURN(auto conn, Transport::Connect(t));
//   RETURN_IF_ERROR(conn->Write(EncodeFrame(request)));
//   ASSIGN_OR_RETURN(InboundMessage reply, conn->ReadFrame(limits));
//
// Errors: Unavailable (reason CONNECT_FAILED, TIMEOUT, CONNECTION_CLOSED,
// TLS_FAILED) for transport failures -- the connection is then unusable;
// InvalidArgument with the frame.h reasons for a bad frame from the server.
// Not thread-safe: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ledger/net/frame.h"
#include "ledger/status.h"

namespace ledger::net {

struct TransportOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  bool dev_insecure = false;
  std::string cert;   // client certificate (PEM)
  std::string key;    // its private key (PEM)
  std::string ca;     // CA that signed the server's certificate (PEM)
  // The name the server certificate must carry; defaults to `host`.
  std::string server_name;
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds io_timeout{30000};
};

class Transport {
 public:
  static StatusOr<std::unique_ptr<Transport>> Connect(const TransportOptions& options);
  ~Transport();

  // After a failed write nothing more is sent (is_open() turns false), but
  // ReadFrame still returns what the server sent before it closed, to EOF.
  Status Write(std::string_view bytes);
  // Reads one whole frame (limits checked before allocating).
  StatusOr<InboundMessage> ReadFrame(const FrameLimits& limits);
  // Reads one frame with a timeout other than io_timeout.
  StatusOr<InboundMessage> ReadFrame(const FrameLimits& limits, std::chrono::milliseconds timeout);
  // Half-closes the sending direction (TCP FIN; TLS close_notify is not sent).
  Status ShutdownSend();
  void Close();
  bool is_open() const;

 private:
  Transport();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ledger::net
