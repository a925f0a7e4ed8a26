// SPDX-License-Identifier: LGPL-2.1-or-later
// The public Stylizer: its engine (stylizer_engine.hpp) does the work; this file makes
// it and forwards to it, and gives the tensor-level interface (stylizer_tensor.hpp).
#include "neuralstyle/stylizer.hpp"

#include <torch/torch.h>

#include "neuralstyle/stylizer_tensor.hpp"
#include "neuralstyle/weights.hpp"
#include "stylizer_engine.hpp"

namespace neuralstyle {

using detail::StylizerAccess;
using detail::StylizerEngine;

Stylizer::Stylizer(const NetworkWeights& weights, DeviceKind device, StyleOptions options,
                   Precision precision, Convolution convolution)
    : engine_(std::make_unique<StylizerEngine>(weights, resolveDevice(device), options, precision,
                                               convolution)) {}

Stylizer::Stylizer(const EngineOptions& engine, StyleOptions options)
    : Stylizer(loadWeights(engine.weights.empty() ? defaultWeightsLocation(engine.network)
                                                  : engine.weights,
                           engine.network),
               engine.device, std::move(options), engine.precision, engine.convolution) {
  engine_->setTensorCache(engine.tensor_cache);
  if (engine.process_settings) {
    configureThreads(engine.threads);
    torch::manual_seed(engine.seed);
  }
}

Stylizer::~Stylizer() = default;
Stylizer::Stylizer(Stylizer&&) noexcept = default;
Stylizer& Stylizer::operator=(Stylizer&&) noexcept = default;

const StyleOptions& Stylizer::options() const { return engine_->options(); }
void Stylizer::setOptions(const StyleOptions& options) { engine_->setOptions(options); }

void Stylizer::setStyle(const cv::Mat& image, PixelFormat format) { setStyles({image}, format); }
void Stylizer::setStyles(const std::vector<cv::Mat>& images, PixelFormat format,
                         std::vector<double> blend_weights) {
  engine_->setStyles(images, format, std::move(blend_weights));
}
bool Stylizer::hasStyle() const { return engine_->hasStyle(); }
std::vector<double> Stylizer::styleBlendWeights() const { return engine_->styleBlendWeights(); }
cv::Size Stylizer::styleProcessingSize(size_t index, cv::Size content_size) const {
  return engine_->styleProcessingSize(index, content_size);
}
void Stylizer::setInitImage(const cv::Mat& image, PixelFormat format) {
  engine_->setInitImage(image, format);
}
int64_t Stylizer::minimumSide() const { return engine_->minimumSide(); }

FramePlan Stylizer::planFrame(cv::Size frame) const {
  return neuralstyle::planFrame(frame, options(), network());
}

PreparedFrame Stylizer::prepareFrame(const cv::Mat& content, PixelFormat format) const {
  PreparedFrame frame{content, format, toRgb(content, format), {}, engine_->optionsStamp()};
  frame.plan = planFrame(frame.rgb.size());
  return frame;
}

StylizeResult Stylizer::stylize(const cv::Mat& content, PixelFormat format,
                                const ProgressCallback& on_progress, const std::atomic<bool>* cancel) {
  return stylize(prepareFrame(content, format), on_progress, cancel);
}

StylizeResult Stylizer::stylize(const PreparedFrame& frame, const ProgressCallback& on_progress,
                                const std::atomic<bool>* cancel) {
  return engine_->stylize(frame, FrameGuide{}, on_progress, cancel, nullptr);
}

Network Stylizer::network() const { return engine_->network()->network(); }
DeviceKind Stylizer::device() const {
  return engine_->device().is_cuda() ? DeviceKind::CUDA : DeviceKind::CPU;
}
std::string Stylizer::deviceName() const { return engine_->device().str(); }
Precision Stylizer::precision() const {
  return engine_->bfloat16() ? Precision::BFloat16 : Precision::Float32;
}
Convolution Stylizer::convolution() const { return engine_->network()->convolution(); }
const InputConvention& Stylizer::convention() const { return engine_->convention(); }
bool Stylizer::reusesTensorMemory() const { return engine_->reusesTensorMemory(); }

torch::Device torchDevice(const Stylizer& stylizer) {
  return StylizerAccess::engine(stylizer).device();
}

std::shared_ptr<FeatureNetworkImpl> featureNetwork(const Stylizer& stylizer) {
  return StylizerAccess::engine(stylizer).network();
}

StylizeResult stylizeGuided(Stylizer& stylizer, const PreparedFrame& frame, const FrameGuide& guide,
                            const ProgressCallback& on_progress, const std::atomic<bool>* cancel,
                            torch::Tensor* processed) {
  return StylizerAccess::engine(stylizer).stylize(frame, guide, on_progress, cancel, processed);
}

torch::Tensor stylizeTensor(Stylizer& stylizer, const torch::Tensor& content,
                            const ProgressCallback& on_progress, const std::atomic<bool>* cancel,
                            Losses* final_losses, const torch::Tensor& initial) {
  return StylizerAccess::engine(stylizer).stylizeTensor(content, on_progress, cancel, final_losses,
                                                         initial);
}

}  // namespace neuralstyle
