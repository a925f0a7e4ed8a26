// SPDX-License-Identifier: LGPL-2.1-or-later
// The generic safetensors reader: open (header + index), then decode every tensor.
#include <cstdint>

#include "fuzz_support.hpp"
#include "neuralstyle/errors.hpp"
#include "safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = neuralstyle::fuzz::writeScratch("input.safetensors", data, size);
  try {
    neuralstyle::detail::SafetensorsFile file(path);
    for (const auto& [name, entry] : file.index().tensors) {
      try {
        const auto tensor = file.readFloat32(name);
        if (static_cast<uint64_t>(tensor.numel()) != entry.elements) __builtin_trap();
      } catch (const neuralstyle::WeightsError&) {
      }
    }
  } catch (const neuralstyle::WeightsError&) {
  }
  // Any other exception escapes, and libFuzzer reports it as a finding.
  return 0;
}
