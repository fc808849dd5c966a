// The board-report chart of `ledger-replay chart` as a self-contained SVG
// (no scripts, no external files): a title and subtitle; a top panel of
// households per level over time (stacked areas) with the targeted and
// helped totals as lines; a bottom panel of help given in each period by
// dimension (stacked bars); axes with labelled ticks, a legend beside each
// panel, and a footnote on what the figures mean.
//
//   ChartData d;
//   d.title = "Household progress, Si Sa Ket";
//   d.x_labels = {"Oct", "Nov"};  d.x_groups = {"2021", "2021"};
//   d.levels = {{10, 2, 0}, {14, 5, 1}};  d.targeted = {40, 41};  d.helped = {12, 20};
//   d.help_satang = {{5000, 0, 0, 12000, 0}, {...}};
//   std::string svg = RenderChartSvg(d);
//
// Texts are plain UTF-8 (escaped here). The font list starts with the Thai
// fonts of Debian's fonts-thai-tlwg (Loma, Waree, Garuda), which tools/dev
// installs and chart_file.cc draws PNGs and PDFs with, then the Thai fonts
// of other systems, then sans-serif; `language` goes to xml:lang, which
// picks Thai shaping and fonts in librsvg and browsers alike.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ledger/domain_types.h"

namespace ledger::replay {

struct ChartData {
  std::string language = "en";         // "th" or "en"
  std::string title, subtitle;
  std::string footnote;                // lines separated by \n
  std::vector<std::string> x_labels;   // one per point; thinned so that none touch
  // Empty, or one per point: written under the first shown label of each
  // run of equal values (the year under its first month).
  std::vector<std::string> x_groups;

  std::string households_title, households_axis;
  std::array<std::string, kLevelCount> level_names;
  std::vector<std::array<uint64_t, kLevelCount>> levels;   // per point
  std::string targeted_name, helped_name;
  std::vector<uint64_t> targeted, helped;                  // per point

  std::string help_title;
  // The help axis title for ticks in baht, thousands and millions of baht
  // ("THB", "thousand THB", "million THB"): thousands from 5,000 baht,
  // millions from 5 million.
  std::array<std::string, 3> money_units;
  std::array<std::string, kDimensionCount> dimension_names;
  std::vector<std::array<int64_t, kDimensionCount>> help_satang;   // per point: given in that period
};

// Every per-point vector must have x_labels.size() entries.
std::string RenderChartSvg(const ChartData& data);

// Round axis ticks covering [lo, hi]: multiples of 1, 2 or 5 x 10^k, about
// `count` of them, first <= lo and last >= hi.
std::vector<double> NiceTicks(double lo, double hi, int count);

}  // namespace ledger::replay
