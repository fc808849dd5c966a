// ledger-replay chart: a chart for a board report (svg_chart.h) -- households
// per level over time and help given per period by dimension -- for the
// whole store or one area, from one forward fold (sampler.h); written as
// SVG, PNG or PDF by the extension of --out (chart_file.h). With --lang th
// every text is Thai: titles, legends, units, months, BE years.
#include <fmt/format.h>

#include "common/progress.h"
#include "ledger/event.h"
#include "ledger/event_names_th.h"
#include "replay/area_rows.h"
#include "replay/chart_file.h"
#include "replay/moment.h"
#include "replay/replay.h"
#include "replay/sampler.h"
#include "replay/svg_chart.h"
#include "ledger/durable_file.h"

namespace ledger::replay {
namespace {

struct ChartOptions {
  PeriodOptions period;
  std::string area;
  std::string out;
  std::string lang = "en";
  std::string title;
  bool json = false;
};

constexpr std::array<const char*, 12> kMonthsEn = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<const char*, 12> kMonthsTh = {"ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
                                                   "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."};

int DisplayYear(const CivilDate& d, bool thai, Calendar calendar) {
  return thai || calendar == Calendar::kBe ? d.year + kBuddhistEraOffset : d.year;
}

// An x label: "Oct" / "ต.ค." for a month, "7 Oct" / "7 ต.ค." for a day;
// its group (the second line under the first label of a year): the year,
// BE in Thai or with --calendar be.
std::string XLabel(const CivilDate& d, bool month, bool thai) {
  const char* name = (thai ? kMonthsTh : kMonthsEn)[d.month - 1];
  return month ? std::string(name) : fmt::format("{} {}", d.day, name);
}

// "1 Oct 2021" / "1 ต.ค. 2564".
std::string LongDate(const CivilDate& d, bool thai, Calendar calendar) {
  return fmt::format("{} {} {}", d.day, (thai ? kMonthsTh : kMonthsEn)[d.month - 1], DisplayYear(d, thai, calendar));
}

int RunChart(const Globals& globals, const ChartOptions& o) {
  auto selection = AreaSelection::Make("", o.area);
  if (!selection.ok()) return UsageError(selection.status().message());
  auto format = ChartFormatOf(o.out);
  if (!format.ok()) return UsageError(format.status().message());
  auto ledger = OpenStore(globals);
  if (!ledger.ok()) return Fail(ledger.status());
  auto points = ResolvePeriod(**ledger, globals, o.period);
  if (!points.ok()) return ArgumentOrFail(points.status());
  if (points->empty()) return UsageError("the period has no days");
  const Calendar cal = globals.calendar();
  const bool thai = o.lang == "th";
  const tools::Language lang = LanguageOf(o.lang);

  // One more point: the day before the period, the base of the first
  // period's help.
  CivilDate first_day = o.period.fy.empty() ? *ParseDate(o.period.from, cal) : ParseFiscalYear(o.period.fy)->first;
  auto base_size = SizeAtTime(**ledger, BangkokEndOfDayNs(AddDays(first_day, -1)));
  if (!base_size.ok()) return Fail(base_size.status());
  std::vector<SamplePoint> all = {{AddDays(first_day, -1), *base_size}};
  all.insert(all.end(), points->begin(), points->end());

  std::vector<AreaProgress> rows;
  std::vector<AreaProgress> provinces;   // at the last point
  tools::ProgressBar bar("chart", all.back().size);
  ProjectionOptions po;
  po.progress = [&bar](uint64_t done, uint64_t) { bar.Update(done); };
  Status s = FoldThrough(**ledger, all, po, [&](size_t i, const Projector& p) {
    rows.push_back(selection->Whole(p));
    if (i + 1 == all.size()) provinces = p.Areas(AreaLevel::kProvince);
    return OkStatus();
  });
  bar.Finish();
  if (!s.ok()) return Fail(s);

  const tools::AdminAreas& names = AreaNames(globals);
  ChartData d;
  d.language = thai ? "th" : "en";
  // A store of one province is named after it.
  std::string named = selection->area;
  if (named.empty() && provinces.size() == 1) named = provinces[0].code;
  const std::string area_name = named.empty() ? (thai ? "ทุกพื้นที่" : "all areas")
                                              : fmt::format("{} ({})", AreaName(names, named, lang), named);
  d.title = !o.title.empty() ? o.title
            : thai           ? "ความก้าวหน้าครัวเรือนเป้าหมาย: " + area_name
                             : "Household progress: " + area_name;
  std::string range;
  if (!o.period.fy.empty()) {
    const FiscalYear fy = *ParseFiscalYear(o.period.fy);
    range = thai                     ? fmt::format("ปีงบประมาณ พ.ศ. {}", fy.year_be())
            : cal == Calendar::kBe ? fmt::format("Fiscal year BE {}", fy.year_be())
                                   : fmt::format("Fiscal year {} (BE {})", fy.year_ce, fy.year_be());
  } else {
    range = fmt::format("{} – {}", LongDate(first_day, thai, cal), LongDate(points->back().date, thai, cal));
  }
  const std::string every = PeriodName(o.period.every, lang);
  d.subtitle = fmt::format("{} · {} · {} · {} {}", range, every, (*ledger)->info().origin,
                           Thousands(points->back().size), thai ? "รายการบันทึก" : "events");
  d.footnote =
      thai ? fmt::format("ระดับ: ผลการประเมินล่าสุดของแต่ละครัวเรือน ณ สิ้นงวด (ตามวันที่บันทึก)\n"
                         "ได้รับความช่วยเหลือ: มีรายการ “{}” อย่างน้อยหนึ่งรายการที่ไม่ถูกยกเลิก\n"
                         "มูลค่าความช่วยเหลือ: ที่บันทึกในงวดนั้น หักรายการที่แก้ไขหรือยกเลิก · ที่มา: ledger-replay chart",
                         EventKindNameTh(EventKind::kAssistanceGiven))
           : "Levels: each household's latest assessment at the end of the period (by recording date).\n"
             "Helped: at least one help record (AssistanceGiven) not voided.\n"
             "Help: value recorded in the period, net of corrections. Source: ledger-replay chart.";
  d.households_title = thai ? "จำนวนครัวเรือนตามระดับการพัฒนา" : "Households by level";
  d.households_axis = thai ? "ครัวเรือน" : "Households";
  for (Level l : kLevels) d.level_names[int(l)] = std::string(thai ? LevelNameTh(l) : LevelName(l));
  if (!thai) {
    for (auto& n : d.level_names) n[0] = static_cast<char>(std::toupper(n[0]));
  }
  d.targeted_name = thai ? "ครัวเรือนเป้าหมาย" : "Targeted";
  d.helped_name = thai ? "ได้รับความช่วยเหลือ" : "Helped";
  d.help_title = thai ? "มูลค่าความช่วยเหลือในแต่ละงวด แยกตามมิติ" : "Help given in each period by dimension";
  d.money_units = thai ? std::array<std::string, 3>{"บาท", "พันบาท", "ล้านบาท"}
                       : std::array<std::string, 3>{"THB", "thousand THB", "million THB"};
  for (Dimension dim : kDimensions) {
    std::string n(thai ? DimensionNameTh(dim) : DimensionName(dim));
    if (!thai) n[0] = static_cast<char>(std::toupper(n[0]));
    d.dimension_names[int(dim)] = n;
  }
  nlohmann::json json_points = nlohmann::json::array();
  for (size_t i = 1; i < all.size(); ++i) {
    const AreaProgress& r = rows[i];
    d.x_labels.push_back(XLabel(all[i].date, o.period.every == "month", thai));
    d.x_groups.push_back(std::to_string(DisplayYear(all[i].date, thai, cal)));
    d.levels.push_back(r.levels);
    d.targeted.push_back(r.targeted);
    d.helped.push_back(r.helped);
    std::array<int64_t, kDimensionCount> help{};
    nlohmann::json help_json = nlohmann::json::object();
    for (int k = 0; k < kDimensionCount; ++k) {
      help[k] = r.help_by_dimension[k].satang - rows[i - 1].help_by_dimension[k].satang;
      help_json[std::string(DimensionName(Dimension(k)))] = help[k];
    }
    d.help_satang.push_back(help);
    json_points.push_back({{"date", FormatDate(all[i].date)},
                           {"events", all[i].size},
                           {"targeted", r.targeted},
                           {"helped", r.helped},
                           {"survive", r.levels[0]},
                           {"sufficient", r.levels[1]},
                           {"sustainable", r.levels[2]},
                           {"help_in_period_satang", help_json}});
  }

  const std::string svg = RenderChartSvg(d);
  auto bytes = RenderChart(svg, *format, d.title);
  if (!bytes.ok()) return Fail(bytes.status());
  if (*format != ChartFormat::kSvg && ThaiTextWithoutThaiFont(svg)) {
    fmt::print(stderr,
               "ledger-replay: warning: no installed font has Thai letters, so {} shows them as boxes; install "
               "one (Debian: apt-get install fonts-thai-tlwg, as tools/dev does)\n",
               o.out);
  }
  if (Status s = WriteFileDurably(o.out, *bytes); !s.ok()) return Fail(s);
  std::string out = o.json ? nlohmann::json({{"out", o.out}, {"points", json_points}}).dump(2) + "\n"
                           : fmt::format("wrote {}: {} points, {} to {}\n", o.out, d.x_labels.size(),
                                         FormatDate(points->front().date, cal), FormatDate(points->back().date, cal));
  return PrintResult(out);
}

}  // namespace

Subcommand AddChartCommand(CLI::App& app, const Globals& globals) {
  auto o = std::make_shared<ChartOptions>();
  CLI::App* cmd = app.add_subcommand(
      "chart",
      "A chart for a board report: households per level over time (stacked areas, with the\n"
      "targeted and helped totals as lines) and help given in each period by dimension (bars),\n"
      "as SVG, PNG or PDF (by the extension of --out). PNG and PDF are drawn with the Thai fonts\n"
      "of fonts-thai-tlwg (Loma); --lang th puts every text in Thai, years in BE.");
  AddPeriodOptions(cmd, &o->period, "month");
  cmd->add_option("--out", o->out,
                  "The file to write: .svg, .png (2x: 2200 x 1680 pixels) or .pdf (fonts embedded)")
      ->required()
      ->type_name("FILE");
  cmd->add_option("--area", o->area, "Only this DOPA area (2, 4 or 6 digits); default the whole store")
      ->type_name("CODE");
  cmd->add_option("--lang", o->lang, "Texts in th (years in BE) or en (default en)")
      ->check(CLI::IsMember({"th", "en"}));
  cmd->add_option("--title", o->title, "Title instead of the default");
  cmd->add_flag("--json", o->json, "Print the plotted figures as JSON");
  return {cmd, [o, &globals] { return RunChart(globals, *o); }};
}

}  // namespace ledger::replay
