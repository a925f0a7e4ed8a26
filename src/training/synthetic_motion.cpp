// SPDX-License-Identifier: LGPL-2.1-or-later
#include "synthetic_motion.hpp"

#include <torch/torch.h>

#include <cmath>

namespace neuralstyle::detail {
namespace {

namespace F = torch::nn::functional;

torch::Tensor grid(const torch::Tensor& theta, int64_t channels, int64_t height, int64_t width) {
  return F::affine_grid(theta, {theta.size(0), channels, height, width}, /*align_corners=*/false);
}

}  // namespace

SyntheticMotion::SyntheticMotion(std::mt19937_64& random, int64_t batch, torch::Device device) {
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  std::vector<float> values;
  constexpr double kPi = 3.14159265358979323846;
  for (int64_t i = 0; i < batch; ++i) {
    const double angle = unit(random) * 2.0 * kPi / 180.0;
    const double zoom = 1.0 + 0.03 * unit(random);
    const double shift_x = 0.06 * unit(random), shift_y = 0.06 * unit(random);  // of [-1,1]: 3 %
    const double c = std::cos(angle) / zoom, s = std::sin(angle) / zoom;
    values.insert(values.end(), {float(c), float(-s), float(shift_x), float(s), float(c), float(shift_y)});
  }
  theta_ = torch::tensor(values).view({batch, 2, 3}).to(device);
}

torch::Tensor SyntheticMotion::warp(const torch::Tensor& images) const {
  return F::grid_sample(images, grid(theta_, images.size(1), images.size(2), images.size(3)),
                        F::GridSampleFuncOptions().mode(torch::kBilinear).padding_mode(torch::kZeros).align_corners(false));
}

torch::Tensor SyntheticMotion::validMask(int64_t height, int64_t width) const {
  const auto source = grid(theta_, 1, height, width);  // [N,H,W,2] in [-1,1] where inside
  // Pixel centres lie within [-1 + 1/side, 1 - 1/side]: inside that, all four taps are.
  const auto limit_x = 1.0 - 1.0 / width, limit_y = 1.0 - 1.0 / height;
  const auto inside = source.select(3, 0).abs().le(limit_x) & source.select(3, 1).abs().le(limit_y);
  return inside.unsqueeze(1).to(torch::kFloat32);
}

torch::Tensor temporalLoss(const torch::Tensor& output, const torch::Tensor& moved_output,
                           const SyntheticMotion& motion) {
  const auto mask = motion.validMask(output.size(2), output.size(3));
  const auto difference = (moved_output - motion.warp(output)) / 255.0;
  return (mask * difference.pow(2)).sum() / (mask.sum() * output.size(1)).clamp_min(1.0);
}

}  // namespace neuralstyle::detail
