// SplitHostPort (ledger/net/host_port.h), the one parser of ledgerd's
// --listen and --http and the client's --server.
#include <gtest/gtest.h>

#include <tuple>
#include <vector>

#include "ledger/net/host_port.h"
#include "ledger/reasons.h"

namespace ledger::net {
namespace {

struct Parsed {
  Status status;
  std::string host = "unchanged";
  uint16_t port = 1;
};

Parsed Split(std::string_view endpoint) {
  Parsed p;
  p.status = SplitHostPort(endpoint, &p.host, &p.port);
  return p;
}

TEST(HostPortTest, HostAndPortOrBracketedIpv6) {
  const std::vector<std::tuple<std::string, std::string, uint16_t>> good = {
      {"127.0.0.1:7433", "127.0.0.1", 7433},
      {"ledger.example.go.th:65535", "ledger.example.go.th", 65535},
      {"localhost:0", "localhost", 0},  // port 0: the server picks a free one
      {"host:07433", "host", 7433},
      {"[::1]:7433", "::1", 7433},
      {"[2001:db8::7]:0", "2001:db8::7", 0},
  };
  for (const auto& [endpoint, host, port] : good) {
    Parsed p = Split(endpoint);
    ASSERT_TRUE(p.status.ok()) << endpoint << ": " << p.status.ToString();
    EXPECT_EQ(p.host, host) << endpoint;
    EXPECT_EQ(p.port, port) << endpoint;
  }
}

TEST(HostPortTest, ClearErrorsAndNothingChanged) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"127.0.0.1", "no port"},
      {"127.0.0.1:", "no port"},
      {":7433", "no host"},
      {"[]:7433", "no host"},
      {"host:http", "port 'http' is not a number from 0 to 65535"},
      {"host:65536", "port '65536' is not a number from 0 to 65535"},
      {"host:000007433", "is not a number"},
      {"host:-1", "is not a number"},
      {"host: 80", "is not a number"},
      {"::1:7433", "an IPv6 address needs brackets"},
      {"[::1]", "no port"},
      {"[::1]7433", "':' must follow ']'"},
      {"[::1:7433", "no ']'"},
      {"", "no port"},
  };
  for (const auto& [endpoint, why] : bad) {
    Parsed p = Split(endpoint);
    EXPECT_EQ(p.status.code(), StatusCode::kInvalidArgument) << endpoint;
    EXPECT_EQ(p.status.reason(), reason::kBadAddress) << endpoint;
    EXPECT_NE(p.status.message().find("'" + endpoint + "'"), std::string::npos) << p.status.message();
    EXPECT_NE(p.status.message().find(why), std::string::npos) << endpoint << ": " << p.status.message();
    EXPECT_EQ(p.host, "unchanged") << endpoint;
    EXPECT_EQ(p.port, 1) << endpoint;
  }
}

}  // namespace
}  // namespace ledger::net
