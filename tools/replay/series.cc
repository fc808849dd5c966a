// ledger-replay series: the report's figures at the end of every day, week
// or month of a period, from one forward fold (sampler.h). Without --by,
// one row per point for the whole selection (the store, code "all", or
// --area); with --by, one row per area per point.
//
//   csv   date,events,<report CSV columns>      (date in --calendar's years)
//   json  [{"date": "2022-01-31", "events": N, "areas": [<report objects>]}, ...]
//   text  an aligned table of the main figures
#include <fmt/format.h>

#include "common/progress.h"
#include "replay/area_rows.h"
#include "replay/moment.h"
#include "replay/replay.h"
#include "replay/sampler.h"

namespace ledger::replay {
namespace {

struct SeriesOptions {
  PeriodOptions period;
  std::string by;
  std::string area;
  std::string lang = "en";
  FormatOption format;
};

int RunSeries(const Globals& globals, const SeriesOptions& o) {
  if (int rc = CheckFormatOptions(o.format); rc != kExitOk) return rc;
  auto selection = AreaSelection::Make(o.by, o.area);
  if (!selection.ok()) return UsageError(selection.status().message());
  const bool per_area = !o.by.empty();
  auto ledger = OpenStore(globals);
  if (!ledger.ok()) return Fail(ledger.status());
  auto points = ResolvePeriod(**ledger, globals, o.period);
  if (!points.ok()) return ArgumentOrFail(points.status());

  const tools::AdminAreas& names = AreaNames(globals);
  const tools::Language lang = LanguageOf(o.lang);
  const Calendar cal = globals.calendar();
  const Format format = o.format.format();
  nlohmann::json json = nlohmann::json::array();
  std::string csv = format == Format::kCsv ? CsvLine([] {
    std::vector<std::string> h = {"date", "events"};
    for (std::string& c : CsvHeader()) h.push_back(std::move(c));
    return h;
  }())
                                           : std::string();
  std::vector<TextTable::Column> columns = TextColumns(lang);
  columns.insert(columns.begin(), TextTable::Column{lang == tools::Language::kThai ? "ณ วันที่" : "As of"});
  TextTable table(std::move(columns));

  tools::ProgressBar bar("series", points->empty() ? 0 : points->back().size);
  ProjectionOptions po;
  po.progress = [&bar](uint64_t done, uint64_t) { bar.Update(done); };
  Status s = FoldThrough(**ledger, *points, po, [&](size_t i, const Projector& p) {
    const SamplePoint& point = (*points)[i];
    std::vector<AreaProgress> rows = per_area ? selection->Rows(p) : std::vector<AreaProgress>{selection->Whole(p)};
    switch (format) {
      case Format::kJson: {
        nlohmann::json areas = nlohmann::json::array();
        for (const AreaProgress& r : rows) areas.push_back(RowJson(r, names, lang));
        json.push_back({{"date", FormatDate(point.date)}, {"events", point.size}, {"areas", std::move(areas)}});
        break;
      }
      case Format::kCsv:
        for (const AreaProgress& r : rows) {
          std::vector<std::string> fields = {FormatDate(point.date, cal), std::to_string(point.size)};
          for (std::string& f : CsvFields(r, names, lang)) fields.push_back(std::move(f));
          csv += CsvLine(fields);
        }
        break;
      case Format::kText:
        for (const AreaProgress& r : rows) {
          std::vector<std::string> cells = TextCells(r, names, lang);
          cells.insert(cells.begin(), FormatDate(point.date, cal));
          table.AddRow(std::move(cells));
        }
        break;
    }
    return OkStatus();
  });
  bar.Finish();
  if (!s.ok()) return Fail(s);

  std::string out;
  if (format == Format::kJson) {
    out = json.dump(2) + "\n";
  } else if (format == Format::kCsv) {
    out = o.format.Csv(std::move(csv));
  } else {
    const bool thai = lang == tools::Language::kThai;
    const std::string scope =
        selection->area.empty()
            ? std::string(per_area ? "" : thai ? " (ทุกพื้นที่)" : " (all areas)")
            : fmt::format(fmt::runtime(thai ? " ใน {} {}" : " in {} {}"), selection->area, AreaName(names, selection->area, lang));
    const Calendar shown = thai ? Calendar::kBe : cal;
    const std::string from = points->empty() ? "-" : FormatDate(points->front().date, shown);
    const std::string to = points->empty() ? "-" : FormatDate(points->back().date, shown);
    const std::string by = per_area ? fmt::format(fmt::runtime(thai ? " ราย{}" : " by {}"), AreaLevelName(selection->level, lang)) : "";
    out = fmt::format(fmt::runtime(thai ? "ความก้าวหน้าครัวเรือนเป้าหมาย{}{} {} ตั้งแต่ {} ถึง {}\n\n"
                           : "Household progress{}{}, {} from {} to {}\n\n"),
                      by, scope, PeriodName(o.period.every, lang), from, to) +
          table.Render();
  }
  return PrintResult(out);
}

}  // namespace

Subcommand AddSeriesCommand(CLI::App& app, const Globals& globals) {
  auto o = std::make_shared<SeriesOptions>();
  CLI::App* cmd = app.add_subcommand(
      "series",
      "The report's figures over time: as of the end of every day, week or month of a period\n"
      "(one forward replay, sampled at each point). Without --by: one row per point for the\n"
      "whole store or --area; with --by: one row per area per point.");
  AddPeriodOptions(cmd, &o->period, "month");
  cmd->add_option("--by", o->by, "One row per province, district or subdistrict at each point")
      ->check(CLI::IsMember({"province", "district", "subdistrict"}));
  cmd->add_option("--area", o->area, "Only this DOPA area (2, 4 or 6 digits)")->type_name("CODE");
  cmd->add_option("--lang", o->lang, "Area names and headers in th or en (default en)")
      ->check(CLI::IsMember({"th", "en"}));
  AddFormatOptions(cmd, &o->format, {"csv", "json", "text"});
  return {cmd, [o, &globals] { return RunSeries(globals, *o); }};
}

}  // namespace ledger::replay
