// ledger-replay export: the events of a store, one line each, on stdout.
//
//   raw     <seq> TAB <base64 of the leaf bytes> LF        (exact bytes)
//   jsonl   <EventToJson object> LF                         (event_json.h)
//
// Both are contracts (DESIGN.md §8; docs/formats.md). Text that is not
// valid UTF-8 appears in jsonl with U+FFFD replacement characters; raw is
// always exact.
#include <fmt/format.h>

#include <cstdio>
#include <optional>

#include "common/progress.h"
#include "ledger/bytes.h"
#include "ledger/event_json.h"
#include "replay/replay.h"

namespace ledger::replay {
namespace {

struct ExportOptions {
  std::string format;
  uint64_t from = 0;
  std::optional<uint64_t> to;  // inclusive
};

// Buffers stdout writes into large chunks.
class Output {
 public:
  Output() { buf_.reserve(kChunk + 64 * 1024); }
  std::string& buf() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kChunk ? Flush() : OkStatus(); }
  Status Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size()) {
      return UnavailableError("writing to stdout failed", "WRITE_FAILED");
    }
    buf_.clear();
    if (std::fflush(stdout) != 0) return UnavailableError("writing to stdout failed", "WRITE_FAILED");
    return OkStatus();
  }

 private:
  static constexpr size_t kChunk = 1 << 20;
  std::string buf_;
};

int RunExport(const Globals& globals, const ExportOptions& opts) {
  if (opts.to && opts.from > *opts.to) {
    return UsageError(fmt::format("--from-seq {} is after --to-seq {}", opts.from, *opts.to));
  }
  auto ledger = OpenStore(globals);
  if (!ledger.ok()) return Fail(ledger.status());
  uint64_t size = (*ledger)->Size();
  uint64_t end = (opts.to && *opts.to < size) ? *opts.to + 1 : size;
  uint64_t begin = std::min(opts.from, end);

  bool jsonl = opts.format == "jsonl";
  Output out;
  tools::ProgressBar bar("export", end - begin);
  Status s = (*ledger)->ForEachEvent(begin, end, [&](uint64_t seq, std::string_view leaf) -> Status {
    std::string& buf = out.buf();
    if (jsonl) {
      auto j = EventToJson(leaf);
      if (!j.ok()) return Status(j.status().code(), fmt::format("event {}: {}", seq, j.status().message()),
                                 j.status().reason());
      buf += j->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    } else {
      fmt::format_to(std::back_inserter(buf), "{}\t", seq);
      buf += ToBase64(leaf);
    }
    buf.push_back('\n');
    bar.Update(seq - begin + 1);
    return out.MaybeFlush();
  });
  if (s.ok()) s = out.Flush();
  bar.Finish();
  if (!s.ok()) return Fail(s);
  return kExitOk;
}

}  // namespace

Subcommand AddExportCommand(CLI::App& app, const Globals& globals) {
  auto opts = std::make_shared<ExportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write events to stdout, one line per event, in seq order.\n"
      "  raw:   <seq>\\t<base64 of the leaf bytes (canonical Cap'n Proto Envelope)>\n"
      "  jsonl: one JSON object per event: seq, kind, household, agency, officer,\n"
      "         occurred_at, recorded_at, leaf_hash, ... and the payload's fields in\n"
      "         snake_case (docs/formats.md)");
  cmd->add_option("--format", opts->format, "raw or jsonl")
      ->required()
      ->check(CLI::IsMember({"raw", "jsonl"}));
  cmd->add_option("--from-seq", opts->from, "First seq to export (default 0)")
      ->check(CLI::NonNegativeNumber)
      ->type_name("N");
  cmd->add_option("--to-seq", opts->to, "Last seq to export, inclusive (default: the latest event)")
      ->check(CLI::NonNegativeNumber)
      ->type_name("N");
  return {cmd, [opts, &globals] { return RunExport(globals, *opts); }};
}

}  // namespace ledger::replay
