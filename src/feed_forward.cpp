// SPDX-License-Identifier: LGPL-2.1-or-later
// FeedForwardStylizer: what happens around the network, the same for both engines:
// the processing size, the temporal blend, colours and strength.
#include "neuralstyle/feed_forward.hpp"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <vector>

#include "feed_forward_engine.hpp"
#include "neuralstyle/color.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image.hpp"
#include "neuralstyle/temporal.hpp"
#include "parse_name.hpp"

namespace neuralstyle {

std::string toString(FeedForwardEngine engine) {
  switch (engine) {
    case FeedForwardEngine::OpenCV: return "opencv";
    case FeedForwardEngine::LibTorch: return "libtorch";
    case FeedForwardEngine::Auto: break;
  }
  return "auto";
}

FeedForwardEngine parseFeedForwardEngine(const std::string& name) {
  return detail::parseName(
      name, {FeedForwardEngine::Auto, FeedForwardEngine::OpenCV, FeedForwardEngine::LibTorch},
      "feed-forward engine");
}

std::string toString(FeedForwardDevice device) {
  switch (device) {
    case FeedForwardDevice::Cpu: return "cpu";
    case FeedForwardDevice::OpenCL: return "opencl";
    case FeedForwardDevice::Cuda: return "cuda";
    case FeedForwardDevice::Auto: break;
  }
  return "auto";
}

FeedForwardDevice parseFeedForwardDevice(const std::string& name) {
  return detail::parseName(name,
                           {FeedForwardDevice::Auto, FeedForwardDevice::Cpu,
                            FeedForwardDevice::OpenCL, FeedForwardDevice::Cuda},
                           "feed-forward device");
}

namespace {

std::string extensionOf(const std::string& path) {
  std::string extension = std::filesystem::path(path).extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

// The engine a model file goes to. Auto follows the file's format: ONNX can only run in
// OpenCV here, safetensors only in LibTorch. Which engine is faster where both could
// run is for bench/feed_forward_bench.py to settle (docs/feed-forward.md: it depends on
// the frame size).
FeedForwardEngine engineFor(const FeedForwardOptions& options) {
  const std::string extension = extensionOf(options.model);
  if (options.engine != FeedForwardEngine::Auto) return options.engine;
  return extension == ".safetensors" ? FeedForwardEngine::LibTorch : FeedForwardEngine::OpenCV;
}

}  // namespace

void FeedForwardOptions::validate() const {
  if (model.empty()) throw OptionsError("feed-forward model: no model file given");
  if (max_size < 0)
    throw OptionsError("max-size " + std::to_string(max_size) +
                       " is negative (0 processes each frame at its own size)");
  if (!(strength >= 0.0 && strength <= 1.0))
    throw OptionsError("strength " + std::to_string(strength) + " is outside 0..1");
  if (!(temporal_blend >= 0.0 && temporal_blend < 1.0))
    throw OptionsError("temporal-blend " + std::to_string(temporal_blend) +
                       " is outside [0, 1) (1 would never show a new frame)");
  if (threads < 0) throw OptionsError("threads " + std::to_string(threads) + " is negative");
  const std::string extension = extensionOf(model);
  if (engine == FeedForwardEngine::OpenCV && extension != ".onnx")
    throw OptionsError("engine 'opencv' runs .onnx models, not '" + model +
                       "' (use engine 'libtorch' or 'auto' for .safetensors)");
  if (engine == FeedForwardEngine::LibTorch && extension != ".safetensors")
    throw OptionsError("engine 'libtorch' reads .safetensors models, not '" + model +
                       "' (use engine 'opencv' or 'auto' for .onnx)");
  if (device == FeedForwardDevice::OpenCL && engineFor(*this) == FeedForwardEngine::LibTorch)
    throw OptionsError("device 'opencl' is the OpenCV engine's; LibTorch runs on cpu or cuda");
}

namespace detail {

ModelConvention ModelConvention::fromMetadata(const std::map<std::string, std::string>& metadata,
                                              const std::string& path) {
  const auto entry = metadata.find("convention");
  if (entry == metadata.end() || entry->second == "rgb-0-255") return {};
  if (entry->second == "bgr-0-255") return {true};
  throw WeightsError("model '" + path + "': its metadata gives the convention '" + entry->second +
                     "'; the convention must be rgb-0-255 (pytorch/examples') or bgr-0-255");
}

/// Sides of the processing size for a frame: the longest at most max_size (0: the
/// frame's own), aspect kept, each rounded to the nearest multiple of 4 and at least 8.
/// Multiples of 4: the network halves the size twice and doubles it twice, so other
/// sizes would come back a pixel or two off. At least 8: reflection padding needs more
/// pixels than it pads, and TransformerNet pads its 9x9 layers by 4 at full size and
/// its 3x3 layers by 1 at a quarter. tests/reference/make_transformer_net.py restates
/// this rule for its expected frames.
cv::Size feedForwardProcessingSize(cv::Size frame, int max_size) {
  const int longest = std::max(frame.width, frame.height);
  const double scale = max_size > 0 && longest > max_size ? double(max_size) / longest : 1.0;
  const auto side = [scale](int pixels) {
    return std::max(8, static_cast<int>(std::lround(pixels * scale / 4.0)) * 4);
  };
  return {side(frame.width), side(frame.height)};
}

}  // namespace detail

namespace {

// DIS optical flow (preset medium) refuses images under about 12 px on a side; smaller
// processing sizes are never blended.
constexpr int kMinimumFlowSide = 16;
// Above this share of inconsistent pixels the frame is taken for a scene cut and not
// blended at all: in a real cut the consistent rest is where the flow matched unrelated
// pixels by chance, and blending there would carry the old shot's strokes into the new.
// Fast motion leaves well under half of a frame disoccluded.
constexpr double kSceneCutShare = 0.5;

}  // namespace

struct FeedForwardStylizer::Impl {
  FeedForwardOptions options;
  FeedForwardEngine engine;
  std::unique_ptr<detail::FeedForwardNetwork> network;
  // The temporal blend's memory, at the processing size.
  cv::Size frame_size;
  cv::Mat previous_input;   // CV_8UC3
  cv::Mat previous_output;  // CV_32FC3, as blended

  void forget() {
    previous_input.release();
    previous_output.release();
  }

  // out = (1 - a c) styled + a c warped_previous, c the consistency of the flow.
  cv::Mat blendTemporal(const cv::Mat& input, const cv::Mat& styled) {
    cv::Mat blended;
    const bool usable = !previous_input.empty() && previous_input.size() == input.size() &&
                        std::min(input.cols, input.rows) >= kMinimumFlowSide;
    if (usable) {
      const cv::Mat backward = opticalFlow(input, previous_input);
      const cv::Mat forward = opticalFlow(previous_input, input);
      const cv::Mat consistency = frameConsistency(input, previous_input, backward, forward);
      if (inconsistentShare(consistency) <= kSceneCutShare) {
        // Cubic: the result is warped again at every frame, and bilinear's blur would add up.
        const cv::Mat warped = warpByFlow(previous_output, backward, cv::INTER_CUBIC);
        cv::Mat weight = consistency * options.temporal_blend, weight3;
        cv::merge(std::vector<cv::Mat>(3, weight), weight3);
        blended = styled + (warped - styled).mul(weight3);
      }
    }
    if (blended.empty()) blended = styled;  // the first frame, a cut, or too small for flow
    previous_input = input.clone();
    previous_output = blended.clone();
    return blended;
  }
};

FeedForwardStylizer::FeedForwardStylizer(const FeedForwardOptions& options)
    : impl_(std::make_unique<Impl>()) {
  options.validate();
  impl_->options = options;
  impl_->engine = engineFor(options);
  if (!std::filesystem::is_regular_file(options.model))
    throw WeightsError("model '" + options.model + "': " +
                       (std::filesystem::exists(options.model) ? "not a regular file"
                                                                : "no such file"));
  impl_->network = impl_->engine == FeedForwardEngine::OpenCV
                       ? detail::openOpenCvNetwork(options.model, options.device, options.threads)
                       : detail::openLibTorchNetwork(options.model, options.device, options.threads,
                                                         options.tensor_cache);
}

FeedForwardStylizer::~FeedForwardStylizer() = default;
FeedForwardStylizer::FeedForwardStylizer(FeedForwardStylizer&&) noexcept = default;
FeedForwardStylizer& FeedForwardStylizer::operator=(FeedForwardStylizer&&) noexcept = default;

cv::Mat FeedForwardStylizer::stylize(const cv::Mat& rgb8) {
  if (rgb8.empty()) throw ImageError("feed-forward stylizer: the frame is empty");
  if (rgb8.type() != CV_8UC3)
    throw ImageError("feed-forward stylizer: the frame must be 8-bit RGB (CV_8UC3), not type " +
                     std::to_string(rgb8.type()));
  auto& impl = *impl_;
  const auto& options = impl.options;
  // Nothing of the network would show; it need not run.
  if (options.strength == 0.0) return rgb8.clone();

  if (rgb8.size() != impl.frame_size) impl.forget();
  impl.frame_size = rgb8.size();
  const cv::Mat input = resizeTo(rgb8, detail::feedForwardProcessingSize(rgb8.size(), options.max_size));
  cv::Mat input_float;
  input.convertTo(input_float, CV_32F);
  // The model's own channel order in and out; the blend and the rest work in RGB.
  const bool bgr = impl.network->convention().bgr;
  if (bgr) cv::cvtColor(input_float, input_float, cv::COLOR_RGB2BGR);
  cv::Mat styled = impl.network->run(input_float);
  if (bgr) cv::cvtColor(styled, styled, cv::COLOR_BGR2RGB);
  if (options.temporal_blend > 0.0) styled = impl.blendTemporal(input, styled);

  cv::Mat result;
  resizeTo(styled, rgb8.size()).convertTo(result, CV_8U);  // rounds and clamps to 0..255
  if (options.preserve_colors) result = keepContentColors(result, rgb8);
  if (options.strength < 1.0)
    cv::addWeighted(result, options.strength, rgb8, 1.0 - options.strength, 0.0, result);
  return result;
}

void FeedForwardStylizer::resetTemporal() { impl_->forget(); }

bool FeedForwardStylizer::canAdjustTo(const FeedForwardOptions& options) const {
  const FeedForwardOptions& loaded = impl_->options;
  return options.model == loaded.model && options.engine == loaded.engine &&
         options.device == loaded.device && options.threads == loaded.threads;
}

void FeedForwardStylizer::adjust(const FeedForwardOptions& options) {
  options.validate();
  if (!canAdjustTo(options))
    throw OptionsError("feed-forward stylizer: a new model, engine, device or thread count needs "
                       "a new stylizer");
  // The previous output is kept at the processing size: another size cannot be blended.
  if (options.max_size != impl_->options.max_size) impl_->forget();
  impl_->options = options;
}

FeedForwardEngine FeedForwardStylizer::engine() const { return impl_->engine; }

std::string FeedForwardStylizer::describe() const { return impl_->network->describe(); }

const FeedForwardOptions& FeedForwardStylizer::options() const { return impl_->options; }

}  // namespace neuralstyle
