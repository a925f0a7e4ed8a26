// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/temporal.hpp"

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "neuralstyle/errors.hpp"

namespace neuralstyle {
namespace {

cv::Mat toGray(const cv::Mat& image) {
  if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
    throw ImageError("optical flow takes 8-bit gray or RGB images");
  if (image.channels() == 1) return image;
  cv::Mat gray;
  cv::cvtColor(image, gray, cv::COLOR_RGB2GRAY);
  return gray;
}

/// Squared length of each vector of a CV_32FC2 field, as CV_32F.
cv::Mat squaredLength(const cv::Mat& field) {
  cv::Mat parts[2];
  cv::split(field, parts);
  return parts[0].mul(parts[0]) + parts[1].mul(parts[1]);
}

/// 1 where `inconsistent` is 0, 0 where it is set (CV_32F).
cv::Mat maskToWeights(const cv::Mat& inconsistent) {
  cv::Mat weights(inconsistent.size(), CV_32F, cv::Scalar(1));
  weights.setTo(0, inconsistent);
  return weights;
}

/// Where a pixel of F was not visible in the other frame: the backward flow and the
/// forward flow at its end do not cancel (CV_8U, 255 there).
cv::Mat disoccluded(const cv::Mat& backward, const cv::Mat& forward) {
  if (backward.type() != CV_32FC2 || forward.type() != CV_32FC2 || backward.size() != forward.size())
    throw ImageError("flow consistency needs two CV_32FC2 flows of one size");
  // The forward flow at where each pixel's backward flow lands: the two cancel where the
  // pixel was visible in both frames.
  const cv::Mat forward_there = warpByFlow(forward, backward);
  const cv::Mat round_trip = squaredLength(forward_there + backward);
  return round_trip > 0.01 * (squaredLength(forward_there) + squaredLength(backward)) + 0.5;
}

}  // namespace

cv::Mat opticalFlow(const cv::Mat& from, const cv::Mat& to) {
  if (from.size() != to.size() || from.empty())
    throw ImageError("optical flow needs two images of one size");
  // Medium: a small cost against the optimisation's seconds a frame (docs/video.md, step
  // 1); the faster presets miss the thin structures whose ghosts show.
  const auto dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM);
  cv::Mat flow;
  dis->calc(toGray(from), toGray(to), flow);
  return flow;
}

cv::Mat warpByFlow(const cv::Mat& image, const cv::Mat& flow, int interpolation) {
  if (flow.type() != CV_32FC2 || flow.size() != image.size())
    throw ImageError("a flow field must be CV_32FC2 of the image's size");
  cv::Mat map(flow.size(), CV_32FC2);
  for (int y = 0; y < flow.rows; ++y) {
    const auto* f = flow.ptr<cv::Vec2f>(y);
    auto* m = map.ptr<cv::Vec2f>(y);
    for (int x = 0; x < flow.cols; ++x) m[x] = cv::Vec2f(x + f[x][0], y + f[x][1]);
  }
  cv::Mat warped;
  cv::remap(image, warped, map, cv::noArray(), interpolation, cv::BORDER_REPLICATE);
  return warped;
}

cv::Mat motionBoundaries(const cv::Mat& backward) {
  if (backward.type() != CV_32FC2) throw ImageError("motion boundaries need a CV_32FC2 flow");
  cv::Mat parts[2];
  cv::split(backward, parts);
  cv::Mat gradient_energy = cv::Mat::zeros(backward.size(), CV_32F);
  for (const auto& part : parts) {
    cv::Mat dx, dy;
    // Central differences (ksize 1: [-1 0 1]), halved to a per-pixel derivative.
    cv::Sobel(part, dx, CV_32F, 1, 0, 1, 0.5, 0, cv::BORDER_REPLICATE);
    cv::Sobel(part, dy, CV_32F, 0, 1, 1, 0.5, 0, cv::BORDER_REPLICATE);
    gradient_energy += dx.mul(dx) + dy.mul(dy);
  }
  // Ruder et al.'s constant is 0.002, for precise variational flows. DIS's flow bends
  // smoothly across flat regions (by 0.05 px a pixel in the dark background of
  // Megamind.avi, where any flow fits), which that constant marked as boundaries: lines
  // with no temporal term, where the style term then painted streaks that the next
  // frames held. 0.05 is a step of about 0.45 px across the boundary's two pixels (the
  // derivative is the step's half): a smaller step misplaces no more than resampling
  // does. Measured with bench/flicker.py: docs/video.md.
  return gradient_energy > 0.01 * squaredLength(backward) + 0.05;
}

cv::Mat flowConsistency(const cv::Mat& backward, const cv::Mat& forward) {
  return maskToWeights(disoccluded(backward, forward) | motionBoundaries(backward));
}

cv::Mat frameConsistency(const cv::Mat& now, const cv::Mat& before, const cv::Mat& backward,
                         const cv::Mat& forward, double tolerance) {
  cv::Mat consistency = flowConsistency(backward, forward);
  const cv::Mat now_gray = toGray(now), before_gray = toGray(before);
  if (now_gray.size() != backward.size() || before_gray.size() != backward.size())
    throw ImageError("frame consistency needs frames of the flows' size");
  cv::Mat difference;
  cv::absdiff(now_gray, warpByFlow(before_gray, backward), difference);
  consistency.setTo(0, difference > tolerance);
  return consistency;
}

double inconsistentShare(const cv::Mat& consistency) {
  if (consistency.empty()) return 0;
  return 1.0 - cv::mean(consistency)[0];
}

}  // namespace neuralstyle
