// A stream of events that pass the domain rules, for tests that need many
// events of realistic shape: each batch targets new households
// (HouseholdTargeted) and visits households targeted in earlier,
// acknowledged batches (HouseholdVisited).
//
//   EventMix mix(/*seed=*/5, world.Officer(), /*first_house=*/0, /*houses=*/10000);
//   auto results = ledger.Append(mix.NextBatch(50));
//   if (all ok) mix.Acknowledged();
//
// House codes are World::HouseCode(first_house), (first_house + 1), ...; give
// each concurrent stream (and each run on the same store) its own range, and
// its own seed (the seed makes the idempotency keys).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "ledger/testing/event_factory.h"
#include "support/test_ledger.h"

namespace ledger::testing {

class EventMix {
 public:
  EventMix(uint64_t seed, EventSigner signer, uint64_t first_house, uint64_t houses)
      : factory_(seed), rng_(seed), signer_(std::move(signer)), first_house_(first_house), houses_(houses) {}

  // `n` events: about half visits (once something was targeted), half new
  // households (while the range lasts).
  std::vector<std::string> NextBatch(size_t n) {
    std::vector<std::string> events;
    for (size_t i = 0; i < n; ++i) {
      bool visit = !targeted_.empty() && (rng_() % 2 == 0 || next_house_ >= houses_);
      if (!visit && next_house_ >= houses_) break;  // nothing left to do
      if (visit) {
        const std::string& house = targeted_[rng_() % targeted_.size()];
        events.push_back(factory_.Make(signer_, house, kDay, [](schema::Payload::Builder p) {
          p.initHouseholdVisited().setPurpose("follow-up");
        }));
      } else {
        std::string house = World::HouseCode(static_cast<int>((first_house_ + next_house_++) % 10000000));
        events.push_back(factory_.HouseholdTargeted(signer_, house, "330101", 2565, {4, 22}, 4, kDay));
        pending_.push_back(std::move(house));
      }
    }
    return events;
  }

  // The last batch was stored: its new households may now be visited.
  void Acknowledged() {
    for (auto& h : pending_) targeted_.push_back(std::move(h));
    pending_.clear();
  }

 private:
  EventFactory factory_;
  std::mt19937_64 rng_;
  EventSigner signer_;
  uint64_t first_house_;
  uint64_t houses_;
  uint64_t next_house_ = 0;
  std::vector<std::string> targeted_;
  std::vector<std::string> pending_;
};

}  // namespace ledger::testing
