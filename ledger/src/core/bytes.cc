#include "ledger/bytes.h"

#include <openssl/evp.h>

namespace ledger {
namespace {
constexpr char kHex[] = "0123456789abcdef";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string ToHex(std::span<const uint8_t> bytes) {
  std::string out;
  out.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

StatusOr<std::string> FromHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return InvalidArgumentError("hex string has an odd length");
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return InvalidArgumentError("not a hex digit in '" + std::string(hex) + "'");
    out[i] = static_cast<char>((hi << 4) | lo);
  }
  return out;
}

StatusOr<Hash> HashFromBytes(std::span<const uint8_t> bytes) {
  if (bytes.size() != 32) {
    return InvalidArgumentError("hash must be 32 bytes, got " + std::to_string(bytes.size()));
  }
  Hash h;
  std::copy(bytes.begin(), bytes.end(), h.begin());
  return h;
}

StatusOr<Hash> HashFromHex(std::string_view hex) {
  ASSIGN_OR_RETURN(std::string raw, FromHex(hex));
  return HashFromBytes(AsBytes(raw));
}

std::string ToBase64(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

StatusOr<std::string> FromBase64(std::string_view b64) {
  if (b64.size() % 4 != 0) return InvalidArgumentError("base64 length is not a multiple of 4");
  for (char c : b64) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=';
    if (!ok) return InvalidArgumentError("invalid base64 character");
  }
  size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') ++pad;
  if (b64.size() >= 2 && b64[b64.size() - 2] == '=') ++pad;
  if (b64.find('=') < b64.size() - pad) return InvalidArgumentError("misplaced base64 padding");
  std::string out(3 * (b64.size() / 4), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  if (n < 0) return InvalidArgumentError("invalid base64");
  out.resize(static_cast<size_t>(n) - pad);
  // Reject non-canonical encodings (stray bits in the last symbol).
  if (ToBase64(out) != b64) return InvalidArgumentError("non-canonical base64");
  return out;
}

std::string BigEndian64(uint64_t v) {
  std::string s;
  AppendBigEndian64(&s, v);
  return s;
}

void AppendBigEndian64(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t ReadBigEndian64(std::string_view b) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return v;
}

}  // namespace ledger
