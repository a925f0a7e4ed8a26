// SPDX-License-Identifier: LGPL-2.1-or-later
// Temporally coherent video (VideoStylizer) and the FrameGuide it drives Stylizer with.
#include <cmath>
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/temporal.hpp"
#include "neuralstyle/stylizer_tensor.hpp"
#include "neuralstyle/video_stylizer.hpp"
#include "neuralstyle/weights.hpp"
#include "test_support.hpp"

using namespace neuralstyle;

namespace {

StyleOptions quickOptions(int steps) {
  StyleOptions options;
  options.steps = steps;
  options.max_size = 48;
  // Adam at the reference notebook's 0.003 barely moves in a few steps; 0.05 does.
  options.learning_rate = 0.05;
  return options;
}

std::unique_ptr<Stylizer> makeStylizer(const StyleOptions& options) {
  configureThreads(2);
  auto stylizer = std::make_unique<Stylizer>(randomWeights(9), DeviceKind::CPU, options);
  stylizer->setStyle(test::syntheticRgb({40, 40}, 99), PixelFormat::RGB);
  return stylizer;
}

/// Frame k of a camera pan over fruits.jpg: a 48x48 window moving 2 px right a frame.
cv::Mat panFrame(int k) {
  static const cv::Mat source = [] {
    cv::Mat small;
    cv::resize(test::sampleImage("fruits.jpg"), small, {96, 80}, 0, 0, cv::INTER_AREA);
    return small;
  }();
  return source(cv::Rect(10 + 2 * k, 16, 48, 48)).clone();
}

/// The total loss without its temporal part: what a still of this frame would score.
double stillLoss(const Progress& progress, double temporal_weight) {
  return progress.losses.total - temporal_weight * progress.losses.temporal;
}

}  // namespace

TEST(VideoOptions, RefusesValuesOutOfRange) {
  VideoOptions options;
  EXPECT_NO_THROW(options.validate());
  options.temporal_weight = -1;
  EXPECT_THROW(options.validate(), OptionsError);
  options = {};
  options.temporal_weight = std::nan("");
  EXPECT_THROW(options.validate(), OptionsError);
  options = {};
  options.steps_per_frame = -2;
  EXPECT_THROW(options.validate(), OptionsError);
  for (double threshold : {0.0, -0.5, 1.5}) {
    options = {};
    options.scene_cut_threshold = threshold;
    EXPECT_THROW(options.validate(), OptionsError) << threshold;
  }
  EXPECT_EQ(parseFrameStart("previous-warped"), FrameStart::PreviousWarped);
  EXPECT_EQ(toString(FrameStart::Previous), "previous");
  EXPECT_THROW(parseFrameStart("warped"), OptionsError);
  auto stylizer = makeStylizer(quickOptions(1));
  options = {};
  options.scene_cut_threshold = 0;
  EXPECT_THROW(VideoStylizer(*stylizer, options), OptionsError);
}

TEST(VideoStylizer, OnAStillShotPreviousWarpedReachesTheFirstFramesLossInFarFewerSteps) {
  const int steps = 30;
  auto stylizer = makeStylizer(quickOptions(steps));
  VideoOptions video;
  video.temporal_weight = 10;
  VideoStylizer sequence(*stylizer, video);
  const cv::Mat frame = panFrame(0);
  const auto first = sequence.stylize(frame, PixelFormat::RGB);
  EXPECT_FALSE(first.from_previous);
  EXPECT_EQ(first.stylized.steps, steps);
  const double first_loss = first.stylized.final_losses.total;

  // The same frame again, once from the content (a still) and once from the previous
  // result: count the steps each needs to score the first frame's final loss.
  const auto stepsToReach = [&](VideoStylizer& runner, double weight) {
    int reached = -1;
    const auto result = runner.stylize(frame, PixelFormat::RGB, [&](const Progress& progress) {
      if (reached < 0 && stillLoss(progress, weight) <= first_loss * 1.0001) reached = progress.step;
    });
    return std::make_pair(reached, result);
  };
  VideoOptions independent_options;
  independent_options.start = FrameStart::Independent;
  independent_options.temporal_weight = 0;
  VideoStylizer independent(*stylizer, independent_options);
  const auto [independent_steps, independent_run] = stepsToReach(independent, 0);
  const auto [warped_steps, warped_run] = stepsToReach(sequence, *video.temporal_weight);
  EXPECT_TRUE(warped_run.from_previous);
  EXPECT_FALSE(warped_run.scene_cut);
  EXPECT_DOUBLE_EQ(warped_run.inconsistent_share, 0.0);
  ASSERT_GT(warped_steps, 0) << "never reached the first frame's loss";
  EXPECT_TRUE(independent_steps < 0 || independent_steps >= steps - 2) << independent_steps;
  EXPECT_LE(warped_steps, steps / 10) << "independent: " << independent_steps;
}

TEST(VideoStylizer, StepsPerFrameAppliesToFramesThatStartFromThePreviousOne) {
  auto stylizer = makeStylizer(quickOptions(6));
  VideoOptions video;
  video.steps_per_frame = 2;
  VideoStylizer sequence(*stylizer, video);
  int reported_flow = 0;
  const auto first = sequence.stylize(panFrame(0), PixelFormat::RGB);
  const auto second = sequence.stylize(panFrame(1), PixelFormat::RGB, [&](const Progress& progress) {
    if (progress.flow_seconds > 0) ++reported_flow;
  });
  EXPECT_EQ(first.stylized.steps, 6);
  EXPECT_EQ(first.flow_seconds, 0.0);
  EXPECT_TRUE(second.from_previous);
  EXPECT_EQ(second.stylized.steps, 2);
  EXPECT_GT(second.flow_seconds, 0.0);
  EXPECT_EQ(reported_flow, 2) << "every progress report carries the frame's flow time";
  EXPECT_LT(second.inconsistent_share, 0.3);
  EXPECT_GT(second.stylized.final_losses.temporal, 0.0);
  // The default: half the steps of a still; 0: all of them.
  sequence.setOptions(VideoOptions{});
  EXPECT_EQ(sequence.stepsPerFrame(), 3);
  EXPECT_EQ(sequence.stylize(panFrame(2), PixelFormat::RGB).stylized.steps, 3);
  VideoOptions all;
  all.steps_per_frame = 0;
  sequence.setOptions(all);
  EXPECT_EQ(sequence.stylize(panFrame(3), PixelFormat::RGB).stylized.steps, 6);
  // The temporal weight defaults to the network's.
  EXPECT_EQ(sequence.temporalWeight(), networkDefaults(Network::VGG19).temporal_weight);
}

TEST(VideoStylizer, TheTemporalTermHoldsThePreviousResultWhereTheFlowIsConsistent) {
  // The previous "result" is an unrelated picture, so that pulling towards it shows. Frame
  // 2 (panned) starts from its content, with and without the term: with it, the result
  // must end much nearer that picture moved onto frame 2. L-BFGS, so that both runs get
  // near their optimum (Adam moves each value by about its rate a step, whatever the
  // loss asks).
  const auto distanceToWarped = [](double weight) {
    StyleOptions options = quickOptions(20);
    options.optimizer = Optimizer::LBFGS;
    options.learning_rate = 1;
    auto stylizer = makeStylizer(options);
    VideoOptions video;
    video.start = FrameStart::Independent;
    video.temporal_weight = weight;
    VideoStylizer sequence(*stylizer, video);
    const auto previous = sequence.frameFromImage(panFrame(0), test::syntheticRgb({48, 48}, 5), PixelFormat::RGB);
    sequence.setLast(previous);
    const cv::Mat now = panFrame(1);
    const auto second = sequence.stylize(now, PixelFormat::RGB);
    EXPECT_FALSE(second.scene_cut);
    const cv::Mat backward = opticalFlow(now, previous->content);
    const cv::Mat mask = frameConsistency(now, previous->content, backward, opticalFlow(previous->content, now));
    EXPECT_GT(cv::mean(mask)[0], 0.5);
    cv::Mat difference = sequence.last()->result - warpByFlow(previous->result, backward);
    difference = difference.mul(difference);
    cv::Mat per_pixel;
    cv::transform(difference, per_pixel, cv::Matx13f(1, 1, 1));
    return cv::sum(per_pixel.mul(mask))[0] / std::max(1.0, cv::sum(mask)[0]);
  };
  const double free_distance = distanceToWarped(0);
  const double held_distance = distanceToWarped(1e5);
  EXPECT_GT(free_distance, 0.0);
  EXPECT_LT(held_distance, free_distance / 5) << "free " << free_distance << ", held " << held_distance;
}

TEST(VideoStylizer, ASceneCutStartsAfresh) {
  auto stylizer = makeStylizer(quickOptions(3));
  VideoStylizer sequence(*stylizer);
  sequence.stylize(panFrame(0), PixelFormat::RGB);
  cv::Mat other;
  cv::resize(test::sampleImage("home.jpg"), other, {48, 48}, 0, 0, cv::INTER_AREA);
  const auto cut = sequence.stylize(other, PixelFormat::RGB);
  EXPECT_TRUE(cut.scene_cut);
  EXPECT_FALSE(cut.from_previous);
  EXPECT_GT(cut.inconsistent_share, 0.5);
  EXPECT_EQ(cut.stylized.final_losses.temporal, 0.0);
  EXPECT_EQ(cut.stylized.steps, 3);
  // The threshold at 1 never cuts.
  VideoOptions never;
  never.scene_cut_threshold = 1;
  sequence.setOptions(never);
  sequence.stylize(panFrame(0), PixelFormat::RGB);
  EXPECT_FALSE(sequence.stylize(other, PixelFormat::RGB).scene_cut);
}

TEST(VideoStylizer, AFrameStartsFromTheMovedResultAndWhereThatCannotServeFromTheContentInItsColours) {
  // A square slides 10 px right over a still background. The previous "result" is the
  // previous frame recoloured (darker, tinted), so that where the new frame starts from
  // shows. One Adam step at a negligible rate leaves the start as it is.
  const cv::Size size(64, 64);
  cv::Mat background;
  cv::resize(test::sampleImage("fruits.jpg"), background, size, 0, 0, cv::INTER_AREA);
  cv::Mat square(20, 20, CV_8UC3, cv::Scalar(200, 60, 40));
  cv::randu(square(cv::Rect(0, 0, 20, 10)), cv::Scalar::all(0), cv::Scalar::all(255));
  cv::Mat a = background.clone(), b = background.clone();
  square.copyTo(a(cv::Rect(16, 22, 20, 20)));
  square.copyTo(b(cv::Rect(26, 22, 20, 20)));

  StyleOptions options = quickOptions(1);
  options.max_size = 64;
  options.learning_rate = 1e-6;
  auto stylizer = makeStylizer(options);
  VideoOptions video;
  video.steps_per_frame = 1;
  VideoStylizer sequence(*stylizer, video);
  const cv::Mat recoloured = a * 0.4 + cv::Scalar(110, 20, 140);
  const auto previous = sequence.frameFromImage(a, recoloured, PixelFormat::RGB);
  sequence.setLast(previous);
  ASSERT_TRUE(sequence.stylize(b, PixelFormat::RGB).from_previous);
  const cv::Mat result = sequence.last()->result;

  const cv::Mat backward = opticalFlow(b, a);
  const cv::Mat consistency = frameConsistency(b, a, backward, opticalFlow(a, b));
  const cv::Mat inconsistent = consistency == 0, matched = consistency != 0;
  const cv::Mat warped = warpByFlow(previous->result, backward, cv::INTER_CUBIC);
  ASSERT_GT(cv::countNonZero(inconsistent), 20);
  // The content, normalised like a result, moved channel by channel to the mean the
  // moved result has where the two frames match.
  const cv::Mat content = sequence.frameFromImage(b, b, PixelFormat::RGB)->result;
  const cv::Mat expected = content - cv::mean(content, matched) + cv::mean(warped, matched);

  const auto meanDistance = [](const cv::Mat& x, const cv::Mat& y, const cv::Mat& where) {
    cv::Mat distance;
    cv::absdiff(x, y, distance);
    const cv::Scalar mean = cv::mean(distance, where);
    return (mean[0] + mean[1] + mean[2]) / 3;
  };
  EXPECT_LT(meanDistance(result, expected, inconsistent), 1e-3) << "the content in the result's colours";
  EXPECT_GT(meanDistance(result, content, inconsistent), 0.3) << "the content as it is would stand out";
  EXPECT_LT(meanDistance(result, warped, matched), 1e-3) << "elsewhere the moved result";
}

TEST(VideoStylizer, AnObjectAppearingOnAFlatBackgroundStartsFromFiniteColours) {
  // Where the frames match, the content is flat (and has no contrast to compare the
  // result's with): the appearing square starts from the content moved to the result's
  // mean, within the range of normalised colours.
  const cv::Mat a(48, 48, CV_8UC3, cv::Scalar(90, 90, 90));
  cv::Mat b = a.clone();
  cv::randu(b(cv::Rect(16, 16, 16, 16)), cv::Scalar::all(0), cv::Scalar::all(255));
  StyleOptions options = quickOptions(1);
  options.learning_rate = 1e-6;
  auto stylizer = makeStylizer(options);
  VideoOptions video;
  video.steps_per_frame = 1;
  VideoStylizer sequence(*stylizer, video);
  sequence.setLast(sequence.frameFromImage(a, test::syntheticRgb({48, 48}, 3), PixelFormat::RGB));
  const auto frame = sequence.stylize(b, PixelFormat::RGB);
  ASSERT_TRUE(frame.from_previous);
  ASSERT_GT(frame.inconsistent_share, 0.05);
  double low = 0, high = 0;
  cv::minMaxLoc(sequence.last()->result.reshape(1), &low, &high);
  EXPECT_TRUE(std::isfinite(low) && std::isfinite(high));
  // Normalised RGB lies within about [-2.2, 2.7]; the start keeps the content's spread.
  EXPECT_GT(low, -5.0);
  EXPECT_LT(high, 5.0);
}

TEST(VideoStylizer, ANewFrameSizeOrAResetStartsAfresh) {
  auto stylizer = makeStylizer(quickOptions(2));
  VideoStylizer sequence(*stylizer);
  sequence.stylize(panFrame(0), PixelFormat::RGB);
  EXPECT_TRUE(sequence.hasPrevious());
  cv::Mat wider;
  cv::resize(panFrame(1), wider, {64, 48});
  EXPECT_FALSE(sequence.stylize(wider, PixelFormat::RGB).from_previous);
  EXPECT_TRUE(sequence.stylize(wider, PixelFormat::RGB).from_previous);
  sequence.reset();
  EXPECT_FALSE(sequence.hasPrevious());
  EXPECT_FALSE(sequence.stylize(wider, PixelFormat::RGB).from_previous);
}

TEST(VideoStylizer, WarpLastMovesTheLastResultOntoAFrameInItsFormat) {
  auto stylizer = makeStylizer(quickOptions(3));
  VideoStylizer sequence(*stylizer);
  cv::Mat bgra;
  cv::cvtColor(panFrame(0), bgra, cv::COLOR_RGB2BGRA);
  // Nothing stylised yet: the frame itself.
  const auto before = sequence.warpLast(bgra, PixelFormat::BGRA);
  EXPECT_EQ(cv::norm(before.image, bgra, cv::NORM_INF), 0.0);
  const auto first = sequence.stylize(bgra, PixelFormat::BGRA);
  // The same frame: the warp is the result itself (up to the round trip of rounding).
  const auto same = sequence.warpLast(bgra, PixelFormat::BGRA);
  ASSERT_EQ(same.image.type(), CV_8UC4);
  EXPECT_LE(cv::norm(same.image, first.stylized.image, cv::NORM_INF), 2.0);
  EXPECT_DOUBLE_EQ(same.inconsistent_share, 0.0);
  // A panned frame: the warp follows the pan, so it matches the result shifted 2 px
  // left better than the result unmoved.
  cv::Mat next;
  cv::cvtColor(panFrame(1), next, cv::COLOR_RGB2BGRA);
  const cv::Mat warped = sequence.warpLast(next, PixelFormat::BGRA).image;
  const cv::Rect inner(4, 4, 40, 40);
  const double moved = cv::norm(warped(inner), first.stylized.image(inner + cv::Point(2, 0)), cv::NORM_L2);
  const double unmoved = cv::norm(warped(inner), first.stylized.image(inner), cv::NORM_L2);
  EXPECT_LT(moved, unmoved * 0.7) << moved << " vs " << unmoved;
  // Alpha comes from the frame.
  std::vector<cv::Mat> channels;
  cv::split(warped, channels);
  EXPECT_EQ(cv::countNonZero(channels[3] != 255), 0);
}

TEST(VideoStylizer, ResumingFromAWrittenFrameEqualsAnUninterruptedRun) {
  // The CLI resumes a sequence from the last frame on disk: a StylisedFrame made from the
  // 8-bit image. Driving both runs through written images makes them identical.
  const auto run = [](bool interrupted) {
    auto stylizer = makeStylizer(quickOptions(4));
    VideoStylizer sequence(*stylizer);
    cv::Mat out;
    for (int k = 0; k < 3; ++k) {
      if (interrupted && k == 2) {  // a new process: a fresh stylizer, the frame on disk
        stylizer = makeStylizer(quickOptions(4));
        VideoStylizer resumed(*stylizer);
        resumed.setLast(resumed.frameFromImage(panFrame(1), out, PixelFormat::RGB));
        return resumed.stylize(panFrame(k), PixelFormat::RGB).stylized.image;
      }
      out = sequence.stylize(panFrame(k), PixelFormat::RGB).stylized.image;
      sequence.setLast(sequence.frameFromImage(panFrame(k), out, PixelFormat::RGB));
    }
    return out;
  };
  const cv::Mat uninterrupted = run(false), resumed = run(true);
  EXPECT_EQ(cv::norm(uninterrupted, resumed, cv::NORM_INF), 0.0);
}

TEST(FrameGuide, MalformedGuidesAreRefused) {
  auto stylizer = makeStylizer(quickOptions(1));
  const cv::Mat frame = panFrame(0);
  FrameGuide guide;
  guide.initial = torch::zeros({1, 4, 48, 48});
  EXPECT_THROW(stylizeGuided(*stylizer, stylizer->prepareFrame(frame, PixelFormat::RGB), guide), ImageError);
  guide = {};
  guide.temporal_target = torch::zeros({1, 3, 48, 48});
  guide.temporal_weight = 1;
  EXPECT_THROW(stylizeGuided(*stylizer, stylizer->prepareFrame(frame, PixelFormat::RGB), guide), ImageError);
  guide.temporal_mask = torch::ones({1, 1, 48, 48});
  guide.temporal_weight = -1;
  EXPECT_THROW(stylizeGuided(*stylizer, stylizer->prepareFrame(frame, PixelFormat::RGB), guide), OptionsError);
  guide.temporal_weight = 1;
  EXPECT_NO_THROW(stylizeGuided(*stylizer, stylizer->prepareFrame(frame, PixelFormat::RGB), guide));
}

TEST(FrameGuide, AGuideAtAnotherSizeIsResizedToEachScale) {
  StyleOptions options = quickOptions(2);
  options.scales = 2;
  options.max_size = 64;
  auto stylizer = makeStylizer(options);
  FrameGuide guide;
  guide.initial = torch::zeros({1, 3, 10, 10});
  guide.temporal_target = torch::zeros({1, 3, 10, 10});
  guide.temporal_mask = torch::ones({1, 1, 10, 10});
  guide.temporal_weight = 1;
  std::vector<cv::Size> sizes;
  torch::Tensor processed;
  stylizeGuided(*stylizer, stylizer->prepareFrame(panFrame(0), PixelFormat::RGB), guide,
                [&](const Progress& progress) {
                  if (progress.step == 1) sizes.push_back(progress.size);
                  EXPECT_GT(progress.losses.temporal, -1.0);
                }, nullptr, &processed);
  EXPECT_EQ(sizes.size(), 2u);
  EXPECT_EQ(processed.size(2), 48);  // (a 48 px frame is not enlarged)
  guide.final_size_only = true;
  guide.steps = 1;
  sizes.clear();
  const auto final_only = stylizeGuided(*stylizer, stylizer->prepareFrame(panFrame(0), PixelFormat::RGB),
                                        guide, [&](const Progress& progress) { sizes.push_back(progress.size); });
  ASSERT_EQ(sizes.size(), 1u);
  EXPECT_EQ(sizes[0], cv::Size(48, 48));
  EXPECT_EQ(final_only.steps, 1);
}
