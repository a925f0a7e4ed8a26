// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Johnson et al.'s quality measure of a feed-forward network: the number of steps the
// optimisation needs, on the same losses, to do as well as the network's one pass.
#include <torch/types.h>

#include "neuralstyle/trainer.hpp"
#include "training_losses.hpp"

namespace neuralstyle::detail {

/// `network_output` and `content`: [1,3,H,W] RGB 0..255. Optimises a copy of the content
/// with L-BFGS as the optimisation path does (one iteration a step, history 100, rate 1)
/// on `loss`'s content, style and TV terms until its loss is at most the network
/// output's, for at most `max_steps` steps. Throws DivergedError if a loss is not finite.
EquivalentSteps equivalentSteps(PerceptualLoss& loss, const torch::Tensor& network_output,
                                const torch::Tensor& content, int max_steps);

}  // namespace neuralstyle::detail
