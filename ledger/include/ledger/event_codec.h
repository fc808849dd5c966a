// Building, signing and reading Cap'n Proto event messages. Includes the
// generated schema header: include it only from .cc files that build or
// inspect payloads (client, seed, tests), never from a widely used header.
//
//   capnp::MallocMessageBuilder msg;
//   auto body = msg.initRoot<schema::EventBody>();
//   body.setHousehold("33010012345"); ...
//   std::string wire = SignBody(body.asReader(), officer_key);   // SignedBody message
//   auto results = ledger->Append({wire});
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/bytes.h"
#include "ledger/crypto.h"
#include "ledger/event.h"
#include "ledger/status.h"
#include "schemas/ledger.capnp.h"

namespace ledger {

// Reader limits for untrusted messages.
inline constexpr uint64_t kTraversalLimitWords = 1 << 20;  // 8 MiB
inline constexpr int kNestingLimit = 16;

capnp::ReaderOptions UntrustedReaderOptions();

// Canonical bytes of any struct reader (capnp::canonicalize; one segment).
template <typename Reader>
std::string CanonicalBytes(Reader reader) {
  kj::Array<capnp::word> words = capnp::canonicalize(reader);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// Signs canonicalize(body) and returns the SignedBody as a flat message
// (standard framing with segment table) -- the unit a client sends.
std::string SignBody(schema::EventBody::Reader body, const PrivateKey& key);

// The entity a registry event is about: the code of an AgencyRegistered, the
// officer id of an OfficerRegistered or OfficerKeyRevoked; "" otherwise.
std::string RegistrySubject(schema::Payload::Reader payload);

// The one reader of stored events. Leaf bytes are one canonical segment
// of schema::Envelope with no segment table (docs/formats.md); the reader
// reads `words` in place, with the untrusted-reader limits, and decodes
// nothing until asked. Cap'n Proto throws kj::Exception on malformed
// pointers: callers catch it, or use WithLeaf.
//
//   LeafReader reader(words, word_count);       // word-aligned, outlives it
//   if (!reader.IsCanonical()) ...
//   EventLinks links;
//   RETURN_IF_ERROR(ReadEventLinks(reader.Envelope(), &links));
class LeafReader {
 public:
  LeafReader(const capnp::word* words, size_t word_count);
  LeafReader(const LeafReader&) = delete;
  LeafReader& operator=(const LeafReader&) = delete;

  bool IsCanonical() { return reader_.isCanonical(); }
  schema::Envelope::Reader Envelope() { return reader_.getRoot<schema::Envelope>(); }

 private:
  kj::ArrayPtr<const capnp::word> segment_;
  capnp::SegmentArrayMessageReader reader_;
};

// The envelope's links (seq, recordedAt, prevHash, householdPrev, payload
// kind, headsRoot), each hash checked to be 32 bytes and the kind known.
// Fails with a DATA_LOSS message that names the field.
Status ReadEventLinks(schema::Envelope::Reader env, EventLinks* out);

enum class LeafCheck { kAny, kCanonical };

// Calls `f` with the envelope of stored event bytes `leaf` (copied into a
// per-thread word-aligned buffer only when `leaf` is not aligned). Bytes
// that are not whole words, not canonical (kCanonical), or whose pointers
// are malformed are DATA_LOSS with reason MALFORMED_EVENT; a kj::Exception
// thrown by `f` is one too, never an exception.
Status WithLeaf(std::string_view leaf, LeafCheck check, const std::function<Status(schema::Envelope::Reader)>& f);

// Copies `bytes` into word-aligned storage and holds a reader over it.
// `framed`: standard serialization with segment table; otherwise a single
// canonical segment (leaf bytes).
class MessageBytes {
 public:
  static StatusOr<MessageBytes> Parse(std::string_view bytes, bool framed);
  MessageBytes(MessageBytes&&) = default;
  MessageBytes& operator=(MessageBytes&&) = default;

  template <typename T>
  typename T::Reader Root() {
    return reader_->getRoot<T>();
  }
  bool IsCanonical() { return reader_->isCanonical(); }

 private:
  MessageBytes() = default;
  kj::Array<capnp::word> words_;
  kj::Array<kj::ArrayPtr<const capnp::word>> segments_;
  kj::Own<capnp::MessageReader> reader_;
};

}  // namespace ledger
