// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_feed_forward.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include "cli_write_image.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/feed_forward.hpp"
#include "neuralstyle/image.hpp"

namespace neuralstyle::cli {
namespace {

FeedForwardOptions feedForwardOptions(const Options& options) {
  FeedForwardOptions core;
  core.model = *options.model;
  switch (options.engine.value_or(Engine::Auto)) {
    case Engine::Auto: core.engine = FeedForwardEngine::Auto; break;
    case Engine::OpenCV: core.engine = FeedForwardEngine::OpenCV; break;
    case Engine::LibTorch: core.engine = FeedForwardEngine::LibTorch; break;
  }
  switch (options.device) {
    case Device::Auto: core.device = FeedForwardDevice::Auto; break;
    case Device::CPU: core.device = FeedForwardDevice::Cpu; break;
    case Device::OpenCL: core.device = FeedForwardDevice::OpenCL; break;
    case Device::CUDA: core.device = FeedForwardDevice::Cuda; break;
  }
  core.max_size = options.gave("max-size") ? options.core.style.max_size : 0;
  if (options.strength) core.strength = *options.strength;
  core.preserve_colors = options.core.style.preserve_colors;
  if (options.temporal_blend) core.temporal_blend = *options.temporal_blend;
  if (options.gave("threads")) core.threads = options.core.engine.threads;
  return core;
}

}  // namespace

void runFeedForward(const Options& options, const FramePlan& plan, const std::atomic<bool>& interrupted) {
  FeedForwardStylizer stylizer(feedForwardOptions(options));
  const int frames = static_cast<int>(plan.frames.size());
  if (!options.quiet)
    std::fprintf(stderr, "%d frame%s with model '%s' (%s)%s\n", frames, frames == 1 ? "" : "s",
                 options.model->c_str(), stylizer.describe().c_str(),
                 plan.skipped ? (" (" + std::to_string(plan.skipped) + " already complete)").c_str() : "");
  int number = 0;
  for (const Frame& frame : plan.frames) {
    if (interrupted.load())
      throw CancelledError("cancelled before frame " + std::to_string(number + 1) + " of " +
                           std::to_string(frames));
    ++number;
    const cv::Mat content = readRgbImage(frame.content);
    const auto began = std::chrono::steady_clock::now();
    const cv::Mat stylised = stylizer.stylize(content);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    if (frame.write) writeImage(frame.output, stylised);
    if (!options.quiet)
      std::fprintf(stderr, "frame %d/%d %s %s (%.1f ms)\n", number, frames,
                   frame.write ? "wrote" : "overlap, not written:", frame.output.c_str(), 1000 * seconds);
  }
}

}  // namespace neuralstyle::cli
