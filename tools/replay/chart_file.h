// Chart files: the chart's SVG (svg_chart.h) written as it is, or drawn by
// librsvg into a PNG or a PDF with cairo. librsvg lays text out with Pango
// and fontconfig, so Thai vowels and tone marks stack over their consonants
// and the PNG and PDF look like the SVG in a browser; the PDF embeds the
// fonts it uses. This header names no librsvg, cairo or glib type: only
// chart_file.cc includes them (and is kept out of the unity build).
//
//   ASSIGN_OR_RETURN(ChartFormat format, ChartFormatOf("var/fy2565.png"));   // by extension
//   ASSIGN_OR_RETURN(std::string bytes, RenderChart(svg, format, "Household progress"));
//   if (ThaiTextWithoutThaiFont(svg)) warn();   // Thai would be drawn as boxes
#pragma once

#include <string>
#include <string_view>

#include "ledger/status.h"

namespace ledger::replay {

enum class ChartFormat { kSvg, kPng, kPdf };

// PNGs are drawn at this many pixels per SVG pixel (a 1100 x 840 chart
// becomes 2200 x 1680): sharp on slides and in print.
inline constexpr double kPngScale = 2;

// The format of a file name by its extension, in any case: .svg, .png,
// .pdf. Errors: InvalidArgument (BAD_NAME) naming the three.
StatusOr<ChartFormat> ChartFormatOf(std::string_view path);

// The file's bytes: `svg` itself; a PNG at kPngScale; a PDF page of the
// chart's size at 96 pixels per inch, fonts embedded, `title` in its
// metadata. Errors: Internal (INTERNAL_ERROR) when librsvg or cairo fail.
StatusOr<std::string> RenderChart(const std::string& svg, ChartFormat format, const std::string& title);

// True when `svg` holds Thai letters and fontconfig knows no installed font
// that covers Thai: drawn here, they would be boxes ("tofu"). Debian's
// fonts-thai-tlwg (tools/dev installs it) provides the fonts the chart names.
bool ThaiTextWithoutThaiFont(std::string_view svg);

}  // namespace ledger::replay
