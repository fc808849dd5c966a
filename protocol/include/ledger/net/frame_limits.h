// Limits on frames from untrusted peers (frame.h enforces them). A header of
// its own so that server.h and client.h do not pull in Cap'n Proto.
//
//   FrameLimits limits;
//   limits.max_frame_bytes = 4 << 20;
#pragma once

#include <cstddef>
#include <cstdint>

namespace ledger::net {

struct FrameLimits {
  size_t max_frame_bytes = 16u << 20;
  uint32_t max_segments = 64;
  // Words a reader may visit, counting repeated visits (amplification).
  uint64_t traversal_limit_words = 8u << 20;
  // Pointer depth. A request nests about 12 deep (Request > Append > list >
  // SignedBody > EventBody > Payload > Correction > Payload > ... > Date).
  int nesting_limit = 24;
};

}  // namespace ledger::net
