// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/video_stylizer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "neuralstyle/color.hpp"
#include "call_counts.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image_tensor.hpp"
#include "neuralstyle/stylizer_tensor.hpp"
#include "neuralstyle/temporal.hpp"

namespace neuralstyle {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Normalised [1,C,H,W] float tensor -> CV_32FC(C) image (a copy, on the CPU).
cv::Mat tensorToMat(const torch::Tensor& tensor) {
  const auto hwc = tensor.detach().to(torch::kCPU, torch::kFloat32).squeeze(0).permute({1, 2, 0}).contiguous();
  const int channels = static_cast<int>(hwc.size(2));
  return cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_32FC(channels),
                 hwc.data_ptr<float>())
      .clone();
}

/// Inverse of tensorToMat.
torch::Tensor matToTensor(const cv::Mat& image, const torch::Device& device) {
  const cv::Mat continuous = image.isContinuous() ? image : image.clone();
  return torch::from_blob(continuous.data, {1, image.rows, image.cols, image.channels()}, torch::kFloat32)
      .permute({0, 3, 1, 2})
      .to(device, torch::kFloat32, /*non_blocking=*/false, /*copy=*/true)
      .contiguous();
}

/// The flow from `now` back to `before` (both at one processing size) and where it can be
/// trusted: what a frame is warped and weighed by.
struct FlowToPrevious {
  cv::Mat backward, consistency;
};

FlowToPrevious flowToPrevious(const cv::Mat& now, const cv::Mat& before) {
  FlowToPrevious flow;
  flow.backward = opticalFlow(now, before);
  flow.consistency = frameConsistency(now, before, flow.backward, opticalFlow(before, now));
  return flow;
}

/// `image` ([1,C,H,W]) moved, channel by channel, to the mean that `reference` has over the
/// pixels `where` ([1,1,H,W], 1 or 0) selects, from `image`'s own mean over them: the
/// content's structure in the stylised result's colour cast. A pixel the previous result
/// cannot supply starts from it, so that it neither shows the other object that moved
/// away (a ghost) nor stands out as unstylised colour. (Matching the spread too measured
/// the same on Megamind.avi, and its ratio explodes where the matched content is flat.)
torch::Tensor inColoursOf(const torch::Tensor& image, const torch::Tensor& reference, const torch::Tensor& where) {
  const auto count = where.sum();
  if (count.item<double>() < 1) return image;
  const auto mean = [&](const torch::Tensor& t) { return (t * where).sum({2, 3}, true) / count; };
  return image - mean(image) + mean(reference);
}

/// A StylisedFrame's result as the caller's image of `content`.
cv::Mat toCallerImage(const StylisedFrame& frame, const cv::Mat& result, const cv::Mat& content,
                      PixelFormat format) {
  const cv::Mat rgb = toRgb(content, format);
  cv::Mat stylised = resizeTo(tensorToRgb(matToTensor(result, torch::kCPU), frame.convention), rgb.size());
  if (frame.preserve_colors) stylised = keepContentColors(stylised, rgb);
  return fromRgb(stylised, format, content);
}

}  // namespace

std::string toString(FrameStart start) {
  switch (start) {
    case FrameStart::Independent: return "independent";
    case FrameStart::Previous: return "previous";
    case FrameStart::PreviousWarped: return "previous-warped";
  }
  return "?";
}

FrameStart parseFrameStart(const std::string& name) {
  for (auto start : {FrameStart::Independent, FrameStart::Previous, FrameStart::PreviousWarped})
    if (name == toString(start)) return start;
  throw OptionsError("unknown frame start '" + name + "' (independent, previous, previous-warped)");
}

void VideoOptions::validate() const {
  detail::count(detail::callCounts().option_validations);
  if (temporal_weight && (!(*temporal_weight >= 0) || !std::isfinite(*temporal_weight)))
    throw OptionsError("temporal weight must be finite and at least 0, not " + std::to_string(*temporal_weight));
  if (steps_per_frame < -1)
    throw OptionsError("steps per frame must be at least -1 (-1: half the steps of a still; 0: all of them)");
  if (!(scene_cut_threshold > 0 && scene_cut_threshold <= 1))
    throw OptionsError("the scene-cut threshold is a share of pixels in (0, 1], not " +
                       std::to_string(scene_cut_threshold));
}

WarpedFrame warpStylisedFrame(const StylisedFrame& last, const cv::Mat& content, PixelFormat format) {
  const auto start = Clock::now();
  const cv::Mat now = resizeTo(toRgb(content, format), last.content.size());
  const auto flow = flowToPrevious(now, last.content);
  WarpedFrame warped;
  warped.inconsistent_share = inconsistentShare(flow.consistency);
  warped.image = toCallerImage(last, warpByFlow(last.result, flow.backward, cv::INTER_CUBIC), content, format);
  warped.flow_seconds = secondsSince(start);
  return warped;
}

VideoStylizer::VideoStylizer(Stylizer& stylizer, VideoOptions options) : stylizer_(stylizer) {
  setOptions(options);
}

void VideoStylizer::setOptions(const VideoOptions& options) {
  options.validate();
  options_ = options;
}

double VideoStylizer::temporalWeight() const {
  return options_.temporal_weight.value_or(networkDefaults(stylizer_.network()).temporal_weight);
}

int VideoStylizer::stepsPerFrame() const {
  const int steps = stylizer_.options().steps;
  if (options_.steps_per_frame == 0) return steps;
  if (options_.steps_per_frame < 0) return std::max(1, steps / 2);
  return options_.steps_per_frame;
}

VideoFrameResult VideoStylizer::stylize(const cv::Mat& content, PixelFormat format,
                                        const ProgressCallback& on_progress,
                                        const std::atomic<bool>* cancel) {
  // Converted and planned once: the flow needs the RGB frame at its final size too.
  const PreparedFrame prepared = stylizer_.prepareFrame(content, format);
  const cv::Size size = prepared.plan.finalSize();
  const cv::Mat now = resizeTo(prepared.rgb, size);
  VideoFrameResult frame;
  FrameGuide guide;
  if (last_ && last_->content.size() != size) last_.reset();  // new caps or max-size
  if (last_) {
    const auto start = Clock::now();
    const auto flow = flowToPrevious(now, last_->content);
    const cv::Mat& backward = flow.backward;
    const cv::Mat& consistency = flow.consistency;
    frame.inconsistent_share = inconsistentShare(consistency);
    frame.scene_cut = frame.inconsistent_share > options_.scene_cut_threshold;
    if (!frame.scene_cut) {
      const auto device = torchDevice(stylizer_);
      const auto warped = matToTensor(warpByFlow(last_->result, backward, cv::INTER_CUBIC), device);
      const auto mask = matToTensor(consistency, device);
      if (temporalWeight() > 0) {
        guide.temporal_target = warped;
        guide.temporal_mask = mask;
        guide.temporal_weight = temporalWeight();
      }
      if (options_.start != FrameStart::Independent) {
        if (options_.start == FrameStart::Previous) {
          guide.initial = matToTensor(last_->result, device);
        } else {
          // Where the flow cannot place the previous result (a region that appears, a
          // mouth that opens), start from the content instead: the previous result there
          // is another object's texture, which the few steps of a frame would leave as a
          // ghost (measured on Megamind.avi: docs/video.md). The content in the previous
          // result's colours, not as it is: a network that moves far from the content's
          // colours (random VGG19) otherwise keeps those pixels as specks of unstylised
          // colour, which the temporal term then holds in later frames.
          const auto content_now = rgbToTensor(now, stylizer_.convention(), device);
          guide.initial = warped * mask + inColoursOf(content_now, warped, mask) * (1 - mask);
        }
        frame.from_previous = true;
        // The previous result holds the coarse structure already: the final size only.
        guide.final_size_only = true;
        guide.steps = stepsPerFrame();
      }
    }
    frame.flow_seconds = guide.flow_seconds = secondsSince(start);
  }
  torch::Tensor processed;
  frame.stylized = stylizeGuided(stylizer_, prepared, guide, on_progress, cancel, &processed);
  auto kept = std::make_shared<StylisedFrame>();
  kept->content = now;
  kept->result = tensorToMat(processed);
  kept->convention = stylizer_.convention();
  kept->preserve_colors = stylizer_.options().preserve_colors;
  last_ = std::move(kept);
  return frame;
}

WarpedFrame VideoStylizer::warpLast(const cv::Mat& content, PixelFormat format) const {
  if (!last_) {
    WarpedFrame unchanged;
    unchanged.image = content.clone();
    unchanged.inconsistent_share = 1;
    return unchanged;
  }
  return warpStylisedFrame(*last_, content, format);
}

std::shared_ptr<const StylisedFrame> VideoStylizer::frameFromImage(const cv::Mat& content,
                                                                   const cv::Mat& result,
                                                                   PixelFormat format) const {
  const cv::Mat rgb = toRgb(content, format);
  const cv::Size size = stylizer_.planFrame(rgb.size()).finalSize();
  auto frame = std::make_shared<StylisedFrame>();
  frame->content = resizeTo(rgb, size);
  frame->result = tensorToMat(rgbToTensor(resizeTo(toRgb(result, format), size), stylizer_.convention(),
                                          torch::kCPU));
  frame->convention = stylizer_.convention();
  frame->preserve_colors = stylizer_.options().preserve_colors;
  return frame;
}

}  // namespace neuralstyle
