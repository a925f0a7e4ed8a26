// SPDX-License-Identifier: LGPL-2.1-or-later
// loadWeights() on a file ending in NEURALSTYLE_FUZZ_EXTENSION (".safetensors", ".onnx";
// one executable per extension): anything but a WeightsError (an escaping exception, a
// crash, a sanitizer report) is a finding.
#include <cstdint>

#include "fuzz_support.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/weights.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path =
      neuralstyle::fuzz::writeScratch(std::string("input") + NEURALSTYLE_FUZZ_EXTENSION, data, size);
  try {
    neuralstyle::loadWeights(path);
  } catch (const neuralstyle::WeightsError&) {
  }
  return 0;
}
