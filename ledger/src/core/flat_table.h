// The library's one hash table: open addressing with linear probing over a
// power-of-two array kept at most half full, so a lookup touches one cache
// line where a node-based map touches several, and Prefetch() can bring
// that line in while earlier work goes on (the projection fold and the
// verifier's in-order stage look up one household per event).
//
//   struct Slot { uint64_t key = 0; Household* value = nullptr; };
//   struct SlotTraits {
//     static Slot Free() { return {}; }
//     static bool IsFree(const Slot& s) { return s.key == 0; }
//     static uint64_t HashOf(const Slot& s) { return Mix(s.key); }
//   };
//   FlatTable<Slot, SlotTraits> table;
//   auto [slot, added] = table.FindOrClaim(Mix(k), [&](const Slot& s) { return s.key == k; });
//   if (added) *slot = {k, h};            // a claimed slot must be filled in
//
// Entries are plain data and move when the table grows: pointers into it
// are valid until the next FindOrClaim. No erase (nothing here needs it).
// Not synchronised.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace ledger {

template <typename Entry, typename Traits>
class FlatTable {
 public:
  explicit FlatTable(size_t min_slots = 1024) : min_slots_(std::bit_ceil(std::max<size_t>(min_slots, 2))) {}

  // Brings the slot where `hash` starts probing into the CPU cache.
  void Prefetch(uint64_t hash) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash & mask_]);
  }

  // The entry `same` matches, probing from `hash`; nullptr if absent.
  template <typename Same>
  const Entry* Find(uint64_t hash, Same same) const {
    if (slots_.empty()) return nullptr;
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      const Entry& e = slots_[i];
      if (Traits::IsFree(e)) return nullptr;
      if (same(e)) return &e;
    }
  }

  // The entry `same` matches and false; or a free slot claimed for it and
  // true, which the caller fills in (so that it is no longer free).
  template <typename Same>
  std::pair<Entry*, bool> FindOrClaim(uint64_t hash, Same same) {
    if ((size_ + 1) * 2 > slots_.size()) Grow();
    for (size_t i = hash & mask_;; i = (i + 1) & mask_) {
      Entry& e = slots_[i];
      if (Traits::IsFree(e)) {
        ++size_;
        return {&e, true};
      }
      if (same(e)) return {&e, false};
    }
  }

  size_t size() const { return size_; }
  void Clear() {
    slots_.clear();
    size_ = 0;
    mask_ = 0;
  }

 private:
  void Grow() {
    std::vector<Entry> old = std::move(slots_);
    slots_.assign(std::max(min_slots_, old.size() * 2), Traits::Free());
    mask_ = slots_.size() - 1;
    for (const Entry& e : old) {
      if (Traits::IsFree(e)) continue;
      size_t i = Traits::HashOf(e) & mask_;
      while (!Traits::IsFree(slots_[i])) i = (i + 1) & mask_;
      slots_[i] = e;
    }
  }

  size_t min_slots_;
  std::vector<Entry> slots_;   // empty, or a power of two at most half full
  size_t size_ = 0;
  size_t mask_ = 0;
};

}  // namespace ledger
