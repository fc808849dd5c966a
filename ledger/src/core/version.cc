#include "ledger/version.h"

#include <fmt/format.h>

#include "ledger/ledger.h"

#ifndef LEDGER_VERSION
#define LEDGER_VERSION "unknown"
#endif
#ifndef LEDGER_COMMIT
#define LEDGER_COMMIT "unknown"
#endif

namespace ledger {

std::string VersionLine(std::string_view program) {
  return fmt::format("{} {} (commit {}, store format {})", program, LEDGER_VERSION, LEDGER_COMMIT,
                     kStoreFormatVersion);
}

}  // namespace ledger
