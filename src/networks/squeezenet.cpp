// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/squeezenet.hpp"

#include <algorithm>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"

namespace neuralstyle {
namespace {

// Layers (positions in featureLayerNames) that a 3x3 stride-2 pooling follows:
// conv1, fire3 and fire5 (torchvision's features.2, .5 and .8).
bool poolFollows(int layer) { return layer == 0 || layer == 2 || layer == 4; }

// Output size of a 3x3 stride-2 pooling in ceil mode, as PyTorch computes it (0 if none):
// ceil((size - 3) / 2) + 1, where the last window may hang over the edge but must start
// inside the input. A 2-pixel side still gives one output.
int64_t pooledSize(int64_t size) {
  if (size < 2) return 0;
  int64_t out = (size - 2) / 2 + 1;
  if ((out - 1) * 2 >= size) --out;
  return out;
}

}  // namespace

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

int64_t SqueezeNetFeaturesImpl::minimumSide(int layer) const {
  // conv1 (3x3, stride 2, no padding) and the ceil-mode poolings shrink the input; the
  // Fire modules keep the size. Smallest input whose every stage up to `layer` is non-empty.
  for (int64_t side = 3;; ++side) {
    int64_t size = (side - 3) / 2 + 1;  // after conv1
    for (int l = 0; l < layer && size > 0; ++l)
      if (poolFollows(l)) size = pooledSize(size);
    if (size > 0) return side;
  }
}

std::vector<torch::Tensor> SqueezeNetFeaturesImpl::forward(const torch::Tensor& input,
                                                           const std::vector<int>& layers) {
  if (layers.empty()) return {};
  const int deepest = *std::max_element(layers.begin(), layers.end());
  std::vector<torch::Tensor> activations;  // by layer, up to the deepest
  torch::Tensor x = convRelu(conv1_, input);
  activations.push_back(x);
  for (int layer = 1; layer <= deepest; ++layer) {
    if (poolFollows(layer - 1)) x = pool(x);
    x = fire(fires_[static_cast<size_t>(layer - 1)], x);
    activations.push_back(x);
  }
  std::vector<torch::Tensor> out;
  out.reserve(layers.size());
  for (int layer : layers) out.push_back(activations.at(static_cast<size_t>(layer)));
  return out;
}

}  // namespace neuralstyle
