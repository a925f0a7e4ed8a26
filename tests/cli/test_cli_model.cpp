// SPDX-License-Identifier: LGPL-2.1-or-later
// `neuralstyle --model`: the parser's rules for a feed-forward network, and the binary
// on the generate_transformer_net fixture's small random network: a still matches torch
// eager, a pattern keeps its numbering, slices and --resume, --temporal-blend applies to
// sequences only, and a bad model is exit 4 with its name.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "cli_options.hpp"
#include "cli_process.hpp"
#include "cli_test_support.hpp"

namespace neuralstyle::cli {
namespace {

namespace fs = std::filesystem;
using test::Args;
using test::Outcome;
using test::runCli;
using test::TempDir;
using test::operator+;

std::string testData(const std::string& name) {
  const char* dir = std::getenv("NEURALSTYLE_TESTDATA");
  EXPECT_NE(dir, nullptr) << "NEURALSTYLE_TESTDATA is not set";
  return std::string(dir ? dir : ".") + "/" + name;
}

Options parsedModel(const Args& extra) {
  return parseArguments(Args{"--content", "in.png", "--model", "m.onnx", "--output", "out.png"} + extra)
      .options;
}

void expectUsageError(const Args& args, const std::string& reason) {
  try {
    parseArguments(args);
    ADD_FAILURE() << "no UsageError; expected: " << reason;
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
  }
}

TEST(CliModelOptions, ModelTakesThePlaceOfStyle) {
  const Options options = parsedModel({"--engine", "opencv", "--strength", "0.5", "--device", "cpu"});
  ASSERT_TRUE(options.feedForward());
  const FeedForwardOptions& network = options.feed_forward;
  EXPECT_EQ(network.model, "m.onnx");
  EXPECT_EQ(network.engine, FeedForwardEngine::OpenCV);
  EXPECT_EQ(network.strength, 0.5);
  EXPECT_EQ(network.device, FeedForwardDevice::Cpu);
  EXPECT_EQ(network.max_size, 0);  // unset: the input's own size
  EXPECT_TRUE(options.styles.empty());
  // The flags both kinds of run take land in the network's options, with its ranges.
  const Options shared = parsedModel({"--max-size", "8", "--threads", "3", "--preserve-colors", "--device", "opencl"});
  EXPECT_EQ(shared.feed_forward.max_size, 8);
  EXPECT_EQ(shared.feed_forward.threads, 3);
  EXPECT_TRUE(shared.feed_forward.preserve_colors);
  EXPECT_EQ(shared.feed_forward.device, FeedForwardDevice::OpenCL);
  EXPECT_EQ(shared.core.style.max_size, OptionSet{}.style.max_size);  // the optimisation's untouched
  const Options spelled =
      parseArguments(Args{"--content", "in.png", "--model-location", "n.onnx", "--output", "out.png"}).options;
  EXPECT_EQ(spelled.feed_forward.model, "n.onnx");
  expectUsageError({"--content", "in.png", "--output", "out.png"}, "--style is required (the style image), or --model");
}

TEST(CliModelOptions, TheOptimisationsOptionsAreRefusedWithModel) {
  const Args base{"--content", "in.png", "--model", "m.onnx", "--output", "out.png"};
  expectUsageError(base + Args{"--style", "s.png"}, "--style (the model's style is built in) applies to the optimisation");
  expectUsageError(base + Args{"--steps", "3"}, "--steps applies to the optimisation, not to --model");
  expectUsageError(base + Args{"--weights", "random"}, "--weights applies to the optimisation");
  expectUsageError(base + Args{"--temporal-weight", "1"}, "use --temporal-blend");
}

TEST(CliModelOptions, TheModelsOptionsNeedModelAndTheirRanges) {
  const Args base{"--content", "in.png", "--style", "s.png", "--output", "out.png"};
  expectUsageError(base + Args{"--strength", "0.5"}, "--strength applies only with --model");
  expectUsageError(base + Args{"--engine", "opencv"}, "--engine applies only with --model");
  expectUsageError(base + Args{"--temporal-blend", "0.5"}, "--temporal-blend applies only with --model");
  expectUsageError(base + Args{"--device", "opencl"}, "--device opencl applies only with --model");
  const Args model{"--content", "in.png", "--model", "m.onnx", "--output", "out.png"};
  expectUsageError(model + Args{"--strength", "1.5"}, "--strength must be between 0 and 1, got 1.5");
  expectUsageError(model + Args{"--temporal-blend", "1"}, "--temporal-blend must be between 0 and 0.99, got 1");
  expectUsageError(model + Args{"--engine", "tensorrt"}, "--engine must be auto, opencv or libtorch");
  // What the core's FeedForwardOptions::validate() refuses, before anything loads.
  expectUsageError(model + Args{"--engine", "libtorch"}, "engine 'libtorch' reads .safetensors models, not 'm.onnx'");
  expectUsageError(Args{"--content", "in.png", "--model", "m.safetensors", "--output", "out.png", "--engine",
                        "libtorch", "--device", "opencl"},
                   "--device opencl applies only to --engine opencv");
}

cv::Mat readRgb(const std::string& path) {
  cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
  EXPECT_FALSE(image.empty()) << path;
  if (!image.empty()) cv::cvtColor(image, image, cv::COLOR_BGR2RGB);
  return image;
}

TEST(CliModel, AStillMatchesTorchEagerWithEitherEngine) {
  TempDir dir;
  const cv::Mat expected = readRgb(testData("transformer_expected_63x47_max0.png"));
  for (const std::string model : {"transformer_net_opset11.onnx", "transformer_net.safetensors"}) {
    SCOPED_TRACE(model);
    const std::string output = (dir / "out.png");
    const Outcome outcome = runCli({"--content", testData("transformer_input_63x47.png"), "--model",
                                    testData(model), "--output", output, "--threads", "2"},
                                   dir);
    ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
    EXPECT_NE(outcome.err.find("frame 1/1 wrote"), std::string::npos) << outcome.err;
    EXPECT_LE(cv::norm(readRgb(output), expected, cv::NORM_INF), 1.0);
  }
}

TEST(CliModel, APatternKeepsItsNumberingSlicesAndResume) {
  TempDir dir;
  fs::create_directories((dir / "in"));
  fs::create_directories((dir / "out"));
  const cv::Mat input = cv::imread(testData("transformer_input_63x47.png"));
  ASSERT_FALSE(input.empty());
  for (int i = 1; i <= 4; ++i) {
    cv::Mat moved;
    const cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, i, 0, 1, 0);
    cv::warpAffine(input, moved, shift, input.size(), cv::INTER_LINEAR, cv::BORDER_REFLECT);
    cv::imwrite(dir / ("in/0000" + std::to_string(i) + ".png"), moved);
  }
  const Args run{"--content", (dir / "in/%05d.png"), "--model", testData("transformer_net_opset11.onnx"),
                 "--output", (dir / "out/%05d.png"), "--temporal-blend", "0.5"};
  // The slice of positions 1 and 2 only.
  Outcome outcome = runCli(run + Args{"--start", "1", "--count", "2"}, dir);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_FALSE(fs::exists((dir / "out/00001.png")));
  EXPECT_TRUE(fs::exists((dir / "out/00002.png")));
  EXPECT_TRUE(fs::exists((dir / "out/00003.png")));
  EXPECT_FALSE(fs::exists((dir / "out/00004.png")));
  // --resume does the rest and says so.
  outcome = runCli(run + Args{"--resume"}, dir);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.err.find("2 already complete"), std::string::npos) << outcome.err;
  for (int i = 1; i <= 4; ++i) EXPECT_TRUE(fs::exists((dir / ("out/0000" + std::to_string(i) + ".png")))) << i;
  // Everything done: --check finds nothing missing.
  outcome = runCli(run + Args{"--check"}, dir);
  EXPECT_EQ(outcome.exit_code, 0) << outcome.err;
}

TEST(CliModel, TemporalBlendIsForSequencesOnly) {
  TempDir dir;
  const Outcome outcome = runCli({"--content", testData("transformer_input_63x47.png"), "--model",
                                  testData("transformer_net_opset11.onnx"), "--output", (dir / "o.png"),
                                  "--temporal-blend", "0.5"},
                                 dir);
  EXPECT_EQ(outcome.exit_code, kExitUsage);
  EXPECT_NE(outcome.err.find("--temporal-blend applies only to a folder or a frame pattern"), std::string::npos)
      << outcome.err;
}

TEST(CliModel, AMissingOrBadModelIsExitFourNamingIt) {
  TempDir dir;
  const std::string content = testData("transformer_input_63x47.png");
  Outcome outcome = runCli({"--content", content, "--model", (dir / "none.onnx"), "--output", (dir / "o.png")}, dir);
  EXPECT_EQ(outcome.exit_code, kExitWeights) << outcome.err;
  EXPECT_NE(outcome.err.find("none.onnx"), std::string::npos) << outcome.err;
  test::writeText((dir / "text.onnx"), "not a model");
  outcome = runCli({"--content", content, "--model", (dir / "text.onnx"), "--output", (dir / "o.png")}, dir);
  EXPECT_EQ(outcome.exit_code, kExitWeights) << outcome.err;
  EXPECT_NE(outcome.err.find("text.onnx"), std::string::npos) << outcome.err;
  EXPECT_FALSE(fs::exists((dir / "o.png")));
}

}  // namespace
}  // namespace neuralstyle::cli
