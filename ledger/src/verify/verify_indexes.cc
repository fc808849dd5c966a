#include "verify/verify_indexes.h"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include "ledger/event.h"

namespace ledger {
namespace {

constexpr int kBucketShift = 10;  // 1,024 seqs per bucket
constexpr uint64_t kMaxDenseBuckets = uint64_t{1} << 16;  // 67 M seqs; 12 MiB for both sides

constexpr Cf kFamilyCf[IndexAudit::kFamilyCount] = {kCfIdempotency, kCfByHousehold, kCfByAgency,
                                                    kCfByOfficer};
constexpr char kFamilyTag[IndexAudit::kFamilyCount] = {'I', 'H', 'A', 'O'};

const char* FamilyName(IndexAudit::Family f) { return CfName(kFamilyCf[f]); }
const char* ProblemKind(IndexAudit::Family f) {
  return f == IndexAudit::kIdempotency ? "idempotency" : "index";
}

using Entry = std::pair<std::string, std::string>;  // key, value

// Calls f(family, key, value) for every entry event `seq` implies (the
// appender's puts, appender.cc).
template <typename F>
void ForEachImpliedEntry(uint64_t seq, std::string_view household, std::string_view agency,
                         std::string_view officer, std::string_view idempotency_key, F&& f) {
  f(IndexAudit::kIdempotency, idempotency_key, std::string_view(BigEndian64(seq)));
  if (!household.empty()) f(IndexAudit::kByHousehold, std::string_view(IndexKey(household, seq)), {});
  f(IndexAudit::kByAgency, std::string_view(IndexKey(agency, seq)), {});
  if (!officer.empty()) f(IndexAudit::kByOfficer, std::string_view(IndexKey(officer, seq)), {});
}

// The seq a stored entry names, or nullopt when the entry is malformed.
std::optional<uint64_t> EntrySeq(IndexAudit::Family family, std::string_view key, std::string_view value) {
  if (family == IndexAudit::kIdempotency) {
    if (value.size() != 8) return std::nullopt;
    return ReadBigEndian64(value);
  }
  if (key.size() < 9 || key[key.size() - 9] != '\0') return std::nullopt;
  return ReadBigEndian64(key.substr(key.size() - 8));
}

// Printable id: the id's text when it is plain, its hex otherwise.
std::string Printable(std::string_view s) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c != 0x7f; });
  return plain ? fmt::format("'{}'", s) : "0x" + ToHex(s);
}

std::string DescribeEntry(IndexAudit::Family family, std::string_view key, std::string_view value) {
  if (family == IndexAudit::kIdempotency) {
    std::string to = value.size() == 8 ? std::to_string(ReadBigEndian64(value)) : "0x" + ToHex(value);
    return fmt::format("{} -> {}", ToHex(key), to);
  }
  std::string_view id = key.size() >= 9 ? key.substr(0, key.size() - 9) : key;
  std::string out = Printable(id);
  if (!value.empty()) out += " with value 0x" + ToHex(value);
  return out;
}

}  // namespace

IndexAudit::IndexAudit(const Store& store, uint64_t events, ProblemSink* sink)
    : store_(store), events_(events), sink_(sink) {
  if (sodium_init() < 0) {
    // libsodium could not start; fall back to a key from the address space
    // layout (still unknown to whoever wrote the store).
    uint64_t a = reinterpret_cast<uintptr_t>(this), b = reinterpret_cast<uintptr_t>(&events);
    std::memcpy(key_.data(), &a, 8);
    std::memcpy(key_.data() + 8, &b, 8);
  } else {
    randombytes_buf(key_.data(), key_.size());
  }
  const size_t dense = static_cast<size_t>(std::min<uint64_t>(events >> kBucketShift, kMaxDenseBuckets) + 1);
  for (int f = 0; f < kFamilyCount; ++f) {
    expected_[f].dense.assign(dense, {});
    stored_[f].dense.assign(dense, {});
  }
}

IndexAudit::~IndexAudit() = default;

// What an entry's fingerprint hashes: tag || key length (4 BE) || key || value.
// `key_tail` is appended to `key` (so that the implied index keys
// id || 0x00 || seq need no allocation).
void IndexAudit::AddEntry(std::vector<std::pair<uint64_t, Fingerprint>>* out, Family family, uint64_t seq,
                          std::string_view key, std::string_view key_tail, std::string_view value) const {
  thread_local std::string buf;
  buf.clear();
  buf.push_back(kFamilyTag[family]);
  uint32_t n = static_cast<uint32_t>(key.size() + key_tail.size());
  for (int shift = 24; shift >= 0; shift -= 8) buf.push_back(static_cast<char>(n >> shift));
  buf.append(key);
  buf.append(key_tail);
  buf.append(value);
  uint64_t h[2];
  crypto_shorthash_siphashx24(reinterpret_cast<unsigned char*>(h),
                              reinterpret_cast<const unsigned char*>(buf.data()), buf.size(), key_.data());
  uint64_t bucket = seq >> kBucketShift;
  if (out->empty() || out->back().first != bucket) out->push_back({bucket, {}});
  Fingerprint& fp = out->back().second;
  ++fp.count;
  fp.lo += h[0];
  fp.hi += h[1];
}

void IndexAudit::AddExpected(Expected* part, uint64_t seq, std::string_view household, std::string_view agency,
                             std::string_view officer, std::string_view idempotency_key) const {
  // The entries of ForEachImpliedEntry, without building their keys.
  char seq_be[8];
  for (int i = 0; i < 8; ++i) seq_be[i] = static_cast<char>(seq >> (56 - 8 * i));
  char tail[9] = {'\0'};
  std::memcpy(tail + 1, seq_be, 8);
  const std::string_view seq_view(seq_be, 8), tail_view(tail, 9);
  AddEntry(&part->buckets[kIdempotency], kIdempotency, seq, idempotency_key, {}, seq_view);
  if (!household.empty()) AddEntry(&part->buckets[kByHousehold], kByHousehold, seq, household, tail_view, {});
  AddEntry(&part->buckets[kByAgency], kByAgency, seq, agency, tail_view, {});
  if (!officer.empty()) AddEntry(&part->buckets[kByOfficer], kByOfficer, seq, officer, tail_view, {});
}

void IndexAudit::Merge(const Expected& part) {
  std::lock_guard lock(mu_);
  for (int f = 0; f < kFamilyCount; ++f) {
    for (const auto& [bucket, fp] : part.buckets[f]) {
      Fingerprint& into = expected_[f].At(bucket);
      into.count += fp.count;
      into.lo += fp.lo;
      into.hi += fp.hi;
    }
  }
}

bool IndexAudit::ScanSlice(Family family, size_t max_entries) {
  Scan& scan = scans_[family];
  if (scan.done) return true;
  if (!scan.it) {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;
    ro.readahead_size = 256 << 10;  // as the verifier's event scan
    scan.it.reset(store_.db()->NewIterator(ro, store_.cf(kFamilyCf[family])));
    scan.it->SeekToFirst();
  }
  std::vector<std::pair<uint64_t, Fingerprint>> local;
  rocksdb::Iterator* it = scan.it.get();
  for (size_t n = 0; n < max_entries && it->Valid(); ++n, it->Next()) {
    std::string_view key(it->key().data(), it->key().size());
    std::string_view value(it->value().data(), it->value().size());
    std::optional<uint64_t> seq = EntrySeq(family, key, value);
    if (!seq) {
      sink_->Add(PlainProblem(ProblemKind(family), fmt::format("{} entry {} is malformed (no seq)",
                                                               FamilyName(family), DescribeEntry(family, key, value))));
    } else if (*seq >= events_) {
      sink_->Add(SeqProblem(ProblemKind(family), *seq,
                            fmt::format("{} entry {} points at event {}, beyond the last event {}", FamilyName(family),
                                        DescribeEntry(family, key, value), *seq, events_ == 0 ? 0 : events_ - 1)));
    } else {
      AddEntry(&local, family, *seq, key, {}, value);
    }
  }
  for (const auto& [bucket, fp] : local) {
    Fingerprint& into = stored_[family].At(bucket);  // only this family's scan writes here
    into.count += fp.count;
    into.lo += fp.lo;
    into.hi += fp.hi;
  }
  if (it->Valid()) return false;
  if (!it->status().ok()) {
    sink_->Add(PlainProblem("store", FromRocks(it->status(), std::string("reading ") + FamilyName(family)).message()));
  }
  scan.done = true;
  scan.it.reset();
  return true;
}

void IndexAudit::Finish() {
  for (int f = 0; f < kFamilyCount; ++f) {
    std::vector<uint64_t> bad;
    for (size_t b = 0; b < expected_[f].dense.size(); ++b) {
      if (!(expected_[f].dense[b] == stored_[f].dense[b])) bad.push_back(b);
    }
    std::set<uint64_t> sparse;
    for (const auto& [b, _] : expected_[f].sparse) sparse.insert(b);
    for (const auto& [b, _] : stored_[f].sparse) sparse.insert(b);
    for (uint64_t b : sparse) {
      if (!(expected_[f].At(b) == stored_[f].At(b))) bad.push_back(b);
    }
    if (!bad.empty()) ExactCompare(static_cast<Family>(f), bad);
  }
}

void IndexAudit::ExactCompare(Family family, const std::vector<uint64_t>& bad_buckets) {
  std::set<uint64_t> bad(bad_buckets.begin(), bad_buckets.end());
  auto in_bad = [&](uint64_t seq) { return bad.count(seq >> kBucketShift) > 0; };

  // What the store holds for those buckets.
  std::map<uint64_t, std::vector<Entry>> stored;
  {
    std::unique_ptr<rocksdb::Iterator> it(store_.db()->NewIterator(rocksdb::ReadOptions(), store_.cf(kFamilyCf[family])));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size());
      std::string_view value(it->value().data(), it->value().size());
      std::optional<uint64_t> seq = EntrySeq(family, key, value);
      if (seq && *seq < events_ && in_bad(*seq)) stored[*seq].emplace_back(key, value);
    }
    if (!it->status().ok()) {
      sink_->Add(PlainProblem("store", FromRocks(it->status(), std::string("reading ") + FamilyName(family)).message()));
      return;
    }
  }

  // What the events imply for them.
  std::map<uint64_t, std::vector<Entry>> implied;
  std::set<uint64_t> present, unreadable;
  {
    std::unique_ptr<rocksdb::Iterator> it(store_.db()->NewIterator(rocksdb::ReadOptions(), store_.cf(kCfEvents)));
    for (uint64_t b : bad_buckets) {
      const uint64_t end = (b + 1) << kBucketShift;
      for (it->Seek(BigEndian64(b << kBucketShift)); it->Valid(); it->Next()) {
        if (it->key().size() != 8) continue;  // reported by the event checks
        uint64_t seq = ReadBigEndian64(std::string_view(it->key().data(), 8));
        if (seq >= end) break;
        present.insert(seq);
        StatusOr<EventInfo> e = DecodeEvent(std::string_view(it->value().data(), it->value().size()));
        if (!e.ok()) {
          unreadable.insert(seq);
          continue;
        }
        ForEachImpliedEntry(seq, e->household, e->agency, e->officer, e->idempotency_key,
                            [&](Family f, std::string_view key, std::string_view value) {
                              if (f == family) implied[seq].emplace_back(key, value);
                            });
      }
    }
    if (!it->status().ok()) {
      sink_->Add(PlainProblem("store", FromRocks(it->status(), "reading events").message()));
      return;
    }
  }

  std::set<uint64_t> seqs;
  for (const auto& [seq, _] : stored) seqs.insert(seq);
  for (const auto& [seq, _] : implied) seqs.insert(seq);
  for (uint64_t seq : seqs) {
    std::vector<Entry> have = stored[seq];
    std::vector<Entry> want = implied[seq];
    std::sort(have.begin(), have.end());
    std::sort(want.begin(), want.end());
    std::vector<Entry> extra, missing;
    std::set_difference(have.begin(), have.end(), want.begin(), want.end(), std::back_inserter(extra));
    std::set_difference(want.begin(), want.end(), have.begin(), have.end(), std::back_inserter(missing));
    const char* why = !present.count(seq)  ? "which is missing"
                      : unreadable.count(seq) ? "which does not decode"
                                              : "which does not imply it";
    for (const Entry& e : extra) {
      sink_->Add(SeqProblem(ProblemKind(family), seq,
                            fmt::format("{} entry {} points at event {}, {}", FamilyName(family),
                                        DescribeEntry(family, e.first, e.second), seq, why)));
    }
    for (const Entry& e : missing) {
      sink_->Add(SeqProblem(ProblemKind(family), seq,
                            fmt::format("event {} has no {} entry {}", seq, FamilyName(family),
                                        DescribeEntry(family, e.first, e.second))));
    }
  }
}

}  // namespace ledger
