// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_feed_forward.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include "cli_write_image.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/environment.hpp"
#include "neuralstyle/feed_forward.hpp"
#include "neuralstyle/image.hpp"

namespace neuralstyle::cli {
void runFeedForward(const Options& options, const FramePlan& plan, const std::atomic<bool>& interrupted) {
  FeedForwardOptions network_options = options.feed_forward;
  network_options.tensor_cache = processSwitchesFromEnvironment().tensor_cache;
  FeedForwardStylizer stylizer(network_options);
  const int frames = static_cast<int>(plan.frames.size());
  if (!options.quiet)
    std::fprintf(stderr, "%d frame%s with model '%s' (%s)%s\n", frames, frames == 1 ? "" : "s",
                 options.feed_forward.model.c_str(), stylizer.describe().c_str(),
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
