// SPDX-License-Identifier: LGPL-2.1-or-later
// The optimiser loop at one size: Adam or L-BFGS over the image's pixels, reporting and
// checking the loss at the reporting steps, stopping between steps when cancelled.
#include <optional>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "stylizer_engine.hpp"
#include "stylizer_objective.hpp"
#include "tensor_memory_cache.hpp"

namespace neuralstyle::detail {

std::unique_ptr<torch::optim::Optimizer> StylizerEngine::makeOptimizer(const torch::Tensor& target) const {
  switch (options_.optimizer) {
    case Optimizer::LBFGS:
      // One iteration (one loss evaluation) per step(); the curvature history persists
      // across calls, so successive steps are ordinary L-BFGS iterations.
      return std::make_unique<torch::optim::LBFGS>(
          std::vector<torch::Tensor>{target},
          torch::optim::LBFGSOptions(*options_.learning_rate).max_iter(1).history_size(100));
    case Optimizer::Adam: break;
  }
  return std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{target},
                                              torch::optim::AdamOptions(*options_.learning_rate));
}

torch::Tensor StylizerEngine::optimise(const torch::Tensor& content_in, const torch::Tensor& initial,
                                       int steps, const std::vector<torch::Tensor>& style_targets,
                                       const StepReport& on_step, const std::atomic<bool>* cancel,
                                       Losses* final_losses, double style_balance,
                                       const torch::Tensor& update_mask, const TemporalTerm& temporal) {
  const auto indices = requestedIndices();
  const auto start = Clock::now();
  // The steps allocate and free the same large tensors: reuse them within this frame.
  std::optional<TensorMemoryScope> reuse_tensor_memory;
  if (reusesTensorMemory()) reuse_tensor_memory.emplace();

  const auto content = content_in.to(device_, torch::kFloat32).contiguous(memory_format_);
  const auto optimised_pixels =
      update_mask.defined() ? (update_mask > 0).to(torch::kFloat32) : torch::Tensor();
  torch::Tensor content_target;
  {
    torch::NoGradGuard no_grad;
    content_target = features(content, {indices[0]})[0];
  }
  const Objective objective(
      [this](const torch::Tensor& image, const std::vector<int>& layers) { return features(image, layers); },
      indices, content_target, style_targets, options_, style_balance,
      temporal.active() ? temporal.target.to(device_, torch::kFloat32) : torch::Tensor(),
      temporal.active() ? temporal.mask.to(device_, torch::kFloat32) : torch::Tensor(),
      temporal.weight);

  // The image itself stays in the default layout: L-BFGS flattens its gradient with
  // view(-1), and the convolutions still produce channels-last features from it.
  auto target = (initial.defined() ? initial.to(device_, torch::kFloat32) : content)
                    .contiguous()
                    .clone()
                    .set_requires_grad(true);
  Losses last;
  if (steps == 0) {
    torch::NoGradGuard no_grad;
    last = Objective::read(objective.evaluate(target), 0);
  } else {
    const auto optimizer = makeOptimizer(target);
    const int interval = options_.progress_interval;
    for (int step = 1; step <= steps; ++step) {
      if (cancel && cancel->load())
        throw CancelledError("cancelled before step " + std::to_string(step) + " of " +
                             std::to_string(steps));
      // One evaluation of the loss and its gradient; L-BFGS calls it once a step too.
      Objective::Terms terms;
      optimizer->step([&] {
        optimizer->zero_grad();
        terms = objective.evaluate(target);
        // What the forward pass did not reuse would only add to the peak.
        if (reuse_tensor_memory) reuse_tensor_memory->releaseIdle();
        terms.total.backward();
        // Pixels outside the mask keep their value: a zero gradient moves neither Adam
        // nor L-BFGS.
        if (optimised_pixels.defined()) target.mutable_grad().mul_(optimised_pixels);
        return terms.total;
      });
      const bool report = step == steps || (interval > 0 && step % interval == 0);
      if (!report) continue;
      // Reading the loss syncs the device: only done at reporting steps.
      last = Objective::read(terms, step);
      if (on_step) {
        Progress progress;
        progress.step = step;
        progress.steps = steps;
        progress.losses = last;
        progress.elapsed_seconds = secondsSince(start);
        on_step(progress, target);
      }
    }
  }
  target = target.detach();
  if (!torch::isfinite(target).all().item<bool>())
    throw DivergedError("the optimisation diverged (the image holds non-finite values); "
                        "lower the learning rate");
  if (final_losses) *final_losses = last;
  return target;
}

}  // namespace neuralstyle::detail
