// The reasons of ledger/reasons.h and the table of docs/protocol.md §4.1 are
// the same list: a reason added in one place and not the other fails here.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "ledger/reasons.h"

namespace {

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(LEDGER_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> Matches(const std::string& text, const std::regex& re) {
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    out.insert((*it)[1].str());
  }
  return out;
}

TEST(ReasonsTest, HeaderAndProtocolDocListTheSameReasons) {
  const std::string header = ReadSource("ledger/include/ledger/reasons.h");
  const std::string doc = ReadSource("docs/protocol.md");
  ASSERT_FALSE(header.empty());
  ASSERT_FALSE(doc.empty());
  const auto in_header = Matches(header, std::regex(R"re(inline constexpr char k\w+\[\] = "([A-Z0-9_]+)";)re"));
  const auto section = doc.substr(doc.find("### 4.1"));
  const auto in_doc = Matches(section, std::regex(R"re(\n\| `([A-Z0-9_]+)` \|)re"));
  EXPECT_GT(in_header.size(), 100u);
  for (const auto& r : in_header) EXPECT_TRUE(in_doc.count(r)) << r << " is in reasons.h but not in docs/protocol.md §4.1";
  for (const auto& r : in_doc) EXPECT_TRUE(in_header.count(r)) << r << " is in docs/protocol.md §4.1 but not in reasons.h";
}

TEST(ReasonsTest, ConstantsSpellTheirNames) {
  EXPECT_STREQ(ledger::reason::kUnknownHousehold, "UNKNOWN_HOUSEHOLD");
  EXPECT_STREQ(ledger::reason::kPushback, "PUSHBACK");
  const std::string header = ReadSource("ledger/include/ledger/reasons.h");
  // kFooBar must hold "FOO_BAR": the constant's name is the reason in CamelCase.
  const std::regex re(R"re(inline constexpr char k(\w+)\[\] = "([A-Z0-9_]+)";)re");
  for (auto it = std::sregex_iterator(header.begin(), header.end(), re); it != std::sregex_iterator(); ++it) {
    std::string expected;
    for (char c : (*it)[2].str()) {
      if (c == '_') continue;
      expected += c;
    }
    std::string name = (*it)[1].str();
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(name, expected) << (*it)[0].str();
  }
}

}  // namespace
