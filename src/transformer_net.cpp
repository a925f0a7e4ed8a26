// SPDX-License-Identifier: LGPL-2.1-or-later
#include "transformer_net.hpp"

#include <torch/torch.h>

#include "convolution_choice.hpp"
#include "neuralstyle/errors.hpp"
#include "winograd_f43.hpp"

namespace neuralstyle::detail {
namespace {

namespace nn = torch::nn;

nn::InstanceNorm2d instanceNorm(int64_t channels) {
  return nn::InstanceNorm2d(nn::InstanceNorm2dOptions(channels).affine(true));
}

}  // namespace

ConvLayerImpl::ConvLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride)
    : reflection_pad(register_module("reflection_pad",
                                     nn::ReflectionPad2d(nn::ReflectionPad2dOptions(kernel / 2)))),
      conv2d(register_module("conv2d", nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride)))) {}

bool ConvLayerImpl::winogradRuns(const torch::Tensor& padded) const {
  const auto& options = conv2d->options;
  const auto& weight = conv2d->weight;
  if (torch::GradMode::is_enabled() || options.kernel_size()->at(0) != 3 ||
      options.kernel_size()->at(1) != 3 || options.stride()->at(0) != 1 ||
      options.stride()->at(1) != 1)
    return false;
  const bool float32_cpu = padded.device().is_cpu() && padded.scalar_type() == torch::kFloat32 &&
                           weight.device().is_cpu() && weight.scalar_type() == torch::kFloat32;
  // The layer pads itself (reflection): its convolution has none, which oneDNN's Winograd
  // does not take; the choice is between direct and the portable one.
  const ConvLayerShape layer{weight.size(1), weight.size(0), true, padded.size(2) - 2,
                             padded.size(3) - 2, float32_cpu};
  return chooseConvKernel(Convolution::Auto, layer, cpuFlags(), /*onednn_winograd=*/false) ==
         ConvKernel::PortableWinograd;
}

const WinogradF43Conv& ConvLayerImpl::winograd() {
  const auto& weight = conv2d->weight;
  const auto& bias = conv2d->bias;
  const auto version = weight._version() + (bias.defined() ? bias._version() : 0);
  const void* bias_data = bias.defined() ? bias.data_ptr() : nullptr;
  if (!winograd_ || winograd_of_ != weight.data_ptr() || winograd_bias_of_ != bias_data ||
      winograd_version_ != version) {
    winograd_ = std::make_shared<WinogradF43Conv>(weight, bias, /*padding=*/0, /*relu=*/false);
    winograd_of_ = weight.data_ptr();
    winograd_bias_of_ = bias_data;
    winograd_version_ = version;
  }
  return *winograd_;
}

torch::Tensor ConvLayerImpl::forward(const torch::Tensor& x) {
  const auto padded = reflection_pad(x);
  if (winogradRuns(padded)) return winograd().forward(padded);
  return conv2d(padded);
}

ResidualBlockImpl::ResidualBlockImpl(int64_t channels)
    : conv1(register_module("conv1", ConvLayer(channels, channels, 3, 1))),
      in1(register_module("in1", instanceNorm(channels))),
      conv2(register_module("conv2", ConvLayer(channels, channels, 3, 1))),
      in2(register_module("in2", instanceNorm(channels))) {}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
  return in2(conv2(torch::relu(in1(conv1(x))))) + x;
}

UpsampleConvLayerImpl::UpsampleConvLayerImpl(int64_t in, int64_t out)
    : conv2d(register_module("conv2d", nn::Conv2d(nn::Conv2dOptions(in, out, 3)))) {}

std::vector<torch::Tensor> UpsampleConvLayerImpl::phaseKernels() {
  const auto& weight = conv2d->weight;
  const bool recording = torch::GradMode::is_enabled() && weight.requires_grad();
  if (!recording && phases_of_ == weight.data_ptr() && phases_version_ == weight._version())
    return phases_;
  // Rows (and columns) of the 3x3 kernel each phase's two taps sum.
  const auto taps = [&weight](int64_t phase) {
    return (phase == 0 ? torch::tensor({{1.f, 0.f, 0.f}, {0.f, 1.f, 1.f}})
                       : torch::tensor({{1.f, 1.f, 0.f}, {0.f, 0.f, 1.f}}))
        .to(weight.device());
  };
  std::vector<torch::Tensor> phases;
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 2; ++b)
      phases.push_back(torch::einsum("ik,ockl,jl->ocij", {taps(a), weight, taps(b)}).contiguous());
  if (recording) return phases;
  for (auto& phase : phases) phase = phase.detach();
  phases_ = phases;
  phases_of_ = weight.data_ptr();
  phases_version_ = weight._version();
  return phases_;
}

torch::Tensor UpsampleConvLayerImpl::forward(const torch::Tensor& x) {
  namespace F = torch::nn::functional;
  const auto phases = phaseKernels();
  const int64_t height = x.size(2), width = x.size(3);
  const auto padded = F::pad(x, F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kReplicate));
  std::vector<torch::Tensor> outputs;
  for (int64_t a = 0; a < 2; ++a)
    for (int64_t b = 0; b < 2; ++b)
      outputs.push_back(F::conv2d(padded.slice(2, a, a + height + 1).slice(3, b, b + width + 1),
                                  phases[a * 2 + b], F::Conv2dFuncOptions().bias(conv2d->bias)));
  // [N, C, 4, H, W] -> [N, 4C, H, W]: channel c's phase a*2+b at 4c+a*2+b, as
  // pixel_shuffle reads it.
  return F::pixel_shuffle(torch::stack(outputs, 2).reshape({x.size(0), -1, height, width}),
                          F::PixelShuffleFuncOptions(2));
}

std::string transformerOutputName(TransformerOutput output) {
  return output == TransformerOutput::Bounded ? "bounded" : "linear";
}

TransformerOutput parseTransformerOutput(const std::string& name, const std::string& path) {
  if (name == "linear") return TransformerOutput::Linear;
  if (name == "bounded") return TransformerOutput::Bounded;
  throw WeightsError("model '" + path + "': metadata 'output' is '" + name +
                     "' (known: linear, bounded)");
}

TransformerNetImpl::TransformerNetImpl(int64_t width, int64_t residual_blocks,
                                       TransformerOutput output)
    : conv1(register_module("conv1", ConvLayer(3, width, 9, 1))),
      in1(register_module("in1", instanceNorm(width))),
      conv2(register_module("conv2", ConvLayer(width, 2 * width, 3, 2))),
      in2(register_module("in2", instanceNorm(2 * width))),
      conv3(register_module("conv3", ConvLayer(2 * width, 4 * width, 3, 2))),
      in3(register_module("in3", instanceNorm(4 * width))),
      deconv1(register_module("deconv1", UpsampleConvLayer(4 * width, 2 * width))),
      in4(register_module("in4", instanceNorm(2 * width))),
      deconv2(register_module("deconv2", UpsampleConvLayer(2 * width, width))),
      in5(register_module("in5", instanceNorm(width))),
      deconv3(register_module("deconv3", ConvLayer(width, 3, 9, 1))),
      width_(width),
      output_(output) {
  for (int64_t k = 1; k <= residual_blocks; ++k)
    residuals.push_back(register_module("res" + std::to_string(k), ResidualBlock(4 * width)));
}

torch::Tensor TransformerNetImpl::forward(torch::Tensor x) {
  x = torch::relu(in1(conv1(x)));
  x = torch::relu(in2(conv2(x)));
  x = torch::relu(in3(conv3(x)));
  for (auto& block : residuals) x = block(x);
  x = torch::relu(in4(deconv1(x)));
  x = torch::relu(in5(deconv2(x)));
  x = deconv3(x);
  return output_ == TransformerOutput::Bounded ? boundTransformerOutput(x) : x;
}

std::string TransformerNetImpl::layout() const {
  return "a TransformerNet of width " + std::to_string(width_) + " with " +
         std::to_string(residuals.size()) + " residual blocks";
}

torch::Device transformerNetDevice(FeedForwardDevice device) {
  const bool cuda = torch::cuda::is_available();
  if (device == FeedForwardDevice::Cuda && !cuda)
    throw DeviceError("device 'cuda': LibTorch finds no CUDA device here (or was built without CUDA)");
  return (device == FeedForwardDevice::Cuda || (device == FeedForwardDevice::Auto && cuda))
             ? torch::Device(torch::kCUDA)
             : torch::Device(torch::kCPU);
}

torch::Tensor boundTransformerOutput(const torch::Tensor& z) {
  return torch::tanh((z - 127.5) / 127.5) * 127.5 + 127.5;
}

}  // namespace neuralstyle::detail
