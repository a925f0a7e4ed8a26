// SPDX-License-Identifier: LGPL-2.1-or-later
// Optical flow, warping and the consistency mask (include/neuralstyle/temporal.hpp).
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/temporal.hpp"
#include "test_support.hpp"

using namespace neuralstyle;

namespace {

/// `image` moved right by dx and down by dy (what enters at the edges repeats them).
cv::Mat shifted(const cv::Mat& image, int dx, int dy) {
  cv::Mat out;
  const cv::Mat move = (cv::Mat_<double>(2, 3) << 1, 0, dx, 0, 1, dy);
  cv::warpAffine(image, out, move, image.size(), cv::INTER_NEAREST, cv::BORDER_REPLICATE);
  return out;
}

/// A textured picture with smooth blobs: something flow can lock on to.
cv::Mat texture(cv::Size size, unsigned seed) {
  cv::Mat rgb = test::syntheticRgb(size, seed);
  cv::GaussianBlur(rgb, rgb, cv::Size(5, 5), 1.2);
  return rgb;
}

cv::Mat constantFlow(cv::Size size, float dx, float dy) {
  return cv::Mat(size, CV_32FC2, cv::Scalar(dx, dy));
}

}  // namespace

TEST(Warp, AKnownFlowPutsEachPixelWhereItCameFrom) {
  // Frame B is frame A moved 5 right and 3 down: B's pixel p came from A's p - (5, 3),
  // so A warped by the flow from B to A, (-5, -3), is B wherever the source is inside A.
  const cv::Mat a = test::syntheticRgb({48, 40}, 3);
  const cv::Mat b = shifted(a, 5, 3);
  const cv::Mat warped = warpByFlow(a, constantFlow(a.size(), -5, -3));
  const cv::Rect inside(5, 3, 48 - 5, 40 - 3);
  EXPECT_EQ(cv::norm(warped(inside), b(inside), cv::NORM_INF), 0.0);
  // And not the identity: the test would pass for a warp that did nothing otherwise.
  EXPECT_GT(cv::norm(a(inside), b(inside), cv::NORM_INF), 50.0);
}

TEST(Warp, FloatImagesAndHalfPixelsInterpolate) {
  cv::Mat ramp(8, 8, CV_32FC3);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) ramp.at<cv::Vec3f>(y, x) = cv::Vec3f(x, y, -x);
  const cv::Mat warped = warpByFlow(ramp, constantFlow(ramp.size(), 0.5f, 0));
  EXPECT_NEAR(warped.at<cv::Vec3f>(4, 3)[0], 3.5f, 1e-5);
  EXPECT_NEAR(warped.at<cv::Vec3f>(4, 3)[2], -3.5f, 1e-5);
  EXPECT_THROW(warpByFlow(ramp, cv::Mat(4, 4, CV_32FC2)), ImageError);
}

TEST(Flow, RecoversAKnownShift) {
  const cv::Mat a = texture({64, 64}, 5);
  const cv::Mat b = shifted(a, 3, -2);
  // From B to A: B's pixel p is A's p - (3, -2).
  const cv::Mat flow = opticalFlow(b, a);
  ASSERT_EQ(flow.type(), CV_32FC2);
  const cv::Scalar mean = cv::mean(flow(cv::Rect(12, 12, 40, 40)));
  EXPECT_NEAR(mean[0], -3.0, 0.3);
  EXPECT_NEAR(mean[1], 2.0, 0.3);
  EXPECT_THROW(opticalFlow(a, cv::Mat(32, 32, CV_8UC3)), ImageError);
}

TEST(Consistency, AStillSceneIsConsistentEverywhere) {
  const cv::Mat a = texture({48, 48}, 7);
  const cv::Mat mask = flowConsistency(opticalFlow(a, a), opticalFlow(a, a));
  EXPECT_EQ(mask.type(), CV_32F);
  EXPECT_DOUBLE_EQ(inconsistentShare(mask), 0.0);
}

TEST(Consistency, FlagsTheRegionThatAppears) {
  // A square slides 10 px right over a still background between A and B. In B, the
  // background strip it uncovered (x in [16, 26)) was hidden in A: no flow can carry A's
  // result there. It must be flagged; the background far from the square must not.
  const cv::Size size(64, 64);
  const cv::Mat background = texture(size, 11);
  const cv::Mat square_texture = texture(cv::Size(20, 20), 12) * 0.5 + cv::Scalar(120, 40, 40);
  cv::Mat a = background.clone(), b = background.clone();
  square_texture.copyTo(a(cv::Rect(16, 22, 20, 20)));
  square_texture.copyTo(b(cv::Rect(26, 22, 20, 20)));
  const cv::Mat mask = flowConsistency(opticalFlow(b, a), opticalFlow(a, b));

  const cv::Rect uncovered(18, 26, 6, 12);  // inside the strip, away from its edges
  const cv::Rect far_background(2, 2, 12, 12);
  EXPECT_LT(cv::mean(mask(uncovered))[0], 0.5) << "the appearing strip is not flagged";
  EXPECT_GT(cv::mean(mask(far_background))[0], 0.9) << "still background was flagged";
  const double share = inconsistentShare(mask);
  EXPECT_GT(share, 0.02);
  EXPECT_LT(share, 0.4);
}

TEST(Consistency, MotionBoundariesAreTheFlowsEdgesOnly) {
  // The left half still, the right half moving 6 px: the boundary is the columns where
  // the flow steps, nothing else.
  cv::Mat flow = constantFlow({48, 32}, 0, 0);
  flow(cv::Rect(24, 0, 24, 32)).setTo(cv::Scalar(6, 0));
  const cv::Mat boundaries = motionBoundaries(flow);
  ASSERT_EQ(boundaries.type(), CV_8U);
  EXPECT_EQ(cv::countNonZero(boundaries(cv::Rect(23, 0, 2, 32))), 2 * 32);
  EXPECT_EQ(cv::countNonZero(boundaries), 2 * 32);
  EXPECT_EQ(cv::countNonZero(motionBoundaries(constantFlow({48, 32}, 3, -2))), 0);
  // What DIS returns across a flat region, where any flow fits: a smooth bend of 0.06 px
  // a pixel, and a step of 0.3 px. Neither moves anything by more than resampling does.
  cv::Mat bend(32, 48, CV_32FC2);
  for (int y = 0; y < bend.rows; ++y)
    for (int x = 0; x < bend.cols; ++x) bend.at<cv::Vec2f>(y, x) = cv::Vec2f(0.06f * x, -0.04f * y);
  EXPECT_EQ(cv::countNonZero(motionBoundaries(bend)), 0);
  cv::Mat small_step = constantFlow({48, 32}, 0, 0);
  small_step(cv::Rect(24, 0, 24, 32)).setTo(cv::Scalar(0.3, 0));
  EXPECT_EQ(cv::countNonZero(motionBoundaries(small_step)), 0);
  EXPECT_THROW(motionBoundaries(cv::Mat(8, 8, CV_32F)), ImageError);
}

TEST(Consistency, ACutIsMostlyInconsistent) {
  // Two unrelated pictures: whatever flows DIS finds, the frames do not match through them.
  const cv::Mat a = test::sampleImage("fruits.jpg"), b = test::sampleImage("home.jpg");
  cv::Mat small_a, small_b;
  cv::resize(a, small_a, {64, 48}, 0, 0, cv::INTER_AREA);
  cv::resize(b, small_b, {64, 48}, 0, 0, cv::INTER_AREA);
  const cv::Mat backward = opticalFlow(small_b, small_a), forward = opticalFlow(small_a, small_b);
  EXPECT_GT(inconsistentShare(frameConsistency(small_b, small_a, backward, forward)), 0.5);
  // The same frame twice stays consistent through the photometric check.
  const cv::Mat still = opticalFlow(small_a, small_a);
  EXPECT_DOUBLE_EQ(inconsistentShare(frameConsistency(small_a, small_a, still, still)), 0.0);
}
