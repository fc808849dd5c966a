// End to end: the built `ledger-replay` report, series, chart and status on
// a small hand-written ledger, against figures computed by hand -- including
// a help record voided by a correction, counted as of before the
// correction and gone after it. Also: the report JSON contract (DESIGN.md
// §8), dates in BE and fiscal years, CSV and text output, usage errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "ledger/bytes.h"
#include "support/run_command.h"
#include "support/scripted_ledger.h"

namespace ledger {
namespace {

using nlohmann::json;
using testing::CommandResult;
using testing::Lines;
using testing::RunCommand;
using testing::ScriptedLedger;
using testing::TempDir;
using D = schema::Dimension;
using L = schema::Level;

const std::string kReplay = LEDGER_BINARY_DIR "/tools/ledger-replay";

// Four households, recorded on these days (the registry is seqs 0..4):
//
//   2021-10-05  H1 330101 targeted {4, 9, 20}; H2 330101 {4}; H3 330201 {9}; H4 340101 {20}
//   2021-11-10  H1 mentor off-2, plan; help HLT-01 500.00 (PHO-33) and LIV-02 1,200.00 (PSDHS-33);
//               H2 help HLT-01 300.00
//   2021-12-01  H1 resolves 4, survive; H3 survive; H4 mentor psd-1
//   2022-01-15  H1 sufficient
//   2022-02-01  H2's help voided (its only help); H3 exits
//   2022-03-01  H4 sustainable
class ReplayReportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    ScriptedLedger s(dir_->path());
    auto at = [&](CivilDate d) { s.RecordOn(d); };
    at({2021, 10, 5});
    s.Target(s.Off1(), kH1, "330101", {4, 9, 20}, {2021, 10, 5});
    s.Target(s.Off1(), kH2, "330101", {4}, {2021, 10, 5});
    s.Target(s.Off1(), kH3, "330201", {9}, {2021, 10, 5});
    s.Target(s.Psd(), kH4, "340101", {20}, {2021, 10, 5});
    at({2021, 11, 10});
    s.Add(s.Off1(), kH1, {2021, 11, 10}, testing::MentorOf("off-2"));
    s.Add(s.Off1(), kH1, {2021, 11, 10}, testing::PlanOf(D::HEALTH, 4, "HLT-01", "PHO-33"));
    s.Give(s.Off1(), kH1, D::HEALTH, 4, "HLT-01", 50'000, {2021, 11, 10});
    s.Give(s.Psd(), kH1, D::LIVING, 9, "LIV-02", 120'000, {2021, 11, 10});
    h2_help_ = s.Give(s.Off1(), kH2, D::HEALTH, 4, "HLT-01", 30'000, {2021, 11, 10});
    at({2021, 12, 1});
    s.Add(s.Off1(), kH1, {2021, 12, 1}, testing::Resolved(4));
    s.Add(s.Off1(), kH1, {2021, 12, 1}, testing::Assess(L::SURVIVE));
    s.Add(s.Off1(), kH3, {2021, 12, 1}, testing::Assess(L::SURVIVE));
    s.Add(s.Psd(), kH4, {2021, 12, 1}, testing::MentorOf("psd-1"));
    at({2022, 1, 15});
    s.Add(s.Off1(), kH1, {2022, 1, 15}, testing::Assess(L::SUFFICIENT));
    at({2022, 2, 1});
    void_ = s.Add(s.Off1(), kH2, {2022, 2, 1}, testing::Void(h2_help_));
    s.Add(s.Off1(), kH3, {2022, 2, 1}, testing::Exited());
    at({2022, 3, 1});
    s.Add(s.Psd(), kH4, {2022, 3, 1}, testing::Assess(L::SUSTAINABLE));
    size_ = s.ledger().Size();
    for (uint64_t seq = 0; seq < size_; ++seq) hashes_.push_back(ToHex(*s.ledger().LeafHash(seq)));
    s.Close();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static CommandResult Replay(std::vector<std::string> args) {
    std::vector<std::string> argv = {kReplay, "--data", dir_->path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunCommand(argv);
  }
  static json ReplayJson(std::vector<std::string> args) {
    CommandResult r = Replay(std::move(args));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.exit_code == 0 ? json::parse(r.out) : json();
  }
  // The report rows by code.
  static std::map<std::string, json> Report(std::vector<std::string> args) {
    args.insert(args.begin(), "report");
    args.push_back("--json");
    std::map<std::string, json> rows;
    json j = ReplayJson(args);
    EXPECT_TRUE(j.is_array()) << j.dump();
    for (const json& row : j) rows[row["code"]] = row;
    return rows;
  }

  static constexpr const char* kH1 = "33010000001";
  static constexpr const char* kH2 = "33010000002";
  static constexpr const char* kH3 = "33020000003";
  static constexpr const char* kH4 = "34010000004";
  static inline TempDir* dir_ = nullptr;
  static inline AppendResult h2_help_, void_;
  static inline uint64_t size_ = 0;
  static inline std::vector<std::string> hashes_;
};

TEST_F(ReplayReportTest, ProvinceFiguresByHandBeforeAndAfterTheCorrection) {
  // 31 December: H1 and H2 helped; H1 and H3 at survive.
  auto dec = Report({"--by", "province", "--as-of", "2021-12-31"});
  ASSERT_EQ(dec.size(), 2u);
  const json& p = dec["33"];
  for (const char* key : {"code", "targeted", "helped", "survive", "sufficient", "sustainable"}) {
    EXPECT_TRUE(p.contains(key)) << key;   // the DESIGN.md §8 contract
  }
  EXPECT_EQ(p["name_en"], "Si Sa Ket");
  EXPECT_EQ(p["name_th"], "ศรีสะเกษ");
  EXPECT_EQ(p["level"], "province");
  EXPECT_EQ(p["targeted"], 3);
  EXPECT_EQ(p["with_mentor"], 1);
  EXPECT_EQ(p["with_plan"], 1);
  EXPECT_EQ(p["helped"], 2);
  EXPECT_EQ(p["exited"], 0);
  EXPECT_EQ(p["survive"], 2);
  EXPECT_EQ(p["sufficient"], 0);
  EXPECT_EQ(p["sustainable"], 0);
  EXPECT_EQ(p["not_assessed"], 1);
  EXPECT_EQ(p["indicators_failing"], 4);   // H1 {9, 20}, H2 {4}, H3 {9}
  EXPECT_EQ(p["indicators_resolved"], 1);
  EXPECT_EQ(p["help_count"], 3);
  EXPECT_EQ(p["help_value_satang"], 200'000);
  EXPECT_EQ(p["help_by_dimension"]["health"], (json{{"count", 2}, {"value_satang", 80'000}}));
  EXPECT_EQ(p["help_by_dimension"]["living"], (json{{"count", 1}, {"value_satang", 120'000}}));
  EXPECT_EQ(p["help_by_dimension"]["income"], (json{{"count", 0}, {"value_satang", 0}}));
  EXPECT_EQ(p["help_by_agency"]["PHO-33"], (json{{"count", 2}, {"value_satang", 80'000}}));
  EXPECT_EQ(p["help_by_agency"]["PSDHS-33"], (json{{"count", 1}, {"value_satang", 120'000}}));
  const json& u = dec["34"];
  EXPECT_EQ(u["name_en"], "Ubon Ratchathani");
  EXPECT_EQ(u["targeted"], 1);
  EXPECT_EQ(u["with_mentor"], 1);
  EXPECT_EQ(u["helped"], 0);
  EXPECT_EQ(u["not_assessed"], 1);

  // 31 January: H1 sufficient; the help of H2 still counts.
  auto jan = Report({"--as-of", "2022-01-31"});
  EXPECT_EQ(jan["33"]["helped"], 2);
  EXPECT_EQ(jan["33"]["survive"], 1);
  EXPECT_EQ(jan["33"]["sufficient"], 1);
  EXPECT_EQ(jan["33"]["help_value_satang"], 200'000);

  // After the correction of 1 February: H2's voided help is gone, H3 exited.
  auto feb = Report({"--as-of", "2022-02-28"});
  EXPECT_EQ(feb["33"]["targeted"], 3);
  EXPECT_EQ(feb["33"]["helped"], 1);
  EXPECT_EQ(feb["33"]["exited"], 1);
  EXPECT_EQ(feb["33"]["survive"], 1);   // H3 keeps its level after exiting
  EXPECT_EQ(feb["33"]["help_count"], 2);
  EXPECT_EQ(feb["33"]["help_value_satang"], 170'000);
  EXPECT_EQ(feb["33"]["help_by_dimension"]["health"], (json{{"count", 1}, {"value_satang", 50'000}}));
  EXPECT_EQ(feb["34"]["sustainable"], 0);

  // Now (no --as-of): H4 sustainable. The seq just before the correction
  // sees the help; the correction's own seq does not.
  auto now = Report({});
  EXPECT_EQ(now["34"]["sustainable"], 1);
  EXPECT_EQ(Report({"--seq", std::to_string(void_.seq - 1)})["33"]["helped"], 2);
  EXPECT_EQ(Report({"--seq", std::to_string(void_.seq)})["33"]["helped"], 1);
  // Without snapshots: the same figures.
  EXPECT_EQ(Report({"--as-of", "2022-02-28", "--no-snapshots"}), feb);
  // Before anything was targeted: no rows.
  EXPECT_TRUE(Report({"--as-of", "2021-10-04"}).empty());
}

TEST_F(ReplayReportTest, DistrictsSubdistrictsAndAreaFilter) {
  auto d = Report({"--by", "district", "--as-of", "2022-02-28"});
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d["3301"]["name_en"], "Mueang Si Sa Ket");
  EXPECT_EQ(d["3301"]["level"], "district");
  EXPECT_EQ(d["3301"]["targeted"], 2);
  EXPECT_EQ(d["3301"]["helped"], 1);
  EXPECT_EQ(d["3301"]["sufficient"], 1);
  EXPECT_EQ(d["3301"]["not_assessed"], 1);
  EXPECT_EQ(d["3302"]["targeted"], 1);
  EXPECT_EQ(d["3302"]["exited"], 1);
  EXPECT_EQ(d["3401"]["targeted"], 1);

  auto in33 = Report({"--by", "subdistrict", "--area", "33", "--as-of", "2022-02-28"});
  ASSERT_EQ(in33.size(), 2u);
  EXPECT_EQ(in33["330101"]["targeted"], 2);
  EXPECT_EQ(in33["330201"]["targeted"], 1);
  EXPECT_EQ(in33["330101"]["level"], "subdistrict");
  // --area alone reports the level below it.
  auto below = Report({"--area", "33", "--as-of", "2022-02-28"});
  ASSERT_EQ(below.size(), 2u);
  EXPECT_TRUE(below.count("3301") && below.count("3302"));
  EXPECT_TRUE(Report({"--area", "35"}).empty());
}

TEST_F(ReplayReportTest, BuddhistEraDatesAndFiscalYears) {
  EXPECT_EQ(Report({"--as-of", "2565-02-28", "--calendar", "be"}), Report({"--as-of", "2022-02-28"}));
  EXPECT_EQ(Report({"--fy", "2565"}), Report({"--as-of", "2022-09-30"}));
  EXPECT_EQ(Report({"--fy", "2022"}), Report({"--fy", "2565"}));
  EXPECT_EQ(Report({"--fy", "2564"}), Report({"--as-of", "2021-09-30"}));

  CommandResult text = Replay({"--calendar", "be", "report", "--as-of", "2565-02-28"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("as of 2565-02-28"), std::string::npos) << text.out;
  // A BE year without --calendar be is refused with the fix in the message.
  CommandResult wrong = Replay({"report", "--as-of", "2565-02-28"});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("--calendar be"), std::string::npos) << wrong.err;
  EXPECT_EQ(Lines(wrong.err).size(), 1u);
}

TEST_F(ReplayReportTest, TextAndCsv) {
  CommandResult text = Replay({"report", "--as-of", "2022-02-28", "--by", "district"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  auto lines = Lines(text.out);
  ASSERT_GE(lines.size(), 8u) << text.out;
  EXPECT_EQ(lines[0], "Household progress by district, as of 2022-02-28 (21 events)");
  EXPECT_EQ(lines[2].rfind("Code  Area", 0), 0u) << lines[2];
  EXPECT_NE(text.out.find("Mueang Si Sa Ket"), std::string::npos);
  EXPECT_NE(text.out.find("Total"), std::string::npos);
  EXPECT_NE(text.out.find("1,700.00"), std::string::npos) << text.out;   // 170,000 satang in 33 + 0 in 34
  // Numbers are right-aligned: every table line with a Help column ends at the same width.
  EXPECT_EQ(lines[4].size(), lines[2].size()) << text.out;

  CommandResult thai = Replay({"report", "--as-of", "2022-02-28", "--lang", "th"});
  ASSERT_EQ(thai.exit_code, 0);
  EXPECT_NE(thai.out.find("ศรีสะเกษ"), std::string::npos);
  EXPECT_NE(thai.out.find("อุบลราชธานี"), std::string::npos);

  CommandResult csv = Replay({"report", "--as-of", "2022-02-28", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  auto rows = Lines(csv.out);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].rfind("code,name,targeted,with_mentor,with_plan,helped,exited,survive,sufficient,sustainable", 0),
            0u);
  EXPECT_EQ(rows[1],
            "33,Si Sa Ket,3,1,1,1,1,1,1,0,1,4,1,2,170000,1700.00,50000,500.00,120000,1200.00,0,0.00,0,0.00,0,0.00\r");
}

TEST_F(ReplayReportTest, UsageErrors) {
  EXPECT_EQ(Replay({"report", "--as-of", "2022-02-30"}).exit_code, 2);
  EXPECT_EQ(Replay({"report", "--by", "province", "--area", "3301"}).exit_code, 2);
  EXPECT_EQ(Replay({"report", "--area", "3x"}).exit_code, 2);
  EXPECT_EQ(Replay({"report", "--as-of", "2022-01-01", "--fy", "2565"}).exit_code, 2);
  EXPECT_EQ(Replay({"report", "--seq", "100000"}).exit_code, 2);
  EXPECT_EQ(Replay({"report", "--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Replay({"series", "--to", "2022-01-01"}).exit_code, 2);   // no --from
  EXPECT_EQ(Replay({"series", "--from", "2022-02-01", "--to", "2022-01-01"}).exit_code, 2);
  EXPECT_EQ(Replay({"status", "123"}).exit_code, 2);
  CommandResult unknown = Replay({"status", "33019999999"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("33019999999 has no events"), std::string::npos) << unknown.err;
  EXPECT_EQ(Replay({"chart", "--from", "2021-10-01"}).exit_code, 2);   // no --out
}

TEST_F(ReplayReportTest, SeriesIsTheReportAtEachPoint) {
  json s = ReplayJson({"series", "--every", "month", "--from", "2021-10-01", "--to", "2022-03-31", "--json"});
  ASSERT_EQ(s.size(), 6u) << s.dump();
  const char* ends[] = {"2021-10-31", "2021-11-30", "2021-12-31", "2022-01-31", "2022-02-28", "2022-03-31"};
  const int helped[] = {0, 2, 2, 2, 1, 1};
  const int survive[] = {0, 0, 2, 1, 1, 1};
  const int sustainable[] = {0, 0, 0, 0, 0, 1};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(s[i]["date"], ends[i]);
    ASSERT_EQ(s[i]["areas"].size(), 1u);
    const json& all = s[i]["areas"][0];
    EXPECT_EQ(all["code"], "all");
    EXPECT_EQ(all["targeted"], 4);
    EXPECT_EQ(all["helped"], helped[i]) << ends[i];
    EXPECT_EQ(all["survive"], survive[i]) << ends[i];
    EXPECT_EQ(all["sustainable"], sustainable[i]) << ends[i];
  }
  // Per province, each point equals the report as of that day.
  json by = ReplayJson({"series", "--from", "2021-10-01", "--to", "2022-03-31", "--by", "province", "--json"});
  ASSERT_EQ(by.size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    json report = ReplayJson({"report", "--as-of", ends[i], "--json"});
    EXPECT_EQ(by[i]["areas"], report) << ends[i];
  }
  // Weeks: 7-day periods from --from, the last cut short at --to.
  json weeks = ReplayJson({"series", "--every", "week", "--from", "2022-01-01", "--to", "2022-01-20", "--area", "3301",
                           "--json"});
  ASSERT_EQ(weeks.size(), 3u);
  EXPECT_EQ(weeks[0]["date"], "2022-01-07");
  EXPECT_EQ(weeks[1]["date"], "2022-01-14");
  EXPECT_EQ(weeks[2]["date"], "2022-01-20");
  EXPECT_EQ(weeks[1]["areas"][0]["code"], "3301");
  EXPECT_EQ(weeks[1]["areas"][0]["sufficient"], 0);
  EXPECT_EQ(weeks[2]["areas"][0]["sufficient"], 1);
  // A fiscal year in BE, as CSV with BE dates.
  CommandResult csv = Replay({"--calendar", "be", "series", "--fy", "2565", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  auto lines = Lines(csv.out);
  ASSERT_EQ(lines.size(), 13u);
  EXPECT_EQ(lines[0].rfind("date,events,code,name,targeted", 0), 0u);
  EXPECT_EQ(lines[1].rfind("2564-10-31,9,all,All areas,4,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[12].rfind("2565-09-30,", 0), 0u);
}

TEST_F(ReplayReportTest, ChartIsATitledLabelledSvg) {
  const std::string out = dir_->Sub("chart.svg");
  json plotted = ReplayJson({"chart", "--from", "2021-10-01", "--to", "2022-03-31", "--out", out, "--json"});
  ASSERT_EQ(plotted["points"].size(), 6u);
  // Help given in each month, net of corrections: November's, then the void.
  EXPECT_EQ(plotted["points"][1]["help_in_period_satang"]["health"], 80'000);
  EXPECT_EQ(plotted["points"][1]["help_in_period_satang"]["living"], 120'000);
  EXPECT_EQ(plotted["points"][4]["help_in_period_satang"]["health"], -30'000);
  EXPECT_EQ(plotted["points"][5]["sustainable"], 1);

  std::ifstream f(out);
  std::string svg((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
  EXPECT_NE(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\""), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  for (const char* text : {"Household progress: all areas", "Households by level", "Households", "THB", "Targeted",
                           "Helped", "Survive", "Sufficient", "Sustainable", "Health", "Living", "Education", "Income",
                           "Access", ">Oct<", ">2021<", ">Mar<", ">2022<", "<polygon", "<rect"}) {
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  }
  CommandResult th = Replay({"--calendar", "be", "chart", "--fy", "2565", "--area", "33", "--lang", "th", "--out", out});
  ASSERT_EQ(th.exit_code, 0) << th.err;
  std::ifstream g(out);
  std::string thai((std::istreambuf_iterator<char>(g)), std::istreambuf_iterator<char>());
  for (const char* text : {"ศรีสะเกษ (33)", "ปีงบประมาณ พ.ศ. 2565", "อยู่รอด", ">ต.ค.<", ">2564<", ">ก.ย.<", ">2565<"}) {
    EXPECT_NE(thai.find(text), std::string::npos) << text;
  }
}

TEST_F(ReplayReportTest, StatusShowsTheHouseholdAndItsTimelineAsOfAMoment) {
  json before = ReplayJson({"status", kH2, "--as-of", "2022-01-31", "--json"});
  ASSERT_EQ(before["timeline"].size(), 2u);
  EXPECT_EQ(before["status"]["help_total"]["count"], 1);
  EXPECT_EQ(before["timeline"][1]["seq"], h2_help_.seq);
  EXPECT_EQ(before["timeline"][1]["state"], "original");

  json after = ReplayJson({"status", kH2, "--json"});
  ASSERT_EQ(after["timeline"].size(), 3u);
  EXPECT_EQ(after["status"]["help_total"]["count"], 0);
  EXPECT_EQ(after["status"]["help"][0]["state"], "voided");
  EXPECT_EQ(after["status"]["help"][0]["corrected_by"], void_.seq);
  const json& voided = after["timeline"][1];
  EXPECT_EQ(voided["state"], "voided");
  EXPECT_EQ(voided["corrected_by"], void_.seq);
  for (const json& e : after["timeline"]) {
    EXPECT_EQ(e["leaf_hash"], hashes_[e["seq"].get<uint64_t>()]);
    EXPECT_EQ(e["agency"], "PHO-33");
    EXPECT_EQ(e["officer"], "off-1");
  }
  EXPECT_EQ(after["status"]["latest_seq"], void_.seq);
  EXPECT_EQ(after["status"]["latest_hash"], hashes_[void_.seq]);

  json h1 = ReplayJson({"status", kH1, "--seq", std::to_string(size_ - 1), "--json"});
  EXPECT_EQ(h1["status"]["level"], "sufficient");
  EXPECT_EQ(h1["status"]["level_reached"], "2022-01-15");
  EXPECT_EQ(h1["status"]["mentors"], json({"off-2"}));
  EXPECT_EQ(h1["status"]["subdistrict_name_en"], "Mueang Nuea");

  CommandResult text = Replay({"--calendar", "be", "status", kH2});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("voided by " + std::to_string(void_.seq)), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(hashes_[h2_help_.seq].substr(0, 16)), std::string::npos);
  EXPECT_NE(text.out.find("2564-11-10"), std::string::npos) << text.out;
}

TEST_F(ReplayReportTest, ExportFiltersByDateAndArea) {
  // Seqs: registry 0-4; 5 October 5-8; 10 November 9-13; 1 December 14-17;
  // 15 January 18; 1 February 19-20; 1 March 21.
  auto seqs = [](std::vector<std::string> args) {
    args.insert(args.begin(), {"export", "--format", "jsonl"});
    CommandResult r = Replay(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<uint64_t> out;
    for (const std::string& line : Lines(r.out)) out.push_back(json::parse(line)["seq"]);
    return out;
  };
  using V = std::vector<uint64_t>;
  EXPECT_EQ(seqs({"--from", "2021-11-10", "--to", "2021-12-01"}), (V{9, 10, 11, 12, 13, 14, 15, 16, 17}));
  EXPECT_EQ(seqs({"--calendar", "be", "--from", "2564-11-10", "--to", "2564-12-01"}),
            seqs({"--from", "2021-11-10", "--to", "2021-12-01"}));
  EXPECT_EQ(seqs({"--from", "2022-03-01"}), (V{21}));
  EXPECT_EQ(seqs({"--to", "2021-09-30"}), (V{0, 1, 2, 3, 4}));
  EXPECT_EQ(seqs({"--from", "2022-02-01", "--to", "2022-02-01", "--dates", "occurred"}), (V{19, 20}));
  EXPECT_EQ(seqs({"--area", "34"}), (V{8, 17, 21}));
  EXPECT_EQ(seqs({"--area", "3301", "--from", "2021-12-01"}), (V{14, 15, 18, 19}));
  EXPECT_EQ(seqs({"--area", "330201", "--from-seq", "10", "--to-seq", "20"}), (V{16, 20}));
  CommandResult raw = Replay({"export", "--format", "raw", "--area", "34"});
  ASSERT_EQ(Lines(raw.out).size(), 3u);
  EXPECT_EQ(Lines(raw.out)[0].rfind("8\t", 0), 0u);
  EXPECT_EQ(Replay({"export", "--format", "raw", "--from", "2022-03-02", "--to", "2022-03-01"}).exit_code, 2);
  EXPECT_EQ(Replay({"export", "--format", "raw", "--area", "3"}).exit_code, 2);
}

}  // namespace
}  // namespace ledger
