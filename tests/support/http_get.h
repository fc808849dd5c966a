// A small blocking HTTP/1.1 client for tests of ledgerd's HTTP API (POSIX
// sockets + OpenSSL; keeps Beast out of the tests): plain HTTP, or HTTPS
// with a client certificate. Tests using it link OpenSSL.
//
//   HttpResult r = HttpsGet(port, "/v1/checkpoint", ca, cert, key);
//   EXPECT_EQ(r.status, 200) << r.error;
//   std::string next = r.Header("X-Next-From");
#pragma once

#include <openssl/ssl.h>
#include <strings.h>
#include <unistd.h>

#include <string>

#include "support/loopback_socket.h"

namespace ledger::testing {

struct HttpResult {
  int status = 0;
  std::string headers;
  std::string body;
  std::string error;   // connection / TLS failure

  // The value of header `name` (case-insensitive), "" when absent.
  std::string Header(const std::string& name) const {
    size_t at = 0;
    while ((at = headers.find("\r\n", at)) != std::string::npos) {
      at += 2;
      if (headers.size() >= at + name.size() + 1 && strncasecmp(headers.c_str() + at, name.c_str(), name.size()) == 0 &&
          headers[at + name.size()] == ':') {
        size_t begin = headers.find_first_not_of(' ', at + name.size() + 1);
        size_t end = headers.find("\r\n", at);
        if (begin == std::string::npos) return "";
        return headers.substr(begin, (end == std::string::npos ? headers.size() : end) - begin);
      }
    }
    return "";
  }
};

inline HttpResult ParseHttpResponse(const std::string& raw) {
  HttpResult r;
  size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) {
    r.error = "not an HTTP response: " + raw.substr(0, 80);
    return r;
  }
  r.status = std::stoi(raw.substr(9, 3));
  r.headers = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  return r;
}

inline std::string HttpRequest(const std::string& method, const std::string& target) {
  return method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
}

inline HttpResult PlainGet(uint16_t port, const std::string& target, const std::string& method = "GET") {
  int fd = ConnectLoopback(port);
  if (fd < 0) return HttpResult{0, "", "", "connect failed"};
  std::string req = HttpRequest(method, target);
  (void)!::write(fd, req.data(), req.size());
  std::string raw;
  char buf[16384];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) raw.append(buf, n);
  ::close(fd);
  return ParseHttpResponse(raw);
}

// HTTPS with a client certificate (none when `cert` is empty).
inline HttpResult HttpsGet(uint16_t port, const std::string& target, const std::string& ca, const std::string& cert,
                           const std::string& key) {
  HttpResult r;
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_load_verify_locations(ctx, ca.c_str(), nullptr);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  if (!cert.empty()) {
    SSL_CTX_use_certificate_chain_file(ctx, cert.c_str());
    SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM);
  }
  int fd = ConnectLoopback(port);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  SSL_set1_host(ssl, "127.0.0.1");
  std::string raw;
  if (fd < 0 || SSL_connect(ssl) != 1) {
    r.error = "TLS handshake failed";
  } else {
    std::string req = HttpRequest("GET", target);
    if (SSL_write(ssl, req.data(), static_cast<int>(req.size())) <= 0) r.error = "TLS write failed";
    char buf[16384];
    for (int n; (n = SSL_read(ssl, buf, sizeof buf)) > 0;) raw.append(buf, n);
  }
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  if (fd >= 0) ::close(fd);
  if (!r.error.empty()) return r;
  if (raw.empty()) return HttpResult{0, "", "", "no response (connection closed)"};
  return ParseHttpResponse(raw);
}

}  // namespace ledger::testing
