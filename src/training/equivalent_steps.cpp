// SPDX-License-Identifier: LGPL-2.1-or-later
#include "equivalent_steps.hpp"

#include <torch/optim/lbfgs.h>

#include <cmath>

#include "neuralstyle/errors.hpp"

namespace neuralstyle::detail {

EquivalentSteps equivalentSteps(PerceptualLoss& loss, const torch::Tensor& network_output,
                                const torch::Tensor& content, int max_steps) {
  const auto total = [&](const torch::Tensor& image) {
    const LossTerms terms = loss(image, content);
    return terms.content + terms.style + terms.tv;
  };
  const auto measured = [&](const torch::Tensor& image) {
    torch::NoGradGuard no_grad;
    const double value = total(image).item<double>();
    if (!std::isfinite(value)) throw DivergedError("equivalent steps: the loss is not finite");
    return value;
  };

  EquivalentSteps result;
  result.network_loss = measured(network_output);
  // The image is left unclamped between steps, as the optimisation path leaves it:
  // clamping would break L-BFGS's curvature pairs.
  auto image = content.detach().clone().requires_grad_(true);
  torch::optim::LBFGS lbfgs({image}, torch::optim::LBFGSOptions(1).max_iter(1).history_size(100));
  result.optimisation_losses.push_back(measured(image));
  for (int step = 0;; ++step) {
    if (result.optimisation_losses.back() <= result.network_loss) {
      result.steps = step;
      break;
    }
    if (step == max_steps) break;
    lbfgs.step([&] {
      lbfgs.zero_grad();
      auto value = total(image);
      value.backward();
      return value;
    });
    result.optimisation_losses.push_back(measured(image));
  }
  return result;
}

}  // namespace neuralstyle::detail
