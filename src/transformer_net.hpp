// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// pytorch/examples' fast_neural_style TransformerNet (Johnson et al. 2016 with instance
// norm and upsample-convolutions) as a LibTorch module, in the layout of
// pytorch/examples/cpp (…Impl + TORCH_MODULE) and with its state-dict names, so that a
// model trained there loads here and one trained here (training/trainer.cpp) runs there.
// The LibTorch engine runs it; the trainer trains it; the ONNX export walks it.
#include <string>
#include <vector>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/instancenorm.h>
#include <torch/nn/modules/padding.h>
#include <torch/nn/pimpl.h>

#include "neuralstyle/feed_forward.hpp"

namespace neuralstyle::detail {

class WinogradF43Conv;

// Reflection padding of kernel/2, then the convolution: the output keeps the size
// (stride 1) or halves it (stride 2) without the border artefacts of zero padding.
//
// Inference (no gradient recorded) runs the 3x3 stride-1 convolutions -- the residual
// blocks' -- as the portable Winograd where it pays (winograd_f43.hpp, convolution_choice
// .hpp); training runs LibTorch's, which also gives the weights' gradients.
struct ConvLayerImpl : torch::nn::Module {
  ConvLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::ReflectionPad2d reflection_pad;
  torch::nn::Conv2d conv2d;

 private:
  bool winogradRuns(const torch::Tensor& padded) const;
  /// The Winograd form of conv2d, rebuilt when its weight or bias changed.
  const WinogradF43Conv& winograd();
  std::shared_ptr<WinogradF43Conv> winograd_;
  const void* winograd_of_ = nullptr;  ///< the weight data it was made from
  const void* winograd_bias_of_ = nullptr;
  int64_t winograd_version_ = -1;      ///< and the sum of their version counters then
};
TORCH_MODULE(ConvLayer);

struct ResidualBlockImpl : torch::nn::Module {
  explicit ResidualBlockImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);
  ConvLayer conv1;
  torch::nn::InstanceNorm2d in1;
  ConvLayer conv2;
  torch::nn::InstanceNorm2d in2;
};
TORCH_MODULE(ResidualBlock);

// Nearest-neighbour upsampling by 2, reflection padding by 1, then a 3x3 convolution:
// pytorch/examples' answer to the checkerboard artefacts of transposed convolutions.
//
// It runs at the input's resolution instead, exactly (up to float rounding). Each
// output pixel (2i+a, 2j+b) sees only input pixels i..i+1 (a = 0) or i+1..i+2 (a = 1),
// in the input padded by 1 by replication (the reflection of the upsampled image's
// border is a copy of its neighbour, which is the same input pixel), so each of the
// four phases (a, b) is a 2x2 convolution whose taps are sums of the 3x3 kernel's; the
// phases are then interleaved (pixel shuffle). 2.25x fewer multiply-adds, and no
// upsampled and padded copy of the input (docs/feed-forward.md measures it).
struct UpsampleConvLayerImpl : torch::nn::Module {
  UpsampleConvLayerImpl(int64_t in, int64_t out);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv2d;

 private:
  /// The phases' 2x2 kernels from conv2d's weight: differentiable when autograd
  /// records (training), else cached until the weight changes.
  std::vector<torch::Tensor> phaseKernels();
  std::vector<torch::Tensor> phases_;
  const void* phases_of_ = nullptr;  ///< the weight data the cache was made from
  int64_t phases_version_ = -1;      ///< and its version counter then
};
TORCH_MODULE(UpsampleConvLayer);

/// What the network's last convolution is followed by.
enum class TransformerOutput {
  /// Nothing: pytorch/examples' models; values outside 0..255 are clamped later.
  Linear,
  /// 127.5 + 127.5 tanh((z - 127.5) / 127.5): the identity near mid-grey, never outside
  /// 0..255. Training without a bound went to NaN (DESIGN.md, "Measured"); the models
  /// this project trains carry it, named in their metadata (transformerOutputName).
  Bounded,
};
/// "linear", "bounded": the value of the models' "output" metadata.
std::string transformerOutputName(TransformerOutput output);
/// Inverse of transformerOutputName; throws WeightsError naming `path` for another value.
TransformerOutput parseTransformerOutput(const std::string& name, const std::string& path);

struct TransformerNetImpl : torch::nn::Module {
  /// `width`: channels of the first layer (32 in pytorch/examples); the network has
  /// `residual_blocks` blocks of 4 * width channels (5 there).
  TransformerNetImpl(int64_t width, int64_t residual_blocks,
                     TransformerOutput output = TransformerOutput::Linear);
  /// [N,3,H,W] RGB in 0..255, H and W multiples of 4 -> the same.
  torch::Tensor forward(torch::Tensor x);

  int64_t width() const { return width_; }
  int64_t residualBlockCount() const { return static_cast<int64_t>(residuals.size()); }
  TransformerOutput output() const { return output_; }
  /// "a TransformerNet of width W with R residual blocks", for messages.
  std::string layout() const;

  ConvLayer conv1;
  torch::nn::InstanceNorm2d in1;
  ConvLayer conv2;
  torch::nn::InstanceNorm2d in2;
  ConvLayer conv3;
  torch::nn::InstanceNorm2d in3;
  std::vector<ResidualBlock> residuals;  ///< "res1", "res2", ...
  UpsampleConvLayer deconv1;
  torch::nn::InstanceNorm2d in4;
  UpsampleConvLayer deconv2;
  torch::nn::InstanceNorm2d in5;
  ConvLayer deconv3;

 private:
  int64_t width_;
  TransformerOutput output_;
};
TORCH_MODULE(TransformerNet);

/// Where a TransformerNet runs for a FeedForwardDevice (Auto: CUDA when LibTorch has it).
/// Throws DeviceError for Cuda without CUDA; OpenCL is the caller's to refuse.
torch::Device transformerNetDevice(FeedForwardDevice device);

/// The bound of TransformerOutput::Bounded, applied to the last convolution's output.
torch::Tensor boundTransformerOutput(const torch::Tensor& z);

}  // namespace neuralstyle::detail
