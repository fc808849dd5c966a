// ledger-replay report: the progress table of DOMAIN.md ("Area progress")
// as of a moment, one row per area, as an aligned text table (with a total
// line), CSV, or JSON (DESIGN.md §8 contract: an array of objects with at
// least code, targeted, helped, survive, sufficient, sustainable; area_rows.h
// lists every field).
#include <fmt/format.h>

#include "common/progress.h"
#include "ledger/projection.h"
#include "replay/area_rows.h"
#include "replay/moment.h"
#include "replay/replay.h"

namespace ledger::replay {
namespace {

struct ReportOptions {
  std::string by;
  std::string area;
  std::string lang = "en";
  bool no_snapshots = false;
  MomentOptions when;
  FormatOption format;
};

int RunReport(const Globals& globals, const ReportOptions& o) {
  if (int rc = CheckFormatOptions(o.format); rc != kExitOk) return rc;
  auto selection = AreaSelection::Make(o.by, o.area);
  if (!selection.ok()) return UsageError(selection.status().message());
  auto ledger = OpenStore(globals);
  if (!ledger.ok()) return Fail(ledger.status());
  auto moment = ResolveMoment(**ledger, globals, o.when);
  if (!moment.ok()) return ArgumentOrFail(moment.status());
  tools::ProgressBar bar("replay", moment->size);
  ProjectionOptions po;
  po.use_snapshots = !o.no_snapshots;
  po.progress = [&bar](uint64_t done, uint64_t) { bar.Update(done); };
  auto projector = ProjectionAt(**ledger, moment->size, po);
  bar.Finish();
  if (!projector.ok()) return Fail(projector.status());

  const std::vector<AreaProgress> rows = selection->Rows(*projector);
  const tools::AdminAreas& names = AreaNames(globals);
  const tools::Language lang = LanguageOf(o.lang);
  std::string out;
  switch (o.format.format()) {
    case Format::kJson: {
      nlohmann::json j = nlohmann::json::array();
      for (const AreaProgress& r : rows) j.push_back(RowJson(r, names, lang));
      out = j.dump(2) + "\n";
      break;
    }
    case Format::kCsv:
      out = CsvLine(CsvHeader());
      for (const AreaProgress& r : rows) out += CsvLine(CsvFields(r, names, lang));
      out = o.format.Csv(std::move(out));
      break;
    case Format::kText: {
      const bool thai = lang == tools::Language::kThai;
      const std::string scope =
          selection->area.empty() ? std::string()
                                  : fmt::format(fmt::runtime(thai ? " ใน {} {}" : " in {} {}"), selection->area,
                                                AreaName(names, selection->area, lang));
      out = fmt::format(fmt::runtime(thai ? "ความก้าวหน้าครัวเรือนเป้าหมาย ราย{}{} {}\n\n" : "Household progress by {}{}, {}\n\n"),
                        AreaLevelName(selection->level, lang), scope, moment->Describe(globals.calendar(), lang));
      TextTable t(TextColumns(lang));
      for (const AreaProgress& r : rows) t.AddRow(TextCells(r, names, lang));
      t.AddRule();
      AreaProgress total = selection->Whole(*projector);
      if (total.code != "all") total.code = "";   // the total line of an area carries no code
      std::vector<std::string> cells = TextCells(total, names, lang);
      cells[0] = "";
      cells[1] = lang == tools::Language::kThai ? "รวม" : "Total";
      t.AddRow(cells);
      out += t.Render();
      if (rows.empty()) out += thai ? "(ยังไม่มีครัวเรือนเป้าหมาย)\n" : "(no targeted households)\n";
      break;
    }
  }
  return PrintResult(out);
}

}  // namespace

Subcommand AddReportCommand(CLI::App& app, const Globals& globals) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Progress by area as of a moment: targeted households, with a mentor, with a plan, helped\n"
      "(at least one AssistanceGiven not voided), households per level (survive, sufficient,\n"
      "sustainable: their latest assessment), indicators resolved, help value by dimension.");
  cmd->add_option("--by", o->by, "Rows per province, district or subdistrict (default: the level below --area)")
      ->check(CLI::IsMember({"province", "district", "subdistrict"}));
  cmd->add_option("--area", o->area, "Only areas inside this DOPA code (2, 4 or 6 digits)")->type_name("CODE");
  cmd->add_option("--lang", o->lang, "Area names and headers in th or en (default en)")
      ->check(CLI::IsMember({"th", "en"}));
  cmd->add_flag("--no-snapshots", o->no_snapshots, "Replay from the first event instead of the nearest snapshot");
  AddMomentOptions(cmd, &o->when, /*with_seq=*/true);
  AddFormatOptions(cmd, &o->format, {"text", "csv", "json"});
  return {cmd, [o, &globals] { return RunReport(globals, *o); }};
}

}  // namespace ledger::replay
