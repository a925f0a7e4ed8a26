// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The losses the optimisation and training share: one layer's style loss,
// w * mean((G(F) - S)^2) / (d*h*w), as an autograd function, and total variation.
#include <torch/types.h>

#include "neuralstyle/options.hpp"

namespace neuralstyle::detail {

/// Same value as the reference notebook's expression; its backward is one matrix product,
/// dF = F (dG + dG^T), where autograd's generic Gram backward computes two and adds them
/// (a third of the Gram work and a full-size addition per layer and step).
/// `gram_scale` multiplies the Gram matrix of `feature` (1/(h w) for GramNormalization::
/// Positions); at 1 the arithmetic is the reference notebook's exactly.
torch::Tensor styleLayerLoss(const torch::Tensor& feature, const torch::Tensor& target_gram,
                             double weight, double gram_scale = 1.0);

/// 1/(h w) of a [1,d,h,w] feature under Positions normalisation, else 1.
double gramScale(const torch::Tensor& feature, GramNormalization normalization);

/// Total variation of a [N,C,H,W] image: the mean squared difference of vertical
/// neighbours plus that of horizontal ones (0 for an image of one row or column).
torch::Tensor totalVariation(const torch::Tensor& image);

}  // namespace neuralstyle::detail
