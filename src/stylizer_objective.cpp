// SPDX-License-Identifier: LGPL-2.1-or-later
#include "stylizer_objective.hpp"

#include <cmath>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "style_loss.hpp"

namespace neuralstyle::detail {

Objective::Objective(FeatureFunction features, std::vector<int> indices, torch::Tensor content_target,
                     const std::vector<torch::Tensor>& style_targets, const StyleOptions& options,
                     double style_balance, torch::Tensor temporal_target, torch::Tensor temporal_mask,
                     double temporal_weight)
    : features_(std::move(features)),
      indices_(std::move(indices)),
      content_target_(std::move(content_target)),
      style_targets_(style_targets),
      options_(options),
      style_balance_(style_balance),
      temporal_target_(std::move(temporal_target)),
      temporal_mask_(std::move(temporal_mask)),
      temporal_weight_(temporal_weight) {}

Objective::Terms Objective::evaluate(const torch::Tensor& image) const {
  Terms terms;
  const auto activations = features_(image, indices_);
  terms.content = torch::mean((activations[0] - content_target_).pow(2));
  for (size_t l = 0; l < options_.style_layers.size(); ++l) {
    const auto layer_loss = styleLayerLoss(activations[l + 1], style_targets_[l],
                                           options_.style_layers[l].weight,
                                           gramScale(activations[l + 1], options_.gram_normalization));
    terms.style = terms.style.defined() ? terms.style + layer_loss : layer_loss;
  }
  if (style_balance_ != 1.0) terms.style = terms.style * style_balance_;
  terms.total = options_.content_weight * terms.content + *options_.style_weight * terms.style;
  if (options_.tv_weight > 0) {
    terms.tv = totalVariation(image);
    terms.total = terms.total + options_.tv_weight * terms.tv;
  }
  // Ruder et al.'s short-term temporal loss: stay where the flow carried the previous
  // result, only where the flow is consistent.
  if (temporal_target_.defined()) {
    const auto pixels = static_cast<double>(image.size(2) * image.size(3));
    terms.temporal = (temporal_mask_ * (image - temporal_target_).pow(2)).sum() / pixels;
    terms.total = terms.total + temporal_weight_ * terms.temporal;
  }
  return terms;
}

Losses Objective::read(const Terms& terms, int step) {
  const Losses losses{terms.total.item<double>(), terms.content.item<double>(),
                      terms.style.item<double>(),
                      terms.tv.defined() ? terms.tv.item<double>() : 0.0,
                      terms.temporal.defined() ? terms.temporal.item<double>() : 0.0};
  if (!std::isfinite(losses.total) || !std::isfinite(losses.content) || !std::isfinite(losses.style))
    throw DivergedError("the optimisation diverged at step " + std::to_string(step) +
                        " (loss is not finite); lower the learning rate or the style weight");
  return losses;
}

}  // namespace neuralstyle::detail
