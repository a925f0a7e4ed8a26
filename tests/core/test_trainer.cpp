// SPDX-License-Identifier: LGPL-2.1-or-later
// The trainer on tiny crops with a random SqueezeNet: it learns, it is deterministic, it
// resumes bit for bit, its exports run in both engines as its own forward pass does, and
// bad data, styles and checkpoints are refused with messages that name them.
#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <onnx/onnx_pb.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <torch/torch.h>

#include "feed_forward_engine.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/trainer.hpp"
#include "synthetic_motion.hpp"
#include "training_data.hpp"
#include "test_support.hpp"

using namespace neuralstyle;
namespace fs = std::filesystem;

namespace {

void writeRgb(const std::string& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  ASSERT_TRUE(cv::imwrite(path, bgr)) << path;
}

// A data folder of `images` synthetic pictures and a style image beside it.
struct TinySet {
  test::TempDir dir;
  std::string data, style;
  explicit TinySet(int images = 6) {
    data = dir.file("data");
    fs::create_directories(data);
    for (int i = 0; i < images; ++i)
      writeRgb(data + "/image" + std::to_string(i) + ".png", test::syntheticRgb(cv::Size(48, 40), 100 + i));
    style = dir.file("style.png");
    cv::Mat stripes(64, 64, CV_8UC3);
    for (int y = 0; y < 64; ++y)
      for (int x = 0; x < 64; ++x)
        stripes.at<cv::Vec3b>(y, x) = ((x + y) / 4) % 2 ? cv::Vec3b(230, 200, 40) : cv::Vec3b(20, 40, 160);
    writeRgb(style, stripes);
  }
};

TrainOptions tinyOptions(const TinySet& set) {
  TrainOptions options;
  options.style = set.style;
  options.data = {set.data};
  options.weights = "random:3";
  options.network = Network::SqueezeNet1_1;
  options.batch_size = 2;
  options.crop_size = 32;
  options.style_size = 64;
  options.width = 4;
  options.residual_blocks = 1;
  options.learning_rate = 1e-2;
  options.held_out = 0.3;
  options.threads = 1;
  options.seed = 7;
  // Weights of their own, so that a change of the network's defaults (set for ImageNet
  // features) leaves these random-feature runs as they are.
  options.style_weight = 1.0;
  options.temporal_weight = 0.0;
  return options;
}

std::vector<TrainLosses> steps(Trainer& trainer, int count) {
  std::vector<TrainLosses> losses;
  for (int i = 0; i < count; ++i) losses.push_back(trainer.step());
  return losses;
}

cv::Mat probe() {
  cv::Mat rgb = test::syntheticRgb(cv::Size(36, 28), 5), probe;
  rgb.convertTo(probe, CV_32FC3);
  return probe;
}

double maxRelativeDifference(const cv::Mat& a, const cv::Mat& b) {
  return cv::norm(a, b, cv::NORM_INF) / std::max(1.0, cv::norm(b, cv::NORM_INF));
}

std::string errorOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

}  // namespace

TEST(Trainer, AFewIterationsLowerTheHeldOutLoss) {
  TinySet set;
  Trainer trainer(tinyOptions(set));
  const TrainLosses before = trainer.evaluate();
  steps(trainer, 40);
  const TrainLosses after = trainer.evaluate();
  EXPECT_EQ(trainer.iteration(), 40);
  EXPECT_LT(after.total, 0.9 * before.total) << "before " << before.total << " after " << after.total;
  EXPECT_GT(after.content, 0.0);
  EXPECT_GT(after.style, 0.0);
}

// Iterations reuse CPU memory as the optimisation's steps do (tensor_memory_cache.hpp):
// the first installs the core's allocator, TrainOptions::tensor_cache = false (the CLI's
// NEURALSTYLE_TENSOR_CACHE=0) turns that off. In fresh processes: it is installed once a
// process.
TEST(Trainer, IterationsReuseTensorMemoryUnlessTurnedOff) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const TinySet set;
  const auto firstIterationInstalls = [&set](bool tensor_cache) {
    TrainOptions options = tinyOptions(set);
    options.tensor_cache = tensor_cache;
    Trainer trainer(options);
    c10::Allocator* before = c10::GetCPUAllocator();
    trainer.step();
    return c10::GetCPUAllocator() != before;
  };
  EXPECT_EXIT(std::exit(firstIterationInstalls(true) ? 0 : 1), testing::ExitedWithCode(0), "");
  EXPECT_EXIT(std::exit(firstIterationInstalls(false) ? 1 : 0), testing::ExitedWithCode(0), "");
}

TEST(Trainer, TheSeedMakesTrainingDeterministic) {
  TinySet set;
  Trainer a(tinyOptions(set)), b(tinyOptions(set));
  const auto losses_a = steps(a, 4), losses_b = steps(b, 4);
  for (size_t i = 0; i < losses_a.size(); ++i) EXPECT_EQ(losses_a[i].total, losses_b[i].total) << i;
  EXPECT_EQ(cv::norm(a.forward(probe()), b.forward(probe()), cv::NORM_INF), 0.0);

  auto other_seed = tinyOptions(set);
  other_seed.seed = 8;
  Trainer c(other_seed);
  EXPECT_NE(steps(c, 4).back().total, losses_a.back().total);
}

TEST(Trainer, ResumeContinuesBitForBitLikeAnUninterruptedRun) {
  TinySet set;
  Trainer uninterrupted(tinyOptions(set));
  const auto expected = steps(uninterrupted, 6);

  const std::string checkpoint = set.dir.file("run.checkpoint.safetensors");
  {
    Trainer first(tinyOptions(set));
    steps(first, 3);
    first.saveCheckpoint(checkpoint);
  }
  Trainer resumed(tinyOptions(set));
  resumed.resume(checkpoint);
  EXPECT_EQ(resumed.iteration(), 3);
  const auto rest = steps(resumed, 3);
  for (size_t i = 0; i < rest.size(); ++i) EXPECT_EQ(rest[i].total, expected[3 + i].total) << "iteration " << 4 + i;
  EXPECT_EQ(cv::norm(resumed.forward(probe()), uninterrupted.forward(probe()), cv::NORM_INF), 0.0);
}

TEST(Trainer, ATemporalLossRunResumesBitForBitToo) {
  TinySet set;
  auto options = tinyOptions(set);
  options.temporal_weight = 100.0;
  Trainer uninterrupted(options);
  const auto expected = steps(uninterrupted, 4);
  EXPECT_GT(expected.back().temporal, 0.0);
  const std::string checkpoint = set.dir.file("temporal.checkpoint.safetensors");
  {
    Trainer first(options);
    steps(first, 2);
    first.saveCheckpoint(checkpoint);
  }
  Trainer resumed(options);
  resumed.resume(checkpoint);
  const auto rest = steps(resumed, 2);
  EXPECT_EQ(rest[0].total, expected[2].total);
  EXPECT_EQ(rest[1].total, expected[3].total);
}

TEST(Trainer, ExportsRunInOpenCvAndLibTorchAsTheTrainersForwardPass) {
  TinySet set;
  Trainer trainer(tinyOptions(set));
  steps(trainer, 3);
  const std::string onnx = set.dir.file("model.onnx"), safetensors = set.dir.file("model.safetensors");
  trainer.exportOnnx(onnx);
  trainer.exportSafetensors(safetensors);
  const cv::Mat expected = trainer.forward(probe());

  const auto opencv = neuralstyle::detail::openOpenCvNetwork(onnx, FeedForwardDevice::Cpu, 1);
  EXPECT_LT(maxRelativeDifference(opencv->run(probe()), expected), 1e-4);
  const auto libtorch = neuralstyle::detail::openLibTorchNetwork(safetensors, FeedForwardDevice::Cpu, 1,
                                                                    /*tensor_cache=*/true);
  EXPECT_LT(maxRelativeDifference(libtorch->run(probe()), expected), 1e-4);

  // The bound is in the graph: never outside 0..255, whatever the input.
  cv::Mat extreme(32, 32, CV_32FC3, cv::Scalar(5000, -5000, 255));
  double low = 0, high = 0;
  cv::minMaxLoc(opencv->run(extreme).reshape(1), &low, &high);
  EXPECT_GE(low, 0.0);
  EXPECT_LE(high, 255.0);
}

TEST(Trainer, TheOnnxExportIsOpset9WithoutIdentityNodesAndNamesWhatMadeIt) {
  TinySet set;
  Trainer trainer(tinyOptions(set));
  steps(trainer, 2);
  const std::string path = set.dir.file("model.onnx");
  trainer.exportOnnx(path);
  onnx::ModelProto model;
  std::ifstream file(path, std::ios::binary);
  ASSERT_TRUE(model.ParseFromIstream(&file));
  ASSERT_EQ(model.opset_import_size(), 1);
  EXPECT_EQ(model.opset_import(0).version(), 9);
  for (const auto& node : model.graph().node()) EXPECT_NE(node.op_type(), "Identity");
  std::map<std::string, std::string> metadata;
  for (const auto& entry : model.metadata_props()) metadata[entry.key()] = entry.value();
  EXPECT_EQ(metadata["style"], "style.png");
  EXPECT_EQ(metadata["style_sha256"].size(), 64u);
  EXPECT_EQ(metadata["network"], "squeezenet1_1");
  EXPECT_EQ(metadata["iterations"], "2");
  EXPECT_EQ(metadata["convention"], "rgb-0-255");
  EXPECT_EQ(metadata["output"], "bounded");
  EXPECT_FALSE(metadata["style_weight"].empty());
  EXPECT_FALSE(metadata["style_layers"].empty());
}

TEST(Trainer, LargeLossesAndAHighLearningRateStayFinite) {
  TinySet set;
  auto options = tinyOptions(set);
  options.learning_rate = 0.2;
  options.style_weight = 1e6;
  options.temporal_weight = 1e6;
  Trainer trainer(options);
  for (const auto& losses : steps(trainer, 25)) ASSERT_TRUE(std::isfinite(losses.total));
  cv::Mat output = trainer.forward(probe());
  EXPECT_TRUE(cv::checkRange(output));
}

TEST(Trainer, VideoFramesAreTrainingData) {
  TinySet set(2);
  cv::VideoWriter video(set.data + "/clip.avi", cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 10, cv::Size(48, 40));
  ASSERT_TRUE(video.isOpened());
  for (int i = 0; i < 5; ++i) video.write(test::syntheticRgb(cv::Size(48, 40), 200 + i));
  video.release();
  auto options = tinyOptions(set);
  options.held_out = 0.0;
  Trainer trainer(options);
  EXPECT_EQ(trainer.data().sources, 3);
  EXPECT_EQ(trainer.data().training_images + trainer.data().held_out_images, 2 + 5);
  EXPECT_TRUE(std::isfinite(trainer.step().total));
}

TEST(Trainer, BadDataAndStylesAreClearErrors) {
  TinySet set(1);
  auto options = tinyOptions(set);
  const std::string empty = set.dir.file("empty");
  fs::create_directories(empty);
  options.data = {empty};
  EXPECT_NE(errorOf([&] { Trainer t(options); }).find("no image or video that can be read in '" + empty), std::string::npos);

  options.data = {set.dir.file("missing")};
  EXPECT_NE(errorOf([&] { Trainer t(options); }).find("does not exist"), std::string::npos);

  const std::string corrupt = set.dir.file("corrupt");
  fs::create_directories(corrupt);
  std::ofstream(corrupt + "/broken.jpg") << "not a jpeg";
  options.data = {corrupt};
  const auto message = errorOf([&] { Trainer t(options); });
  EXPECT_NE(message.find("broken.jpg"), std::string::npos) << message;

  options.data = {set.data};  // one image: nothing to hold out
  EXPECT_NE(errorOf([&] { Trainer t(options); }).find("at least 2"), std::string::npos);

  options = tinyOptions(set);
  options.style = set.dir.file("no-such-style.jpg");
  EXPECT_NE(errorOf([&] { Trainer t(options); }).find("no-such-style.jpg"), std::string::npos);
}

TEST(Trainer, ACheckpointOfAnotherArchitectureIsRefusedNamingBoth) {
  TinySet set;
  const std::string checkpoint = set.dir.file("narrow.checkpoint.safetensors");
  Trainer(tinyOptions(set)).saveCheckpoint(checkpoint);
  auto wider = tinyOptions(set);
  wider.width = 8;
  Trainer trainer(wider);
  const auto message = errorOf([&] { trainer.resume(checkpoint); });
  EXPECT_NE(message.find("width 4 with 1 residual blocks"), std::string::npos) << message;
  EXPECT_NE(message.find("width 8 with 1 residual blocks"), std::string::npos) << message;

  const std::string model = set.dir.file("model.safetensors");
  trainer.exportSafetensors(model);
  EXPECT_NE(errorOf([&] { trainer.resume(model); }).find("not a training checkpoint"), std::string::npos);
}

TEST(Trainer, AnExportLoadsBackToJudgeOrFineTuneAndAnotherArchitectureIsRefused) {
  TinySet set;
  Trainer trained(tinyOptions(set));
  steps(trained, 3);
  const std::string model = set.dir.file("model.safetensors");
  trained.exportSafetensors(model);

  auto other_seed = tinyOptions(set);
  other_seed.seed = 11;  // other initial weights, so that loading is what makes them equal
  Trainer loaded(other_seed);
  ASSERT_GT(cv::norm(loaded.forward(probe()), trained.forward(probe()), cv::NORM_INF), 0.0);
  loaded.loadModel(model);
  EXPECT_EQ(cv::norm(loaded.forward(probe()), trained.forward(probe()), cv::NORM_INF), 0.0);
  EXPECT_EQ(loaded.iteration(), 3);

  const std::string checkpoint = set.dir.file("run.checkpoint.safetensors");
  trained.saveCheckpoint(checkpoint);
  Trainer from_checkpoint(other_seed);
  from_checkpoint.loadModel(checkpoint);
  EXPECT_EQ(cv::norm(from_checkpoint.forward(probe()), trained.forward(probe()), cv::NORM_INF), 0.0);

  auto wider = tinyOptions(set);
  wider.width = 8;
  Trainer other(wider);
  const auto message = errorOf([&] { other.loadModel(model); });
  EXPECT_NE(message.find("width 4 with 1 residual blocks"), std::string::npos) << message;
  EXPECT_NE(message.find("width 8 with 1 residual blocks"), std::string::npos) << message;
  EXPECT_NE(errorOf([&] { other.loadModel(set.style); }).find("style.png"), std::string::npos);
}

// Johnson et al.'s measure: L-BFGS from the content, on the training losses, counts its
// steps until it does as well as the network.
TEST(Trainer, EquivalentStepsCountTheOptimisationsStepsToTheNetworksLoss) {
  TinySet set;
  Trainer trainer(tinyOptions(set));
  steps(trainer, 40);
  const cv::Mat image = test::syntheticRgb(cv::Size(40, 32), 21);
  const EquivalentSteps result = trainer.equivalentSteps(image, 30);
  const auto& losses = result.optimisation_losses;
  ASSERT_FALSE(losses.empty());
  EXPECT_GT(result.network_loss, 0.0);
  // A trained network does better than its input, so the optimisation needs steps.
  EXPECT_GT(losses.front(), result.network_loss);
  ASSERT_GE(result.steps, 1) << "network " << result.network_loss << ", optimisation at 30 steps " << losses.back();
  ASSERT_EQ(losses.size(), static_cast<size_t>(result.steps) + 1);
  EXPECT_LE(losses.back(), result.network_loss);
  for (int step = 0; step < result.steps; ++step) EXPECT_GT(losses[step], result.network_loss) << step;

  // Fewer steps allowed than needed: not reached, and the curve is the same so far.
  const EquivalentSteps cut = trainer.equivalentSteps(image, result.steps - 1);
  EXPECT_EQ(cut.steps, -1);
  ASSERT_EQ(cut.optimisation_losses.size(), static_cast<size_t>(result.steps));
  for (size_t i = 0; i < cut.optimisation_losses.size(); ++i) EXPECT_EQ(cut.optimisation_losses[i], losses[i]) << i;
}

TEST(TrainOptions, EveryOptionChecksItsValueAndNamesItself) {
  TrainOptions defaults;
  for (const auto& spec : trainOptionSpecs()) {
    SCOPED_TRACE(spec.name);
    EXPECT_FALSE(spec.doc.empty());
    TrainOptions options;
    // The default reads back through its own text.
    if (const auto text = formatOptionValue(spec, spec.get(defaults)); !text.empty() && !spec.repeatable) {
      spec.set(options, parseOptionValue(spec, text));
      EXPECT_EQ(formatOptionValue(spec, spec.get(options)), text);
    }
    if (spec.name == "style-layer-weights") {  // text whose form the setter checks
      EXPECT_THROW(spec.set(options, parseOptionValue(spec, "nonsense-value")), OptionsError);
      continue;
    }
    if (spec.type == OptionType::Text) continue;  // a path or a name, checked when used
    const auto message = errorOf([&] { parseOptionValue(spec, "nonsense-value"); });
    EXPECT_EQ(message.rfind(spec.name, 0), 0u) << message;
  }
  // Values set in code meet the same ranges in validate().
  TrainOptions no_batch;
  no_batch.style = "s.jpg";
  no_batch.data = {"d"};
  no_batch.batch_size = 0;
  EXPECT_EQ(errorOf([&] { no_batch.validate(); }).rfind("batch-size must be between 1 and 256", 0), 0u);
  TrainOptions opencl = no_batch;
  opencl.batch_size = 4;
  opencl.device = FeedForwardDevice::OpenCL;
  EXPECT_EQ(errorOf([&] { opencl.validate(); }).rfind("device must be one of auto|cpu|cuda", 0), 0u);
  TrainOptions odd_crop;
  odd_crop.style = "s.jpg";
  odd_crop.data = {"d"};
  odd_crop.crop_size = 30;
  EXPECT_NE(errorOf([&] { odd_crop.validate(); }).find("multiple of 4"), std::string::npos);
}

TEST(SyntheticMotion, AnOutputThatFollowsTheMotionHasNoTemporalLoss) {
  std::mt19937_64 random(3);
  neuralstyle::detail::SyntheticMotion motion(random, 2, torch::kCPU);
  const auto images = torch::rand({2, 3, 32, 32}) * 255;
  const auto moved = motion.warp(images);
  // f = identity follows any motion exactly; noise on the moved output does not.
  EXPECT_EQ(neuralstyle::detail::temporalLoss(images, moved, motion).item<double>(), 0.0);
  EXPECT_GT(neuralstyle::detail::temporalLoss(images, moved + torch::randn_like(moved) * 10, motion).item<double>(), 1e-4);
  const auto mask = motion.validMask(32, 32);
  EXPECT_GT(mask.mean().item<double>(), 0.6);  // a small motion keeps most pixels
  EXPECT_LT(mask.mean().item<double>(), 1.0);  // and moves some out
}

TEST(TrainingData, FlatCropsAreDrawnAgainAndTheSplitFollowsTheFileNames) {
  test::TempDir dir;
  const std::string data = dir.file("data");
  fs::create_directories(data);
  for (int i = 0; i < 4; ++i) {
    cv::Mat flat_then_textured(64, 128, CV_8UC3, cv::Scalar(90, 120, 200));  // left half flat
    test::syntheticRgb(cv::Size(64, 64), 300 + i).copyTo(flat_then_textured(cv::Rect(64, 0, 64, 64)));
    writeRgb(data + "/picture" + std::to_string(i) + ".png", flat_then_textured);
  }
  const neuralstyle::detail::TrainingData set({data}, 0.25, 32);
  EXPECT_EQ(set.summary().sources, 4);
  EXPECT_EQ(set.summary().held_out_images, 1);
  ASSERT_EQ(set.summary().held_out_sources.size(), 1u);
  EXPECT_EQ(fs::path(set.summary().held_out_sources[0]).parent_path(), fs::path(data));
  std::mt19937_64 random(1);
  const auto batch = set.batch(random, 64);
  ASSERT_EQ(batch.sizes(), (std::vector<int64_t>{64, 3, 32, 32}));
  const auto deviation = batch.flatten(2).std(2).amax(1);  // per crop, its most varied channel
  EXPECT_GE(deviation.min().item<double>(), neuralstyle::detail::TrainingData::kMinimumDeviation);

  // The same files elsewhere split the same way.
  const std::string copy = dir.file("copy");
  fs::copy(data, copy);
  const neuralstyle::detail::TrainingData again({copy}, 0.25, 32);
  EXPECT_EQ(cv::norm(again.heldOut()[0], set.heldOut()[0], cv::NORM_INF), 0.0);
}

// The network this repository ships (models/, trained by `neuralstyle train` on Debian's
// photographs: docs/training.md) is a trained Starry Night, not a random net: it passes
// the ONNX gate, names what made it, and turns red fruit into the painting's blues.
TEST(ShippedModel, IsATrainedStarryNightThatTheElementsEngineRuns) {
  const std::string path = std::string(NEURALSTYLE_MODELS_DIR) + "/starry_night.onnx";
  onnx::ModelProto model;
  std::ifstream file(path, std::ios::binary);
  ASSERT_TRUE(model.ParseFromIstream(&file)) << path;
  std::map<std::string, std::string> metadata;
  for (const auto& entry : model.metadata_props()) metadata[entry.key()] = entry.value();
  EXPECT_EQ(metadata["style"], "starry_night.jpg");
  EXPECT_EQ(metadata["network"], "squeezenet1_1");
  EXPECT_EQ(metadata["width"], "16");
  EXPECT_GE(std::stoi(metadata["iterations"]), 1000);
  EXPECT_LE(fs::file_size(path), 2u * 1024 * 1024);

  FeedForwardOptions options;
  options.model = path;
  options.max_size = 64;
  FeedForwardStylizer stylizer(options);
  const cv::Mat fruits = test::sampleImage("fruits.jpg");
  const cv::Mat stylised = stylizer.stylize(fruits);
  ASSERT_EQ(stylised.size(), fruits.size());
  const cv::Scalar before = cv::mean(fruits), after = cv::mean(stylised);  // RGB
  EXPECT_GT(before[0], before[2]) << "fruits.jpg is warm";
  EXPECT_GT(after[2], after[0]) << "Starry Night's output is blue: " << after;
  EXPECT_GT(cv::norm(fruits, stylised, cv::NORM_L1) / (fruits.total() * 3), 20.0);
}
