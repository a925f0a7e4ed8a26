// SPDX-License-Identifier: LGPL-2.1-or-later
#include "image_file_check.hpp"

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
// jpeglib.h needs size_t and FILE declared before it.
#include <jpeglib.h>
// After jpeglib.h: the message codes (JWRN_...).
#include <jerror.h>
#include <png.h>

namespace neuralstyle::detail {
namespace {

// Past this many pixels OpenCV refuses the image anyway (OPENCV_IO_MAX_IMAGE_PIXELS, a
// plain number here, default 2^30), so it is not decoded here either: libjpeg would
// allocate for it first (a progressive JPEG keeps every coefficient).
std::uint64_t maxPixels() {
  static const std::uint64_t limit = [] {
    const char* value = std::getenv("OPENCV_IO_MAX_IMAGE_PIXELS");
    char* end = nullptr;
    const unsigned long long parsed = value ? std::strtoull(value, &end, 10) : 0;
    return value && end != value && *end == '\0' && parsed > 0 ? std::uint64_t{parsed}
                                                               : std::uint64_t{1} << 30;
  }();
  return limit;
}

// --- JPEG ---------------------------------------------------------------------------

// libjpeg's error manager, extended with where to jump on a fatal error and the first
// message that means the pixels are not all there.
struct JpegErrors {
  jpeg_error_mgr base;
  std::jmp_buf fatal;
  char damage[JMSG_LENGTH_MAX];
};

// Warnings after which libjpeg has invented pixels (grey blocks, a copy of the last
// row) rather than decoded them.
bool losesImageData(int code) {
  switch (code) {
    case JWRN_JPEG_EOF:           // the file ends before the image does
    case JWRN_HIT_MARKER:         // a scan's data ends early
    case JWRN_HUFF_BAD_CODE:      // corrupt entropy-coded data
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:        // restart markers lost: blocks skipped
    case JWRN_BOGUS_PROGRESSION:  // progressive scans inconsistent
    case JWRN_NOT_SEQUENTIAL:
      return true;
    default:
      return false;
  }
}

[[noreturn]] void onFatal(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->damage);
  std::longjmp(errors->fatal, 1);
}

// Replaces libjpeg's default, which prints warnings to stderr.
void onMessage(j_common_ptr cinfo, int level) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  if (level >= 0) return;  // trace messages
  if (errors->damage[0] == '\0' && losesImageData(cinfo->err->msg_code))
    (*cinfo->err->format_message)(cinfo, errors->damage);
}

// Everything between setjmp and longjmp is plain C data: a longjmp out of libjpeg skips
// destructors, so no C++ object with one may live in this frame.
void decodeJpeg(std::FILE* file, JpegErrors& errors) {
  jpeg_decompress_struct cinfo;
  cinfo.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = onFatal;
  errors.base.emit_message = onMessage;
  errors.damage[0] = '\0';
  if (setjmp(errors.fatal)) {
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_stdio_src(&cinfo, file);
  jpeg_read_header(&cinfo, TRUE);
  // Too large for OpenCV: it refuses the file itself, unread.
  if (std::uint64_t{cinfo.image_width} * cinfo.image_height > maxPixels()) {
    jpeg_destroy_decompress(&cinfo);
    return;
  }
  cinfo.scale_num = 1;
  cinfo.scale_denom = 8;
  cinfo.dct_method = JDCT_IFAST;
  cinfo.do_fancy_upsampling = FALSE;
  jpeg_start_decompress(&cinfo);
  const JDIMENSION row_bytes = cinfo.output_width * static_cast<JDIMENSION>(cinfo.output_components);
  JSAMPARRAY row = (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE,
                                              row_bytes, 1);
  while (cinfo.output_scanline < cinfo.output_height) jpeg_read_scanlines(&cinfo, row, 1);
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
}

// --- PNG ----------------------------------------------------------------------------

struct PngErrors {
  std::jmp_buf fatal;
  char damage[JMSG_LENGTH_MAX];
  png_bytep row;  // here, not a local: a longjmp leaves modified locals indeterminate
};

[[noreturn]] void onPngError(png_structp png, png_const_charp message) {
  auto* errors = static_cast<PngErrors*>(png_get_error_ptr(png));
  std::snprintf(errors->damage, sizeof errors->damage, "%s", message);
  std::longjmp(errors->fatal, 1);
}

// Warnings are about ancillary chunks (their CRCs, their contents): the pixels are whole.
// Ignoring them also keeps libpng from printing them.
void onPngWarning(png_structp, png_const_charp) {}

// The same rule as decodeJpeg: plain C data between setjmp and longjmp.
void decodePng(std::FILE* file, PngErrors& errors) {
  errors.damage[0] = '\0';
  errors.row = nullptr;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &errors, onPngError, onPngWarning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  if (!info) {
    std::snprintf(errors.damage, sizeof errors.damage, "out of memory");
    png_destroy_read_struct(&png, nullptr, nullptr);
    return;
  }
  if (setjmp(errors.fatal)) {
    png_free(png, errors.row);
    png_destroy_read_struct(&png, &info, nullptr);
    return;
  }
  png_init_io(png, file);
  png_read_info(png, info);
  if (std::uint64_t{png_get_image_width(png, info)} * png_get_image_height(png, info) <= maxPixels()) {
    const int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    errors.row = static_cast<png_bytep>(png_malloc(png, png_get_rowbytes(png, info)));
    const png_uint_32 rows = png_get_image_height(png, info);
    for (int pass = 0; pass < passes; ++pass)
      for (png_uint_32 y = 0; y < rows; ++y) png_read_row(png, errors.row, nullptr);
    png_read_end(png, nullptr);  // the CRCs of the chunks after the image data, and IEND
  }
  png_free(png, errors.row);
  png_destroy_read_struct(&png, &info, nullptr);
}

enum class Format { Jpeg, Png, Other };

Format formatOf(std::FILE* file) {
  unsigned char start[8] = {};
  const size_t read = std::fread(start, 1, sizeof start, file);
  std::rewind(file);
  if (read >= 3 && start[0] == 0xFF && start[1] == 0xD8 && start[2] == 0xFF) return Format::Jpeg;
  if (read == 8 && png_sig_cmp(start, 0, 8) == 0) return Format::Png;
  return Format::Other;
}

}  // namespace

std::string imageFileDamage(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return {};  // OpenCV will say it cannot read it
  std::string damage;
  switch (formatOf(file)) {
    case Format::Jpeg: {
      JpegErrors errors;
      decodeJpeg(file, errors);
      if (errors.damage[0]) damage = std::string("a corrupt or truncated JPEG: ") + errors.damage;
      break;
    }
    case Format::Png: {
      PngErrors errors;
      decodePng(file, errors);
      if (errors.damage[0]) damage = std::string("a corrupt or truncated PNG: ") + errors.damage;
      break;
    }
    case Format::Other: break;
  }
  std::fclose(file);
  return damage;
}

}  // namespace neuralstyle::detail
