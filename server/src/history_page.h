// One page of a household's history (docs/protocol.md §3.2), for the frame
// protocol's householdHistory / householdStatus and the HTTP history route:
// the events from a seq on, oldest first, bounded in count and in bytes so
// that no household outgrows a frame, and where the next page starts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/status.h"

namespace ledger::net {

struct HistoryPage {
  std::vector<uint64_t> seqs;
  std::vector<std::string> leaves;   // leaf bytes of `seqs`
  uint64_t next_seq = 0;             // the seq the next page starts at; 0: none
};

struct HistoryPageLimits {
  size_t max_events = 10000;     // ServerOptions::history_page_events
  size_t max_bytes = 4u << 20;   // ServerOptions::history_page_bytes
};

// The page of `seqs` (a household's seqs, ascending) that starts at the
// first seq >= `from_seq`: at most `limit` events (0, or above
// limits.max_events: limits.max_events) and limits.max_bytes of leaves, but
// at least one event when any is left.
StatusOr<HistoryPage> ReadHistoryPage(const Ledger& ledger, const std::vector<uint64_t>& seqs, uint64_t from_seq,
                                      uint64_t limit, const HistoryPageLimits& limits);

}  // namespace ledger::net
