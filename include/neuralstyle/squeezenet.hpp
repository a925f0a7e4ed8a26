// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// SqueezeNet 1.1's feature extractor as torchvision's squeezenet1_1().features: conv1
// (3x3, stride 2) and its ReLU, then Fire modules fire2 ... fire9 with 3x3 stride-2
// poolings (ceil mode) after conv1, fire3 and fire5.
#include <array>
#include <torch/nn/pimpl.h>

#include "neuralstyle/feature_network.hpp"

namespace neuralstyle {

class SqueezeNetFeaturesImpl : public FeatureNetworkImpl {
 public:
  explicit SqueezeNetFeaturesImpl(const NetworkWeights& weights, Pooling pooling = Pooling::Max);

  std::vector<torch::Tensor> forward(const torch::Tensor& input,
                                     const std::vector<int>& layers) override;

 private:
  /// A Fire module: relu(squeeze 1x1), then the concatenated relu(expand 1x1) and
  /// relu(expand 3x3), as torchvision computes it.
  struct Fire {
    torch::nn::Conv2d squeeze{nullptr}, expand1x1{nullptr}, expand3x3{nullptr};
  };
  torch::Tensor fire(const Fire& module, const torch::Tensor& x);
  torch::Tensor pool(const torch::Tensor& x) const;

  torch::nn::Conv2d conv1_{nullptr};
  std::array<Fire, 8> fires_;  // fire2 ... fire9
};
TORCH_MODULE(SqueezeNetFeatures);

}  // namespace neuralstyle
