// ledger-replay export: the events of a store, one line each, on stdout.
//
//   raw     <seq> TAB <base64 of the leaf bytes> LF        (exact bytes)
//   jsonl   <EventToJson object> LF                         (event_json.h)
//
// Both are contracts (DESIGN.md §8; docs/formats.md). Text that is not
// valid UTF-8 appears in jsonl with U+FFFD replacement characters; raw is
// always exact.
//
// Filters (all combine): --from-seq/--to-seq; --from/--to dates, by
// recording date (the prefix of the log recorded by the end of each day,
// as --as-of elsewhere) or with --dates occurred by the event's declared
// date; --area CODE, the events of households whose area (their latest
// targeting as of the end of the export) lies inside CODE -- registry
// events, having no household, are then left out.
#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <unordered_map>

#include "common/progress.h"
#include "ledger/bytes.h"
#include "ledger/event.h"
#include "ledger/event_json.h"
#include "ledger/projection.h"
#include "ledger/reasons.h"
#include "replay/area_rows.h"
#include "replay/replay.h"

namespace ledger::replay {
namespace {

struct ExportOptions {
  std::string format;
  uint64_t from = 0;
  std::optional<uint64_t> to;  // inclusive
  std::string from_date, to_date;   // --from, --to
  std::string dates = "recorded";   // or "occurred"
  std::string area;
};

// Buffers stdout writes into large chunks.
class Output {
 public:
  Output() { buf_.reserve(kChunk + 64 * 1024); }
  std::string& buf() { return buf_; }
  Status MaybeFlush() { return buf_.size() >= kChunk ? Flush() : OkStatus(); }
  Status Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size()) {
      return UnavailableError("writing to stdout failed", reason::kWriteFailed);
    }
    buf_.clear();
    if (std::fflush(stdout) != 0) return UnavailableError("writing to stdout failed", reason::kWriteFailed);
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
  std::optional<CivilDate> from_date, to_date;
  if (!opts.from_date.empty()) {
    auto d = ParseDate(opts.from_date, globals.calendar());
    if (!d.ok()) return UsageError("--from: " + d.status().message());
    from_date = *d;
  }
  if (!opts.to_date.empty()) {
    auto d = ParseDate(opts.to_date, globals.calendar());
    if (!d.ok()) return UsageError("--to: " + d.status().message());
    to_date = *d;
  }
  if (from_date && to_date && *to_date < *from_date) {
    return UsageError(fmt::format("--from {} is after --to {}", opts.from_date, opts.to_date));
  }
  auto selection = AreaSelection::Make("", opts.area);
  if (!selection.ok()) return UsageError(selection.status().message());
  auto ledger = OpenStore(globals);
  if (!ledger.ok()) return Fail(ledger.status());
  const Ledger& l = **ledger;
  uint64_t size = l.Size();
  uint64_t end = (opts.to && *opts.to < size) ? *opts.to + 1 : size;
  uint64_t begin = std::min(opts.from, end);
  const bool by_occurred = opts.dates == "occurred";
  if (!by_occurred) {
    // Recording dates select a range of seqs: the log's prefixes at the two days' ends.
    if (to_date) {
      auto n = SizeAtTime(l, BangkokEndOfDayNs(*to_date));
      if (!n.ok()) return Fail(n.status());
      end = std::min(end, *n);
    }
    if (from_date) {
      auto n = SizeAtTime(l, BangkokEndOfDayNs(AddDays(*from_date, -1)));
      if (!n.ok()) return Fail(n.status());
      begin = std::max(begin, *n);
    }
    begin = std::min(begin, end);
  }

  // --area: each household's area as of the end of the export, looked up once.
  std::optional<Projector> areas;
  std::unordered_map<std::string, bool> in_area;
  if (!opts.area.empty()) {
    auto p = ProjectionAt(l, end);
    if (!p.ok()) return Fail(p.status());
    areas = std::move(*p);
  }
  auto keep = [&](std::string_view leaf) -> StatusOr<bool> {
    if (!areas && !by_occurred) return true;
    ASSIGN_OR_RETURN(EventInfo e, DecodeEvent(leaf, /*require_canonical=*/false));
    if (by_occurred && ((from_date && e.occurred < *from_date) || (to_date && *to_date < e.occurred))) return false;
    if (!areas) return true;
    if (e.household.empty()) return false;
    auto [it, fresh] = in_area.try_emplace(e.household, false);
    if (fresh) {
      ASSIGN_OR_RETURN(std::optional<HouseholdStatus> h, areas->Household(e.household));
      it->second = h && h->subdistrict.compare(0, opts.area.size(), opts.area) == 0 && !h->subdistrict.empty();
    }
    return it->second;
  };

  bool jsonl = opts.format == "jsonl";
  Output out;
  tools::ProgressBar bar("export", end - begin);
  Status s = l.ForEachEvent(begin, end, [&](uint64_t seq, std::string_view leaf) -> Status {
    ASSIGN_OR_RETURN(bool wanted, keep(leaf));
    if (!wanted) {
      bar.Update(seq - begin + 1);
      return OkStatus();
    }
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
  cmd->add_option("--from", opts->from_date, "Events recorded on or after this day (YYYY-MM-DD, --calendar's years)")
      ->type_name("DATE");
  cmd->add_option("--to", opts->to_date, "Events recorded on or before this day")->type_name("DATE");
  cmd->add_option("--dates", opts->dates,
                  "What --from/--to compare: recorded (the server's date, Asia/Bangkok; default) or occurred "
                  "(the event's declared date)")
      ->check(CLI::IsMember({"recorded", "occurred"}));
  cmd->add_option("--area", opts->area,
                  "Only events of households in this DOPA area (2, 4 or 6 digits): their latest targeting as of "
                  "the end of the export; leaves out registry events")
      ->type_name("CODE");
  return {cmd, [opts, &globals] { return RunExport(globals, *opts); }};
}

}  // namespace ledger::replay
