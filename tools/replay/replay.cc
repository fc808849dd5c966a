#include "replay/replay.h"

#include <fmt/format.h>

#include <cstdio>

namespace ledger::replay {

StatusOr<std::unique_ptr<Ledger>> OpenStore(const Globals& globals) {
  return Ledger::OpenReadOnly(globals.data_dir);
}

int Fail(const Status& status) {
  fmt::print(stderr, "ledger-replay: {}\n", status.message());
  return kExitFailure;
}

int UsageError(const std::string& message) {
  fmt::print(stderr, "ledger-replay: {}\n", message);
  return kExitUsage;
}

}  // namespace ledger::replay
