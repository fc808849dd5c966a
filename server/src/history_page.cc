#include "history_page.h"

#include <algorithm>

namespace ledger::net {

StatusOr<HistoryPage> ReadHistoryPage(const Ledger& ledger, const std::vector<uint64_t>& seqs, uint64_t from_seq,
                                      uint64_t limit, const HistoryPageLimits& limits) {
  const uint64_t most = std::max<uint64_t>(1, limit == 0 || limit > limits.max_events ? limits.max_events : limit);
  HistoryPage page;
  size_t bytes = 0;
  auto it = std::lower_bound(seqs.begin(), seqs.end(), from_seq);
  for (; it != seqs.end() && page.seqs.size() < most; ++it) {
    ASSIGN_OR_RETURN(std::string leaf, ledger.LeafBytes(*it));
    if (!page.seqs.empty() && bytes + leaf.size() > limits.max_bytes) break;
    bytes += leaf.size();
    page.seqs.push_back(*it);
    page.leaves.push_back(std::move(leaf));
  }
  page.next_seq = it == seqs.end() ? 0 : *it;
  return page;
}

}  // namespace ledger::net
