// Personal identifiers out of ledgerd's log (docs/protocol.md §6: a log line
// never carries a household code or a citizen id). What a log line would
// show is replaced by a short keyed hash, "#" and 8 hex digits of
// HMAC-SHA-256 under a key drawn at random when the process starts: the same
// code gives the same tag within one run (lines can be correlated), and a
// tag cannot be reversed by trying the 10^11 house codes without the key,
// which never leaves the process.
//
//   spdlog::error("http {}: {} -> {}", id, RedactedTarget(target), status);
//   spdlog::error("conn {}: {}", id, Redacted(status.message()));
#pragma once

#include <string>
#include <string_view>

namespace ledger::net {

// "#" + 8 hex digits: the keyed hash of `personal`.
std::string LogTag(std::string_view personal);

// `text` with every run of 10 or more ASCII digits (house codes have 11,
// citizen ids 13; seqs and sizes of a log below 10^9 events stay readable)
// replaced by its LogTag, and every byte that is not valid UTF-8 by '?'.
std::string Redacted(std::string_view text);

// An HTTP request target for the log: the route's own words and numbers
// below 10 digits stay, every other path segment and query value (a
// household code, a leaf hash, an officer id) becomes its LogTag.
std::string RedactedTarget(std::string_view target);

}  // namespace ledger::net
