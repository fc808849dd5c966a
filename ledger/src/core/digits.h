// Fixed-width decimal codes (DOPA area codes, house codes): parsing and
// checking. Internal to the ledger library.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ledger {

// True iff `s` is exactly `n` ASCII digits.
inline bool IsDigits(std::string_view s, size_t n) {
  if (s.size() != n) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The value of exactly `n` ASCII digits (n <= 9), or nullopt.
inline std::optional<uint32_t> ParseDigits(std::string_view s, size_t n) {
  if (n > 9 || !IsDigits(s, n)) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint32_t>(c - '0');
  return v;
}

}  // namespace ledger
