// What every program prints for --version: the project's version, the
// commit it was built from and the store format version it reads.
//
//   ledger-verify 0.1.0 (commit 1a2b3c4d5e6f, store format 1)
#pragma once

#include <string>
#include <string_view>

namespace ledger {

// "PROGRAM VERSION (commit COMMIT, store format N)".
std::string VersionLine(std::string_view program);

}  // namespace ledger
