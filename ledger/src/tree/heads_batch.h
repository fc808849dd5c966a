// One group's updates to the heads map (docs/formats.md §7): each event
// makes itself the head of every entity it is about, one count more than the
// head before it (in the map, or earlier in the same group). Used by the
// appender, the rebuild at open and the verifier. Internal to the library.
//
//   HeadsBatch b(map);
//   for (const auto& e : heads::EntitiesOf(info)) b.Add(e.key(), seq, leaf_hash);
//   map.SetMany(b.updates());
#pragma once

#include <cstring>
#include <unordered_map>
#include <vector>

#include "tree/heads_map.h"

namespace ledger::heads {

class HeadsBatch {
 public:
  explicit HeadsBatch(const HeadsMap& map) : map_(&map) {}

  void Add(const Hash& key, uint64_t seq, const Hash& leaf_hash) {
    std::optional<Head> prev;
    if (auto it = latest_.find(key); it != latest_.end()) {
      prev = updates_[it->second].second;
    } else {
      prev = map_->Get(key);
    }
    latest_[key] = updates_.size();
    updates_.push_back({key, Head{seq, leaf_hash, prev ? prev->count + 1 : 1}});
  }

  // A head already computed (the previous group's last event, carried over).
  void AddHead(const Hash& key, const Head& head) {
    latest_[key] = updates_.size();
    updates_.push_back({key, head});
  }

  // In event order; a key may repeat (SetMany keeps the last).
  std::vector<HeadsMap::Entry>& updates() { return updates_; }
  bool empty() const { return updates_.empty(); }
  void Clear() {
    updates_.clear();
    latest_.clear();
  }

 private:
  struct KeyHash {
    size_t operator()(const Hash& h) const {
      size_t v;
      std::memcpy(&v, h.data(), sizeof v);   // keys are SHA-256 outputs
      return v;
    }
  };
  const HeadsMap* map_;
  std::unordered_map<Hash, size_t, KeyHash> latest_;
  std::vector<HeadsMap::Entry> updates_;
};

}  // namespace ledger::heads
