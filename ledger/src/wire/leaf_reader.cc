// The one reader of stored events (event_codec.h): LeafReader, the
// envelope's links, and WithLeaf for bytes straight from the store.
#include <fmt/format.h>
#include <kj/exception.h>

#include <cstring>
#include <vector>

#include "ledger/event_codec.h"
#include "ledger/reasons.h"

namespace ledger {
namespace {

Status CopyHash(capnp::Data::Reader from, std::string_view field, Hash* to) {
  if (from.size() != to->size()) {
    return DataLossError(fmt::format("{} has {} bytes, not {}", field, from.size(), to->size()),
                         reason::kMalformedEvent);
  }
  std::memcpy(to->data(), from.begin(), to->size());
  return OkStatus();
}

}  // namespace

LeafReader::LeafReader(const capnp::word* words, size_t word_count)
    : segment_(words, word_count), reader_(kj::arrayPtr(&segment_, 1), UntrustedReaderOptions()) {}

Status ReadEventLinks(schema::Envelope::Reader env, EventLinks* out) {
  out->seq = env.getSeq();
  out->recorded_at_ns = env.getRecordedAt();
  RETURN_IF_ERROR(CopyHash(env.getPrevHash(), "prevHash", &out->prev_hash));
  out->household_prev_seq.reset();
  if (env.getHouseholdPrev().isEvent()) {
    auto link = env.getHouseholdPrev().getEvent();
    RETURN_IF_ERROR(CopyHash(link.getHash(), "householdPrev.hash", &out->household_prev_hash));
    out->household_prev_seq = link.getSeq();
  }
  auto which = static_cast<uint16_t>(env.getSigned().getBody().getPayload().which());
  if (which >= kEventKindCount) {
    return DataLossError(fmt::format("unknown event kind {}", which), reason::kMalformedEvent);
  }
  out->kind = static_cast<EventKind>(which);
  out->heads_root.reset();
  if (env.hasHeadsRoot()) {
    Hash root;
    RETURN_IF_ERROR(CopyHash(env.getHeadsRoot(), "headsRoot", &root));
    out->heads_root = root;
  }
  return OkStatus();
}

Status WithLeaf(std::string_view leaf, LeafCheck check, const std::function<Status(schema::Envelope::Reader)>& f) {
  if (leaf.empty() || leaf.size() % sizeof(capnp::word) != 0) {
    return DataLossError(fmt::format("event: leaf of {} bytes is not whole words", leaf.size()),
                         reason::kMalformedEvent);
  }
  // RocksDB's values are usually, not always, word-aligned. The per-thread
  // buffer is reused; a WithLeaf inside `f` gets a buffer of its own.
  thread_local std::vector<capnp::word> reused;
  thread_local int depth = 0;
  std::vector<capnp::word> nested;
  std::vector<capnp::word>& aligned = depth == 0 ? reused : nested;
  struct Depth {
    Depth() { ++depth; }
    ~Depth() { --depth; }
  } in_use;
  const auto* words = reinterpret_cast<const capnp::word*>(leaf.data());
  if (reinterpret_cast<uintptr_t>(leaf.data()) % alignof(capnp::word) != 0) {
    aligned.resize(leaf.size() / sizeof(capnp::word));
    std::memcpy(aligned.data(), leaf.data(), leaf.size());
    words = aligned.data();
  }
  try {
    LeafReader reader(words, leaf.size() / sizeof(capnp::word));
    if (check == LeafCheck::kCanonical && !reader.IsCanonical()) {
      return DataLossError("event: leaf bytes are not canonical", reason::kMalformedEvent);
    }
    return f(reader.Envelope());
  } catch (const kj::Exception& e) {
    return DataLossError(std::string("event: malformed envelope: ") + e.getDescription().cStr(),
                         reason::kMalformedEvent);
  }
}

}  // namespace ledger
