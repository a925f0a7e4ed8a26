// SPDX-License-Identifier: LGPL-2.1-or-later
// loadWeights() on a Caffe pair. One input holds both files: the .prototxt text, the
// line "#caffemodel", then the .caffemodel bytes (no marker: all of it is the caffemodel
// beside an empty prototxt).
#include <cstdint>
#include <cstring>
#include <string_view>

#include "fuzz_support.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/weights.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr std::string_view kMarker = "\n#caffemodel\n";
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t split = input.find(kMarker);
  const size_t prototxt_size = split == std::string_view::npos ? 0 : split;
  const size_t model_start = split == std::string_view::npos ? 0 : split + kMarker.size();
  neuralstyle::fuzz::writeScratch("input.prototxt", data, prototxt_size);
  const std::string model =
      neuralstyle::fuzz::writeScratch("input.caffemodel", data + model_start, size - model_start);
  try {
    neuralstyle::loadWeights(model);
  } catch (const neuralstyle::WeightsError&) {
  }
  return 0;
}
