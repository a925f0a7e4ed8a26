// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A 3x3 stride-1 convolution (and its ReLU) as Winograd F(4x4, 3x3) through batched GEMM
// (Lavin & Gray 2016), portable to every CPU: the tile transforms are loops the compiler
// vectorises once per instruction set (winograd_f43_kernels.hpp), chosen at run time; the
// 36 products per block of tiles run in oneDNN's sgemm (or the BLAS's where the build has
// no oneDNN), each at its kernel's near-peak rate on any CPU. A quarter of the direct
// algorithm's multiplications.
//
// oneDNN's own Winograd (winograd_conv.hpp) has kernels for AVX-512 only; this one runs
// wherever the code compiles. Internal to the core: FeatureNetworkImpl picks per layer.
#include <cstdint>
#include <torch/types.h>

#include "cpu_features.hpp"

namespace neuralstyle::detail {

/// conv(x, weight, bias, stride 1, padding) with frozen weights, then a ReLU if asked.
/// Differentiable with respect to its input only: the backward is the same algorithm on
/// the flipped, transposed filters, transformed at the first backward. Each set of
/// transformed filters takes 4x the weights' memory (36 values for 9).
class WinogradF43Conv {
 public:
  /// weight [out, in, 3, 3] and bias [out] (or undefined), on the CPU; copied and
  /// transformed once: build a new object when the weights change. `padding` 0 or 1.
  /// Throws std::runtime_error for other shapes.
  WinogradF43Conv(const torch::Tensor& weight, const torch::Tensor& bias, int64_t padding,
                  bool relu);
  ~WinogradF43Conv();
  WinogradF43Conv(const WinogradF43Conv&) = delete;
  WinogradF43Conv& operator=(const WinogradF43Conv&) = delete;

  /// `input`: float32 CPU [N, in, H, W], any memory layout, H and W at least 3 - 2 padding.
  /// Returns a channels-last [N, out, H + 2 padding - 2, W + 2 padding - 2] tensor. Runs
  /// the transforms for `isa` (capped by cpuFlags(); default: the best there).
  torch::Tensor forward(const torch::Tensor& input) const;
  torch::Tensor forward(const torch::Tensor& input, CpuIsa isa) const;

  struct Impl;

 private:
  c10::intrusive_ptr<Impl> impl_;
};

}  // namespace neuralstyle::detail
