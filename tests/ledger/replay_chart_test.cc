// End to end: `ledger-replay chart` as SVG, PNG and PDF. The Thai chart is
// drawn with a Thai font (fonts-thai-tlwg, which tools/dev installs), not
// as boxes ("tofu"): its title is rendered to PNG and measured against a
// title of code points no font has, which is what missing fonts draw. Thai
// mode holds no English text; x labels never touch; the PDF embeds its font;
// a machine without Thai fonts gets a warning. Also the rest of issue 10's
// "Thai that renders everywhere": the CSV of report and series (the byte
// order mark only with --bom, a baht column beside every satang column) and
// the status timeline in Thai (kind and menu item names, not codes).
#include <cairo.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "support/run_command.h"
#include "support/scripted_ledger.h"

namespace ledger {
namespace {

namespace support = ledger::testing;
using support::CommandResult;

const std::string kReplay = LEDGER_BINARY_DIR "/tools/ledger-replay";
// "Test here": five letters, then two syllables whose vowels and tone marks
// stack over their consonants (11 code points, 7 letters wide).
constexpr const char* kThaiTitle = "ทดสอบที่นี่";
// U+0E5C..U+0E66: in the Thai block, assigned to nothing, so no font has
// them and every renderer draws its missing-glyph box, one per code point.
constexpr const char* kTofuTitle = "\u0E5C\u0E5D\u0E5E\u0E5F\u0E60\u0E61\u0E62\u0E63\u0E64\u0E65\u0E66";

// The title's box in the chart's SVG pixels (svg_chart.cc: baseline 42,
// 26 px, from x 100); the PNG has 2 pixels per SVG pixel.
constexpr int kPngScale = 2;
constexpr int kTitleTop = 10, kTitleBottom = 48, kTitleLeft = 96, kTitleRight = 1100;

struct Ink {
  int pixels = 0;  // dark pixels
  int left = INT_MAX, right = -1;
  int width() const { return right < left ? 0 : right - left + 1; }
};

struct Png {
  int width = 0, height = 0;
  std::vector<uint32_t> argb;  // row by row
};

Png ReadPng(const std::string& path) {
  Png png;
  cairo_surface_t* s = cairo_image_surface_create_from_png(path.c_str());
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_flush(s);
    png.width = cairo_image_surface_get_width(s);
    png.height = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    for (int y = 0; y < png.height; ++y) {
      const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<ptrdiff_t>(y) * stride);
      png.argb.insert(png.argb.end(), row, row + png.width);
    }
  }
  cairo_surface_destroy(s);
  return png;
}

Ink InkOfTitle(const Png& png) {
  Ink ink;
  for (int y = kTitleTop * kPngScale; y < kTitleBottom * kPngScale && y < png.height; ++y) {
    for (int x = kTitleLeft * kPngScale; x < kTitleRight * kPngScale && x < png.width; ++x) {
      const uint32_t p = png.argb[static_cast<size_t>(y) * png.width + x];
      const int grey = (((p >> 16) & 0xff) + ((p >> 8) & 0xff) + (p & 0xff)) / 3;
      if (grey < 128) {
        ++ink.pixels;
        ink.left = std::min(ink.left, x);
        ink.right = std::max(ink.right, x);
      }
    }
  }
  return ink;
}

// Pixels of the title boxes that differ between two renderings.
int TitleDifference(const Png& a, const Png& b) {
  int differ = 0;
  for (int y = kTitleTop * kPngScale; y < kTitleBottom * kPngScale && y < a.height && y < b.height; ++y) {
    for (int x = kTitleLeft * kPngScale; x < kTitleRight * kPngScale && x < a.width && x < b.width; ++x) {
      differ += a.argb[static_cast<size_t>(y) * a.width + x] != b.argb[static_cast<size_t>(y) * b.width + x];
    }
  }
  return differ;
}

// The texts of an SVG's <text> and <title> elements, unescaped enough for
// comparisons (&amp; only).
std::vector<std::string> SvgTexts(const std::string& svg, const std::string& cls = "") {
  std::vector<std::string> out;
  const std::regex text(cls.empty() ? "<(text|title)[^>]*>([^<]*)</(text|title)>"
                                    : "<(text)[^>]*class=\"" + cls + "\"[^>]*>([^<]*)</(text)>");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text); it != std::sregex_iterator(); ++it) {
    out.push_back(std::regex_replace((*it)[2].str(), std::regex("&amp;"), "&"));
  }
  return out;
}

// x of each <text class="cls">.
std::vector<double> SvgTextXs(const std::string& svg, const std::string& cls) {
  std::vector<double> xs;
  const std::regex text("<text x=\"([0-9.]+)\"[^>]*class=\"" + cls + "\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), text); it != std::sregex_iterator(); ++it) {
    xs.push_back(std::stod((*it)[1].str()));
  }
  return xs;
}

// Code points a reader sees as letters: Thai vowels above and below and
// tone marks take no room of their own.
size_t Columns(const std::string& s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (size_t k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    n += !(cp == 0x0E31 || (cp >= 0x0E34 && cp <= 0x0E3A) || (cp >= 0x0E47 && cp <= 0x0E4E));
    i += len;
  }
  return n;
}

// Three households in Si Sa Ket from October 2021: help in November and
// December, levels in January and February.
class ReplayChartTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new support::TempDir();
    support::ScriptedLedger s(dir_->path());
    s.RecordOn({2021, 10, 5});
    s.Target(s.Off1(), kH1, "330101", {4, 9}, {2021, 10, 5});
    s.Target(s.Off1(), kH2, "330101", {4}, {2021, 10, 5});
    s.Target(s.Psd(), kH3, "330201", {9}, {2021, 10, 5});
    s.RecordOn({2021, 11, 10});
    s.Give(s.Off1(), kH1, schema::Dimension::HEALTH, 4, "H-01", 123'456, {2021, 11, 10});
    s.Give(s.Psd(), kH3, schema::Dimension::LIVING, 9, "L-02", 650'000, {2021, 11, 10});
    s.RecordOn({2021, 12, 1});
    s.Give(s.Off1(), kH2, schema::Dimension::HEALTH, 4, "H-02", 30'005, {2021, 12, 1});
    s.RecordOn({2022, 1, 15});
    s.Add(s.Off1(), kH1, {2022, 1, 15}, support::Assess(schema::Level::SURVIVE));
    s.RecordOn({2022, 2, 1});
    s.Add(s.Off1(), kH2, {2022, 2, 1}, support::Assess(schema::Level::SUFFICIENT));
    origin_ = s.ledger().info().origin;
    s.Close();
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static CommandResult Replay(std::vector<std::string> args, const std::string& fontconfig_file = "") {
    std::vector<std::string> argv = {kReplay, "--data", dir_->path()};
    if (!fontconfig_file.empty()) argv.insert(argv.begin(), {"/usr/bin/env", "FONTCONFIG_FILE=" + fontconfig_file});
    argv.insert(argv.end(), args.begin(), args.end());
    return support::RunCommand(argv);
  }
  // The Thai chart of fiscal year 2565 written to `name`; its bytes.
  static std::string Chart(const std::string& name, std::vector<std::string> extra = {},
                           const std::string& fontconfig_file = "") {
    std::vector<std::string> args = {"chart", "--fy", "2565", "--area", "33", "--out", dir_->Sub(name)};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult r = Replay(args, fontconfig_file);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    last_err_ = r.err;
    return support::ReadWholeFile(dir_->Sub(name));
  }

  static constexpr const char* kH1 = "33010000001";
  static constexpr const char* kH2 = "33010000002";
  static constexpr const char* kH3 = "33020000003";
  static inline support::TempDir* dir_ = nullptr;
  static inline std::string origin_;
  static inline std::string last_err_;
};

TEST_F(ReplayChartTest, ThaiPngHasThaiGlyphsNotTofu) {
  Chart("thai.png", {"--lang", "th", "--title", kThaiTitle});
  EXPECT_EQ(last_err_, "");  // no warning: a Thai font is installed
  Chart("tofu.png", {"--lang", "th", "--title", kTofuTitle});
  const Png thai = ReadPng(dir_->Sub("thai.png"));
  const Png tofu = ReadPng(dir_->Sub("tofu.png"));
  ASSERT_EQ(thai.width, 2200);  // 1100 x 840 at 2 pixels per SVG pixel
  ASSERT_EQ(thai.height, 1680);
  ASSERT_EQ(tofu.width, 2200);

  const Ink t = InkOfTitle(thai), b = InkOfTitle(tofu);
  // The title was drawn: a 26 px bold word is thousands of dark pixels.
  EXPECT_GT(t.pixels, 1500) << "the Thai title left no ink";
  EXPECT_GT(b.pixels, 1500) << "the boxes left no ink";
  // Missing glyphs are one box per code point, 11 boxes wide; the Thai font
  // draws 7 letters with the vowels and tone marks stacked above them.
  EXPECT_LT(t.width(), b.width() * 3 / 4) << "Thai " << t.width() << " px wide, tofu " << b.width() << " px";
  EXPECT_GT(TitleDifference(thai, tofu), 3000);
}

TEST_F(ReplayChartTest, WithoutAThaiFontThePngIsTofuAndAWarningSaysSo) {
  // A fontconfig that knows only DejaVu (Latin, no Thai): the same Thai
  // title becomes 11 boxes, as wide as the tofu title -- what the test above
  // tells apart -- and ledger-replay says which package to install.
  const std::string dejavu = "/usr/share/fonts/truetype/dejavu";
  if (!std::filesystem::exists(dejavu)) GTEST_SKIP() << "no " << dejavu << " (fonts-dejavu-core)";
  const std::string conf = dir_->Sub("latin-only.conf");
  std::ofstream(conf) << "<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"fonts.dtd\">\n<fontconfig><dir>"
                      << dejavu << "</dir><cachedir>" << dir_->Sub("fc-cache") << "</cachedir></fontconfig>\n";
  Chart("nofont.png", {"--lang", "th", "--title", kThaiTitle}, conf);
  EXPECT_NE(last_err_.find("warning: no installed font has Thai letters"), std::string::npos) << last_err_;
  EXPECT_NE(last_err_.find("fonts-thai-tlwg"), std::string::npos) << last_err_;
  Chart("nofont-tofu.png", {"--lang", "th", "--title", kTofuTitle}, conf);
  const Ink t = InkOfTitle(ReadPng(dir_->Sub("nofont.png")));
  const Ink b = InkOfTitle(ReadPng(dir_->Sub("nofont-tofu.png")));
  EXPECT_GT(t.pixels, 0);
  EXPECT_NEAR(t.width(), b.width(), b.width() / 10) << "Thai " << t.width() << " px wide, tofu " << b.width() << " px";
  // An SVG names fonts for its viewer to find: no warning for it.
  Chart("nofont.svg", {"--lang", "th"}, conf);
  EXPECT_EQ(last_err_, "");
}

TEST_F(ReplayChartTest, PdfEmbedsTheThaiFont) {
  const std::string pdf = Chart("chart.pdf", {"--lang", "th"});
  EXPECT_EQ(pdf.rfind("%PDF-", 0), 0u);
  EXPECT_NE(pdf.find("%%EOF"), std::string::npos);
  // cairo embeds a subset of each font it draws with: /FontName /ABCDEF+Loma.
  EXPECT_TRUE(std::regex_search(pdf, std::regex("/FontName /[A-Z]{6}\\+Loma"))) << "no embedded Loma";
  // The page is the chart at 96 pixels per inch: 1100 x 840 px = 825 x 630 pt.
  EXPECT_TRUE(std::regex_search(pdf, std::regex("/MediaBox \\[ ?0 0 825 630 ?\\]"))) << "page size";
}

TEST_F(ReplayChartTest, OutputFormatIsChosenByExtension) {
  EXPECT_EQ(Chart("chart.SVG").rfind("<?xml", 0), 0u);
  EXPECT_EQ(Chart("chart.png").substr(0, 8), "\x89PNG\r\n\x1a\n");
  CommandResult jpg = Replay({"chart", "--fy", "2565", "--out", dir_->Sub("chart.jpg")});
  EXPECT_EQ(jpg.exit_code, 2);
  EXPECT_NE(jpg.err.find("must end in .svg, .png or .pdf"), std::string::npos) << jpg.err;
  EXPECT_FALSE(std::filesystem::exists(dir_->Sub("chart.jpg")));
}

TEST_F(ReplayChartTest, ThaiSvgIsAllThai) {
  const std::string en = Chart("en.svg");
  const std::string th = Chart("th.svg", {"--lang", "th"});
  EXPECT_NE(th.find("font-family=\"Loma, "), std::string::npos);  // fonts-thai-tlwg first
  EXPECT_NE(th.find("sans-serif\""), std::string::npos);          // and a fallback last
  EXPECT_NE(th.find("xml:lang=\"th\""), std::string::npos);
  std::set<std::string> thai_texts;
  for (std::string t : SvgTexts(th)) {
    thai_texts.insert(t);
    // Nothing English: Latin letters only in the store's origin and the program's name.
    for (const std::string& allowed : {origin_, std::string("ledger-replay chart")}) {
      for (size_t at; (at = t.find(allowed)) != std::string::npos;) t.erase(at, allowed.size());
    }
    EXPECT_FALSE(std::any_of(t.begin(), t.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
        << "Latin letters in a Thai chart: " << t;
  }
  for (const std::string& t : SvgTexts(en)) {
    if (std::any_of(t.begin(), t.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) {
      EXPECT_EQ(thai_texts.count(t), 0u) << "English text in the Thai chart: " << t;
    }
  }
  for (const char* text : {"ปีงบประมาณ พ.ศ. 2565", "ความก้าวหน้าครัวเรือนเป้าหมาย: ศรีสะเกษ (33)", "ครัวเรือนเป้าหมาย", "อยู่รอด",
                           "พอเพียง", "สุขภาพ", "ความเป็นอยู่", "พันบาท", "“ให้ความช่วยเหลือ”"}) {
    EXPECT_NE(th.find(text), std::string::npos) << text;
  }
  EXPECT_EQ(th.find("AssistanceGiven"), std::string::npos);  // the Thai name, not the code name
  // Months in Thai, the year in BE under the first month of each year.
  const std::vector<std::string> months = SvgTexts(th, "x-label");
  ASSERT_GE(months.size(), 12u);
  EXPECT_EQ(months[0], "ต.ค.");
  EXPECT_EQ(months[3], "ม.ค.");
  EXPECT_EQ(months[11], "ก.ย.");
  const std::vector<std::string> years = SvgTexts(th, "x-group");
  ASSERT_GE(years.size(), 2u);
  EXPECT_EQ(years[0], "2564");
  EXPECT_EQ(years[1], "2565");
  // In English: the CE year with its BE one.
  EXPECT_NE(en.find("Fiscal year 2022 (BE 2565)"), std::string::npos);
  EXPECT_EQ(SvgTexts(en, "x-label")[0], "Oct");
  EXPECT_EQ(SvgTexts(en, "x-group")[0], "2021");
}

TEST_F(ReplayChartTest, XLabelsNeverTouch) {
  for (const char* every : {"day", "week", "month"}) {
    for (const char* lang : {"th", "en"}) {
      const std::string svg =
          Chart(std::string("labels-") + every + "-" + lang + ".svg", {"--every", every, "--lang", lang});
      const std::vector<std::string> labels = SvgTexts(svg, "x-label");
      const std::vector<double> xs = SvgTextXs(svg, "x-label");
      ASSERT_EQ(labels.size(), xs.size());
      ASSERT_GE(labels.size(), 2u) << every;
      EXPECT_LE(labels.size(), 2u * 26) << every;  // one panel has at most 26
      // Centred labels at 14 px; a letter is at least 0.5 em wide.
      for (size_t i = 1; i < labels.size(); ++i) {
        if (xs[i] < xs[i - 1]) continue;  // the second panel starts again
        const double room = (Columns(labels[i - 1]) + Columns(labels[i])) / 2.0 * 14 * 0.5;
        EXPECT_GT(xs[i] - xs[i - 1], room)
            << every << " " << lang << ": '" << labels[i - 1] << "' and '" << labels[i] << "'";
      }
    }
  }
}

TEST_F(ReplayChartTest, CsvHasABomOnlyWithBomAndBahtBesideSatang) {
  const std::string bom = "\xEF\xBB\xBF";
  CommandResult plain = Replay({"report", "--format", "csv", "--lang", "th"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out.rfind("code,name,", 0), 0u);
  CommandResult excel = Replay({"report", "--format", "csv", "--lang", "th", "--bom"});
  ASSERT_EQ(excel.exit_code, 0) << excel.err;
  EXPECT_EQ(excel.out, bom + plain.out);
  CommandResult series = Replay({"series", "--fy", "2565", "--bom"});  // series is CSV by default
  ASSERT_EQ(series.exit_code, 0) << series.err;
  EXPECT_EQ(series.out.rfind(bom + "date,events,code,", 0), 0u);
  EXPECT_EQ(Replay({"series", "--fy", "2565"}).out.rfind("date,", 0), 0u);
  // --bom is for CSV only.
  CommandResult text = Replay({"report", "--bom"});
  EXPECT_EQ(text.exit_code, 2);
  EXPECT_NE(text.err.find("--bom"), std::string::npos) << text.err;
  EXPECT_EQ(Replay({"report", "--json", "--bom"}).exit_code, 2);

  // Every *_satang column is followed by *_baht: satang / 100, two decimals.
  const std::vector<std::string> rows = support::Lines(plain.out);
  ASSERT_EQ(rows.size(), 2u);  // the header and Si Sa Ket
  auto split = [](std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> f;
    for (size_t start = 0;;) {
      const size_t comma = line.find(',', start);
      f.push_back(line.substr(start, comma - start));
      if (comma == std::string::npos) return f;
      start = comma + 1;
    }
  };
  const std::vector<std::string> header = split(rows[0]), values = split(rows[1]);
  ASSERT_EQ(header.size(), values.size());
  std::map<std::string, std::string> row;
  int money = 0;
  for (size_t i = 0; i < header.size(); ++i) {
    row[header[i]] = values[i];
    const std::string& h = header[i];
    if (h.size() > 7 && h.compare(h.size() - 7, 7, "_satang") == 0) {
      ++money;
      ASSERT_LT(i + 1, header.size());
      EXPECT_EQ(header[i + 1], h.substr(0, h.size() - 7) + "_baht");
      const int64_t satang = std::stoll(values[i]);
      EXPECT_EQ(values[i + 1], fmt::format("{}.{:02}", satang / 100, satang % 100)) << h;
    }
  }
  EXPECT_EQ(money, 6);  // the total and one per dimension
  EXPECT_EQ(row["help_value_satang"], "803461");
  EXPECT_EQ(row["help_value_baht"], "8034.61");
  EXPECT_EQ(row["help_health_baht"], "1534.61");
  EXPECT_EQ(row["help_living_baht"], "6500.00");
  EXPECT_EQ(row["help_income_baht"], "0.00");
}

TEST_F(ReplayChartTest, ThaiStatusNamesKindsAndMenuItems) {
  CommandResult th = Replay({"status", kH1, "--lang", "th"});
  ASSERT_EQ(th.exit_code, 0) << th.err;
  for (const char* text :
       {"ระบุครัวเรือนเป้าหมาย", "ให้ความช่วยเหลือ", "ประเมินระดับ", "menu_item=H-01 ถุงยังชีพ", "ต้นฉบับ", "รายละเอียด"}) {
    EXPECT_NE(th.out.find(text), std::string::npos) << text << "\n" << th.out;
  }
  for (const char* code : {"AssistanceGiven", "HouseholdTargeted", "LevelAssessed"}) {
    EXPECT_EQ(th.out.find(code), std::string::npos) << code;
  }
  CommandResult en = Replay({"status", kH1});
  ASSERT_EQ(en.exit_code, 0) << en.err;
  EXPECT_NE(en.out.find("AssistanceGiven"), std::string::npos);
  EXPECT_NE(en.out.find("menu_item=H-01 food kit"), std::string::npos) << en.out;
}

}  // namespace
}  // namespace ledger
