// The pages of one household history (docs/protocol.md §3.2), put back
// together for the one check of a whole history (Client's ReadHistory: a
// hash chain that ends at the committed head and counts as many events).
// Nothing is trusted page by page: the pages' leaves are kept in order, and
// the last page's inclusion proof and heads proof speak for all of them, so
// a page left out, repeated or cut short breaks the chain or the count.
//
//   HistoryPages pages(household);
//   for (std::optional<uint64_t> from = 0; from;) from = pages.Add(page_starting_at(*from), *from);
//   ReadHistory(pages.Combined(), household);
#pragma once

#include <capnp/message.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/status.h"
#include "ledger/net/protocol_codec.h"

namespace ledger::net {

class HistoryPages {
 public:
  explicit HistoryPages(std::string household) : household_(std::move(household)) {}

  // Takes the page asked for with fromSeq `from` (copied: the reply may go
  // away). Returns the fromSeq of the next page, or nullopt when this one
  // says it is the last. BAD_REPLY when the server's next page would not
  // move on (a page without events, or a next seq not after `from`).
  StatusOr<std::optional<uint64_t>> Add(protocol::HouseholdHistory::Reader page, uint64_t from);

  // Every page's leaves in order, with the last page's proof and heads.
  protocol::HouseholdHistory::Reader Combined();

  size_t pages() const { return pages_; }

  static constexpr uint64_t kMaxHistoryBytes = uint64_t{1} << 30;

 private:
  static constexpr size_t kHeadBytes = 48;   // seq || leaf hash || count (docs/formats.md §7)
  std::string household_;
  std::vector<std::string> leaves_;
  capnp::MallocMessageBuilder last_;   // the last page's proof and heads
  capnp::MallocMessageBuilder combined_;
  size_t pages_ = 0;
  uint64_t bytes_ = 0;       // leaves kept so far
  uint64_t max_count_ = 0;   // 1 + the largest event count a page's head claims (0: none yet)
};

}  // namespace ledger::net
