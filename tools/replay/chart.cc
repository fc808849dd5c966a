// ledger-replay chart: an SVG for a board report (svg_chart.h) -- households
// per level over time and help given per period by dimension -- for the
// whole store or one area, from one forward fold (sampler.h).
#include <fmt/format.h>

#include "common/progress.h"
#include "replay/area_rows.h"
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

// "Oct 2021" / "Oct 2564" / "ต.ค. 64" for months; "7 Oct" / "7 ต.ค." for days.
std::string XLabel(const CivilDate& d, bool month, bool thai, Calendar calendar) {
  const char* name = (thai ? kMonthsTh : kMonthsEn)[d.month - 1];
  if (!month) return fmt::format("{} {}", d.day, name);
  if (thai) return fmt::format("{} {:02}", name, (d.year + kBuddhistEraOffset) % 100);
  return fmt::format("{} {}", name, calendar == Calendar::kBe ? d.year + kBuddhistEraOffset : d.year);
}

int RunChart(const Globals& globals, const ChartOptions& o) {
  auto selection = AreaSelection::Make("", o.area);
  if (!selection.ok()) return UsageError(selection.status().message());
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
  // A store of one province is named after it.
  std::string named = selection->area;
  if (named.empty() && provinces.size() == 1) named = provinces[0].code;
  const std::string area_name = named.empty() ? (thai ? "ทุกพื้นที่" : "all areas")
                                              : fmt::format("{} ({})", AreaName(names, named, lang), named);
  d.title = !o.title.empty() ? o.title
            : thai           ? "ความก้าวหน้าครัวเรือนเป้าหมาย: " + area_name
                             : "Household progress: " + area_name;
  const std::string range =
      !o.period.fy.empty()
          ? fmt::format("{} {}", thai ? "ปีงบประมาณ" : "Fiscal year",
                        cal == Calendar::kBe || thai ? ParseFiscalYear(o.period.fy)->year_be()
                                                     : ParseFiscalYear(o.period.fy)->year_ce)
          : fmt::format("{} – {}", FormatDate(first_day, thai ? Calendar::kBe : cal),
                        FormatDate(points->back().date, thai ? Calendar::kBe : cal));
  const std::string every = thai ? (o.period.every == "month" ? "รายเดือน" : o.period.every == "week" ? "รายสัปดาห์" : "รายวัน")
                                 : "every " + o.period.every;
  d.subtitle = fmt::format("{} · {} · {} · {} {}", range, every, (*ledger)->info().origin,
                           Thousands(points->back().size), thai ? "รายการ" : "events");
  d.footnote = thai ? "ระดับ: ผลการประเมินล่าสุดของแต่ละครัวเรือน ณ สิ้นงวด (ตามวันที่บันทึก) · ได้รับความช่วยเหลือ: มี "
                      "AssistanceGiven อย่างน้อยหนึ่งรายการที่ไม่ถูกยกเลิก\nมูลค่าความช่วยเหลือ: บันทึกในงวดนั้น "
                      "หักรายการที่แก้ไข/ยกเลิก · ที่มา: ledger-replay chart"
                    : "Levels: each household's latest assessment at the end of the period (by recording date). "
                      "Helped: at least one AssistanceGiven not voided.\nHelp: value recorded in the period, net of "
                      "corrections. Source: ledger-replay chart.";
  d.households_title = thai ? "จำนวนครัวเรือนตามระดับ" : "Households by level";
  d.households_axis = thai ? "ครัวเรือน" : "Households";
  for (Level l : kLevels) d.level_names[int(l)] = std::string(thai ? LevelNameTh(l) : LevelName(l));
  if (!thai) {
    for (auto& n : d.level_names) n[0] = static_cast<char>(std::toupper(n[0]));
  }
  d.targeted_name = thai ? "เป้าหมาย" : "Targeted";
  d.helped_name = thai ? "ได้รับความช่วยเหลือ" : "Helped";
  d.help_title = thai ? "มูลค่าความช่วยเหลือในแต่ละงวด แยกตามมิติ (บาท)" : "Help given in each period by dimension (THB)";
  d.help_axis = thai ? "บาท" : "THB";
  for (Dimension dim : kDimensions) {
    std::string n(thai ? DimensionNameTh(dim) : DimensionName(dim));
    if (!thai) n[0] = static_cast<char>(std::toupper(n[0]));
    d.dimension_names[int(dim)] = n;
  }
  nlohmann::json json_points = nlohmann::json::array();
  for (size_t i = 1; i < all.size(); ++i) {
    const AreaProgress& r = rows[i];
    d.x_labels.push_back(XLabel(all[i].date, o.period.every == "month", thai, cal));
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

  if (Status s = WriteFileDurably(o.out, RenderChartSvg(d)); !s.ok()) return Fail(s);
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
      "An SVG chart for a board report: households per level over time (stacked areas, with the\n"
      "targeted and helped totals as lines) and help given in each period by dimension (bars).");
  AddPeriodOptions(cmd, &o->period, "month");
  cmd->add_option("--out", o->out, "The SVG file to write")->required()->type_name("FILE.svg");
  cmd->add_option("--area", o->area, "Only this DOPA area (2, 4 or 6 digits); default the whole store")
      ->type_name("CODE");
  cmd->add_option("--lang", o->lang, "Texts in th or en (default en)")->check(CLI::IsMember({"th", "en"}));
  cmd->add_option("--title", o->title, "Title instead of the default");
  cmd->add_flag("--json", o->json, "Print the plotted figures as JSON");
  return {cmd, [o, &globals] { return RunChart(globals, *o); }};
}

}  // namespace ledger::replay
