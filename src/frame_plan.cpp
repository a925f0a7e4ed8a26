// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/frame_plan.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "call_counts.hpp"
#include "neuralstyle/errors.hpp"
#include "schedule.hpp"

namespace neuralstyle {

namespace {

/// processingSize's scaling, before its check.
cv::Size scaledSize(cv::Size image, int max_size) {
  const int longest = std::max(image.width, image.height);
  if (longest <= max_size) return image;
  const double scale = static_cast<double>(max_size) / longest;
  return cv::Size(std::max(1, static_cast<int>(std::lround(image.width * scale))),
                  std::max(1, static_cast<int>(std::lround(image.height * scale))));
}

bool largeEnough(cv::Size size, int minimum_side = kMinimumSide) {
  return size.width >= minimum_side && size.height >= minimum_side;
}

/// The pixels one step optimises at `size`: the whole image, or one tile.
double pixelsPerStep(cv::Size size, const StyleOptions& options) {
  if (!detail::needsTiles(size, options.tile_size)) return size.area();
  return static_cast<double>(std::min(options.tile_size, size.width)) *
         std::min(options.tile_size, size.height);
}

/// `size` scaled up, aspect kept, until its shorter side is at least `minimum_side`.
cv::Size atLeast(cv::Size size, int minimum_side) {
  const int shorter = std::min(size.width, size.height);
  if (shorter >= minimum_side) return size;
  const double scale = static_cast<double>(minimum_side) / shorter;
  return cv::Size(static_cast<int>(std::ceil(size.width * scale)),
                  static_cast<int>(std::ceil(size.height * scale)));
}

}  // namespace

cv::Size processingSize(cv::Size image, int max_size) {
  if (image.width <= 0 || image.height <= 0) throw ImageError("the image is empty");
  const cv::Size size = scaledSize(image, max_size);
  if (!largeEnough(size))
    throw ImageError("image of " + std::to_string(image.width) + "x" +
                     std::to_string(image.height) + " is too small: processed at " +
                     std::to_string(size.width) + "x" + std::to_string(size.height) +
                     ", but VGG19's deepest layers need at least " +
                     std::to_string(kMinimumSide) + "x" + std::to_string(kMinimumSide) +
                     " (raise max-size or use a larger image)");
  return size;
}

int workableMaxSize(cv::Size image, int max_size, int minimum_side) {
  const int longest = std::max(image.width, image.height);
  if (image.width <= 0 || image.height <= 0 || !largeEnough(image))
    processingSize(image, longest);  // throws its error for the image itself
  // At its own size the image is large enough by definition.
  minimum_side = std::min({minimum_side, image.width, image.height});
  const auto fits = [&](int size) { return largeEnough(scaledSize(image, size), minimum_side); };
  if (fits(max_size)) return max_size;
  // The scaled sides grow with max_size, and at `longest` the image is its own size:
  // bisect between a value too small and one that works.
  int too_small = max_size, works = longest;
  while (works - too_small > 1) {
    const int middle = too_small + (works - too_small) / 2;
    if (fits(middle))
      works = middle;
    else
      too_small = middle;
  }
  return works;
}

int stepsAtSize(cv::Size size, int steps, const StyleOptions& options) {
  if (!detail::needsTiles(size, options.tile_size)) return steps;
  const int first = (steps + 1) / 2, second = steps - first;
  const auto tiles = [&](bool offset) {
    return static_cast<int>(
        detail::tileGrid(size, options.tile_size, options.tile_overlap, offset).size());
  };
  return first * tiles(false) + second * tiles(true);
}

int minimumProcessingSide(const StyleOptions& options, Network network) {
  if (network == Network::Auto) return kMinimumSide;
  const auto& defaults = networkDefaults(network);
  int deepest = featureLayer(network, options.content_layer.empty() ? defaults.content_layer
                                                                     : options.content_layer);
  for (const auto& layer : options.style_layers.empty() ? defaults.style_layers : options.style_layers)
    deepest = std::max(deepest, featureLayer(network, layer.layer));
  return std::max<int>(kMinimumSide, static_cast<int>(minimumInputSide(network, deepest)));
}

int FramePlan::totalSteps() const {
  int total = 0;
  for (const int s : steps) total += s;
  return total;
}

FramePlan planFrame(cv::Size frame, const StyleOptions& options, Network network) {
  detail::count(detail::callCounts().frame_plans);
  FramePlan plan;
  plan.frame = frame;
  plan.requested_max_size = options.max_size;
  plan.minimum_side = minimumProcessingSide(options, network);
  plan.max_size = workableMaxSize(frame, options.max_size, plan.minimum_side);
  // A frame smaller than the network needs (16x16 for SqueezeNet to fire6) is scaled up,
  // and back at the end.
  const cv::Size final_size = atLeast(processingSize(frame, plan.max_size), plan.minimum_side);
  plan.sizes = detail::scaleSchedule(final_size, options.scales, options.scale_factor,
                                     plan.minimum_side);
  for (size_t i = 0; i < plan.sizes.size(); ++i) {
    const bool last = i + 1 == plan.sizes.size();
    const int steps = last || options.coarse_steps == 0 ? options.steps : options.coarse_steps;
    plan.steps.push_back(stepsAtSize(plan.sizes[i], steps, options));
    plan.pixel_steps += plan.steps.back() * pixelsPerStep(plan.sizes[i], options);
  }
  return plan;
}

}  // namespace neuralstyle
