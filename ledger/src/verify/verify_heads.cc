// The heads map audit (verify_heads.h).
#include "verify/verify_heads.h"

#include <fmt/format.h>
#include <rocksdb/db.h>

#include <memory>

#include "ledger/heads.h"

namespace ledger::verifier {

void HeadsAudit::Add(uint64_t seq, std::string_view household, EventKind kind, std::string_view registry_subject,
                     const std::optional<Hash>& heads_root, const Hash& leaf_hash) {
  // Events before `seq` have been judged by now.
  for (; !diverged_ && judged_from_ < seq; ++judged_from_) diverged_ = unreliable_(judged_from_);
  if (diverged_) return;
  if (heads_root) {
    map_.SetMany(batch_.updates());
    batch_.Clear();
    const Hash want = map_.Root();
    if (*heads_root != want) {
      sink_->Add(SeqProblem("heads_root", seq,
                            fmt::format("event {}: headsRoot {}… is not the root {}… of the heads map over events "
                                        "0..{}",
                                        seq, ShortHash(*heads_root), ShortHash(want), seq == 0 ? 0 : seq - 1)));
    }
    if (!first_root_) first_root_ = seq;
    roots_.insert(seq);
  }
  last_begin_ = batch_.updates().size();
  for (const auto& e : heads::EntitiesOf(household, kind, registry_subject)) batch_.Add(e.key(), seq, leaf_hash);
}

void HeadsAudit::Finish(const Store& store, uint64_t size) {
  for (; !diverged_ && judged_from_ < size; ++judged_from_) diverged_ = unreliable_(judged_from_);
  if (diverged_) return;
  // Every checkpoint since the first heads root commits to the heads.
  if (first_root_) {
    std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(kCfCheckpoints)));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != 8) continue;
      const uint64_t cp = ReadBigEndian64(std::string_view(it->key().data(), 8));
      if (cp == 0 || cp - 1 < *first_root_ || cp > size) continue;
      if (!roots_.count(cp - 1)) {
        sink_->Add(SeqProblem("heads_root", cp - 1,
                              fmt::format("event {} ends the checkpoint of size {} but carries no heads root", cp - 1,
                                          cp)));
      }
    }
  }
  // The stored map: every event but the last.
  if (!store.has(kCfHeads)) return;
  auto& updates = batch_.updates();
  map_.SetMany(std::span<const heads::HeadsMap::Entry>(updates.data(), std::min(last_begin_, updates.size())));
  const auto want = map_.Entries();
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(rocksdb::ReadOptions(), store.cf(kCfHeads)));
  size_t i = 0, wrong = 0;
  std::string first;
  auto note = [&](std::string what) {
    if (wrong++ == 0) first = std::move(what);
  };
  it->SeekToFirst();
  if (!it->Valid() && size > 0 && !first_root_) return;   // a store from before the heads map, never opened since
  for (; it->Valid(); it->Next()) {
    const std::string_view key(it->key().data(), it->key().size());
    const std::string_view value(it->value().data(), it->value().size());
    while (i < want.size() && std::string_view(reinterpret_cast<const char*>(want[i].first.data()), 32) < key) {
      note(fmt::format("the head of key {}… is missing", ShortHash(want[i].first)));
      ++i;
    }
    if (i < want.size() && std::string_view(reinterpret_cast<const char*>(want[i].first.data()), 32) == key) {
      auto head = heads::DecodeHead(value);
      if (!head.ok() || !(*head == want[i].second)) {
        note(fmt::format("the head of key {}… is not that of the events", ShortHash(want[i].first)));
      }
      ++i;
    } else {
      note("a head for a key no event has");
    }
  }
  for (; i < want.size(); ++i) note(fmt::format("the head of key {}… is missing", ShortHash(want[i].first)));
  if (wrong > 0) {
    sink_->Add(PlainProblem("heads", fmt::format("the heads column family differs from the events in {} entries; "
                                                 "first: {}",
                                                 wrong, first)));
  }
}

}  // namespace ledger::verifier
