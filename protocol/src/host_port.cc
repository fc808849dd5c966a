#include "ledger/net/host_port.h"

#include <fmt/format.h>

#include "ledger/reasons.h"

namespace ledger::net {

Status SplitHostPort(std::string_view endpoint, std::string* host, uint16_t* port) {
  auto bad = [&](std::string_view why) {
    return InvalidArgumentError(fmt::format("'{}' is not HOST:PORT or [IPV6]:PORT: {}", endpoint, why),
                                reason::kBadAddress);
  };
  std::string_view h, p;
  if (endpoint.starts_with('[')) {
    const size_t close = endpoint.find(']');
    if (close == std::string_view::npos) return bad("no ']' after the IPv6 address");
    h = endpoint.substr(1, close - 1);
    if (close + 1 == endpoint.size()) return bad("no port");
    if (endpoint[close + 1] != ':') return bad("':' must follow ']'");
    p = endpoint.substr(close + 2);
  } else {
    const size_t colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return bad("no port");
    h = endpoint.substr(0, colon);
    p = endpoint.substr(colon + 1);
    if (h.find(':') != std::string_view::npos) return bad("an IPv6 address needs brackets, as [::1]:7433");
  }
  if (h.empty()) return bad("no host");
  if (p.empty()) return bad("no port");
  auto bad_port = [&] { return bad(fmt::format("port '{}' is not a number from 0 to 65535", p)); };
  if (p.size() > 5) return bad_port();
  uint32_t value = 0;
  for (char c : p) {
    if (c < '0' || c > '9') return bad_port();
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535) return bad_port();
  *host = std::string(h);
  *port = static_cast<uint16_t>(value);
  return OkStatus();
}

}  // namespace ledger::net
