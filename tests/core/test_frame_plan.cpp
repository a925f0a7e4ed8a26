// SPDX-License-Identifier: LGPL-2.1-or-later
// planFrame: the one plan of a frame's sizes and steps that the Stylizer, the
// VideoStylizer, the element and the CLI share.
#include <gtest/gtest.h>

#include "call_counts.hpp"  // internal: how often frames were planned
#include "neuralstyle/errors.hpp"
#include "neuralstyle/frame_plan.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/video_stylizer.hpp"
#include "neuralstyle/weights.hpp"
#include "test_support.hpp"

using namespace neuralstyle;

namespace {

StyleOptions withMaxSize(int max_size, int steps = 10) {
  StyleOptions options;
  options.max_size = max_size;
  options.steps = steps;
  return options;
}

}  // namespace

TEST(FramePlan, AFrameThatFitsIsProcessedAtMaxSizeWithItsSteps) {
  const FramePlan plan = planFrame({800, 600}, withMaxSize(400, 10), Network::VGG19);
  EXPECT_FALSE(plan.raised());
  EXPECT_EQ(plan.max_size, 400);
  EXPECT_EQ(plan.minimum_side, 16);
  EXPECT_EQ(plan.sizes, (std::vector<cv::Size>{{400, 300}}));
  EXPECT_EQ(plan.steps, (std::vector<int>{10}));
  EXPECT_EQ(plan.totalSteps(), 10);
  EXPECT_DOUBLE_EQ(plan.pixel_steps, 10.0 * 400 * 300);
  // Never enlarged.
  EXPECT_EQ(planFrame({385, 289}, withMaxSize(400), Network::VGG19).finalSize(), cv::Size(385, 289));
}

TEST(FramePlan, AThinFrameRaisesMaxSizeToTheSmallestThatWorks) {
  // 16x64 at max-size 16 would be 4x16; 16x62 is the first size with 16 pixels a side.
  const FramePlan plan = planFrame({16, 64}, withMaxSize(16), Network::VGG19);
  EXPECT_TRUE(plan.raised());
  EXPECT_EQ(plan.requested_max_size, 16);
  EXPECT_EQ(plan.max_size, 62);
  EXPECT_EQ(plan.finalSize(), cv::Size(16, 62));
  // The same before the weights say which network runs.
  EXPECT_EQ(planFrame({16, 64}, withMaxSize(16), Network::Auto).finalSize(), cv::Size(16, 62));
}

TEST(FramePlan, TheFloorIsTheNetworksDeepestLayerInUse) {
  // SqueezeNet's default layers reach fire6, which needs 17 pixels: a 17x80 frame keeps
  // 17 rows (max-size 78), where VGG19's floor of 16 would give 16x73 and then a scale-up.
  const FramePlan squeeze = planFrame({17, 80}, withMaxSize(16), Network::SqueezeNet1_1);
  EXPECT_EQ(squeeze.minimum_side, 17);
  EXPECT_EQ(squeeze.max_size, 78);
  EXPECT_EQ(squeeze.finalSize(), cv::Size(17, 78));
  // Shallower layers need less: down to conv1 and fire2, VGG19's floor of 16 holds.
  StyleOptions shallow = withMaxSize(16);
  shallow.content_layer = "fire2";
  shallow.style_layers = {{"conv1", 1.0}, {"fire2", 1.0}};
  EXPECT_EQ(planFrame({17, 80}, shallow, Network::SqueezeNet1_1).minimum_side, 16);
  // A frame smaller than the floor is scaled up, aspect kept, and back at the end.
  EXPECT_EQ(planFrame({16, 16}, withMaxSize(400), Network::SqueezeNet1_1).finalSize(),
            cv::Size(17, 17));
}

TEST(FramePlan, CoarseSizesAndTilesCountTheirSteps) {
  StyleOptions options = withMaxSize(128, 4);
  options.scales = 2;
  options.coarse_steps = 3;
  options.tile_size = 64;
  options.tile_overlap = 16;
  const FramePlan plan = planFrame({128, 64}, options, Network::VGG19);
  ASSERT_EQ(plan.sizes, (std::vector<cv::Size>{{64, 32}, {128, 64}}));
  EXPECT_EQ(plan.steps[0], 3);  // 64x32 fits one tile
  EXPECT_EQ(plan.steps[1], stepsAtSize({128, 64}, 4, options));
  EXPECT_GT(plan.steps[1], 4);  // two passes over several 64x64 tiles
  EXPECT_DOUBLE_EQ(plan.pixel_steps, 3.0 * 64 * 32 + plan.steps[1] * 64.0 * 64);
}

TEST(FramePlan, AFrameBelowSixteenPixelsIsRefused) {
  EXPECT_THROW(planFrame({15, 400}, withMaxSize(400), Network::VGG19), ImageError);
  EXPECT_THROW(planFrame({0, 0}, withMaxSize(400), Network::VGG19), ImageError);
}

TEST(FramePlan, TheStylizerProcessesAFrameAsItsPlanSays) {
  configureThreads(2);
  StyleOptions options = withMaxSize(16, 2);
  Stylizer stylizer(randomWeights(2, Network::SqueezeNet1_1), DeviceKind::CPU, options);
  stylizer.setStyle(test::syntheticRgb({20, 20}, 5), PixelFormat::RGB);
  const FramePlan plan = stylizer.planFrame({17, 80});
  EXPECT_EQ(plan.finalSize(), cv::Size(17, 78));
  std::vector<cv::Size> sizes;
  const auto result = stylizer.stylize(test::syntheticRgb({17, 80}, 4), PixelFormat::RGB,
                                       [&](const Progress& p) { sizes.push_back(p.size); });
  ASSERT_EQ(sizes.size(), 2u);
  EXPECT_EQ(sizes.back(), plan.finalSize());
  EXPECT_EQ(result.steps, plan.totalSteps());
  EXPECT_EQ(result.image.size(), cv::Size(17, 80));
}

TEST(FramePlan, AVideoFrameIsPlannedOnceAndValidatesNoOptions) {
  configureThreads(2);
  Stylizer stylizer(randomWeights(9), DeviceKind::CPU, withMaxSize(32, 1));
  stylizer.setStyle(test::syntheticRgb({40, 40}, 99), PixelFormat::RGB);
  VideoStylizer video(stylizer, VideoOptions{});
  auto& counts = neuralstyle::detail::callCounts();
  for (int frame = 0; frame < 3; ++frame) {
    SCOPED_TRACE("frame " + std::to_string(frame));
    const long plans = counts.frame_plans, validations = counts.option_validations;
    video.stylize(test::syntheticRgb({32, 24}, frame), PixelFormat::RGB);
    EXPECT_EQ(counts.frame_plans - plans, 1);
    EXPECT_EQ(counts.option_validations - validations, 0);
  }
}

TEST(FramePlan, AFramePlannedWithOtherOptionsOrByAnotherStylizerIsRefused) {
  configureThreads(2);
  Stylizer stylizer(randomWeights(9), DeviceKind::CPU, withMaxSize(32, 1));
  Stylizer other(randomWeights(9), DeviceKind::CPU, withMaxSize(32, 1));
  stylizer.setStyle(test::syntheticRgb({40, 40}, 99), PixelFormat::RGB);
  const cv::Mat content = test::syntheticRgb({32, 24}, 1);
  const PreparedFrame prepared = stylizer.prepareFrame(content, PixelFormat::RGB);
  // The same max-size, other steps: the plan's steps no longer hold.
  StyleOptions more_steps = stylizer.options();
  more_steps.steps = 2;
  stylizer.setOptions(more_steps);
  EXPECT_THROW(stylizer.stylize(prepared), OptionsError);
  EXPECT_THROW(stylizer.stylize(other.prepareFrame(content, PixelFormat::RGB)), OptionsError);
  EXPECT_EQ(stylizer.stylize(stylizer.prepareFrame(content, PixelFormat::RGB)).steps, 2);
}
