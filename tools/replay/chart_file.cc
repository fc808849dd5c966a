#include "replay/chart_file.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <librsvg/rsvg.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>

#include "ledger/reasons.h"

namespace ledger::replay {
namespace {

constexpr double kPointsPerPixel = 72.0 / 96.0;

Status RenderFailed(const std::string& what, GError* error = nullptr) {
  std::string message = "drawing the chart failed: " + what;
  if (error != nullptr) {
    message += std::string(": ") + error->message;
    g_error_free(error);
  }
  return InternalError(message, reason::kInternalError);
}

cairo_status_t AppendTo(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

struct GObjectUnref {
  void operator()(gpointer p) const { g_object_unref(p); }
};
struct SurfaceDestroy {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDestroy {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};

}  // namespace

StatusOr<ChartFormat> ChartFormatOf(std::string_view path) {
  const size_t dot = path.rfind('.');
  std::string ext = dot == std::string_view::npos || path.find('/', dot) != std::string_view::npos
                        ? std::string()
                        : std::string(path.substr(dot + 1));
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  if (ext == "svg") return ChartFormat::kSvg;
  if (ext == "png") return ChartFormat::kPng;
  if (ext == "pdf") return ChartFormat::kPdf;
  return InvalidArgumentError("--out " + std::string(path) + ": the file name must end in .svg, .png or .pdf",
                              reason::kBadName);
}

StatusOr<std::string> RenderChart(const std::string& svg, ChartFormat format, const std::string& title) {
  if (format == ChartFormat::kSvg) return svg;
  GError* error = nullptr;
  std::unique_ptr<RsvgHandle, GObjectUnref> handle(
      rsvg_handle_new_from_data(reinterpret_cast<const guint8*>(svg.data()), svg.size(), &error));
  if (!handle) return RenderFailed("librsvg could not read the SVG", error);
  rsvg_handle_set_dpi(handle.get(), 96);
  gdouble width = 0, height = 0;
  if (!rsvg_handle_get_intrinsic_size_in_pixels(handle.get(), &width, &height)) {
    return RenderFailed("the SVG has no width and height");
  }

  std::string out;
  const bool png = format == ChartFormat::kPng;
  const double scale = png ? kPngScale : kPointsPerPixel;
  std::unique_ptr<cairo_surface_t, SurfaceDestroy> surface(
      png ? cairo_image_surface_create(CAIRO_FORMAT_ARGB32, static_cast<int>(std::ceil(width * scale)),
                                       static_cast<int>(std::ceil(height * scale)))
          : cairo_pdf_surface_create_for_stream(AppendTo, &out, width * scale, height * scale));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return RenderFailed(cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  if (!png) {
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "ledger-replay chart");
  }
  {
    std::unique_ptr<cairo_t, CairoDestroy> cr(cairo_create(surface.get()));
    const RsvgRectangle viewport{0, 0, width * scale, height * scale};
    if (!rsvg_handle_render_document(handle.get(), cr.get(), &viewport, &error)) {
      return RenderFailed("librsvg could not draw the SVG", error);
    }
    if (cairo_status(cr.get()) != CAIRO_STATUS_SUCCESS)
      return RenderFailed(cairo_status_to_string(cairo_status(cr.get())));
  }
  if (png && cairo_surface_write_to_png_stream(surface.get(), AppendTo, &out) != CAIRO_STATUS_SUCCESS) {
    return RenderFailed("cairo could not encode the PNG");
  }
  cairo_surface_finish(surface.get());  // a PDF is complete only now
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
    return RenderFailed(cairo_status_to_string(cairo_surface_status(surface.get())));
  }
  return out;
}

bool ThaiTextWithoutThaiFont(std::string_view svg) {
  // U+0E00..U+0E7F in UTF-8: E0 B8 xx and E0 B9 xx.
  if (svg.find("\xE0\xB8") == std::string_view::npos && svg.find("\xE0\xB9") == std::string_view::npos) {
    return false;
  }
  FcPattern* pattern = FcPatternCreate();
  FcLangSet* thai = FcLangSetCreate();
  FcLangSetAdd(thai, reinterpret_cast<const FcChar8*>("th"));
  FcPatternAddLangSet(pattern, FC_LANG, thai);
  FcObjectSet* family = FcObjectSetBuild(FC_FAMILY, nullptr);
  FcFontSet* fonts = FcFontList(nullptr, pattern, family);
  const bool none = fonts == nullptr || fonts->nfont == 0;
  if (fonts != nullptr) FcFontSetDestroy(fonts);
  FcObjectSetDestroy(family);
  FcLangSetDestroy(thai);
  FcPatternDestroy(pattern);
  return none;
}

}  // namespace ledger::replay
