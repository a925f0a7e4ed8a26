// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/networks.hpp"

#include <tuple>

#include <algorithm>

#include "neuralstyle/errors.hpp"
#include "network_geometry.hpp"

namespace neuralstyle {
namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

std::vector<ConvSpec> vgg19Specs() {
  // torchvision's vgg19().features: index of each 3x3 convolution and its channels.
  const std::vector<std::tuple<int, int64_t, int64_t>> convs{
      {0, 64, 3},     {2, 64, 64},    {5, 128, 64},   {7, 128, 128},
      {10, 256, 128}, {12, 256, 256}, {14, 256, 256}, {16, 256, 256},
      {19, 512, 256}, {21, 512, 512}, {23, 512, 512}, {25, 512, 512},
      {28, 512, 512}, {30, 512, 512}, {32, 512, 512}, {34, 512, 512}};
  std::vector<ConvSpec> specs;
  for (const auto& [index, out, in] : convs) specs.push_back({std::to_string(index), out, in, 3});
  return specs;
}

std::vector<ConvSpec> squeezeNetSpecs() {
  // torchvision's squeezenet1_1().features: conv1 (3x3, stride 2) at 0, then Fire modules
  // (squeeze 1x1, expand 1x1 and expand 3x3) at these indices.
  struct Fire {
    int index;
    int64_t in, squeeze, expand;
  };
  const std::vector<Fire> fires{{3, 64, 16, 64},    {4, 128, 16, 64},   {6, 128, 32, 128},
                                {7, 256, 32, 128},  {9, 256, 48, 192},  {10, 384, 48, 192},
                                {11, 384, 64, 256}, {12, 512, 64, 256}};
  std::vector<ConvSpec> specs{{"0", 64, 3, 3}};
  for (const auto& fire : fires) {
    const std::string prefix = std::to_string(fire.index) + ".";
    specs.push_back({prefix + "squeeze", fire.squeeze, fire.in, 1});
    specs.push_back({prefix + "expand1x1", fire.expand, fire.squeeze, 1});
    specs.push_back({prefix + "expand3x3", fire.expand, fire.squeeze, 3});
  }
  return specs;
}

void requireConcrete(Network network) {
  if (network == Network::Auto)
    throw OptionsError("network 'auto' names no network: the weights decide it");
}

}  // namespace

std::string networkName(Network network) {
  switch (network) {
    case Network::VGG19: return "vgg19";
    case Network::SqueezeNet1_1: return "squeezenet1_1";
    case Network::Auto: break;
  }
  return "auto";
}

Network parseNetwork(const std::string& name) {
  for (const auto network : {Network::Auto, Network::VGG19, Network::SqueezeNet1_1})
    if (name == networkName(network)) return network;
  throw OptionsError("unknown network '" + name + "' (known: auto, vgg19, squeezenet1_1)");
}

const std::vector<ConvSpec>& convSpecs(Network network) {
  requireConcrete(network);
  static const std::vector<ConvSpec> vgg19 = vgg19Specs();
  static const std::vector<ConvSpec> squeezenet = squeezeNetSpecs();
  return network == Network::VGG19 ? vgg19 : squeezenet;
}

const std::vector<std::string>& featureLayerNames(Network network) {
  requireConcrete(network);
  static const std::vector<std::string> vgg19 = {
      "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2",
      "conv3_3", "conv3_4", "conv4_1", "conv4_2", "conv4_3", "conv4_4",
      "conv5_1", "conv5_2", "conv5_3", "conv5_4"};
  static const std::vector<std::string> squeezenet = {
      "conv1", "fire2", "fire3", "fire4", "fire5", "fire6", "fire7", "fire8", "fire9"};
  return network == Network::VGG19 ? vgg19 : squeezenet;
}

int featureLayer(Network network, const std::string& name) {
  const auto& names = featureLayerNames(network);
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end())
    throw OptionsError("unknown " + networkName(network) + " layer '" + name +
                       "' (known: " + joined(names) + ")");
  return static_cast<int>(found - names.begin());
}

const NetworkDefaults& networkDefaults(Network network) {
  requireConcrete(network);
  // The reference notebook's: content at conv4_2, five style layers, beta 1e6, Adam at 0.003.
  static const NetworkDefaults vgg19{
      "conv4_2",
      {{"conv1_1", 1.0}, {"conv2_1", 0.75}, {"conv3_1", 0.2}, {"conv4_1", 0.2}, {"conv5_1", 0.2}},
      1e6,
      0.003,
      1e4};
  // Chosen by measurement on opencv-doc pairs with the ImageNet weights (docs/weights.md, "How SqueezeNet's defaults were chosen").
  // With the reference notebook's unnormalised Gram matrices a layer's style loss falls by about 30x
  // from conv1 to fire5 and 150x to fire6: the layer weights rise with depth so that the
  // deeper layers (larger strokes) count too. The content sits at fire4, SqueezeNet's
  // stand-in for VGG19's conv4_2: deep enough to let the texture change, shallow enough
  // to keep the objects. Adam moves 0.02 a step: the result settles within 300 steps.
  static const NetworkDefaults squeezenet{
      "fire4",
      {{"conv1", 1.0}, {"fire3", 1.0}, {"fire4", 10.0}, {"fire5", 30.0}, {"fire6", 100.0}},
      1e-3,
      0.02,
      1e6};
  return network == Network::VGG19 ? vgg19 : squeezenet;
}

int64_t minimumInputSide(Network network, int layer) {
  const auto& names = featureLayerNames(network);
  if (layer < 0 || static_cast<size_t>(layer) >= names.size())
    throw OptionsError("no layer " + std::to_string(layer) + " in " + networkName(network));
  if (network == Network::VGG19) {
    // conv<block>_<n>: 3x3 convolutions with padding 1 keep the size, and each of the
    // block - 1 2x2 poolings before the layer halves it.
    const int block = names[static_cast<size_t>(layer)][4] - '0';
    return int64_t{1} << (block - 1);
  }
  // SqueezeNet: conv1 (3x3, stride 2, no padding) and the ceil-mode poolings shrink the
  // input; the Fire modules keep the size. The smallest input whose every stage up to
  // `layer` is non-empty.
  for (int64_t side = 3;; ++side) {
    int64_t size = (side - 3) / 2 + 1;  // after conv1
    for (int l = 0; l < layer && size > 0; ++l)
      if (detail::squeezeNetPoolFollows(l)) size = detail::squeezeNetPooledSize(size);
    if (size > 0) return side;
  }
}

}  // namespace neuralstyle
