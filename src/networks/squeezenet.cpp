// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/squeezenet.hpp"

#include <algorithm>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "network_geometry.hpp"

namespace neuralstyle {
using detail::squeezeNetPoolFollows;

SqueezeNetFeaturesImpl::SqueezeNetFeaturesImpl(const NetworkWeights& weights, Pooling pooling)
    : FeatureNetworkImpl(Network::SqueezeNet1_1, weights, pooling) {
  const auto& specs = convSpecs(Network::SqueezeNet1_1);
  const auto add = [&](size_t i, int64_t stride, int64_t padding) {
    return addConv(specs[i], weights.conv_weights[i], weights.conv_biases[i], stride, padding);
  };
  conv1_ = add(0, 2, 0);
  for (size_t f = 0; f < fires_.size(); ++f) {
    const size_t first = 1 + 3 * f;  // squeeze, expand1x1, expand3x3
    fires_[f] = Fire{add(first, 1, 0), add(first + 1, 1, 0), add(first + 2, 1, 1)};
  }
}

torch::Tensor SqueezeNetFeaturesImpl::fire(const Fire& module, const torch::Tensor& x) {
  const auto squeezed = convRelu(module.squeeze, x);
  return torch::cat({convRelu(module.expand1x1, squeezed), convRelu(module.expand3x3, squeezed)},
                    1);
}

torch::Tensor SqueezeNetFeaturesImpl::pool(const torch::Tensor& x) const {
  if (pooling() == Pooling::Max) return torch::max_pool2d(x, 3, 2, 0, 1, /*ceil_mode=*/true);
  return torch::avg_pool2d(x, 3, 2, 0, /*ceil_mode=*/true);
}

std::vector<torch::Tensor> SqueezeNetFeaturesImpl::forward(const torch::Tensor& input,
                                                           const std::vector<int>& layers) {
  if (layers.empty()) return {};
  const int deepest = *std::max_element(layers.begin(), layers.end());
  std::vector<torch::Tensor> activations;  // by layer, up to the deepest
  torch::Tensor x = convRelu(conv1_, input);
  activations.push_back(x);
  for (int layer = 1; layer <= deepest; ++layer) {
    if (squeezeNetPoolFollows(layer - 1)) x = pool(x);
    x = fire(fires_[static_cast<size_t>(layer - 1)], x);
    activations.push_back(x);
  }
  std::vector<torch::Tensor> out;
  out.reserve(layers.size());
  for (int layer : layers) out.push_back(activations.at(static_cast<size_t>(layer)));
  return out;
}

}  // namespace neuralstyle
