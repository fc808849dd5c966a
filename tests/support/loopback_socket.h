// A blocking TCP connection to 127.0.0.1, for tests that speak raw bytes
// (HTTP by hand, sockets that never finish a handshake).
//
//   int fd = ConnectLoopback(port);          // -1 when it cannot connect
//   ... ::close(fd);
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>

namespace ledger::testing {

// Receives (and sends) time out after `timeout_s` seconds.
inline int ConnectLoopback(uint16_t port, int timeout_s = 10) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

}  // namespace ledger::testing
