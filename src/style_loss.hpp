// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// One layer's style loss, w * mean((G(F) - S)^2) / (d*h*w), as an autograd function.
#include <torch/types.h>

namespace neuralstyle::detail {

/// Same value as the reference notebook's expression; its backward is one matrix product,
/// dF = F (dG + dG^T), where autograd's generic Gram backward computes two and adds them
/// (a third of the Gram work and a full-size addition per layer and step).
/// `gram_scale` multiplies the Gram matrix of `feature` (1/(h w) for GramNormalization::
/// Positions); at 1 the arithmetic is the reference notebook's exactly.
torch::Tensor styleLayerLoss(const torch::Tensor& feature, const torch::Tensor& target_gram,
                             double weight, double gram_scale = 1.0);

}  // namespace neuralstyle::detail
