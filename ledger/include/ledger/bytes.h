// Small byte helpers: the 32-byte Hash type, hex and base64 (standard
// alphabet, with padding), and big-endian integer keys.
//
//   Hash h = Sha256(data);
//   std::string s = ToHex(h);              // 64 lowercase hex digits
//   StatusOr<std::string> raw = FromBase64("AAEC");
//   std::string key = BigEndian64(seq);    // 8 bytes, sorts numerically
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ledger/status.h"

namespace ledger {

using Hash = std::array<uint8_t, 32>;

// Views any contiguous bytes as a span of uint8_t.
inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
inline std::string_view AsStringView(std::span<const uint8_t> b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}
inline std::string ToString(std::span<const uint8_t> b) {
  return std::string(AsStringView(b));
}

std::string ToHex(std::span<const uint8_t> bytes);
inline std::string ToHex(std::string_view bytes) { return ToHex(AsBytes(bytes)); }
StatusOr<std::string> FromHex(std::string_view hex);
StatusOr<Hash> HashFromHex(std::string_view hex);
// Exactly 32 bytes -> Hash.
StatusOr<Hash> HashFromBytes(std::span<const uint8_t> bytes);

std::string ToBase64(std::span<const uint8_t> bytes);
inline std::string ToBase64(std::string_view bytes) { return ToBase64(AsBytes(bytes)); }
// Strict: standard alphabet, padding required, no whitespace.
StatusOr<std::string> FromBase64(std::string_view b64);

std::string BigEndian64(uint64_t v);
void AppendBigEndian64(std::string* out, uint64_t v);
// Reads 8 big-endian bytes; `b` must hold at least 8 bytes.
uint64_t ReadBigEndian64(std::string_view b);

}  // namespace ledger
