#pragma once
// OpenCV's JPEG decoder accepts a truncated or damaged JPEG: libjpeg only *warns*
// ("Premature end of JPEG file"), fills the missing blocks with grey, and OpenCV returns
// the picture as if it were whole. OpenCV exposes no such warning (libjpeg prints it to
// stderr), so the file is decoded once more here, through libjpeg itself, to hear them.
#include <string>

namespace neuralstyle::detail {

/// True if the file starts with a JPEG's start-of-image marker (FF D8 FF).
bool looksLikeJpeg(const std::string& path);

/// Decodes the JPEG at `path` with libjpeg (at 1/8 scale: every entropy-coded byte is
/// still read, only the inverse DCT is cheaper) and returns why its pixels are not all
/// there: libjpeg's message for a warning that means lost or guessed image data
/// (premature end of file or of a data segment, bad Huffman or arithmetic code, lost
/// restart markers, inconsistent progression) or for a fatal error. Empty when the
/// whole image decoded, and for an image above OPENCV_IO_MAX_IMAGE_PIXELS (default 2^30),
/// which OpenCV refuses unread. Warnings about metadata only (JFIF version, Adobe or ICC
/// markers, stray bytes between segments) do not count.
std::string jpegDamage(const std::string& path);

}  // namespace neuralstyle::detail
