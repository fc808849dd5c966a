#include "log_redact.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/utf8.h"

namespace ledger::net {
namespace {

const std::string& ProcessKey() {
  static const std::string key = [] {
    auto k = RandomBytes(32);
    // Without randomness no tag is safe (a fixed key is as good as none):
    // LogTag then writes "#redacted".
    return k.ok() ? *k : std::string();
  }();
  return key;
}

bool IsDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Words of the HTTP routes (server/src/http_api.h); anything else in a
// target is data.
constexpr std::array<std::string_view, 20> kRouteWords = {
    "v1",      "events", "proof",  "consistency", "households", "history", "heads", "household", "officer", "agency",
    "report",  "checkpoint", "healthz", "by", "area", "size", "old", "new", "from", "limit"};

bool IsRouteWord(std::string_view s) {
  return std::find(kRouteWords.begin(), kRouteWords.end(), s) != kRouteWords.end();
}

std::string TargetPart(std::string_view s) {
  if (s.empty() || IsRouteWord(s) || (IsDigits(s) && s.size() < 10)) return Redacted(s);
  return LogTag(s);
}

}  // namespace

std::string LogTag(std::string_view personal) {
  const std::string& key = ProcessKey();
  if (key.empty()) return "#redacted";
  const Hash h = HmacSha256(key, personal);
  return "#" + ToHex(std::string_view(reinterpret_cast<const char*>(h.data()), 4));
}

std::string Redacted(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= '0' && c <= '9') {
      size_t j = i;
      while (j < text.size() && text[j] >= '0' && text[j] <= '9') ++j;
      const std::string_view run = text.substr(i, j - i);
      out += run.size() >= 10 ? LogTag(run) : std::string(run);
      i = j;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      auto [r, n] = DecodeRune(text.substr(i));
      if (r < 0) {
        out += '?';
      } else {
        out.append(text.substr(i, n));
      }
      i += n;
    }
  }
  return out;
}

std::string RedactedTarget(std::string_view target) {
  const size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string out;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out += TargetPart(path.substr(i, j - i));
    if (j < path.size()) out += '/';
    i = j + 1;
  }
  if (q == std::string_view::npos) return out;
  out += '?';
  std::string_view rest = target.substr(q + 1);
  bool first = true;
  while (true) {
    const size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    const size_t eq = pair.find('=');
    if (!first) out += '&';
    first = false;
    out += TargetPart(pair.substr(0, eq));
    if (eq != std::string_view::npos) out += "=" + TargetPart(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return out;
}

}  // namespace ledger::net
