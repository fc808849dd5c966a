#include "history_pages.h"

#include <fmt/format.h>

#include "ledger/reasons.h"

namespace ledger::net {

StatusOr<std::optional<uint64_t>> HistoryPages::Add(protocol::HouseholdHistory::Reader page, uint64_t from) {
  ++pages_;
  for (auto leaf : page.getLeaves()) leaves_.emplace_back(reinterpret_cast<const char*>(leaf.begin()), leaf.size());
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
