// Event kinds as Thai reports and charts name them, never by the catalogue
// name: EventKindNameTh(EventKind::kAssistanceGiven) is "ให้ความช่วยเหลือ".
// The table stands beside the catalogue names (event.h EventKindName) in
// wire/event.cc, one entry per kind.
#pragma once

#include <string_view>

#include "ledger/event.h"

namespace ledger {

std::string_view EventKindNameTh(EventKind kind);

}  // namespace ledger
