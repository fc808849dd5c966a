// The board-report chart of `ledger-replay chart` as a self-contained SVG
// (no scripts, no external files): a title and subtitle; a top panel of
// households per level over time (stacked areas) with the targeted and
// helped totals as lines; a bottom panel of help given in each period by
// dimension (stacked bars); axes with labelled ticks, a legend beside each
// panel, and a footnote on what the figures mean.
//
//   ChartData d;
//   d.title = "Household progress, Si Sa Ket";
//   d.x_labels = {"Oct 2021", "Nov 2021"};
//   d.levels = {{10, 2, 0}, {14, 5, 1}};  d.targeted = {40, 41};  d.helped = {12, 20};
//   d.help_satang = {{5000, 0, 0, 12000, 0}, {...}};
//   std::string svg = RenderChartSvg(d);
//
// Texts are plain UTF-8 (escaped here); Thai renders with any Thai font the
// viewer has (the font list names common ones).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "ledger/domain_types.h"

namespace ledger::replay {

struct ChartData {
  std::string title, subtitle;
  std::string footnote;                // lines separated by \n
  std::vector<std::string> x_labels;   // one per point

  std::string households_title, households_axis;
  std::array<std::string, kLevelCount> level_names;
  std::vector<std::array<uint64_t, kLevelCount>> levels;   // per point
  std::string targeted_name, helped_name;
  std::vector<uint64_t> targeted, helped;                  // per point

  std::string help_title, help_axis;
  std::array<std::string, kDimensionCount> dimension_names;
  std::vector<std::array<int64_t, kDimensionCount>> help_satang;   // per point: given in that period
};

// Every per-point vector must have x_labels.size() entries.
std::string RenderChartSvg(const ChartData& data);

// Round axis ticks covering [lo, hi]: multiples of 1, 2 or 5 x 10^k, about
// `count` of them, first <= lo and last >= hi.
std::vector<double> NiceTicks(double lo, double hi, int count);

}  // namespace ledger::replay
