// SPDX-License-Identifier: LGPL-2.1-or-later
// A frame: its processing sizes coarse to fine, each starting from the last one's result,
// with a FrameGuide's start and temporal term; and the tensor entry point at one size.
#include <cmath>
#include <torch/torch.h>

#include "neuralstyle/color.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image_tensor.hpp"
#include "stylizer_engine.hpp"

namespace neuralstyle::detail {
namespace {

/// `image` ([1,C,h,w]) resized bilinearly to `size`; itself when it has that size.
torch::Tensor resizedTo(const torch::Tensor& image, cv::Size size) {
  if (image.size(2) == size.height && image.size(3) == size.width) return image;
  return torch::nn::functional::interpolate(
      image, torch::nn::functional::InterpolateFuncOptions()
                 .size(std::vector<int64_t>{size.height, size.width})
                 .mode(torch::kBilinear)
                 .align_corners(false));
}

}  // namespace

torch::Tensor StylizerEngine::stylizeTensor(const torch::Tensor& content,
                                            const ProgressCallback& on_progress,
                                            const std::atomic<bool>* cancel, Losses* final_losses,
                                            const torch::Tensor& initial) {
  if (!content.defined() || content.dim() != 4 || content.size(0) != 1 || content.size(1) != 3)
    throw ImageError("content tensor must be [1,3,H,W]");
  checkContentSize(content.size(2), content.size(3));
  if (initial.defined() && initial.sizes() != content.sizes())
    throw ImageError("the initial image must have the content's size");
  const cv::Size size(static_cast<int>(content.size(3)), static_cast<int>(content.size(2)));
  const auto& targets = styleTargets(
      size, options_.color_match == ColorMatch::None ? cv::Mat() : tensorToRgb(content, convention_));
  return optimise(content, initial, options_.steps, targets,
                  [&](Progress& progress, const torch::Tensor&) {
                    if (!on_progress) return;
                    progress.total_step = progress.step;
                    progress.total_steps = progress.steps;
                    progress.size = size;
                    on_progress(progress);
                  },
                  cancel, final_losses, 1.0, {}, TemporalTerm{});
}

StylizeResult StylizerEngine::stylize(const PreparedFrame& prepared, const FrameGuide& guide,
                                      const ProgressCallback& on_progress,
                                      const std::atomic<bool>* cancel, torch::Tensor* processed) {
  if (prepared.options_stamp != options_stamp_ || prepared.plan.sizes.empty())
    throw OptionsError("the frame was prepared with other options, or by another stylizer: "
                       "prepare it again");
  if (styles_.empty()) throw ImageError("no style image has been set");
  const auto check4d = [](const torch::Tensor& tensor, int64_t channels, const char* what) {
    if (tensor.defined() && (tensor.dim() != 4 || tensor.size(0) != 1 || tensor.size(1) != channels))
      throw ImageError(std::string("the frame guide's ") + what + " must be [1," +
                       std::to_string(channels) + ",H,W]");
  };
  check4d(guide.initial, 3, "initial image");
  check4d(guide.temporal_target, 3, "temporal target");
  check4d(guide.temporal_mask, 1, "temporal mask");
  if (guide.temporal_target.defined() != guide.temporal_mask.defined())
    throw ImageError("the frame guide's temporal target and mask go together");
  if (guide.temporal_weight < 0 || !std::isfinite(guide.temporal_weight))
    throw OptionsError("the temporal weight must be finite and at least 0");
  const auto start = Clock::now();
  const cv::Mat& rgb = prepared.rgb;
  auto sizes = prepared.plan.sizes;
  if (guide.final_size_only) sizes.erase(sizes.begin(), sizes.end() - 1);
  const auto toOutput = [&](const torch::Tensor& image) {
    cv::Mat stylised = resizeTo(tensorToRgb(image, convention_), rgb.size());
    if (options_.preserve_colors) stylised = keepContentColors(stylised, rgb);
    return fromRgb(stylised, prepared.format, prepared.content);
  };
  FrameProgress frame;
  frame.callback = on_progress;
  frame.scales = static_cast<int>(sizes.size());
  frame.flow_seconds = guide.flow_seconds;
  const auto stepsOfSize = [&](size_t i) {
    if (i + 1 == sizes.size()) return guide.steps >= 0 ? guide.steps : options_.steps;
    return options_.coarse_steps > 0 ? options_.coarse_steps : options_.steps;
  };
  for (size_t i = 0; i < sizes.size(); ++i) frame.total += stepsAtSize(sizes[i], stepsOfSize(i), options_);
  frame.to_output = toOutput;
  StylizeResult result;
  torch::Tensor image;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto& size = sizes[i];
    frame.scale = static_cast<int>(i) + 1;
    const auto tensor = rgbToTensor(resizeTo(rgb, size), convention_, device_);
    checkContentSize(size.height, size.width);
    // Coarse to fine: each size starts from the last one's result, upsampled in float
    // (not through 8-bit RGB, which would round away the small differences).
    torch::Tensor initial;
    if (i > 0) initial = resizedTo(image, size);
    else if (guide.initial.defined()) initial = resizedTo(guide.initial.to(device_, torch::kFloat32), size);
    else initial = initialImage(size);
    TemporalTerm temporal;
    if (guide.temporal_target.defined() && guide.temporal_weight > 0)
      temporal = TemporalTerm{resizedTo(guide.temporal_target.to(device_, torch::kFloat32), size),
                              resizedTo(guide.temporal_mask.to(device_, torch::kFloat32), size),
                              guide.temporal_weight};
    image = stylizeAtSize(tensor, initial, stepsOfSize(i), frame, cancel, &result.final_losses,
                          temporal);
  }
  result.image = toOutput(image);
  if (processed) *processed = image;
  result.steps = frame.total;
  result.elapsed_seconds = secondsSince(start);
  return result;
}

}  // namespace neuralstyle::detail
