#include "replay/svg_chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "replay/moment.h"
#include "replay/text_table.h"

namespace ledger::replay {
namespace {

constexpr double kWidth = 1100, kHeight = 840;
constexpr double kLeft = 100, kRight = 820;   // plot area; legends to the right
constexpr double kTop1 = 120, kBottom1 = 400;     // households panel
constexpr double kTop2 = 510, kBottom2 = 710;     // help panel
// Debian's fonts-thai-tlwg first (what PNGs and PDFs are drawn with), then
// the Thai fonts of other systems (Noto, macOS, Windows), then any sans-serif.
constexpr const char* kFont =
    "Loma, Waree, Garuda, 'Noto Sans Thai', 'Noto Sans', Thonburi, 'Leelawadee UI', Tahoma, 'DejaVu Sans', "
    "sans-serif";
// Text sizes (px of a 1100 px wide chart): Thai letters are small for
// their size, so nothing is below 13.
constexpr double kTitleSize = 26, kSubtitleSize = 16, kPanelTitleSize = 18, kAxisTitleSize = 15;
constexpr double kTickSize = 14, kLegendSize = 15, kFootnoteSize = 13;
// A generous average advance of a character (Latin or Thai, tone marks
// excluded) in these fonts, in ems: for keeping x labels apart.
constexpr double kAverageAdvanceEm = 0.62;
constexpr double kLabelGap = 12;

constexpr std::array<const char*, kLevelCount> kLevelColours = {"#e76f51", "#e9c46a", "#2a9d8f"};
constexpr std::array<const char*, kDimensionCount> kDimensionColours = {"#d62839", "#f4a261", "#457b9d", "#2a9d8f",
                                                                        "#8d6cab"};
constexpr const char* kTargetedColour = "#1d3557";
constexpr const char* kHelpedColour = "#6c757d";

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

double TextWidth(const std::string& s, double size) {
  return static_cast<double>(DisplayWidth(s)) * size * kAverageAdvanceEm;
}

// The x labels to show: every step-th from the first, the step the
// smallest that keeps neighbours kLabelGap apart (the widest label, or its
// group, decides); the last one too when it has that room.
std::vector<bool> ShownLabels(const std::vector<std::string>& labels, const std::vector<std::string>& groups,
                              double slot) {
  double widest = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    widest = std::max({widest, TextWidth(labels[i], kTickSize), i < groups.size() ? TextWidth(groups[i], kTickSize) : 0});
  }
  const size_t step = std::max<size_t>(1, static_cast<size_t>(std::ceil((widest + kLabelGap) / slot)));
  std::vector<bool> shown(labels.size(), false);
  size_t last = 0;
  for (size_t i = 0; i < labels.size(); i += step) shown[last = i] = true;
  if (!labels.empty() && (labels.size() - 1 - last) >= step) shown.back() = true;
  return shown;
}

class Svg {
 public:
  void Text(double x, double y, const std::string& s, double size, const char* anchor = "start",
            const char* weight = "normal", const char* fill = "#222", double rotate = 0, const char* cls = "") {
    std::string transform = rotate != 0 ? fmt::format(" transform=\"rotate({} {:.1f} {:.1f})\"", rotate, x, y) : "";
    if (*cls) transform += fmt::format(" class=\"{}\"", cls);
    out_ += fmt::format(
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"{}\" text-anchor=\"{}\" font-weight=\"{}\" fill=\"{}\"{}>{}</text>\n",
        x, y, size, anchor, weight, fill, transform, Escape(s));
  }
  void Line(double x1, double y1, double x2, double y2, const char* stroke, double width, const char* dash = "") {
    out_ += fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n",
                        x1, y1, x2, y2, stroke, width, *dash ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "");
  }
  void Rect(double x, double y, double w, double h, const char* fill, const char* extra = "") {
    out_ += fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"{}\"{}/>\n", x, y,
                        std::max(w, 0.0), std::max(h, 0.0), fill, extra);
  }
  void Polygon(const std::vector<std::pair<double, double>>& pts, const char* fill) {
    out_ += "<polygon points=\"";
    for (auto [x, y] : pts) out_ += fmt::format("{:.1f},{:.1f} ", x, y);
    out_ += fmt::format("\" fill=\"{}\" stroke=\"white\" stroke-width=\"0.5\"/>\n", fill);
  }
  void Polyline(const std::vector<std::pair<double, double>>& pts, const char* stroke, double width,
                const char* dash = "") {
    out_ += "<polyline points=\"";
    for (auto [x, y] : pts) out_ += fmt::format("{:.1f},{:.1f} ", x, y);
    out_ += fmt::format("\" fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"{}/>\n", stroke, width,
                        *dash ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "");
  }
  void Circle(double x, double y, double r, const char* fill) {
    out_ += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"/>\n", x, y, r, fill);
  }
  std::string& raw() { return out_; }

 private:
  std::string out_;
};

struct Axis {
  double lo = 0, hi = 1, top = 0, bottom = 0;
  double Y(double v) const { return bottom - (v - lo) / (hi - lo) * (bottom - top); }
};

// Horizontal grid lines with tick labels (divided by `unit`), the y-axis
// title, the x labels (thinned, groups on a second line).
Axis DrawFrame(Svg& svg, double lo, double hi, double top, double bottom, const std::string& title,
               const std::string& axis_title, double unit, const ChartData& d, const std::vector<double>& xs,
               double slot) {
  std::vector<double> ticks = NiceTicks(lo / unit, hi / unit, 5);
  for (double& t : ticks) t *= unit;
  Axis axis{ticks.front(), ticks.back(), top, bottom};
  svg.Text(kLeft, top - 18, title, kPanelTitleSize, "start", "bold");
  for (double t : ticks) {
    const double y = axis.Y(t);
    svg.Line(kLeft, y, kRight, y, t == 0 ? "#555" : "#ddd", t == 0 ? 1 : 0.8);
    const double v = t / unit;
    svg.Text(kLeft - 8, y + 5,
             v == std::floor(v) && std::fabs(v) < 1e15
                 ? (v < 0 ? "-" : "") + Thousands(static_cast<uint64_t>(std::fabs(v)))
                 : fmt::format("{:g}", v),
             kTickSize, "end", "normal", "#444");
  }
  svg.Line(kLeft, top, kLeft, bottom, "#555", 1);
  svg.Text(36, (top + bottom) / 2, axis_title, kAxisTitleSize, "middle", "normal", "#333", -90);
  const std::vector<bool> shown = ShownLabels(d.x_labels, d.x_groups, slot);
  const std::string* group = nullptr;
  for (size_t i = 0; i < d.x_labels.size(); ++i) {
    if (slot >= 6 || shown[i]) svg.Line(xs[i], bottom, xs[i], bottom + 4, "#555", 1);   // dense points: labelled ticks only
    if (!shown[i]) continue;
    svg.Text(xs[i], bottom + 21, d.x_labels[i], kTickSize, "middle", "normal", "#444", 0, "x-label");
    if (i < d.x_groups.size() && (group == nullptr || *group != d.x_groups[i])) {
      group = &d.x_groups[i];
      svg.Text(xs[i], bottom + 39, *group, kTickSize, "middle", "normal", "#444", 0, "x-group");
    }
  }
  return axis;
}

void LegendItem(Svg& svg, double y, const char* colour, const std::string& label, bool line, const char* dash = "") {
  if (line) {
    svg.Line(kRight + 24, y - 5, kRight + 46, y - 5, colour, 2.5, dash);
  } else {
    svg.Rect(kRight + 24, y - 13, 22, 14, colour);
  }
  svg.Text(kRight + 54, y, label, kLegendSize);
}

}  // namespace

std::vector<double> NiceTicks(double lo, double hi, int count) {
  if (hi < lo) std::swap(lo, hi);
  if (hi - lo <= 0) hi = lo + 1;
  const double raw = (hi - lo) / std::max(count, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  double step = magnitude;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * magnitude;
    if (step >= raw) break;
  }
  if (step < 1 && lo == std::floor(lo) && hi == std::floor(hi)) step = 1;   // whole units for counts
  std::vector<double> ticks;
  for (double t = std::floor(lo / step) * step; ticks.empty() || ticks.back() < hi - step * 1e-9; t += step) {
    ticks.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
  }
  if (ticks.size() == 1) ticks.push_back(ticks[0] + step);
  return ticks;
}

std::string RenderChartSvg(const ChartData& d) {
  const size_t n = d.x_labels.size();
  Svg svg;
  svg.Rect(0, 0, kWidth, kHeight, "white");
  svg.Text(kLeft, 42, d.title, kTitleSize, "start", "bold", "#111");
  svg.Text(kLeft, 70, d.subtitle, kSubtitleSize, "start", "normal", "#555");

  const double slot = n ? (kRight - kLeft) / static_cast<double>(n) : 1;
  std::vector<double> xs(n);
  for (size_t i = 0; i < n; ++i) xs[i] = kLeft + (static_cast<double>(i) + 0.5) * slot;

  // Households per level (stacked), targeted and helped lines.
  double top = 1;
  for (size_t i = 0; i < n; ++i) {
    top = std::max({top, static_cast<double>(d.targeted[i]), static_cast<double>(d.helped[i]),
                    static_cast<double>(d.levels[i][0] + d.levels[i][1] + d.levels[i][2])});
  }
  Axis a1 = DrawFrame(svg, 0, top, kTop1, kBottom1, d.households_title, d.households_axis, 1, d, xs, slot);
  std::vector<double> base(n, 0.0);
  for (int l = 0; l < kLevelCount; ++l) {
    std::vector<std::pair<double, double>> pts;
    std::vector<double> next = base;
    for (size_t i = 0; i < n; ++i) next[i] += static_cast<double>(d.levels[i][l]);
    if (n == 1) {
      svg.Rect(xs[0] - slot * 0.3, a1.Y(next[0]), slot * 0.6, a1.Y(base[0]) - a1.Y(next[0]), kLevelColours[l]);
    } else {
      for (size_t i = 0; i < n; ++i) pts.emplace_back(xs[i], a1.Y(next[i]));
      for (size_t i = n; i-- > 0;) pts.emplace_back(xs[i], a1.Y(base[i]));
      svg.Polygon(pts, kLevelColours[l]);
    }
    base = std::move(next);
  }
  auto series_line = [&](const std::vector<uint64_t>& v, const char* colour, const char* dash) {
    std::vector<std::pair<double, double>> pts;
    for (size_t i = 0; i < n; ++i) pts.emplace_back(xs[i], a1.Y(static_cast<double>(v[i])));
    if (n > 1) svg.Polyline(pts, colour, 2.5, dash);
    if (slot >= 8) {
      for (auto [x, y] : pts) svg.Circle(x, y, 3, colour);   // markers while they stay apart
    }
  };
  series_line(d.targeted, kTargetedColour, "");
  series_line(d.helped, kHelpedColour, "6 4");
  double ly = kTop1 + 10;
  LegendItem(svg, ly, kTargetedColour, d.targeted_name, true);
  LegendItem(svg, ly += 26, kHelpedColour, d.helped_name, true, "6 4");
  for (int l = kLevelCount; l-- > 0;) LegendItem(svg, ly += 26, kLevelColours[l], d.level_names[l], false);

  // Help given in each period, by dimension (stacked bars; a net decrease
  // from corrections stacks below zero).
  double hi = 0, lo = 0;
  for (size_t i = 0; i < n; ++i) {
    double pos = 0, neg = 0;
    for (int64_t v : d.help_satang[i]) (v >= 0 ? pos : neg) += static_cast<double>(v) / 100;
    hi = std::max(hi, pos);
    lo = std::min(lo, neg);
  }
  if (hi == 0 && lo == 0) hi = 1;
  const double reach = std::max(hi, -lo);
  const int unit = reach >= 5e6 ? 2 : reach >= 5e3 ? 1 : 0;   // ticks in millions, thousands or baht
  Axis a2 = DrawFrame(svg, lo, hi, kTop2, kBottom2, d.help_title, d.money_units[unit], std::pow(1e3, unit), d, xs,
                      slot);
  for (size_t i = 0; i < n; ++i) {
    double pos = 0, neg = 0;
    for (int k = 0; k < kDimensionCount; ++k) {
      const double v = static_cast<double>(d.help_satang[i][k]) / 100;
      if (v == 0) continue;
      double& edge = v > 0 ? pos : neg;
      const double y1 = a2.Y(edge), y2 = a2.Y(edge + v);
      svg.Rect(xs[i] - slot * 0.32, std::min(y1, y2), slot * 0.64, std::fabs(y2 - y1), kDimensionColours[k],
               " stroke=\"white\" stroke-width=\"0.5\"");
      edge += v;
    }
  }
  ly = kTop2 + 10;
  for (int k = kDimensionCount; k-- > 0;) {
    LegendItem(svg, ly, kDimensionColours[k], d.dimension_names[k], false);
    ly += 26;
  }

  double fy = kHeight - 58;
  for (size_t start = 0; start <= d.footnote.size();) {
    size_t end = d.footnote.find('\n', start);
    if (end == std::string::npos) end = d.footnote.size();
    svg.Text(kLeft, fy, d.footnote.substr(start, end - start), kFootnoteSize, "start", "normal", "#666");
    fy += 19;
    start = end + 1;
  }

  std::string out = fmt::format(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" viewBox=\"0 0 {0} {1}\" "
      "xml:lang=\"{4}\" lang=\"{4}\" font-family=\"{2}\">\n<title>{3}</title>\n",
      kWidth, kHeight, kFont, Escape(d.title), Escape(d.language));
  return out + svg.raw() + "</svg>\n";
}

}  // namespace ledger::replay
