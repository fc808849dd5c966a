#include "ledger/net/frame.h"
#include "ledger/reasons.h"

#include <capnp/serialize.h>
#include <fmt/format.h>
#include <kj/exception.h>

#include <cstring>

namespace ledger::net {
namespace {

uint32_t ReadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 | static_cast<uint32_t>(p[2]) << 16 |
         static_cast<uint32_t>(p[3]) << 24;
}

// Bytes of the segment table for `segments` segments, padding included.
size_t TableBytes(uint64_t segments) { return ((segments + 1) * 4 + 7) / 8 * 8; }

}  // namespace

StatusOr<std::optional<size_t>> PeekFrameSize(std::span<const uint8_t> data, const FrameLimits& limits) {
  if (data.size() < 4) return std::optional<size_t>();
  const uint64_t segments = static_cast<uint64_t>(ReadLe32(data.data())) + 1;
  if (segments > limits.max_segments) {
    return InvalidArgumentError(
        fmt::format("frame announces {} segments; the limit is {}", segments, limits.max_segments),
        reason::kMalformedFrame);
  }
  const size_t table = TableBytes(segments);
  if (data.size() < table) return std::optional<size_t>();
  uint64_t total = table;
  for (uint64_t i = 0; i < segments; ++i) {
    total += static_cast<uint64_t>(ReadLe32(data.data() + 4 + 4 * i)) * 8;
    if (total > limits.max_frame_bytes) {
      return InvalidArgumentError(
          fmt::format("frame exceeds the size limit of {} bytes", limits.max_frame_bytes), reason::kFrameTooLarge);
    }
  }
  if (total == table) return InvalidArgumentError("frame has no content", reason::kMalformedFrame);
  return std::optional<size_t>(static_cast<size_t>(total));
}

Status StatusFromCapnpError(std::string_view description) {
  std::string what(description);
  if (what.find("nested") != std::string::npos) {
    return InvalidArgumentError("message nests too deeply: " + what, reason::kTooDeep);
  }
  if (what.find("traversal limit") != std::string::npos) {
    return InvalidArgumentError("message exceeds the traversal limit: " + what, reason::kTraversalLimit);
  }
  return InvalidArgumentError("malformed Cap'n Proto message: " + what, reason::kMalformedMessage);
}

struct InboundMessage::Rep {
  kj::Array<capnp::word> words;
  kj::Array<kj::ArrayPtr<const capnp::word>> segments;
  std::optional<capnp::SegmentArrayMessageReader> reader;
  size_t size_bytes = 0;
};

InboundMessage::InboundMessage() : rep_(std::make_unique<Rep>()) {}
InboundMessage::InboundMessage(InboundMessage&&) noexcept = default;
InboundMessage& InboundMessage::operator=(InboundMessage&&) noexcept = default;
InboundMessage::~InboundMessage() = default;

capnp::MessageReader& InboundMessage::reader() { return *rep_->reader; }
size_t InboundMessage::size_bytes() const { return rep_->size_bytes; }

StatusOr<InboundMessage> InboundMessage::Parse(std::span<const uint8_t> frame, const FrameLimits& limits) {
  ASSIGN_OR_RETURN(std::optional<size_t> size, PeekFrameSize(frame, limits));
  if (!size || *size != frame.size()) {
    return InvalidArgumentError(fmt::format("frame of {} bytes does not match its segment table", frame.size()),
                                reason::kMalformedFrame);
  }
  const uint64_t segments = static_cast<uint64_t>(ReadLe32(frame.data())) + 1;
  const size_t table = TableBytes(segments);
  InboundMessage m;
  Rep& r = *m.rep_;
  r.size_bytes = frame.size();
  r.words = kj::heapArray<capnp::word>((frame.size() - table) / sizeof(capnp::word));
  std::memcpy(r.words.begin(), frame.data() + table, frame.size() - table);
  r.segments = kj::heapArray<kj::ArrayPtr<const capnp::word>>(segments);
  size_t offset = 0;
  for (uint64_t i = 0; i < segments; ++i) {
    size_t words = ReadLe32(frame.data() + 4 + 4 * i);
    r.segments[i] = kj::arrayPtr(r.words.begin() + offset, words);
    offset += words;
  }
  capnp::ReaderOptions options;
  options.traversalLimitInWords = limits.traversal_limit_words;
  options.nestingLimit = limits.nesting_limit;
  try {
    r.reader.emplace(r.segments.asPtr(), options);
    // Walk everything once: bad pointers, depth and amplification fail here.
    (void)r.reader->getRoot<capnp::AnyPointer>().targetSize();
  } catch (const kj::Exception& e) {
    return StatusFromCapnpError(e.getDescription().cStr());
  }
  return m;
}

std::string EncodeFrame(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

}  // namespace ledger::net
