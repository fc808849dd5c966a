// RocksDB layout of a ledger store (DESIGN.md §5; docs/formats.md).
//
//   column family  key                              value
//   events         seq (8 bytes BE)                 leaf bytes (canonical Envelope)
//   merkle         level (1) || tile index (8 BE)   tile (see merkle_tiles.h)
//   idempotency    idempotency key (16 bytes)       seq (8 bytes BE)
//   by_household   house code || 0x00 || seq (BE)   empty
//   by_agency      agency code || 0x00 || seq (BE)  empty
//   by_officer     officer id || 0x00 || seq (BE)   empty
//   checkpoints    tree size (8 bytes BE)           signed checkpoint note
//   projection     (issue: projections)
//   snapshots      (issue: projections)
//   heads          heads map key (32 bytes)         head: seq (8 BE) || leaf hash || count (8 BE)
//                  (docs/formats.md §7; stores from before it get it on first open)
//   default        "meta/format_version"            decimal
//                  "meta/origin", "meta/key_name"   text
//                  "meta/server_public_key"         32 bytes
//                  "meta/root_public_key"           32 bytes
//                  "meta/insecure_keys"             "deterministic" (seed-derived keys), or absent
//
// Internal to the ledger library.
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/status.h"

namespace ledger {

enum Cf : int {
  kCfDefault = 0,
  kCfEvents,
  kCfMerkle,
  kCfIdempotency,
  kCfByHousehold,
  kCfByAgency,
  kCfByOfficer,
  kCfCheckpoints,
  kCfProjection,
  kCfSnapshots,
  kCfHeads,       // the last: older stores lack it (Store::Open adds it)
  kCfCount,
};

const char* CfName(Cf cf);

// Index key: id || 0x00 || seq (BE). Ids never contain 0x00 (checked at append).
std::string IndexKey(std::string_view id, uint64_t seq);

class Store {
 public:
  enum class Mode { kCreate, kReadWrite, kReadOnly };
  static StatusOr<std::unique_ptr<Store>> Open(const std::string& dir, Mode mode,
                                               size_t block_cache_bytes);
  ~Store();

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* cf(Cf c) const { return handles_[c]; }
  // False only for a store from before the heads map opened read-only.
  bool has(Cf c) const { return handles_[c] != nullptr; }
  const std::string& dir() const { return dir_; }

  // Get; nullopt when absent.
  StatusOr<std::optional<std::string>> Get(Cf c, std::string_view key) const;
  Status Write(rocksdb::WriteBatch* batch, bool sync);
  // Clears RocksDB's background error after a failed write or flush (it
  // flushes the memtables and starts a new WAL); OK when there is none.
  Status Resume();
  // RocksDB's stall and compaction figures (DB properties; LedgerStats).
  LedgerStats::Rocks Stats() const;
  // Number of events: last key in `events` + 1 (0 when empty).
  StatusOr<uint64_t> CountEvents() const;
  // Seqs from an index CF for `id`, ascending.
  StatusOr<std::vector<uint64_t>> IndexSeqs(Cf c, std::string_view id) const;

 private:
  Store() = default;
  std::string dir_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

// Converts a RocksDB status into ours: corruption -> DataLoss, IO -> Unavailable.
Status FromRocks(const rocksdb::Status& s, std::string_view what);

}  // namespace ledger
