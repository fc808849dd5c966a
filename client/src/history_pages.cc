#include "history_pages.h"

#include <fmt/format.h>

#include <algorithm>

#include "ledger/bytes.h"

#include "ledger/reasons.h"

namespace ledger::net {

StatusOr<std::optional<uint64_t>> HistoryPages::Add(protocol::HouseholdHistory::Reader page, uint64_t from) {
  ++pages_;
  // A server that never ends its pages must not take the client's memory:
  // no more events than the largest count a page's committed head claims
  // (plus the checkpoint's own last event), and never more than
  // kMaxHistoryBytes of leaves. A claimed count is checked at the end
  // (ReadHistory); here it only bounds what is kept.
  if (page.hasHeads() && page.getHeads().getHead().size() == kHeadBytes) {
    auto head = page.getHeads().getHead();
    const uint64_t count = ReadBigEndian64(std::string_view(reinterpret_cast<const char*>(head.begin()) + 40, 8));
    max_count_ = std::max(max_count_, count + 1);
  }
  for (auto leaf : page.getLeaves()) {
    bytes_ += leaf.size();
    if (bytes_ > kMaxHistoryBytes) {
      return ResourceExhaustedError(fmt::format("the history of {} passed {} MiB of events in {} pages; the client "
                                                "stops reading it",
                                                household_, kMaxHistoryBytes >> 20, pages_),
                                    reason::kBadReply);
    }
    leaves_.emplace_back(reinterpret_cast<const char*>(leaf.begin()), leaf.size());
  }
  if (max_count_ > 0 && leaves_.size() > max_count_) {
    return DataLossError(fmt::format("history pages of {} hold {} events, more than its committed head counts ({})",
                                     household_, leaves_.size(), max_count_ - 1),
                         reason::kIncompleteHistory);
  }
  auto last = last_.initRoot<protocol::HouseholdHistory>();
  if (page.hasProof()) last.setProof(page.getProof());
  if (page.hasHeads()) last.setHeads(page.getHeads());
  const uint64_t next = page.getNextSeq();
  if (next == 0) return std::optional<uint64_t>();
  if (page.getLeaves().size() == 0 || next <= from) {
    return DataLossError(fmt::format("history page {} of {} from seq {} names seq {} as the next page's start",
                                     pages_, household_, from, next),
                         reason::kBadReply);
  }
  return std::optional<uint64_t>(next);
}

protocol::HouseholdHistory::Reader HistoryPages::Combined() {
  auto out = combined_.initRoot<protocol::HouseholdHistory>();
  out.setHousehold(household_);
  auto list = out.initLeaves(static_cast<unsigned>(leaves_.size()));
  for (size_t i = 0; i < leaves_.size(); ++i) {
    list.set(static_cast<unsigned>(i),
             capnp::Data::Reader(reinterpret_cast<const uint8_t*>(leaves_[i].data()), leaves_[i].size()));
  }
  auto last = last_.getRoot<protocol::HouseholdHistory>().asReader();
  if (last.hasProof()) out.setProof(last.getProof());
  if (last.hasHeads()) out.setHeads(last.getHeads());
  return out.asReader();
}

}  // namespace ledger::net
