// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// How a frame is processed: its processing sizes and steps, planned in one place for the
// Stylizer, the VideoStylizer, the element (caps, latency, frames) and the CLI, so that
// they agree. Pure geometry on the options: no LibTorch here.
#include <opencv2/core.hpp>
#include <vector>

#include "neuralstyle/networks.hpp"
#include "neuralstyle/options.hpp"

namespace neuralstyle {

/// The smallest side a frame may have: VGG19's conv5_1 sits after four 2x2 poolings.
constexpr int kMinimumSide = 16;

/// The processing size for an image: longest side at most max_size, aspect kept.
/// (The reference notebook's load_image resizes the *shorter* side to max_size although its docstring
/// promises at most max_size pixels; we keep the promise and bound the longest side.)
/// Throws ImageError if the result would be smaller than kMinimumSide on a side.
cv::Size processingSize(cv::Size image, int max_size);

/// The max_size to process `image` with: max_size itself when it scales the image's
/// shorter side to at least `minimum_side` (at most the image's own shorter side), else
/// the smallest larger value that does (a thin image at a small max_size). Throws the
/// same ImageError as processingSize when the image itself is smaller than kMinimumSide
/// on a side.
int workableMaxSize(cv::Size image, int max_size, int minimum_side = kMinimumSide);

/// The smallest side a frame is processed at with these options on `network`: its
/// deepest layer in use (the content layer and the style layers; unset ones are the
/// network's defaults) must be reachable, and never below kMinimumSide. Network::Auto
/// (weights not read yet): kMinimumSide.
int minimumProcessingSide(const StyleOptions& options, Network network);

/// What a frame of one size costs and where it is optimised.
struct FramePlan {
  cv::Size frame;               ///< the frame as it comes
  int requested_max_size = 0;   ///< StyleOptions::max_size
  /// The max_size used: requested_max_size, or larger when that would scale the frame's
  /// shorter side below minimum_side (a thin frame).
  int max_size = 0;
  int minimum_side = kMinimumSide;  ///< minimumProcessingSide of the options
  /// Coarse to fine (StyleOptions::scales); the last is the final processing size, at
  /// least minimum_side on each side (scaled up, aspect kept, if the frame is smaller).
  std::vector<cv::Size> sizes;
  /// Steps at each size of a frame that starts afresh, over both passes of every tile.
  std::vector<int> steps;
  /// Sum over the sizes of steps x pixels optimised per step (a tile's pixels when
  /// tiled): what the frame's optimisation costs, in pixel-steps.
  double pixel_steps = 0;

  bool raised() const { return max_size != requested_max_size; }
  cv::Size finalSize() const { return sizes.back(); }
  int totalSteps() const;
};

/// Steps a size costs: `steps`, or with tiles (StyleOptions::tile_size) the steps of both
/// passes over every tile (the first pass gets the larger half), as Stylizer::stylize runs
/// them.
int stepsAtSize(cv::Size size, int steps, const StyleOptions& options);

/// Plans a frame of `frame` pixels. Throws ImageError for a frame smaller than
/// kMinimumSide on a side; the options are taken as valid (StyleOptions::validate).
FramePlan planFrame(cv::Size frame, const StyleOptions& options, Network network);

}  // namespace neuralstyle
