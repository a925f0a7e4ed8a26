// SPDX-License-Identifier: LGPL-2.1-or-later
// A Stylizer's process set-up: the device, the threads, and the feature network moved to
// its device and layout; which of its layers a frame needs, and how small a frame may be.
#include <algorithm>
#include <atomic>
#include <thread>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/image_tensor.hpp"
#include "stylizer_engine.hpp"

namespace neuralstyle {

torch::Device resolveDevice(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::CPU: return torch::kCPU;
    case DeviceKind::CUDA:
      if (!torch::cuda::is_available())
        throw DeviceError("device 'cuda' was asked for, but no CUDA device is available "
                          "(this LibTorch has no CUDA support, or no GPU or driver was found); "
                          "use device 'auto' or 'cpu'");
      return torch::kCUDA;
    case DeviceKind::Auto: break;
  }
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

void configureThreads(int threads) {
  if (threads < 0) throw OptionsError("threads must be >= 0 (0 = all cores)");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Debian's LibTorch starts with a single intra-op thread: always set it explicitly.
  at::set_num_threads(threads > 0 ? threads : cores);
}

namespace detail {

uint64_t nextOptionsStamp() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

StylizerEngine::StylizerEngine(const NetworkWeights& weights, torch::Device device,
                               const StyleOptions& options, Precision precision,
                               Convolution convolution)
    : device_(device),
      compute_dtype_(precision == Precision::BFloat16 ? torch::kBFloat16 : torch::kFloat32),
      convention_(weights.convention),
      network_(makeFeatureNetwork(weights, options.pooling)),
      options_(options.resolvedFor(weights.network)) {
  if (convolution == Convolution::Winograd && (!device_.is_cpu() || precision != Precision::Float32))
    throw OptionsError("Winograd convolutions run in float32 on the CPU only; use convolution "
                       "'auto' (Winograd where it applies) or 'direct'");
  network_->setConvolution(convolution);
  network_->to(device_, compute_dtype_);
  network_->eval();
  // oneDNN's convolutions run much faster on channels-last tensors on the CPU
  // (docs/performance.md); images and weights are kept in that layout.
  if (device_.is_cpu()) {
    memory_format_ = torch::MemoryFormat::ChannelsLast;
    torch::NoGradGuard no_grad;
    for (auto& parameter : network_->parameters())
      if (parameter.dim() == 4) parameter.set_data(parameter.contiguous(memory_format_));
  }
}

int64_t StylizerEngine::minimumSide() const {
  return minimumProcessingSide(options_, network_->network());
}

void StylizerEngine::checkContentSize(int64_t height, int64_t width) const {
  const auto indices = requestedIndices();
  const int deepest = *std::max_element(indices.begin(), indices.end());
  const int64_t minimum = minimumSide();
  if (height < minimum || width < minimum)
    throw ImageError("content of " + std::to_string(width) + "x" + std::to_string(height) +
                     " is too small for " + networkName(network_->network()) + " up to " +
                     network_->layerNames()[static_cast<size_t>(deepest)] + " (at least " +
                     std::to_string(minimum) + " pixels a side)");
}

std::vector<int> StylizerEngine::styleIndices() const {
  std::vector<int> indices;
  for (const auto& layer : options_.style_layers) indices.push_back(network_->layer(layer.layer));
  return indices;
}

std::vector<int> StylizerEngine::requestedIndices() const {
  std::vector<int> indices{network_->layer(options_.content_layer)};
  const auto style = styleIndices();
  indices.insert(indices.end(), style.begin(), style.end());
  return indices;
}

std::vector<torch::Tensor> StylizerEngine::features(const torch::Tensor& image,
                                                    const std::vector<int>& indices) {
  if (compute_dtype_ == torch::kFloat32) return network_->forward(image, indices);
  // Reduced precision inside the network only: the image (what Adam updates), the Gram
  // matrices and the losses stay float32, so small updates are not rounded away.
  auto activations = network_->forward(image.to(compute_dtype_), indices);
  for (auto& activation : activations) activation = activation.to(torch::kFloat32);
  return activations;
}

void StylizerEngine::setInitImage(const cv::Mat& image, PixelFormat format) {
  cv::Mat rgb = toRgb(image, format);
  if (rgb.cols < 1 || rgb.rows < 1) throw ImageError("the init image is empty");
  init_rgb_ = rgb;
}

torch::Tensor StylizerEngine::initialImage(cv::Size size) const {
  switch (options_.init) {
    case Init::Content: return {};
    case Init::Noise: {
      // Drawn with OpenCV's generator in pixel space: the same seed gives the same noise
      // on every device and with every LibTorch build.
      cv::Mat noise(size, CV_8UC3);
      cv::RNG generator(options_.noise_seed);
      generator.fill(noise, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
      return rgbToTensor(noise, convention_, device_);
    }
    case Init::Image:
      if (init_rgb_.empty())
        throw ImageError("init 'image' was asked for, but no init image has been set");
      return rgbToTensor(resizeTo(init_rgb_, size), convention_, device_);
  }
  return {};
}

}  // namespace detail
}  // namespace neuralstyle
