#include "ledger/utf8.h"

namespace ledger {

std::pair<int32_t, size_t> DecodeRune(std::string_view s) {
  const auto b = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  const uint8_t b0 = b(0);
  if (b0 < 0x80) return {b0, 1};
  size_t n;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  int32_t r;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    n = 2;
    r = b0 & 0x1F;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    n = 3;
    r = b0 & 0x0F;
    if (b0 == 0xE0) lo = 0xA0;  // no overlongs
    if (b0 == 0xED) hi = 0x9F;  // no surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    n = 4;
    r = b0 & 0x07;
    if (b0 == 0xF0) lo = 0x90;  // no overlongs
    if (b0 == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    return {-1, 1};
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return {-1, 1};
  r = (r << 6) | (b(1) & 0x3F);
  for (size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) return {-1, 1};
    r = (r << 6) | (b(i) & 0x3F);
  }
  return {r, n};
}

size_t FirstInvalidUtf8(std::string_view s) {
  size_t at = 0;
  while (at < s.size()) {
    if (static_cast<uint8_t>(s[at]) < 0x80) {  // the common case, without a call
      ++at;
      continue;
    }
    auto [r, n] = DecodeRune(s.substr(at));
    if (r < 0) return at;
    at += n;
  }
  return at;
}

bool IsValidUtf8(std::string_view s) { return FirstInvalidUtf8(s) == s.size(); }

}  // namespace ledger
