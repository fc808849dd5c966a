// The reader form of CheckEventLimits (ledger/event_limits.h), for code that
// has already parsed the event: the append path and event_json.cc.
#pragma once

#include "ledger/event_codec.h"
#include "ledger/status.h"

namespace ledger {

// Every Text of `body` (the envelope's ids, the payload's texts, the
// elements of lists of Text, a correction's replacement) is UTF-8 and within
// TextLimitOf its field; every list has at most kMaxListItems elements.
Status CheckBodyLimits(schema::EventBody::Reader body);

}  // namespace ledger
