// SPDX-License-Identifier: LGPL-2.1-or-later
// The optimisation loop: caching of style targets, progress, cancellation, bad input.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/image_tensor.hpp"
#include "neuralstyle/stylizer_tensor.hpp"
#include "neuralstyle/weights.hpp"
#include "test_support.hpp"
#include "style_loss.hpp"  // internal: tested directly

using namespace neuralstyle;

namespace {

StyleOptions fastOptions(int steps) {
  StyleOptions options;
  options.steps = steps;
  options.max_size = 32;
  return options;
}

Stylizer makeStylizer(int steps) {
  configureThreads(2);
  Stylizer stylizer(randomWeights(9), DeviceKind::CPU, fastOptions(steps));
  stylizer.setStyle(test::syntheticRgb({40, 40}, 99), PixelFormat::RGB);
  return stylizer;
}

}  // namespace

TEST(Stylizer, StyleTargetsAreComputedOncePerStyleAndSize) {
  auto stylizer = makeStylizer(1);
  const test::StyleTargetCount targets;
  for (unsigned frame = 0; frame < 4; ++frame)
    stylizer.stylize(test::syntheticRgb({32, 24}, frame), PixelFormat::RGB);
  EXPECT_EQ(targets(), 1);

  // Layer weights only scale the loss: the targets stay.
  auto options = stylizer.options();
  options.style_layers[0].weight = 3.0;
  options.steps = 2;
  stylizer.setOptions(options);
  stylizer.stylize(test::syntheticRgb({32, 24}, 7), PixelFormat::RGB);
  EXPECT_EQ(targets(), 1);

  // Another processing size, other layers, another style: recomputed, once each.
  stylizer.stylize(test::syntheticRgb({24, 32}, 7), PixelFormat::RGB);
  EXPECT_EQ(targets(), 2);
  options.style_layers = parseLayerWeights("conv1_1=1,conv2_1=1");
  stylizer.setOptions(options);
  stylizer.stylize(test::syntheticRgb({24, 32}, 7), PixelFormat::RGB);
  stylizer.stylize(test::syntheticRgb({24, 32}, 8), PixelFormat::RGB);
  EXPECT_EQ(targets(), 3);
  stylizer.setStyle(test::syntheticRgb({20, 20}, 5), PixelFormat::RGB);
  stylizer.stylize(test::syntheticRgb({24, 32}, 7), PixelFormat::RGB);
  EXPECT_EQ(targets(), 4);
}

TEST(Stylizer, ZeroStepsReturnsTheContent) {
  auto stylizer = makeStylizer(0);
  const cv::Mat content = test::syntheticRgb({32, 24}, 1);
  const auto result = stylizer.stylize(content, PixelFormat::RGB);
  EXPECT_EQ(cv::norm(result.image, content, cv::NORM_INF), 0);
  EXPECT_EQ(result.steps, 0);
  EXPECT_GT(result.final_losses.style, 0);
  EXPECT_DOUBLE_EQ(result.final_losses.content, 0);
}

TEST(Stylizer, OutputKeepsTheCallersSizeAndFormat) {
  auto stylizer = makeStylizer(0);
  cv::Mat bgra;
  cv::cvtColor(test::syntheticRgb({37, 29}, 2), bgra, cv::COLOR_RGB2BGRA);
  bgra.forEach<cv::Vec4b>([](cv::Vec4b& pixel, const int* position) { pixel[3] = position[1] % 256; });
  const auto result = stylizer.stylize(bgra, PixelFormat::BGRA);  // processed at 32x25
  ASSERT_EQ(result.image.size(), bgra.size());
  ASSERT_EQ(result.image.type(), CV_8UC4);
  std::vector<cv::Mat> in_planes, out_planes;
  cv::split(bgra, in_planes);
  cv::split(result.image, out_planes);
  EXPECT_EQ(cv::norm(in_planes[3], out_planes[3], cv::NORM_INF), 0);  // alpha untouched
  EXPECT_LE(cv::norm(in_planes[2], out_planes[2], cv::NORM_L1) / bgra.total(), 12.0);  // red close
}

TEST(Stylizer, OptimisationLowersTheLossAndChangesTheImage) {
  auto stylizer = makeStylizer(8);
  auto options = stylizer.options();
  options.learning_rate = 0.05;
  stylizer.setOptions(options);
  std::vector<Progress> reports;
  const cv::Mat content = test::syntheticRgb({32, 24}, 3);
  const auto result = stylizer.stylize(content, PixelFormat::RGB,
                                       [&](const Progress& p) { reports.push_back(p); });
  ASSERT_EQ(reports.size(), 8u);
  for (size_t i = 0; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].step, static_cast<int>(i) + 1);
    EXPECT_EQ(reports[i].steps, 8);
    EXPECT_GE(reports[i].elapsed_seconds, 0);
  }
  EXPECT_LT(reports.back().losses.total, reports.front().losses.total);
  EXPECT_DOUBLE_EQ(reports.front().losses.content, 0);  // step 1 reports the loss before its update
  EXPECT_DOUBLE_EQ(result.final_losses.total, reports.back().losses.total);
  EXPECT_GT(cv::norm(result.image, content, cv::NORM_L1), 0);
}

TEST(Stylizer, TotalIsTheWeightedSumOfTheParts) {
  auto stylizer = makeStylizer(2);
  const auto result = stylizer.stylize(test::syntheticRgb({32, 24}, 3), PixelFormat::RGB);
  const auto& l = result.final_losses;
  EXPECT_NEAR(l.total, 1.0 * l.content + 1e6 * l.style, 1e-5 * l.total);
}

TEST(Stylizer, ProgressIntervalChoosesTheReportedSteps) {
  auto stylizer = makeStylizer(7);
  auto options = stylizer.options();
  std::vector<int> steps;
  const auto record = [&](const Progress& p) { steps.push_back(p.step); };
  options.progress_interval = 3;
  stylizer.setOptions(options);
  stylizer.stylize(test::syntheticRgb({32, 24}, 3), PixelFormat::RGB, record);
  EXPECT_EQ(steps, (std::vector<int>{3, 6, 7}));
  steps.clear();
  options.progress_interval = 0;
  stylizer.setOptions(options);
  stylizer.stylize(test::syntheticRgb({32, 24}, 3), PixelFormat::RGB, record);
  EXPECT_EQ(steps, (std::vector<int>{7}));
}

TEST(Stylizer, IsDeterministicOnTheCpu) {
  auto a = makeStylizer(3), b = makeStylizer(3);
  const cv::Mat content = test::syntheticRgb({32, 24}, 4);
  EXPECT_EQ(cv::norm(a.stylize(content, PixelFormat::RGB).image,
                     b.stylize(content, PixelFormat::RGB).image, cv::NORM_INF),
            0);
}

TEST(Stylizer, CancellingStopsBetweenSteps) {
  auto stylizer = makeStylizer(50);
  std::atomic<bool> cancel{false};
  int reports = 0;
  EXPECT_THROW(stylizer.stylize(test::syntheticRgb({32, 24}, 3), PixelFormat::RGB,
                                [&](const Progress& p) {
                                  ++reports;
                                  if (p.step == 2) cancel = true;
                                },
                                &cancel),
               CancelledError);
  EXPECT_EQ(reports, 2);
}

TEST(Stylizer, HugeLearningRateIsReportedAsDivergence) {
  auto stylizer = makeStylizer(5);
  auto options = stylizer.options();
  options.learning_rate = 1e30;
  stylizer.setOptions(options);
  EXPECT_THROW(stylizer.stylize(test::syntheticRgb({32, 24}, 3), PixelFormat::RGB), DivergedError);
}

TEST(Stylizer, DivergenceIsCaughtEvenWithoutProgressReports) {
  auto stylizer = makeStylizer(5);
  auto options = stylizer.options();
  options.learning_rate = 1e30;
  options.progress_interval = 0;
  stylizer.setOptions(options);
  EXPECT_THROW(stylizer.stylize(test::syntheticRgb({32, 24}, 3), PixelFormat::RGB), DivergedError);
}

TEST(Stylizer, BadImagesAreImageErrors) {
  auto stylizer = makeStylizer(1);
  EXPECT_THROW(stylizer.stylize(cv::Mat(), PixelFormat::RGB), ImageError);
  EXPECT_THROW(stylizer.stylize(cv::Mat(1, 1, CV_8UC3, cv::Scalar::all(9)), PixelFormat::RGB), ImageError);
  EXPECT_THROW(stylizer.stylize(cv::Mat(7, 3, CV_8UC3, cv::Scalar::all(9)), PixelFormat::RGB), ImageError);
  EXPECT_THROW(stylizer.stylize(cv::Mat(32, 32, CV_8UC3), PixelFormat::RGBA), ImageError);
  EXPECT_THROW(stylizer.setStyle(cv::Mat(), PixelFormat::RGB), ImageError);
  EXPECT_THROW(stylizeTensor(stylizer, torch::zeros({1, 3, 8, 8})), ImageError);
  EXPECT_THROW(stylizeTensor(stylizer, torch::zeros({3, 32, 32})), ImageError);
}

TEST(Stylizer, NoStyleIsAnImageError) {
  Stylizer stylizer(randomWeights(1), DeviceKind::CPU, fastOptions(1));
  EXPECT_FALSE(stylizer.hasStyle());
  EXPECT_THROW(stylizer.stylize(test::syntheticRgb({32, 24}, 3), PixelFormat::RGB), ImageError);
}

TEST(Stylizer, InvalidOptionsAreRejected) {
  auto stylizer = makeStylizer(1);
  auto options = stylizer.options();
  options.content_layer = "conv9_9";
  EXPECT_THROW(stylizer.setOptions(options), OptionsError);
  EXPECT_EQ(stylizer.options().content_layer, "conv4_2");  // unchanged after a refusal
  EXPECT_THROW(Stylizer(randomWeights(1), DeviceKind::CPU, options), OptionsError);
}

TEST(Device, AutoPicksWhatIsAvailableAndCudaFailsClearlyWithoutIt) {
  EXPECT_EQ(resolveDevice(DeviceKind::CPU), torch::Device(torch::kCPU));
  if (torch::cuda::is_available()) {
    EXPECT_TRUE(resolveDevice(DeviceKind::Auto).is_cuda());
    EXPECT_TRUE(resolveDevice(DeviceKind::CUDA).is_cuda());
  } else {
    EXPECT_TRUE(resolveDevice(DeviceKind::Auto).is_cpu());
    EXPECT_THROW(resolveDevice(DeviceKind::CUDA), DeviceError);
    EngineOptions engine;
    engine.weights = "random:1";
    engine.device = DeviceKind::CUDA;
    EXPECT_THROW(Stylizer{engine}, DeviceError);
  }
}

TEST(Threads, AreSetExplicitly) {
  configureThreads(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  configureThreads(0);
  EXPECT_EQ(at::get_num_threads(), static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_THROW(configureThreads(-1), OptionsError);
}

TEST(GramMatrix, IsTheUnnormalisedProduct) {
  const auto feature = torch::arange(12, torch::kFloat32).view({1, 2, 2, 3});
  const auto gram = gramMatrix(feature);
  // rows: [0..5] and [6..11]
  EXPECT_FLOAT_EQ(gram[0][0].item<float>(), 55.0f);
  EXPECT_FLOAT_EQ(gram[0][1].item<float>(), 145.0f);
  EXPECT_FLOAT_EQ(gram[1][1].item<float>(), 451.0f);
}

TEST(Stylizer, LbfgsReachesALowerLossThanAdamInTheSameSteps) {
  const cv::Mat content = test::syntheticRgb({32, 24}, 3);
  auto adam = makeStylizer(6);
  auto lbfgs = makeStylizer(6);
  auto options = lbfgs.options();
  options.optimizer = Optimizer::LBFGS;
  options.learning_rate = 1.0;
  lbfgs.setOptions(options);
  std::vector<int> reported;
  const auto lbfgs_result = lbfgs.stylize(content, PixelFormat::RGB,
                                          [&](const Progress& p) { reported.push_back(p.step); });
  const auto adam_result = adam.stylize(content, PixelFormat::RGB);
  EXPECT_EQ(reported, (std::vector<int>{1, 2, 3, 4, 5, 6}));  // one evaluation a step
  EXPECT_LT(lbfgs_result.final_losses.total, 0.5 * adam_result.final_losses.total);
}

TEST(Stylizer, Bfloat16PrecisionStaysCloseToFloat32AndStillOptimises) {
  configureThreads(2);
  const cv::Mat content = test::syntheticRgb({32, 24}, 3);
  const cv::Mat style = test::syntheticRgb({40, 40}, 99);
  auto options = fastOptions(4);
  options.learning_rate = 0.05;
  Stylizer exact(randomWeights(9), DeviceKind::CPU, options);
  Stylizer reduced(randomWeights(9), DeviceKind::CPU, options, Precision::BFloat16);
  EXPECT_EQ(reduced.precision(), Precision::BFloat16);
  for (const auto& parameter : featureNetwork(reduced)->parameters())
    EXPECT_EQ(parameter.scalar_type(), torch::kBFloat16);
  exact.setStyle(style, PixelFormat::RGB);
  reduced.setStyle(style, PixelFormat::RGB);
  std::vector<double> exact_losses, reduced_losses;
  const auto exact_result = exact.stylize(content, PixelFormat::RGB, [&](const Progress& p) {
    exact_losses.push_back(p.losses.total);
  });
  const auto reduced_result = reduced.stylize(content, PixelFormat::RGB, [&](const Progress& p) {
    reduced_losses.push_back(p.losses.total);
  });
  ASSERT_EQ(reduced_losses.size(), 4u);
  EXPECT_NEAR(reduced_losses[0], exact_losses[0], 0.05 * exact_losses[0]);
  EXPECT_NE(reduced_losses[0], exact_losses[0]);  // it really ran in bfloat16
  EXPECT_LT(reduced_losses.back(), reduced_losses.front());
  EXPECT_LE(cv::norm(reduced_result.image, exact_result.image, cv::NORM_L1) / content.total() / 3, 3.0);
}

TEST(StyleLayerLoss, HandWrittenBackwardEqualsAutogradsInBothLayouts) {
  for (const auto format : {torch::MemoryFormat::Contiguous, torch::MemoryFormat::ChannelsLast}) {
    const auto base = torch::rand({1, 8, 5, 7}, torch::kFloat64).contiguous(format);
    const auto target = torch::rand({8, 8}, torch::kFloat64);
    auto mine = base.clone().set_requires_grad(true);
    const auto loss = neuralstyle::detail::styleLayerLoss(mine, target, 0.75);
    loss.backward();
    auto plain = base.clone().set_requires_grad(true);
    const auto flat = plain.reshape({8, 35});
    const auto expected = 0.75 * torch::mean((torch::mm(flat, flat.t()) - target).pow(2)) / 280.0;
    expected.backward();
    EXPECT_NEAR(loss.item<double>(), expected.item<double>(), 1e-12);
    EXPECT_TRUE(torch::allclose(mine.grad(), plain.grad(), 1e-10, 1e-12));
    EXPECT_EQ(mine.grad().sizes(), base.sizes());
  }
}

// SqueezeNet 1.1 with its own defaults (the ImageNet weights where ../shared has them).
TEST(SqueezeNetStylizer, RunsWithItsDefaultsAndLowersTheStyleLoss) {
  configureThreads(2);
  StyleOptions options = fastOptions(10);
  options.max_size = 48;
  Stylizer stylizer(loadWeights(test::squeezeNetWeights()), DeviceKind::CPU, options);
  EXPECT_EQ(stylizer.network(), Network::SqueezeNet1_1);
  EXPECT_EQ(stylizer.options().content_layer, networkDefaults(Network::SqueezeNet1_1).content_layer);
  EXPECT_DOUBLE_EQ(*stylizer.options().learning_rate, 0.02);
  stylizer.setStyle(test::syntheticRgb({40, 40}, 99), PixelFormat::RGB);
  std::vector<Losses> losses;
  const auto result = stylizer.stylize(test::syntheticRgb({48, 40}, 3), PixelFormat::RGB,
                                       [&](const Progress& p) { losses.push_back(p.losses); });
  ASSERT_EQ(losses.size(), 10u);
  EXPECT_LT(losses.back().style, losses.front().style);
  EXPECT_EQ(result.image.size(), cv::Size(48, 40));
  // A VGG19 layer name is refused, naming the network; the options in force stay.
  auto vgg_layers = stylizer.options();
  vgg_layers.content_layer = "conv4_2";
  EXPECT_THROW(stylizer.setOptions(vgg_layers), OptionsError);
  EXPECT_EQ(stylizer.options().content_layer, "fire4");
}

TEST(SqueezeNetStylizer, SmallImagesAreProcessedAtTheNetworksMinimumSide) {
  configureThreads(2);
  Stylizer stylizer(randomWeights(2, Network::SqueezeNet1_1), DeviceKind::CPU, fastOptions(1));
  // fire6, the deepest default layer, sits behind conv1 and three poolings.
  EXPECT_EQ(stylizer.minimumSide(), 17);
  stylizer.setStyle(test::syntheticRgb({20, 20}, 5), PixelFormat::RGB);
  const auto result = stylizer.stylize(test::syntheticRgb({16, 16}, 4), PixelFormat::RGB);
  EXPECT_EQ(result.image.size(), cv::Size(16, 16));
  // The tensor entry point takes the size as given and says what it needs.
  const auto tiny = torch::zeros({1, 3, 16, 16});
  try {
    stylizeTensor(stylizer, tiny);
    FAIL() << "16x16 is below SqueezeNet's minimum for fire6";
  } catch (const ImageError& e) {
    EXPECT_NE(std::string(e.what()).find("squeezenet1_1 up to fire6 (at least 17"), std::string::npos)
        << e.what();
  }
}
