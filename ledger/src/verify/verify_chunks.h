// The verifier's pipeline pieces (verify.cc): chunks of raw events as
// they move from the RocksDB scan through the decode, in-order, signature
// and projection stages, and the per-household table of the in-order
// stage.
//
//   ChunkPool pool;
//   std::shared_ptr<Chunk> chunk = pool.Get();          // reused buffers
//   EventItem& item = chunk->items.emplace_back();
//   item.word_offset = chunk->Append(value);           // word-aligned copy
//   LeafReader reader(chunk->Words(item), item.byte_size / 8);
//
// Internal to the ledger library.
#pragma once

#include <capnp/message.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/event.h"
#include "ledger/event_codec.h"
#include "core/task_pool.h"
#include "verify/verify_indexes.h"

namespace ledger::verifier {

inline constexpr size_t kChunkEvents = 4096;
inline constexpr size_t kChunkBytes = 2 << 20;

// A reader over one event's leaf bytes, held in word-aligned memory owned
// by someone else. Cheap to make: no allocation, nothing read until asked.
class LeafReader {
 public:
  LeafReader(const uint64_t* words, size_t n)
      : segment_(reinterpret_cast<const capnp::word*>(words), n),
        reader_(kj::arrayPtr(&segment_, 1), UntrustedReaderOptions()) {}
  LeafReader(const LeafReader&) = delete;
  LeafReader& operator=(const LeafReader&) = delete;

  bool IsCanonical() { return reader_.isCanonical(); }
  schema::Envelope::Reader Envelope() { return reader_.getRoot<schema::Envelope>(); }

 private:
  kj::ArrayPtr<const capnp::word> segment_;
  capnp::SegmentArrayMessageReader reader_;
};

inline std::string_view View(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }
inline std::string_view View(capnp::Data::Reader d) { return {reinterpret_cast<const char*>(d.begin()), d.size()}; }

inline constexpr uint64_t kNoSeq = UINT64_MAX;

// A household's latest event, as the rest of the store recorded it.
struct Head {
  uint64_t seq = kNoSeq;     // kNoSeq until its first event is judged
  Hash hash{};
};

// Each household's latest event, keyed by a 128-bit keyed hash of its code
// (a collision is as likely as guessing the random per-run key), in an
// open-addressing table: the in-order stage prefetches the slot of an event
// a few ahead, because these lookups otherwise stall on cache misses.
class HouseholdHeads {
 public:
  struct Key {
    uint64_t a = 0, b = 0;   // never both zero (zero marks a free slot)
  };

  HouseholdHeads() : slots_(1024) {}

  void Prefetch(const Key& key) const { __builtin_prefetch(&slots_[key.a & (slots_.size() - 1)]); }

  // The entry of `key`, added (seq kNoSeq) if absent. The pointer is valid
  // until the next call.
  Head* FindOrAdd(const Key& key) {
    if (2 * (count_ + 1) > slots_.size()) Grow();
    Slot* slot = Probe(slots_, key);
    if (slot->key.a == 0 && slot->key.b == 0) {
      slot->key = key;
      ++count_;
    }
    return &slot->head;
  }

 private:
  struct Slot {
    Key key;
    Head head;
  };
  // The slot holding `key`, or the free slot where it belongs.
  static Slot* Probe(std::vector<Slot>& slots, const Key& key) {
    const size_t mask = slots.size() - 1;
    for (size_t i = key.a & mask;; i = (i + 1) & mask) {
      Slot& slot = slots[i];
      if ((slot.key.a == key.a && slot.key.b == key.b) || (slot.key.a == 0 && slot.key.b == 0)) return &slot;
    }
  }
  void Grow() {
    std::vector<Slot> bigger(2 * slots_.size());
    for (const Slot& slot : slots_) {
      if (slot.key.a == 0 && slot.key.b == 0) continue;
      Slot* to = Probe(bigger, slot.key);
      *to = slot;
    }
    slots_ = std::move(bigger);
  }

  std::vector<Slot> slots_;   // size a power of two, at most half full
  size_t count_ = 0;
};

// One stored event as it moves through the pipeline. The string_views
// point into its chunk's words. Plain data: chunks are reused.
struct EventItem {
  uint64_t key = 0;          // seq from the RocksDB key
  size_t word_offset = 0;
  size_t byte_size = 0;
  // Decode task.
  Hash computed{};           // SHA-256(0x00 || leaf bytes)
  bool decoded = false;
  int error = -1;            // why it did not decode: index into Chunk::errors
  uint64_t seq_field = 0;
  Hash prev_hash{};
  std::optional<uint64_t> household_prev_seq;
  Hash household_prev_hash{};
  std::string_view household, agency, officer;
  HouseholdHeads::Key household_key;   // keyed hash of `household`
  EventKind kind = EventKind::kAgencyRegistered;
  std::string registry_subject;        // RegistrySubject (event_codec.h)
  std::optional<Hash> heads_root;      // Envelope.headsRoot, when set
};

// An event signature to check: decided in order (the trust chain), checked
// by a pool task.
struct SignatureJob {
  size_t item;               // index into Chunk::items
  std::string key;           // Ed25519 public key
  std::string signer;        // for messages: "officer 'off-1''s key"
};

struct CheckpointJob {
  uint64_t size;
  std::string note;
};

// A run of consecutive events read together; shared by the pipeline's
// stages until the last one is done with it, then reused (ChunkPool).
struct Chunk {
  // Every value, each padded with zeros to whole words (capnp reads
  // word-aligned memory). Grown, never shrunk.
  std::unique_ptr<uint64_t[]> words;
  size_t capacity = 0;
  size_t used = 0;
  std::vector<EventItem> items;
  std::vector<std::string> errors;
  IndexAudit::Expected implied;            // decode task
  std::atomic<bool> decoded{false};
  std::vector<SignatureJob> signatures;    // in-order stage
  std::vector<CheckpointJob> checkpoints;  // in-order stage

  const uint64_t* Words(const EventItem& item) const { return words.get() + item.word_offset; }
  // Copies `value` after the last one; returns its word offset.
  size_t Append(std::string_view value) {
    const size_t n = (value.size() + 7) / 8;
    if (used + n > capacity) {
      size_t grown = std::max({2 * capacity, used + n, kChunkBytes / 8});
      auto bigger = std::make_unique<uint64_t[]>(grown);
      if (used > 0) std::memcpy(bigger.get(), words.get(), used * 8);
      words = std::move(bigger);
      capacity = grown;
    }
    const size_t offset = used;
    if (n > 0) {
      words[offset + n - 1] = 0;
      std::memcpy(words.get() + offset, value.data(), value.size());
    }
    used += n;
    return offset;
  }
  void Reset() {
    used = 0;
    items.clear();
    errors.clear();
    for (auto& b : implied.buckets) b.clear();
    decoded.store(false, std::memory_order_relaxed);
    signatures.clear();
    checkpoints.clear();
  }
};

// Reuses chunks (and their buffers) instead of returning megabytes to the
// allocator every few milliseconds. Thread-safe; must outlive its chunks.
class ChunkPool {
 public:
  std::shared_ptr<Chunk> Get() {
    std::unique_ptr<Chunk> chunk;
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        chunk = std::move(free_.back());
        free_.pop_back();
      }
    }
    if (!chunk) {
      chunk = std::make_unique<Chunk>();
      chunk->items.reserve(kChunkEvents);
    }
    chunk->Reset();
    return std::shared_ptr<Chunk>(chunk.release(), [this](Chunk* c) {
      std::lock_guard lock(mu_);
      free_.emplace_back(c);
    });
  }

 private:
  std::mutex mu_;
  std::vector<std::unique_ptr<Chunk>> free_;
};

// Runs `fold` over chunks one at a time, in the order they are pushed, as
// pool tasks (one chunk per task, so that a helping caller is never held
// long). Thread-safe.
class SerialChain {
 public:
  SerialChain(TaskPool* pool, std::function<void(const Chunk&)> fold) : pool_(pool), fold_(std::move(fold)) {}

  void Push(std::shared_ptr<Chunk> chunk) {
    ++pending_;
    std::lock_guard lock(mu_);
    queue_.push_back(std::move(chunk));
    if (!running_) {
      running_ = true;
      pool_->Submit(TaskPool::kSecond, [this] { RunOne(); });
    }
  }
  // Chunks pushed and not yet folded.
  int pending() const { return pending_.load(); }

 private:
  void RunOne() {
    std::shared_ptr<Chunk> chunk;
    {
      std::lock_guard lock(mu_);
      chunk = std::move(queue_.front());
      queue_.pop_front();
    }
    fold_(*chunk);
    chunk.reset();
    {
      std::lock_guard lock(mu_);
      if (queue_.empty()) {
        running_ = false;
      } else {
        pool_->Submit(TaskPool::kSecond, [this] { RunOne(); });
      }
    }
    --pending_;
  }

  TaskPool* pool_;
  std::function<void(const Chunk&)> fold_;
  std::mutex mu_;
  std::deque<std::shared_ptr<Chunk>> queue_;
  bool running_ = false;
  std::atomic<int> pending_{0};
};

}  // namespace ledger::verifier
