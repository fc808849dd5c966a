// Part of the verifier (verify.h): checks that the idempotency and index
// column families hold exactly the entries the events imply (store.h):
//
//   idempotency   idempotency key             -> seq (8 bytes BE)   every event
//   by_household  household || 0x00 || seq BE -> ""                 events with a household
//   by_agency     agency || 0x00 || seq BE    -> ""                 every event
//   by_officer    officer || 0x00 || seq BE   -> ""                 events with an officer
//
// Fast path: each side is reduced to multiset fingerprints, one per bucket
// of 1,024 seqs: sums of a keyed SipHash-128 of every entry. The key is
// random per run, so stored data cannot be crafted to collide. Exact path,
// only for buckets whose fingerprints differ: the entries of those buckets
// are listed from both sides and compared one by one, naming the seq of
// every entry that differs.
//
//   IndexAudit audit(store, /*events=*/n, &sink);
//   IndexAudit::Expected part;                 // any thread, one per chunk
//   audit.AddExpected(&part, seq, household, agency, officer, idempotency_key);
//   audit.Merge(part);                          // thread-safe
//   while (!audit.ScanSlice(IndexAudit::kByAgency, 16384)) {}   // one thread per family
//   audit.Finish();                             // after every event and scan
//
// Internal to the ledger library.
#pragma once

#include <rocksdb/iterator.h>

#include <array>
#include <map>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"
#include "verify/verify_problems.h"

namespace ledger {

class IndexAudit {
 public:
  enum Family { kIdempotency = 0, kByHousehold, kByAgency, kByOfficer, kFamilyCount };

  struct Fingerprint {
    uint64_t count = 0;
    uint64_t lo = 0;
    uint64_t hi = 0;
    friend bool operator==(const Fingerprint&, const Fingerprint&) = default;
  };
  // Fingerprints of the entries implied by a run of events, by bucket.
  struct Expected {
    std::array<std::vector<std::pair<uint64_t, Fingerprint>>, kFamilyCount> buckets;
  };

  // `events`: the number of seqs in the log; entries naming a seq at or
  // beyond it are reported at once. `store` and `sink` must outlive this.
  IndexAudit(const Store& store, uint64_t events, ProblemSink* sink);
  ~IndexAudit();

  // Adds the entries event `seq` implies. Thread-safe (const on the audit).
  void AddExpected(Expected* part, uint64_t seq, std::string_view household, std::string_view agency,
                   std::string_view officer, std::string_view idempotency_key) const;
  void Merge(const Expected& part);

  // Reads up to `max_entries` more stored entries of `family`; true when
  // the family is done. Calls for one family must not overlap.
  bool ScanSlice(Family family, size_t max_entries);

  // Compares both sides and reports every difference. Call once, after the
  // last Merge and ScanSlice.
  void Finish();

 private:
  struct Scan {
    std::unique_ptr<rocksdb::Iterator> it;
    bool done = false;
  };
  // Fingerprints by bucket: a vector for the first 2^16 buckets (67 M
  // seqs), a map beyond, so that a bogus huge seq costs no memory.
  struct Buckets {
    std::vector<Fingerprint> dense;
    std::map<uint64_t, Fingerprint> sparse;
    Fingerprint& At(uint64_t bucket) { return bucket < dense.size() ? dense[bucket] : sparse[bucket]; }
  };

  void AddEntry(std::vector<std::pair<uint64_t, Fingerprint>>* out, Family family, uint64_t seq,
                std::string_view key, std::string_view key_tail, std::string_view value) const;
  void ExactCompare(Family family, const std::vector<uint64_t>& bad_buckets);

  const Store& store_;
  uint64_t events_;
  ProblemSink* sink_;
  std::array<uint8_t, 16> key_{};
  std::mutex mu_;
  std::array<Buckets, kFamilyCount> expected_;
  std::array<Buckets, kFamilyCount> stored_;
  std::array<Scan, kFamilyCount> scans_;
};

}  // namespace ledger
