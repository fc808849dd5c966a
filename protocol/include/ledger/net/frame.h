// Cap'n Proto standard stream framing with limits, for untrusted peers
// (docs/protocol.md "Framing"). Transport-agnostic: the server's Asio
// connection and the client's socket both buffer bytes and ask this code
// where the next frame ends.
//
//   frame = (segment count - 1) : u32 LE
//           segment sizes in words : u32 LE each
//           padding to a multiple of 8 bytes
//           segments
//
//   FrameLimits limits;
//   auto size = PeekFrameSize(buffer, limits);     // checks the table first
//   if (!size.ok()) reply_error_and_close(size.status());
//   else if (*size && buffer.size() >= **size) {
//     ASSIGN_OR_RETURN(InboundMessage m, InboundMessage::Parse(buffer.first(**size), limits));
//     auto request = m.Root<protocol::Request>();
//   }
//
// The frame's size is known, and checked against max_frame_bytes, from its
// segment table alone: nothing is allocated for a frame that is too large.
// InboundMessage::Parse walks the whole message once with the traversal and
// nesting limits, so a message that passes cannot throw later for those
// reasons.
#pragma once

#include <capnp/message.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "ledger/net/frame_limits.h"
#include "ledger/reasons.h"
#include "ledger/status.h"

namespace ledger::net {

// Reasons of the errors below (stable):
//   FRAME_TOO_LARGE     the segment table announces more than max_frame_bytes
//   MALFORMED_FRAME     too many segments, or an empty frame
//   MALFORMED_MESSAGE   bad pointers, bounds, or types
//   TOO_DEEP            nesting_limit exceeded
//   TRAVERSAL_LIMIT     traversal_limit_words exceeded

// The total size in bytes of the frame starting at data[0]: nullopt while
// the segment table is incomplete; InvalidArgument (reasons above) when the
// table breaks the limits.
StatusOr<std::optional<size_t>> PeekFrameSize(std::span<const uint8_t> data, const FrameLimits& limits);

// One received frame, copied into word-aligned storage, with a reader that
// enforces the limits. Movable; the reader stays valid across moves.
class InboundMessage {
 public:
  // `frame` must be exactly one frame (PeekFrameSize bytes).
  static StatusOr<InboundMessage> Parse(std::span<const uint8_t> frame, const FrameLimits& limits);

  InboundMessage(InboundMessage&&) noexcept;
  InboundMessage& operator=(InboundMessage&&) noexcept;
  ~InboundMessage();

  template <typename T>
  typename T::Reader Root() {
    return reader().getRoot<T>();
  }
  capnp::MessageReader& reader();
  size_t size_bytes() const;

 private:
  InboundMessage();
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// Serializes a message in the standard framing.
std::string EncodeFrame(capnp::MessageBuilder& message);

// Turns a Cap'n Proto exception description into the reason above.
Status StatusFromCapnpError(std::string_view description);

}  // namespace ledger::net
