// UTF-8 as RFC 3629 defines it: what every text the ledger stores, signs or
// serves must be (event texts, note texts, HTTP targets).
//
//   if (!IsValidUtf8(text)) return InvalidArgumentError(..., reason::kInvalidUtf8);
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace ledger {

// Decodes one UTF-8 sequence at the start of `s` (non-empty). Returns the code
// point and its length in bytes, or {-1, 1} for an invalid sequence
// (truncated, overlong, surrogate, or above U+10FFFF), like Go's
// utf8.DecodeRune returning (RuneError, 1).
std::pair<int32_t, size_t> DecodeRune(std::string_view s);

// True iff all of `s` is well-formed UTF-8 (no overlong forms, no
// surrogates, nothing above U+10FFFF). The empty string is.
bool IsValidUtf8(std::string_view s);

// The offset of the first byte of `s` that does not start a valid sequence,
// or s.size() when `s` is valid.
size_t FirstInvalidUtf8(std::string_view s);

}  // namespace ledger
