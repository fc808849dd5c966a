// The verifier's pipeline pieces (verify.cc): chunks of raw events as
// they move from the RocksDB scan through the decode, in-order, signature
// and projection stages, and the per-household table of the in-order
// stage.
//
//   ChunkPool pool;
//   std::shared_ptr<Chunk> chunk = pool.Get();          // reused buffers
//   EventItem& item = chunk->items.emplace_back();
//   item.word_offset = chunk->Append(value);           // word-aligned copy
//   LeafReader reader(chunk->Words(item), item.byte_size / 8);   // event_codec.h
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
#include "core/flat_table.h"
#include "core/task_pool.h"
#include "verify/verify_indexes.h"

namespace ledger::verifier {

inline constexpr size_t kChunkEvents = 4096;
inline constexpr size_t kChunkBytes = 2 << 20;

inline std::string_view View(capnp::Text::Reader t) { return {t.cStr(), t.size()}; }
inline std::string_view View(capnp::Data::Reader d) { return {reinterpret_cast<const char*>(d.begin()), d.size()}; }

inline constexpr uint64_t kNoSeq = UINT64_MAX;

// A household's latest event, as the rest of the store recorded it.
struct Head {
  uint64_t seq = kNoSeq;     // kNoSeq until its first event is judged
  Hash hash{};
};

// Each household's latest event, keyed by a 128-bit keyed hash of its code
// (a collision is as likely as guessing the random per-run key), in the
// library's one hash table (core/flat_table.h): the in-order stage
// prefetches the slot of an event a few ahead, because these lookups
// otherwise stall on cache misses.
class HouseholdHeads {
 public:
  struct Key {
    uint64_t a = 0, b = 0;   // never both zero (zero marks a free slot)
    friend bool operator==(const Key&, const Key&) = default;
  };

  void Prefetch(const Key& key) const { table_.Prefetch(key.a); }

  // The entry of `key`, added (seq kNoSeq) if absent. The pointer is valid
  // until the next call.
  Head* FindOrAdd(const Key& key) {
    auto [slot, added] = table_.FindOrClaim(key.a, [&key](const Slot& s) { return s.key == key; });
    if (added) *slot = {key, Head{}};
    return &slot->head;
  }

 private:
  struct Slot {
    Key key;
    Head head;
  };
  struct Traits {
    static Slot Free() { return {}; }
    static bool IsFree(const Slot& s) { return s.key == Key{}; }
    static uint64_t HashOf(const Slot& s) { return s.key.a; }
  };
  FlatTable<Slot, Traits> table_;
};

// One stored event as it moves through the pipeline: its EventLinks as
// its envelope records them, and views that point into its chunk's words.
// Plain data: chunks are reused.
struct EventItem : EventLinks {
  uint64_t key = 0;          // seq from the RocksDB key
  size_t word_offset = 0;
  size_t byte_size = 0;
  // Decode task.
  Hash computed{};           // SHA-256(0x00 || leaf bytes)
  bool decoded = false;
  int error = -1;            // why it did not decode: index into Chunk::errors
  std::string_view household, agency, officer;
  HouseholdHeads::Key household_key;   // keyed hash of `household`
  std::string registry_subject;        // RegistrySubject (event_codec.h)
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

  const capnp::word* Words(const EventItem& item) const {
    return reinterpret_cast<const capnp::word*>(words.get() + item.word_offset);
  }
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
