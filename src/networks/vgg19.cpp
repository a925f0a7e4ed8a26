// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/vgg19.hpp"

#include <algorithm>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"

namespace neuralstyle {
namespace {

// torchvision's vgg19().features: every conv is followed by an (in-place) ReLU; the
// 2x2 poolings sit at these indices.
constexpr std::array<int, 5> kPoolIndices{4, 9, 18, 27, 36};

bool isPool(int index) {
  return std::find(kPoolIndices.begin(), kPoolIndices.end(), index) != kPoolIndices.end();
}

}  // namespace

const std::vector<std::string>& layerNames() { return featureLayerNames(Network::VGG19); }

int layerIndex(const std::string& name) {
  return vgg19ConvIndices()[static_cast<size_t>(featureLayer(Network::VGG19, name))];
}

Vgg19FeaturesImpl::Vgg19FeaturesImpl(const NetworkWeights& weights, Pooling pooling)
    : FeatureNetworkImpl(Network::VGG19, weights, pooling) {
  const auto& specs = convSpecs(Network::VGG19);
  for (size_t i = 0; i < specs.size(); ++i)
    convs_.emplace(vgg19ConvIndices()[i],
                   addConv(specs[i], weights.conv_weights[i], weights.conv_biases[i], 1, 1));
}

torch::nn::Conv2d Vgg19FeaturesImpl::conv(int index) const {
  const auto found = convs_.find(index);
  if (found == convs_.end())
    throw OptionsError("index " + std::to_string(index) + " is not a VGG19 convolution");
  return found->second;
}

bool Vgg19FeaturesImpl::usesWinograd(int index, const torch::Tensor& input) const {
  return usesWinograd(conv(index), input);
}

std::vector<torch::Tensor> Vgg19FeaturesImpl::forward(const torch::Tensor& input,
                                                      const std::vector<int>& layers) {
  if (layers.empty()) return {};
  std::vector<int> wanted;  // torchvision indices of the requested layers
  for (int layer : layers) wanted.push_back(vgg19ConvIndices().at(static_cast<size_t>(layer)));
  const int deepest = *std::max_element(wanted.begin(), wanted.end());
  std::map<int, torch::Tensor> captured;
  torch::Tensor x = input;
  for (int index = 0; index <= deepest; ++index) {
    if (isPool(index)) {
      x = pooling() == Pooling::Max ? torch::max_pool2d(x, 2, 2) : torch::avg_pool2d(x, 2, 2);
      continue;
    }
    const auto conv = convs_.find(index);
    if (conv == convs_.end()) continue;  // ReLU indices: folded into the conv.
    x = convRelu(conv->second, x);
    if (std::find(wanted.begin(), wanted.end(), index) != wanted.end()) captured[index] = x;
  }
  std::vector<torch::Tensor> out;
  out.reserve(wanted.size());
  for (int index : wanted) out.push_back(captured.at(index));
  return out;
}

}  // namespace neuralstyle
