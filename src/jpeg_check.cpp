#include "jpeg_check.hpp"

#include <csetjmp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
// jpeglib.h needs size_t and FILE declared before it.
#include <jpeglib.h>
// After jpeglib.h: the message codes (JWRN_...).
#include <jerror.h>

namespace neuralstyle::detail {
namespace {

// libjpeg's error manager, extended with where to jump on a fatal error and the first
// message that means the pixels are not all there.
struct ErrorManager {
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
  auto* errors = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, errors->damage);
  std::longjmp(errors->fatal, 1);
}

// Replaces libjpeg's default, which prints warnings to stderr.
void onMessage(j_common_ptr cinfo, int level) {
  auto* errors = reinterpret_cast<ErrorManager*>(cinfo->err);
  if (level >= 0) return;  // trace messages
  if (errors->damage[0] == '\0' && losesImageData(cinfo->err->msg_code))
    (*cinfo->err->format_message)(cinfo, errors->damage);
}

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

// Everything between setjmp and longjmp is plain C data: a longjmp out of libjpeg skips
// destructors, so no C++ object with one may live in this frame.
void decode(std::FILE* file, ErrorManager& errors) {
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

}  // namespace

bool looksLikeJpeg(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return false;
  unsigned char start[3] = {0, 0, 0};
  const bool jpeg = std::fread(start, 1, 3, file) == 3 && start[0] == 0xFF && start[1] == 0xD8 &&
                    start[2] == 0xFF;
  std::fclose(file);
  return jpeg;
}

std::string jpegDamage(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return "cannot be opened";
  ErrorManager errors;
  decode(file, errors);
  std::fclose(file);
  return errors.damage;
}

}  // namespace neuralstyle::detail
