// SPDX-License-Identifier: LGPL-2.1-or-later
#include "style_loss.hpp"

#include <torch/torch.h>

#include "neuralstyle/stylizer_tensor.hpp"

namespace neuralstyle::detail {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::tensor_list;

bool isChannelsLast(const torch::Tensor& feature) {
  return !feature.is_contiguous() && feature.is_contiguous(torch::MemoryFormat::ChannelsLast);
}

struct StyleLayerLoss : public torch::autograd::Function<StyleLayerLoss> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& feature,
                               const torch::Tensor& target_gram, double weight, double gram_scale) {
    const double dhw = static_cast<double>(feature.size(1) * feature.size(2) * feature.size(3));
    const auto gram = gram_scale == 1.0 ? gramMatrix(feature) : gramMatrix(feature) * gram_scale;
    const auto difference = gram - target_gram;
    ctx->save_for_backward({feature, difference});
    // d mean((G-S)^2) / dG = 2 (G-S) / d^2, times weight / dhw; G = s F F^T adds s.
    ctx->saved_data["scale"] =
        2.0 * weight / static_cast<double>(difference.numel()) / dhw * gram_scale;
    return weight * torch::mean(difference.pow(2)) / dhw;  // the reference notebook's order of operations
  }

  static tensor_list backward(AutogradContext* ctx, tensor_list grad_outputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& feature = saved[0];
    const auto& difference = saved[1];
    const auto grad_gram = difference * (grad_outputs[0] * ctx->saved_data["scale"].toDouble());
    const auto symmetric = grad_gram + grad_gram.t();
    const auto d = feature.size(1), h = feature.size(2), w = feature.size(3);
    torch::Tensor grad_feature;
    if (isChannelsLast(feature)) {
      const auto flat = feature.permute({0, 2, 3, 1}).reshape({h * w, d});  // [pixels, d]
      grad_feature = torch::mm(flat, symmetric).view({1, h, w, d}).permute({0, 3, 1, 2});
    } else {
      const auto flat = feature.view({d, h * w});  // [d, pixels]
      grad_feature = torch::mm(symmetric, flat).view({1, d, h, w});
    }
    return {grad_feature, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor styleLayerLoss(const torch::Tensor& feature, const torch::Tensor& target_gram,
                             double weight, double gram_scale) {
  return StyleLayerLoss::apply(feature, target_gram, weight, gram_scale);
}

double gramScale(const torch::Tensor& feature, GramNormalization normalization) {
  if (normalization == GramNormalization::None) return 1.0;
  return 1.0 / static_cast<double>(feature.size(2) * feature.size(3));
}

torch::Tensor totalVariation(const torch::Tensor& image) {
  const auto height = image.size(2), width = image.size(3);
  auto tv = torch::zeros({}, image.options());
  if (height > 1) tv = tv + torch::mean((image.slice(2, 1) - image.slice(2, 0, height - 1)).pow(2));
  if (width > 1) tv = tv + torch::mean((image.slice(3, 1) - image.slice(3, 0, width - 1)).pow(2));
  return tv;
}

}  // namespace neuralstyle::detail
