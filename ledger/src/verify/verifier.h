// The offline verifier's engine (verify.h), internal to the ledger
// library. One Verifier runs once over one store:
//
//   verifier::Verifier v(ledger, options);
//   Status s = v.Run(&report);
//
// Its work is split by what it reads:
//   verify.cc         reading chunks, decoding, the in-order checks of each
//                     event (chain, household links, trust chain, tree) and Run;
//   verify_stored.cc  what the store keeps beside the events: checkpoints,
//                     tiles, the key registry, and the signature tasks.
#pragma once

#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>
#include <sodium.h>

#include <array>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "append/ledger_internal.h"
#include "ledger/merkle.h"
#include "ledger/note.h"
#include "ledger/verify.h"
#include "rules/menu.h"
#include "trust/registry.h"
#include "verify/verify_chunks.h"
#include "verify/verify_heads.h"
#include "verify/verify_indexes.h"
#include "verify/verify_problems.h"
#include "verify/verify_projections.h"

namespace ledger::verifier {

// Events of an index family scanned per slice.
constexpr size_t kScanSlice = 16384;
// RocksDB readahead for the sequential scans: larger buffers measured
// slower here (fresh pages to fault in on every refill).
constexpr size_t kReadahead = 256 << 10;

// The width field of an encoded tile (merkle_tiles.h), or -1.
inline int TileWidth(std::string_view encoded) {
  if (encoded.size() < 2) return -1;
  return (static_cast<uint8_t>(encoded[0]) << 8) | static_cast<uint8_t>(encoded[1]);
}

class Verifier {
 public:
  Verifier(const Ledger& ledger, const VerifyOptions& options)
      : ledger_(ledger),
        impl_(LedgerInternal::Of(ledger)),
        store_(*impl_.store),
        options_(options),
        sink_(options.max_problems),
        verifier_(impl_.info.key_name, impl_.info.server_public_key),
        registry_(impl_.info.root_public_key) {
    if (sodium_init() >= 0) randombytes_buf(household_key_.data(), household_key_.size());
  }

  Status Run(VerifyReport* report);

 private:
  // The event waiting for its successor before it is judged.
  struct Pending {
    uint64_t seq;
    std::shared_ptr<Chunk> chunk;  // null when the event is missing
    const EventItem* item = nullptr;
    Head* head = nullptr;  // its household's entry in heads_
  };
  // The stored level-0 tile of the event being judged.
  struct StoredL0 {
    merkle::TileId id;
    std::optional<std::string> raw;
  };

  std::shared_ptr<Chunk> ReadChunk(rocksdb::Iterator* it);
  void DecodeChunk(Chunk& chunk) const;
  void DecodeItem(Chunk& chunk, EventItem& item) const;
  HouseholdHeads::Key HouseholdKey(std::string_view household) const;
  void InOrder(const std::shared_ptr<Chunk>& chunk);
  // Checks what needs no successor; returns the event's household entry.
  Head* CheckEvent(Chunk& chunk, const EventItem& item);
  Head* CheckHouseholdLink(const EventItem& item);
  void CheckTrust(Chunk& chunk, const EventItem& item);
  void CheckMenu(schema::EventBody::Reader body, const EventItem& item);
  void MissingRange(uint64_t begin, uint64_t end, const std::string& why);
  // Missing, undecodable or found altered: links to it are not blamed.
  bool Unreliable(uint64_t seq) const;
  void FinalizePending(const Hash* next_prev_hash);
  bool LastEventMatchesCheckpoint(uint64_t seq, const Hash& computed);
  std::optional<Hash> RecordedLeaf(uint64_t seq);
  void AfterAppend();
  void CheckCheckpointsUpTo(uint64_t size);
  void CheckCheckpoint(uint64_t size, const std::string& note);
  void FlushTiles(bool final);
  void CompareTile(const std::string& key, const std::string& rebuilt);
  void CheckExtraTiles();
  void ReportStrayTile(const rocksdb::Slice& key, uint64_t tree_size);
  void SignatureTask(const Chunk& chunk);
  bool VerifyCheckpointSignature(uint64_t size, const std::string& note);
  void CompareRegistry();
  std::string ChooseCheckpoint();

  ChunkPool chunks_;  // first: outlives every chunk held below
  const Ledger& ledger_;
  Ledger::Impl& impl_;
  const Store& store_;
  VerifyOptions options_;
  ProblemSink sink_;
  NoteVerifier verifier_;
  std::array<uint8_t, crypto_shorthash_siphashx24_KEYBYTES> household_key_{};  // random per run
  std::unique_ptr<IndexAudit> indexes_;
  verifier::HeadsAudit heads_audit_{&sink_, [this](uint64_t seq) { return Unreliable(seq); }};
  std::unique_ptr<ProjectionAudit> projections_;  // null without check_projections

  // In-order state (calling thread only).
  uint64_t next_seq_ = 0;
  std::optional<Pending> pending_;
  std::optional<Hash> last_hash_ = Hash{};  // agreed leaf hash of next_seq_-1 (zeros before 0)
  // (seq, recordedAt) of the last decoded event, and of the last one not
  // found altered: the baseline of the "recorded_at" check.
  std::optional<std::pair<uint64_t, int64_t>> previous_recorded_at_, trusted_recorded_at_;
  HouseholdHeads heads_;
  std::unordered_set<uint64_t> unreliable_;  // undecodable or altered events
  std::map<uint64_t, uint64_t> missing_;     // missing events: [begin, end)
  KeyRegistry registry_;
  rocksdb::WriteBatch scratch_;  // KeyRegistry::Apply's puts, discarded
  PublishedMenu menu_;           // the menu in force at next_seq_
  merkle::TreeBuilder tree_;
  bool tree_ok_ = true;
  std::optional<StoredL0> l0_;
  std::unique_ptr<rocksdb::Iterator> l0_it_;  // over `merkle`, for l0_
  std::map<std::string, std::string> partial_tiles_;
  std::unique_ptr<rocksdb::Iterator> cp_it_;
  std::vector<uint64_t> checkpoint_candidates_;  // content checked, ascending
  std::vector<CheckpointJob> checkpoint_jobs_;

  // Signature results (any thread).
  std::mutex sig_mu_;
  std::set<uint64_t> checkpoints_verified_;
  std::set<uint64_t> checkpoints_failed_;
};

}  // namespace ledger::verifier
