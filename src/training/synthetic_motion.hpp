// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The temporal loss without a video data set: a crop and the same crop moved by a small
// known warp W stand for two frames; a network steady on video gives f(W(x)) = W(f(x))
// wherever the warp keeps pixels (Ruder et al.'s consistency, on synthetic motion).
#include <random>
#include <torch/types.h>

namespace neuralstyle::detail {

/// A random small motion per image of a batch: a shift of up to 3 % of the side, a
/// rotation of up to 2 degrees and a zoom of up to 3 %, about the centre.
class SyntheticMotion {
 public:
  SyntheticMotion(std::mt19937_64& random, int64_t batch, torch::Device device);
  /// `images` [N,C,H,W] moved (bilinear, zeros outside).
  torch::Tensor warp(const torch::Tensor& images) const;
  /// [N,1,H,W]: 1 where every source pixel of the warp lies inside the image.
  torch::Tensor validMask(int64_t height, int64_t width) const;

 private:
  torch::Tensor theta_;  ///< [N,2,3], affine_grid's
};

/// mean(mask * (moved_output - warp(output))^2) over pixels and channels, in 0..1 units:
/// the output of the moved input against the moved output.
torch::Tensor temporalLoss(const torch::Tensor& output, const torch::Tensor& moved_output,
                           const SyntheticMotion& motion);

}  // namespace neuralstyle::detail
