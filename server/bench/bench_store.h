// The store ledger-net-bench serves, and the keys that sign valid events
// for it: a fresh store, or an existing one (use a copy: the bench appends
// to it).
//
//   ASSIGN_OR_RETURN(BenchStore s, BenchStore::Existing("/work/bench-stores/net-10m", "PHO-33", work_dir));
//   std::vector<std::string> ev = s.SignNewHouseholds(s.size(), 1000, 2);   // 1,000 signed events
//   ledgerd --data s.dir() --server-key s.server_key_path() ...
//
// Existing stores come in two layouts, recognised by their files:
//   * ledger-seed's: DIR/keys/server.pem, DIR/keys/officers/<id>.pem, where
//     the officers of agency "PHO-33" are "PHO-33DD-NN" (DD: district);
//   * ledger-bench's proof stores (BENCH_COMPLETE file): agency PHO-33 and
//     officers off-00..off-07, keys derived from labels as in
//     tools/bench/workload.cc.
// Either way the server key must be the store's (WRONG_SERVER_KEY) and each
// officer used must be registered in the store.
//
// The events are HouseholdTargeted of households that no seeded or
// ledger-bench store holds (house codes DDDD9NNNNNN, 1 M in a district of
// the agency's province, then the next district), numbered from `first`:
// take it from ReserveHouseholds, which keeps the next free number in
// DIR/NET_BENCH_NEXT, so that another run on the same copy targets other
// households and makes other idempotency keys.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "ledger/crypto.h"
#include "ledger/ledger.h"
#include "ledger/status.h"

namespace ledger::bench {

struct BenchOfficer {
  std::string id;
  std::shared_ptr<const PrivateKey> key;
};

class BenchStore {
 public:
  // A new store at `dir` with agency PHO-33 and one officer registered; its
  // server key is written to DIR/keys/server.pem.
  static StatusOr<BenchStore> Create(const std::string& dir);
  // An existing store (layouts above); a derived server key is written to
  // `work_dir`/server.pem for ledgerd.
  static StatusOr<BenchStore> Existing(const std::string& dir, const std::string& agency, const std::string& work_dir);

  const std::string& dir() const { return dir_; }
  const std::string& layout() const { return layout_; }   // "fresh", "ledger-seed", "ledger-bench"
  const std::string& agency() const { return agency_; }
  const std::vector<BenchOfficer>& officers() const { return officers_; }
  const std::string& server_key_path() const { return server_key_path_; }
  StatusOr<PrivateKey> ServerKey() const { return PrivateKey::LoadPemFile(server_key_path_); }
  const std::string& vkey() const { return vkey_; }   // the server's note verifier key
  uint64_t size() const { return size_; }             // events when opened

  // The first of `count` new household numbers no run has used on this
  // store (written to DIR/NET_BENCH_NEXT).
  StatusOr<uint64_t> ReserveHouseholds(uint64_t count) const;
  // The sub-district and house code of new household `i`.
  const std::string& Subdistrict(uint64_t i) const;
  std::string House(uint64_t i) const;
  // HouseholdTargeted of new households [first, first + count), signed by
  // the officers in turn, on `threads` threads.
  std::vector<std::string> SignNewHouseholds(uint64_t first, uint64_t count, unsigned threads) const;

 private:
  // Reads size and verifier key, checks the server key and the officers;
  // lists the sub-districts of new households.
  Status Check();

  std::string dir_, layout_, agency_, server_key_path_, vkey_;
  std::vector<BenchOfficer> officers_;
  std::vector<std::string> subdistricts_;   // one per district of the agency's province
  uint64_t size_ = 0;
};

}  // namespace ledger::bench
