// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// VGG19's 3x3 convolution (stride 1, padding 1) and its ReLU through oneDNN's Winograd
// F(4x4, 3x3) primitives. LibTorch always asks oneDNN for the direct algorithm; on CPUs
// with AVX-512 Winograd runs the same layer faster, forward and backward, equal to it to
// float rounding (bench/ and docs/performance.md: "Reading the table", "Per CPU kind").
//
// Internal to the core: FeatureNetworkImpl decides per layer whether to use it
// (convolution_choice.hpp); winograd_f43.hpp is the portable alternative.
#include <cstdint>
#include <memory>
#include <torch/types.h>

namespace neuralstyle::detail {

/// Whether this build has oneDNN and this CPU runs its Winograd kernels (AVX-512, and
/// cpuFlags() not capped below it).
bool winogradAvailable();

/// Whether a layer can run as Winograd at all: oneDNN's kernels want channel counts
/// that are multiples of 16 (conv1_1, with 3 input channels, cannot).
bool winogradSupports(int64_t in_channels, int64_t out_channels);

/// Scratch memory shared by the Winograd layers of one network. The layers run one after
/// another, so one set of buffers grown to the largest layer serves all of them at every
/// step: fresh buffers per call cost more than Winograd saves (each large allocation is
/// new pages from the kernel, every page a fault; docs/performance.md, "Reading the
/// table"). Thread-safe: concurrent users take turns.
class WinogradWorkspace;
std::shared_ptr<WinogradWorkspace> makeWinogradWorkspace();

/// relu(conv(x, weight) + bias) with fixed (frozen) weights. Differentiable with respect to
/// its input only. Primitives are planned once per input size and reused.
class WinogradConvRelu {
 public:
  /// weight [out, in, 3, 3] (any memory layout) and bias [out], float32 on the CPU. The
  /// weight is shared, not copied, and read into each primitive's format when an input
  /// size is first planned: treat it as frozen (Vgg19Features rebuilds the layer when its
  /// weights change).
  /// Throws std::runtime_error if winogradAvailable() is false or the shape is unsupported.
  WinogradConvRelu(const torch::Tensor& weight, const torch::Tensor& bias,
                   std::shared_ptr<WinogradWorkspace> workspace = makeWinogradWorkspace());
  ~WinogradConvRelu();
  WinogradConvRelu(const WinogradConvRelu&) = delete;
  WinogradConvRelu& operator=(const WinogradConvRelu&) = delete;

  /// `input`: float32 CPU [N, in, H, W], any memory layout. Returns a channels-last
  /// [N, out, H, W] tensor.
  torch::Tensor forward(const torch::Tensor& input) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralstyle::detail
