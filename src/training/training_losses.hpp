// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The perceptual losses a feed-forward network trains on, for batches: the optimisation's
// content, Gram style and TV terms on the core's feature networks, with Gram matrices
// normalised by positions so that the weights hold for any crop size and batch.
#include <memory>
#include <vector>
#include <torch/types.h>

#include "neuralstyle/feature_network.hpp"
#include "neuralstyle/image_tensor.hpp"
#include "neuralstyle/weights.hpp"

namespace neuralstyle::detail {

struct LossTerms {
  torch::Tensor content, style, tv;  ///< weighted scalars
};

class PerceptualLoss {
 public:
  /// `style_rgb`: [1,3,h,w] 0..255 RGB on the network's device; its Gram matrices are the
  /// targets. Layer names are the network's (featureLayer). Weights are applied here.
  PerceptualLoss(std::shared_ptr<FeatureNetworkImpl> network, InputConvention convention,
                 const std::string& content_layer, const std::vector<LayerWeight>& style_layers,
                 const torch::Tensor& style_rgb, double content_weight, double style_weight,
                 double tv_weight);

  /// `output` and `content`: [N,3,H,W] RGB 0..255 (the network's output and its input).
  LossTerms operator()(const torch::Tensor& output, const torch::Tensor& content);

  /// [N,3,H,W] RGB 0..255 -> the feature network's input convention.
  torch::Tensor normalise(const torch::Tensor& rgb) const;

 private:
  std::shared_ptr<FeatureNetworkImpl> network_;
  InputConvention convention_;
  torch::Tensor mean_, std_;
  int content_index_;
  std::vector<int> style_indices_;
  std::vector<double> style_layer_weights_;
  std::vector<torch::Tensor> style_grams_;  ///< [1,C,C] per style layer
  double content_weight_, style_weight_, tv_weight_;
};

/// Gram matrices of a batch of features, normalised by positions: [N,C,H,W] -> [N,C,C],
/// F F^T / (H W).
torch::Tensor normalisedGrams(const torch::Tensor& features);

}  // namespace neuralstyle::detail
