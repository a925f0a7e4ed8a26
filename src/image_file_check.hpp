// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// OpenCV's JPEG decoder accepts a truncated or damaged JPEG: libjpeg only *warns*
// ("Premature end of JPEG file"), fills the missing blocks with grey, and OpenCV returns
// the picture as if it were whole. Its PNG decoder does refuse a damaged PNG, but libpng
// prints its error to stderr first. OpenCV exposes neither, so JPEG and PNG files are
// decoded once more here, through libjpeg and libpng themselves, to hear what they say.
#include <string>

namespace neuralstyle::detail {

/// Why the JPEG or PNG file at `path` does not hold a whole image, e.g. "a corrupt or
/// truncated JPEG: Premature end of JPEG file"; empty when it does, and for files of
/// other formats (recognised by their first bytes, not their names) and images above
/// OPENCV_IO_MAX_IMAGE_PIXELS (default 2^30), which OpenCV judges itself.
///
/// A JPEG is decoded at 1/8 scale (every entropy-coded byte is still read, only the
/// inverse DCT is cheaper); it is damaged when libjpeg fails or warns that it invented
/// pixels (premature end of the file or of a data segment, bad Huffman or arithmetic
/// code, lost restart markers, inconsistent progression). Warnings about metadata only
/// (JFIF version, Adobe or ICC markers, stray bytes between segments) do not count.
/// A PNG is decoded row by row to its IEND chunk; it is damaged when libpng fails: a bad
/// CRC in a critical chunk, too little or corrupt image data, a missing IEND. A bad CRC in
/// an ancillary chunk (text, colour profile) is only a libpng warning and does not count.
std::string imageFileDamage(const std::string& path);

}  // namespace neuralstyle::detail
