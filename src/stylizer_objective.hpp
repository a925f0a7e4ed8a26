// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The loss a Stylizer minimises, exactly as the reference notebook writes it (the same
// order of operations), plus the optional total variation and temporal terms.
#include <functional>
#include <vector>
#include <torch/types.h>

#include "neuralstyle/options.hpp"
#include "neuralstyle/stylizer.hpp"

namespace neuralstyle::detail {

/// Float32 activations of an image at the given layer indices.
using FeatureFunction =
    std::function<std::vector<torch::Tensor>(const torch::Tensor& image, const std::vector<int>& indices)>;

class Objective {
 public:
  /// The loss's terms for one image; tv and temporal are undefined when they have no weight.
  struct Terms {
    torch::Tensor total, content, style, tv, temporal;
  };

  /// `indices`: the content layer's, then the style layers' (in options.style_layers
  /// order). `content_target`: the content's activation at indices[0]. `style_balance`
  /// multiplies the style loss. `temporal_target` and `temporal_mask` (undefined: no
  /// temporal term) are on the image's device, at its size.
  Objective(FeatureFunction features, std::vector<int> indices, torch::Tensor content_target,
            const std::vector<torch::Tensor>& style_targets, const StyleOptions& options,
            double style_balance, torch::Tensor temporal_target, torch::Tensor temporal_mask,
            double temporal_weight);

  Terms evaluate(const torch::Tensor& image) const;
  /// The values of `terms` (syncs the device). Throws DivergedError naming `step` when
  /// the total, content or style loss is not finite.
  static Losses read(const Terms& terms, int step);

 private:
  FeatureFunction features_;
  std::vector<int> indices_;
  torch::Tensor content_target_;
  const std::vector<torch::Tensor>& style_targets_;
  const StyleOptions& options_;
  double style_balance_;
  torch::Tensor temporal_target_, temporal_mask_;
  double temporal_weight_;
};

}  // namespace neuralstyle::detail
