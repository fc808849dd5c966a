#include "replay/replay.h"
#include "ledger/reasons.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
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

int ArgumentOrFail(const Status& status) {
  if (status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kOutOfRange) {
    return UsageError(status.message());
  }
  return Fail(status);
}

int PrintResult(std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    return Fail(UnavailableError("writing to stdout failed", reason::kWriteFailed));
  }
  return kExitOk;
}

void AddFormatOptions(CLI::App* cmd, FormatOption* option, const std::vector<std::string>& choices) {
  option->name = choices.front();
  cmd->add_option("--format", option->name, fmt::format("Output: {} (default {})", fmt::join(choices, ", "),
                                                        choices.front()))
      ->check(CLI::IsMember(choices));
  cmd->add_flag("--json", option->json, "Same as --format json");
  if (std::find(choices.begin(), choices.end(), "csv") != choices.end()) {
    cmd->add_flag("--bom", option->bom,
                  "CSV: start with a UTF-8 byte order mark, so that Excel shows Thai text (csv only)");
  }
}

int CheckFormatOptions(const FormatOption& option) {
  if (option.bom && option.format() != Format::kCsv) return UsageError("--bom: only with --format csv");
  return kExitOk;
}

const tools::AdminAreas& AreaNames(const Globals& globals) {
  if (!globals.names) {
    auto loaded = tools::AdminAreas::Load(globals.areas_csv);
    if (!loaded.ok()) fmt::print(stderr, "ledger-replay: warning: no area names ({})\n", loaded.status().message());
    globals.names = std::make_shared<const tools::AdminAreas>(loaded.ok() ? std::move(*loaded) : tools::AdminAreas());
  }
  return *globals.names;
}

}  // namespace ledger::replay
