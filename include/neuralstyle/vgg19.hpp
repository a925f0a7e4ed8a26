// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// VGG19's convolutional feature extractor with torchvision's `features` indexing (0..36).
#include <map>
#include <string>
#include <vector>
#include <torch/nn/pimpl.h>

#include "neuralstyle/feature_network.hpp"

namespace neuralstyle {

/// torchvision index of a VGG19 layer name: "conv1_1" -> 0, "conv4_2" -> 21,
/// "conv5_4" -> 34. Throws OptionsError for an unknown name.
int layerIndex(const std::string& name);
/// VGG19's layer names, in network order (featureLayerNames(Network::VGG19)).
const std::vector<std::string>& layerNames();

/// The 37 modules of vgg19().features: 16 3x3 convolutions, each followed by an
/// (in-place) ReLU, and 2x2 poolings at 4, 9, 18, 27 and 36.
class Vgg19FeaturesImpl : public FeatureNetworkImpl {
 public:
  explicit Vgg19FeaturesImpl(const NetworkWeights& weights, Pooling pooling = Pooling::Max);

  std::vector<torch::Tensor> forward(const torch::Tensor& input,
                                     const std::vector<int>& layers) override;

  /// The convolution at torchvision index `index` (for tests and importers).
  torch::nn::Conv2d conv(int index) const;
  /// Whether the conv at torchvision index `index` runs as Winograd for this input.
  bool usesWinograd(int index, const torch::Tensor& input) const;
  using FeatureNetworkImpl::usesWinograd;

 private:
  std::map<int, torch::nn::Conv2d> convs_;  // by torchvision index
};
TORCH_MODULE(Vgg19Features);

}  // namespace neuralstyle
