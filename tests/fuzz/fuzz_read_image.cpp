// SPDX-License-Identifier: LGPL-2.1-or-later
// readRgbImage(), the reader of style images (and of the CLI's content images): the
// first input byte picks the file's extension, the rest is the file. OpenCV's decoders
// are Debian's (not instrumented, but ASan still sees their heap); the JPEG and PNG
// checks in front of them (src/image_file_check.cpp) are ours. Anything but an ImageError, or a picture
// that is not 8-bit RGB of a positive size, is a finding. run_fuzzers.sh caps the pixels
// an image may have (OPENCV_IO_MAX_IMAGE_PIXELS), as the fuzzer's memory limit needs.
#include <array>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image.hpp"

namespace {
constexpr std::array<const char*, 6> kExtensions = {".jpg", ".png", ".bmp", ".webp", ".tiff", ""};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string name = std::string("input") + kExtensions[data[0] % kExtensions.size()];
  const std::string path = neuralstyle::fuzz::writeScratch(name, data + 1, size - 1);
  try {
    const cv::Mat rgb = neuralstyle::readRgbImage(path);
    if (rgb.type() != CV_8UC3 || rgb.empty()) __builtin_trap();
  } catch (const neuralstyle::ImageError&) {
  }
  return 0;
}
