// SPDX-License-Identifier: LGPL-2.1-or-later
// loadWeights()'s dispatch: the file's name picks the reader (.safetensors, .onnx,
// .caffemodel, .prototxt, or a name it must refuse), and the network asked for decides
// what a file must hold (a safetensors file is recognised as VGG19 or SqueezeNet 1.1 from
// its tensors). The first input byte picks the name, the second the network, the rest is
// the file. A Caffe name gets the same bytes as its partner file too. Anything but a
// WeightsError is a finding.
#include <unistd.h>

#include <array>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/networks.hpp"
#include "neuralstyle/weights.hpp"

namespace {

constexpr std::array<const char*, 8> kNames = {
    "input.safetensors", "input.onnx", "input.caffemodel", "input.prototxt",
    "input.pth",         "input",      "input.SAFETENSORS", "input.safetensors.onnx"};
constexpr std::array<neuralstyle::Network, 3> kNetworks = {
    neuralstyle::Network::Auto, neuralstyle::Network::VGG19, neuralstyle::Network::SqueezeNet1_1};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string name = kNames[data[0] % kNames.size()];
  const neuralstyle::Network network = kNetworks[data[1] % kNetworks.size()];
  data += 2;
  size -= 2;
  const std::string& dir = neuralstyle::fuzz::scratchDir();
  // The partner files of an earlier input must not be found beside this one.
  unlink((dir + "/input.prototxt").c_str());
  unlink((dir + "/input.caffemodel").c_str());
  const std::string path = neuralstyle::fuzz::writeScratch(name, data, size);
  if (name == "input.caffemodel") neuralstyle::fuzz::writeScratch("input.prototxt", data, size);
  if (name == "input.prototxt") neuralstyle::fuzz::writeScratch("input.caffemodel", data, size);
  try {
    neuralstyle::loadWeights(path, network);
  } catch (const neuralstyle::WeightsError&) {
  }
  return 0;
}
