// ledger-replay: historical analysis of a ledger store (DESIGN.md §8).
//
// One file per subcommand (export.cc, ...). Each defines an Add*Command
// function that registers the subcommand and its options on the main app
// and returns the function that runs it; main.cc runs the chosen one.
//
//   Subcommand AddFooCommand(CLI::App& app, const Globals& globals) {
//     auto opts = std::make_shared<FooOptions>();
//     CLI::App* cmd = app.add_subcommand("foo", "What foo does");
//     cmd->add_option("--bar", opts->bar, "...");
//     return {cmd, [opts, &globals] { ... return kExitOk; }};
//   }
//
// Every subcommand opens the store read-only and never changes it. Dates
// on the command line and in output go through calendar.h in the calendar
// of --calendar (ce or be); moment.h resolves --as-of/--seq/--fy.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/admin_areas.h"
#include "ledger/calendar.h"
#include "ledger/ledger.h"
#include "ledger/status.h"

namespace ledger::replay {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// Options of the main command, shared by every subcommand.
struct Globals {
  std::string data_dir;
  std::string calendar_name = "ce";   // --calendar: ce or be (checked by CLI11)
  std::string areas_csv;              // --areas: names of the DOPA areas; "" = the built-in copy
  Calendar calendar() const { return calendar_name == "be" ? Calendar::kBe : Calendar::kCe; }
  // Loaded on first use by AreaNames().
  mutable std::shared_ptr<const tools::AdminAreas> names;
};

// Output formats of data subcommands: --format text|csv|json, --json as
// a short form of --format json, and --bom for CSV that Excel opens as
// UTF-8 (without the mark it reads Thai as another code page).
enum class Format { kText, kCsv, kJson };
inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
struct FormatOption {
  std::string name = "text";
  bool json = false;
  bool bom = false;
  Format format() const { return json || name == "json" ? Format::kJson : name == "csv" ? Format::kCsv : Format::kText; }
  // The CSV text as written: with the byte order mark first under --bom.
  std::string Csv(std::string csv) const { return bom ? std::string(kUtf8Bom) + csv : csv; }
};
// Adds --format (one of `choices`, the first is the default), --json and,
// when csv is a choice, --bom.
void AddFormatOptions(CLI::App* cmd, FormatOption* option, const std::vector<std::string>& choices);
// UsageError for --bom with another format than CSV; kExitOk otherwise.
int CheckFormatOptions(const FormatOption& option);

// Area names (Thai and English) from --areas or the built-in CSV path.
// Never fails: when the list cannot be read, prints one warning on stderr
// and returns an empty list (names are then blank).
const tools::AdminAreas& AreaNames(const Globals& globals);

struct Subcommand {
  CLI::App* app = nullptr;
  // Runs the subcommand after parsing; returns the process exit code.
  std::function<int()> run;
};

// Opens the store of `globals` read-only.
StatusOr<std::unique_ptr<Ledger>> OpenStore(const Globals& globals);

// Prints "ledger-replay: <message>" on stderr and returns kExitFailure.
int Fail(const Status& status);
// Prints "ledger-replay: <message>" on stderr and returns kExitUsage.
int UsageError(const std::string& message);
// UsageError for a bad argument (InvalidArgument, OutOfRange), else Fail.
int ArgumentOrFail(const Status& status);
// Writes `text` to stdout and flushes; returns kExitOk, or Fail when it
// could not be written (WRITE_FAILED).
int PrintResult(std::string_view text);

Subcommand AddExportCommand(CLI::App& app, const Globals& globals);
Subcommand AddStatusCommand(CLI::App& app, const Globals& globals);
Subcommand AddReportCommand(CLI::App& app, const Globals& globals);
Subcommand AddSeriesCommand(CLI::App& app, const Globals& globals);
Subcommand AddChartCommand(CLI::App& app, const Globals& globals);
Subcommand AddAnomaliesCommand(CLI::App& app, const Globals& globals);

}  // namespace ledger::replay
