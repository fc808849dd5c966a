#include "store/store.h"
#include "store/info_log.h"
#include "ledger/reasons.h"
#include "ledger/store_limits.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/options_util.h>

#include <cstdlib>
#include <filesystem>
#include <map>

namespace ledger {
namespace {

constexpr const char* kCfNames[kCfCount] = {
    "default",      "events",    "merkle",      "idempotency", "by_household",
    "by_agency",    "by_officer", "checkpoints", "projection",  "snapshots",
    "heads",
};

// Per column family tuning (docs/PERFORMANCE.md). The CFs that take small
// entries at random positions on every append (idempotency keys, index
// entries, projection rows) get small memtables: a skiplist that stays in
// the CPU caches makes each insert several times cheaper on the reference
// machine than one of 64 MiB. Lookups that usually miss (a new idempotency
// key, the projection row of a new household) get a whole-key bloom filter
// in the memtable. Index CFs are only scanned, never probed by key, so their
// SST files carry no bloom filter.
rocksdb::ColumnFamilyOptions CfOptions(int cf, const rocksdb::ColumnFamilyOptions& base,
                                       const std::shared_ptr<rocksdb::TableFactory>& unfiltered) {
  rocksdb::ColumnFamilyOptions o = base;
  switch (cf) {
    case kCfIdempotency:
    case kCfProjection:
      o.write_buffer_size = 4 << 20;
      o.max_write_buffer_number = 4;
      o.memtable_prefix_bloom_size_ratio = 0.05;
      o.memtable_whole_key_filtering = true;
      break;
    case kCfByHousehold:
    case kCfByAgency:
    case kCfByOfficer:
      o.write_buffer_size = 4 << 20;
      o.max_write_buffer_number = 4;
      o.table_factory = unfiltered;
      break;
    case kCfEvents:
      o.optimize_filters_for_hits = true;  // an event is read only when it exists
      break;
    default:
      break;
  }
  return o;
}

// RocksDB recovers from ENOSPC by itself only once the free space exceeds
// every column family's largest memtables together (over a GiB here), polled
// every 5 s, and refuses a manual DB::Resume() (Busy) while it waits: on a
// small disk appends never came back. The ledger resumes it instead
// (Ledger::Impl::Recover, when appends arrive and the floor is met).
class ManualRecovery final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) override {
    *auto_recovery = false;
  }
};

}  // namespace

const char* CfName(Cf cf) { return kCfNames[cf]; }

std::string IndexKey(std::string_view id, uint64_t seq) {
  std::string k;
  k.reserve(id.size() + 9);
  k.append(id);
  k.push_back('\0');
  AppendBigEndian64(&k, seq);
  return k;
}

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return OkStatus();
  std::string msg = std::string(what) + ": " + s.ToString();
  if (s.IsCorruption()) return DataLossError(msg, reason::kStoreCorrupt);
  if (s.IsNotFound()) return NotFoundError(msg);
  if (s.IsInvalidArgument()) return InvalidArgumentError(msg);
  // ENOSPC (RocksDB maps it to IOError/kNoSpace) and every other I/O error:
  // retryable, the ledger resumes by itself once the cause is gone
  // (appender.cc, Ledger::Impl::Recover).
  if (s.IsNoSpace() || s.ToString().find("No space left") != std::string::npos) {
    return UnavailableError(msg, reason::kStoreFull);
  }
  if (s.IsIOError()) return UnavailableError(msg, reason::kStoreIo);
  return InternalError(msg);
}

namespace {
// Opening: a file the store needs (the MANIFEST named by CURRENT, an SST
// file) that is missing means a damaged store, not a passing I/O problem.
Status OpenError(const rocksdb::Status& s, const std::string& dir) {
  if (s.IsPathNotFound()) {
    return DataLossError("opening " + dir + ": a store file is missing: " + s.ToString(), reason::kStoreCorrupt);
  }
  return FromRocks(s, "opening " + dir);
}
}  // namespace

StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir, Mode mode,
                                             size_t block_cache_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  bool has_db = fs::exists(fs::path(dir) / "CURRENT", ec);
  if (mode == Mode::kCreate) {
    if (has_db) return AlreadyExistsError(dir + " already holds a store", reason::kStoreExists);
    if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
      return FailedPreconditionError(dir + " exists and is not empty", reason::kNotEmpty);
    }
  } else if (!has_db) {
    if (!fs::exists(dir, ec)) return NotFoundError(dir + ": no such directory", reason::kNoStore);
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      if (entry.path().filename().string().starts_with("MANIFEST-")) {
        return DataLossError(dir + " holds RocksDB files but no CURRENT file: the store is damaged",
                             reason::kStoreCorrupt);
      }
    }
    return FailedPreconditionError(dir + " is not a ledger store (no RocksDB CURRENT file)", reason::kNotAStore);
  }

  rocksdb::Options db_options;
  db_options.create_if_missing = mode == Mode::kCreate;
  db_options.create_missing_column_families = mode == Mode::kCreate;
  db_options.paranoid_checks = true;
  db_options.max_background_jobs = 2;
  // Bounded table files: ledgerd sizes its connection cap to the file limit
  // minus this (ledger.h).
  db_options.max_open_files = kStoreMaxOpenFiles;
  db_options.bytes_per_sync = 1 << 20;
  // No preallocation: with it, RocksDB reserves about 1.1 x the write
  // buffer (70 MiB) for each new WAL file and 4 MiB for the MANIFEST, so a
  // file system with tens of MiB free reported ENOSPC after ten events
  // (docs/operations.md, "Storage faults").
  db_options.allow_fallocate = false;
  // RocksDB's own info log aborts the process on the line after a failed
  // write of it (info_log.h). A read-only open (ledger-verify, ledger-replay
  // beside ledgerd) keeps RocksDB's default, which leaves the store's files
  // alone.
  if (mode == Mode::kCreate) fs::create_directories(dir, ec);
  if (mode != Mode::kReadOnly) db_options.info_log = OpenInfoLog(dir);
  db_options.listeners.push_back(std::make_shared<ManualRecovery>());
  // A WAL file can be deleted only once every column family with data in it
  // has flushed; the small, slow-filling ones (checkpoints, merkle, ...)
  // would otherwise keep hundreds of MiB of WAL alive, which every open
  // (ledgerd's restart after a crash, ledger-verify, ledger-replay) must
  // replay into memory first. Past this total RocksDB flushes them.
  db_options.max_total_wal_size = 64 << 20;
  // All memtables together: without a cap each column family may hold two
  // 64 MiB memtables, and ledgerd's RSS under sustained appends passed
  // 700 MiB at 10 M events (docs/PERFORMANCE.md §3). Past this RocksDB
  // flushes the largest.
  db_options.db_write_buffer_size = 96 << 20;

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.cache_index_and_filter_blocks = true;
  // Partitioned index and filters (4 KiB pieces, top level pinned): with one
  // big filter block per SST file, a store of a few million events evicts
  // multi-MiB filter blocks from the cache, and every append's idempotency
  // lookup read one back and checksummed it (docs/PERFORMANCE.md).
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_top_level_index_and_filter = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  rocksdb::ColumnFamilyOptions cf_options;
  cf_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf_options.write_buffer_size = 64 << 20;
  cf_options.compression = rocksdb::kNoCompression;

  table.filter_policy.reset();
  std::shared_ptr<rocksdb::TableFactory> unfiltered(rocksdb::NewBlockBasedTableFactory(table));

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (int i = 0; i < kCfCount; ++i) descriptors.emplace_back(kCfNames[i], CfOptions(i, cf_options, unfiltered));
  bool heads_missing = false;

  if (mode != Mode::kCreate) {
    // A directory with a RocksDB but without our column families is not a
    // ledger; one with only some of them is a damaged ledger (e.g. a
    // truncated MANIFEST).
    std::vector<std::string> existing;
    auto s = rocksdb::DB::ListColumnFamilies(db_options, dir, &existing);
    if (!s.ok()) return OpenError(s, dir);
    auto has = [&](int i) { return std::find(existing.begin(), existing.end(), kCfNames[i]) != existing.end(); };
    bool any_ours = false;
    for (int i = kCfDefault + 1; i < kCfCount; ++i) any_ours = any_ours || has(i);
    for (int i = 0; i < kCfCount; ++i) {
      if (has(i)) continue;
      if (i == kCfHeads && any_ours) {
        // A store from before the heads map: read-write adds the column
        // family (the ledger fills it), read-only goes without.
        heads_missing = true;
        continue;
      }
      if (any_ours) {
        return DataLossError(dir + ": column family '" + kCfNames[i] + "' is missing: the store is damaged",
                             reason::kStoreCorrupt);
      }
      return FailedPreconditionError(
          dir + " is not a ledger store (column family '" + kCfNames[i] + "' missing)", reason::kNotAStore);
    }
  }

  auto store = std::unique_ptr<Store>(new Store());
  store->dir_ = dir;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (heads_missing && mode == Mode::kReadOnly) descriptors.pop_back();
  if (heads_missing && mode == Mode::kReadWrite) db_options.create_missing_column_families = true;
  if (mode == Mode::kReadOnly) {
    s = rocksdb::DB::OpenForReadOnly(db_options, dir, descriptors, &store->handles_, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, dir, descriptors, &store->handles_, &raw);
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return UnavailableError(dir + " is in use by another process: " + s.ToString(), reason::kStoreLocked);
    }
    return OpenError(s, dir);
  }
  store->db_.reset(raw);
  while (store->handles_.size() < kCfCount) store->handles_.push_back(nullptr);
  return store;
}

Store::~Store() {
  if (db_) {
    for (auto* h : handles_) {
      if (h) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
    }
    db_->Close().PermitUncheckedError();
  }
}

StatusOr<std::optional<std::string>> Store::Get(Cf c, std::string_view key) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), handles_[c], rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return FromRocks(s, std::string("reading ") + kCfNames[c]);
  return std::optional<std::string>(std::move(value));
}

Status Store::Resume() { return FromRocks(db_->Resume(), "resuming the store after a write failure"); }

LedgerStats::Rocks Store::Stats() const {
  using P = rocksdb::DB::Properties;
  LedgerStats::Rocks r;
  auto db_int = [&](const std::string& name) {
    uint64_t v = 0;
    return db_->GetIntProperty(name, &v) ? v : 0;
  };
  auto summed = [&](const std::string& name) {
    uint64_t v = 0;
    return db_->GetAggregatedIntProperty(name, &v) ? v : 0;
  };
  // A map property's value, as RocksDB prints it ("12", "0.007095").
  auto number = [](const std::map<std::string, std::string>& m, const std::string& key) {
    auto it = m.find(key);
    return it == m.end() ? 0.0 : std::strtod(it->second.c_str(), nullptr);
  };
  r.delayed_write_rate = db_int(P::kActualDelayedWriteRate);
  r.write_stopped = db_int(P::kIsWriteStopped) != 0;
  r.running_compactions = db_int(P::kNumRunningCompactions);
  r.running_flushes = db_int(P::kNumRunningFlushes);
  r.background_errors = db_int(P::kBackgroundErrors);
  r.compactions_pending = summed(P::kCompactionPending);
  r.pending_compaction_bytes = summed(P::kEstimatePendingCompactionBytes);
  r.sst_bytes = summed(P::kTotalSstFilesSize);
  r.memtable_bytes = summed(P::kCurSizeAllMemTables);
  std::map<std::string, std::string> m;
  if (db_->GetMapProperty(P::kDBStats, &m)) {
    r.write_stall_micros = static_cast<uint64_t>(number(m, "db.user_write_stall_micros"));
  }
  for (rocksdb::ColumnFamilyHandle* h : handles_) {
    m.clear();
    if (h == nullptr || !db_->GetMapProperty(h, P::kCFStats, &m)) continue;
    r.stall_slowdowns += static_cast<uint64_t>(number(m, "io_stalls.total_slowdown"));
    r.stall_stops += static_cast<uint64_t>(number(m, "io_stalls.total_stop"));
    r.compactions += static_cast<uint64_t>(number(m, "compaction.Sum.CompCount"));
    r.compaction_seconds += number(m, "compaction.Sum.CompSec");
  }
  return r;
}

Status Store::Write(rocksdb::WriteBatch* batch, bool sync) {
  rocksdb::WriteOptions wo;
  wo.sync = sync;
  return FromRocks(db_->Write(wo, batch), "writing batch");
}

StatusOr<uint64_t> Store::CountEvents() const {
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[kCfEvents]));
  it->SeekToLast();
  if (!it->status().ok()) return FromRocks(it->status(), "reading events");
  if (!it->Valid()) return uint64_t{0};
  if (it->key().size() != 8) return DataLossError("events: malformed key of " + std::to_string(it->key().size()) + " bytes", reason::kBadKey);
  return ReadBigEndian64(std::string_view(it->key().data(), 8)) + 1;
}

StatusOr<std::vector<uint64_t>> Store::IndexSeqs(Cf c, std::string_view id) const {
  std::string prefix(id);
  prefix.push_back('\0');
  std::vector<uint64_t> seqs;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), handles_[c]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (it->key().size() != prefix.size() + 8) return DataLossError("malformed index key", reason::kBadKey);
    seqs.push_back(ReadBigEndian64(std::string_view(it->key().data() + prefix.size(), 8)));
  }
  if (!it->status().ok()) return FromRocks(it->status(), std::string("reading ") + kCfNames[c]);
  return seqs;
}

}  // namespace ledger
