// SPDX-License-Identifier: LGPL-2.1-or-later
// The feed-forward stylizer on a small random TransformerNet (the `transformernet`
// fixture, tests/reference/make_transformer_net.py): its output is torch eager's, the
// controls around the network do what they say, and bad models and options are refused
// with messages that name them, never a crash.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <c10/core/CPUAllocator.h>
#include <torch/torch.h>

#include "feed_forward_engine.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/feed_forward.hpp"
#include "test_support.hpp"
#include "transformer_net.hpp"  // internal: inference against the training forward

using namespace neuralstyle;
namespace fs = std::filesystem;

namespace {

const char* const kOpset9 = "transformer_net_opset9.onnx";
const char* const kOpset11 = "transformer_net_opset11.onnx";
const char* const kSafetensors = "transformer_net.safetensors";

cv::Mat readRgb(const std::string& path) {
  const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  EXPECT_FALSE(bgr.empty()) << path;
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cv::Mat testFrame() { return readRgb(test::testWeights("transformer_input_63x47.png")); }

FeedForwardOptions optionsFor(const std::string& model_file) {
  FeedForwardOptions options;
  options.model = test::testWeights(model_file);
  return options;
}

double maxDifference(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }
double meanDifference(const cv::Mat& a, const cv::Mat& b) {
  return cv::norm(a, b, cv::NORM_L1) / static_cast<double>(a.total() * a.channels());
}

// The frame with seeded noise of +-amplitude levels: a static scene as a camera sees it.
cv::Mat noisy(const cv::Mat& frame, unsigned seed, int amplitude = 6) {
  cv::Mat noise(frame.size(), CV_16SC3);
  cv::theRNG().state = seed;
  cv::randu(noise, -amplitude, amplitude + 1);
  cv::Mat out;
  cv::add(frame, noise, out, cv::noArray(), CV_8UC3);
  return out;
}

// What constructing a stylizer on `model` threw: "<type>: <message>", or "no error".
std::string outcomeOf(const FeedForwardOptions& options) {
  try {
    FeedForwardStylizer stylizer(options);
  } catch (const WeightsError& e) {
    return std::string("WeightsError: ") + e.what();
  } catch (const OptionsError& e) {
    return std::string("OptionsError: ") + e.what();
  } catch (const DeviceError& e) {
    return std::string("DeviceError: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("untyped: ") + e.what();
  }
  return "no error";
}

std::string outcomeOfModel(const std::string& path) {
  FeedForwardOptions options;
  options.model = path;
  options.engine = FeedForwardEngine::OpenCV;
  return outcomeOf(options);
}

// The outcome for the opset-`opset` export changed by `tamper`; expects a WeightsError
// naming the file.
std::string tamperedOutcome(const char* model_file,
                            const std::function<void(onnx::ModelProto&)>& tamper) {
  onnx::ModelProto model;
  {
    std::ifstream in(test::testWeights(model_file), std::ios::binary);
    EXPECT_TRUE(model.ParseFromIstream(&in));
  }
  tamper(model);
  test::TempDir dir;
  const auto path = dir.file("tampered.onnx");
  {
    std::ofstream out(path, std::ios::binary);
    model.SerializeToOstream(&out);
  }
  const auto outcome = outcomeOfModel(path);
  EXPECT_EQ(outcome.rfind("WeightsError: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find("tampered.onnx"), std::string::npos) << outcome;
  return outcome;
}

onnx::NodeProto& firstNode(onnx::ModelProto& model, const std::string& op) {
  for (auto& node : *model.mutable_graph()->mutable_node())
    if (node.op_type() == op) return node;
  throw std::runtime_error("no " + op + " node");
}

onnx::TensorProto& initializerNamed(onnx::ModelProto& model, const std::string& name) {
  for (auto& tensor : *model.mutable_graph()->mutable_initializer())
    if (tensor.name() == name) return tensor;
  throw std::runtime_error("no initializer " + name);
}

// A Constant node's value tensor, by the node's output name.
onnx::TensorProto& constantNamed(onnx::ModelProto& model, const std::string& name) {
  for (auto& node : *model.mutable_graph()->mutable_node())
    if (node.op_type() == "Constant" && node.output(0) == name)
      return *node.mutable_attribute(0)->mutable_t();
  throw std::runtime_error("no constant " + name);
}

}  // namespace

// --- the network's output ---------------------------------------------------------

static void expectTorchEagersOutput(const char* model_file) {
  const cv::Mat frame = testFrame();
  for (const int max_size : {0, 40}) {
    auto options = optionsFor(model_file);
    options.max_size = max_size;
    FeedForwardStylizer stylizer(options);
    EXPECT_EQ(stylizer.engine(), FeedForwardEngine::OpenCV);
    const cv::Mat styled = stylizer.stylize(frame);
    ASSERT_EQ(styled.size(), frame.size());
    ASSERT_EQ(styled.type(), CV_8UC3);
    const cv::Mat expected = readRgb(test::testWeights(
        "transformer_expected_63x47_max" + std::to_string(max_size) + ".png"));
    EXPECT_LE(maxDifference(styled, expected), 1.0) << model_file << " max_size " << max_size;
    EXPECT_GT(maxDifference(styled, frame), 40.0) << "the network changed nothing";
  }
}

TEST(FeedForward, MatchesTorchEagerAtOpset9) { expectTorchEagersOutput(kOpset9); }

TEST(FeedForward, MatchesTorchEagerAtOpset11) { expectTorchEagersOutput(kOpset11); }

TEST(FeedForward, ProcessingSizeRoundsToMultiplesOfFour) {
  using neuralstyle::detail::feedForwardProcessingSize;
  EXPECT_EQ(feedForwardProcessingSize({63, 47}, 0), cv::Size(64, 48));
  EXPECT_EQ(feedForwardProcessingSize({63, 47}, 40), cv::Size(40, 28));
  EXPECT_EQ(feedForwardProcessingSize({63, 47}, 100), cv::Size(64, 48));  // never enlarged
  EXPECT_EQ(feedForwardProcessingSize({1, 1}, 0), cv::Size(8, 8));
  EXPECT_EQ(feedForwardProcessingSize({1000, 10}, 100), cv::Size(100, 8));
}

TEST(FeedForward, TinyAndThinFramesKeepTheirSize) {
  FeedForwardStylizer stylizer(optionsFor(kOpset9));
  for (const cv::Size size : {cv::Size(1, 1), cv::Size(3, 2), cv::Size(200, 5)}) {
    const cv::Mat frame(size, CV_8UC3, cv::Scalar(10, 200, 90));
    const cv::Mat styled = stylizer.stylize(frame);
    EXPECT_EQ(styled.size(), size);
    EXPECT_EQ(styled.type(), CV_8UC3);
  }
}

TEST(FeedForward, OtherImageTypesAreImageErrors) {
  FeedForwardStylizer stylizer(optionsFor(kOpset9));
  EXPECT_THROW(stylizer.stylize(cv::Mat()), ImageError);
  EXPECT_THROW(stylizer.stylize(cv::Mat(8, 8, CV_8UC4, cv::Scalar::all(1))), ImageError);
  EXPECT_THROW(stylizer.stylize(cv::Mat(8, 8, CV_32FC3, cv::Scalar::all(1))), ImageError);
}

TEST(FeedForward, DescribeNamesEngineBackendAndTarget) {
  FeedForwardStylizer stylizer(optionsFor(kOpset9));
  const auto text = stylizer.describe();
  EXPECT_NE(text.find("OpenCV"), std::string::npos) << text;
  EXPECT_NE(text.find("target"), std::string::npos) << text;
  EXPECT_NE(text.find(kOpset9), std::string::npos) << text;
}

TEST(FeedForward, AMovedStylizerWorks) {
  FeedForwardStylizer first(optionsFor(kOpset9));
  const cv::Mat expected = first.stylize(testFrame());
  FeedForwardStylizer moved(std::move(first));
  EXPECT_EQ(maxDifference(moved.stylize(testFrame()), expected), 0.0);
}

// The LibTorch engine's frames reuse CPU memory as the optimisation's steps do
// (tensor_memory_cache.hpp): the first frame installs the core's allocator, and
// FeedForwardOptions::tensor_cache = false (the front ends' NEURALSTYLE_TENSOR_CACHE=0)
// turns that off. In fresh processes: it is installed once.
TEST(FeedForward, TheLibTorchEngineReusesTensorMemoryUnlessTurnedOff) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const auto firstFrameInstalls = [](bool tensor_cache) {
    FeedForwardOptions options = optionsFor(kSafetensors);
    options.device = FeedForwardDevice::Cpu;
    options.tensor_cache = tensor_cache;
    FeedForwardStylizer stylizer(options);
    c10::Allocator* before = c10::GetCPUAllocator();
    stylizer.stylize(testFrame());
    return c10::GetCPUAllocator() != before;
  };
  EXPECT_EXIT(std::exit(firstFrameInstalls(true) ? 0 : 1), testing::ExitedWithCode(0), "");
  EXPECT_EXIT(std::exit(firstFrameInstalls(false) ? 1 : 0), testing::ExitedWithCode(0), "");
}

// --- the controls around it -------------------------------------------------------------

TEST(FeedForward, StrengthZeroReturnsTheFrameExactly) {
  auto options = optionsFor(kOpset9);
  options.strength = 0.0;
  FeedForwardStylizer stylizer(options);
  const cv::Mat frame = testFrame();
  EXPECT_EQ(maxDifference(stylizer.stylize(frame), frame), 0.0);
}

TEST(FeedForward, StrengthBlendsWithTheFrame) {
  const cv::Mat frame = testFrame();
  const cv::Mat full = FeedForwardStylizer(optionsFor(kOpset9)).stylize(frame);
  auto options = optionsFor(kOpset9);
  options.strength = 0.25;
  const cv::Mat quarter = FeedForwardStylizer(options).stylize(frame);
  cv::Mat expected;
  cv::addWeighted(full, 0.25, frame, 0.75, 0.0, expected);
  EXPECT_LE(maxDifference(quarter, expected), 1.0);
}

TEST(FeedForward, PreserveColorsKeepsTheFramesChroma) {
  const cv::Mat frame = testFrame();
  const cv::Mat plain = FeedForwardStylizer(optionsFor(kOpset9)).stylize(frame);
  auto options = optionsFor(kOpset9);
  options.preserve_colors = true;
  const cv::Mat kept = FeedForwardStylizer(options).stylize(frame);
  cv::Mat frame_ycc, kept_ycc, plain_ycc;
  cv::cvtColor(frame, frame_ycc, cv::COLOR_RGB2YCrCb);
  cv::cvtColor(kept, kept_ycc, cv::COLOR_RGB2YCrCb);
  cv::cvtColor(plain, plain_ycc, cv::COLOR_RGB2YCrCb);
  std::vector<cv::Mat> f, k, p;
  cv::split(frame_ycc, f), cv::split(kept_ycc, k), cv::split(plain_ycc, p);
  // Round trips through 8-bit RGB move chroma by a level or two, except where the
  // result's luminance clips a colour at 0 or 255.
  EXPECT_LT(meanDifference(k[1], f[1]), 2.0);
  EXPECT_LT(meanDifference(k[2], f[2]), 2.0);
  EXPECT_GT(meanDifference(p[1], f[1]) + meanDifference(p[2], f[2]), 10.0)
      << "the network alone should change the colours";
  // Luminance is the network's where the frame's chroma on it fits in RGB; where it does
  // not (a bright output under a saturated frame colour), clipping lowers it.
  cv::Mat unclipped;
  cv::inRange(kept, cv::Scalar::all(1), cv::Scalar::all(254), unclipped);
  ASSERT_GT(cv::countNonZero(unclipped), static_cast<int>(kept.total() / 4));
  cv::Mat luma_difference;
  cv::absdiff(k[0], p[0], luma_difference);
  EXPECT_LT(cv::mean(luma_difference, unclipped)[0], 2.0) << "luminance is the network's";
}

// --- the model's convention, from its metadata ---------------------------------------

/// The opset-11 export with metadata_props {"convention": `convention`}, written to `dir`.
std::string withConvention(const test::TempDir& dir, const std::string& convention) {
  onnx::ModelProto model;
  {
    std::ifstream in(test::testWeights(kOpset11), std::ios::binary);
    EXPECT_TRUE(model.ParseFromIstream(&in));
  }
  auto* entry = model.add_metadata_props();
  entry->set_key("convention");
  entry->set_value(convention);
  const auto path = dir.file("convention-" + convention + ".onnx");
  std::ofstream out(path, std::ios::binary);
  model.SerializeToOstream(&out);
  return path;
}

cv::Mat swapRedAndBlue(const cv::Mat& image) {
  cv::Mat swapped;
  cv::cvtColor(image, swapped, cv::COLOR_RGB2BGR);
  return swapped;
}

TEST(FeedForward, AModelsMetadataConventionWinsOverTheDefault) {
  test::TempDir dir;
  const cv::Mat frame = testFrame();
  const cv::Mat rgb_model = FeedForwardStylizer(optionsFor(kOpset11)).stylize(frame);
  // Declared as the default: the same output.
  FeedForwardOptions declared;
  declared.model = withConvention(dir, "rgb-0-255");
  EXPECT_LE(maxDifference(FeedForwardStylizer(declared).stylize(frame), rgb_model), 1.0);
  // Declared BGR: the network sees the frame's channels swapped, and its output is read
  // swapped back: what the RGB model gives for the swapped frame, swapped.
  FeedForwardOptions bgr;
  bgr.model = withConvention(dir, "bgr-0-255");
  const cv::Mat expected = swapRedAndBlue(FeedForwardStylizer(optionsFor(kOpset11)).stylize(swapRedAndBlue(frame)));
  const cv::Mat result = FeedForwardStylizer(bgr).stylize(frame);
  EXPECT_LE(maxDifference(result, expected), 1.0);
  EXPECT_GT(maxDifference(result, rgb_model), 10.0) << "the convention changed nothing";
}

TEST(FeedForward, AnUnknownConventionIsAWeightsErrorNamingIt) {
  test::TempDir dir;
  const auto outcome = outcomeOfModel(withConvention(dir, "bgr-mean-subtracted"));
  EXPECT_EQ(outcome.rfind("WeightsError: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find("convention 'bgr-mean-subtracted'"), std::string::npos) << outcome;
  EXPECT_NE(outcome.find("convention-bgr-mean-subtracted.onnx"), std::string::npos) << outcome;
}

// --- options changed between frames ------------------------------------------------

/// A stream whose frames change size (new caps) or a new max_size: the network runs at
/// the new processing size as a fresh one would.
TEST(FeedForward, OneStylizerServesEveryFrameSize) {
  const cv::Mat frame = testFrame();
  cv::Mat small;
  cv::resize(frame, small, cv::Size(40, 30), 0, 0, cv::INTER_AREA);
  for (const char* model : {kOpset9, kOpset11, kSafetensors}) {
    SCOPED_TRACE(model);
    FeedForwardStylizer stylizer(optionsFor(model));
    stylizer.stylize(frame);
    EXPECT_LE(maxDifference(stylizer.stylize(small), FeedForwardStylizer(optionsFor(model)).stylize(small)), 1.0);
    EXPECT_LE(maxDifference(stylizer.stylize(frame), FeedForwardStylizer(optionsFor(model)).stylize(frame)), 1.0);
  }
}

TEST(FeedForward, AdjustTakesPerFrameOptionsWithoutANewNetwork) {
  const cv::Mat frame = testFrame();
  FeedForwardStylizer stylizer(optionsFor(kOpset9));
  const cv::Mat full = stylizer.stylize(frame);
  auto options = optionsFor(kOpset9);
  options.strength = 0.25;
  ASSERT_TRUE(stylizer.canAdjustTo(options));
  stylizer.adjust(options);
  cv::Mat expected;
  cv::addWeighted(full, 0.25, frame, 0.75, 0.0, expected);
  EXPECT_LE(maxDifference(stylizer.stylize(frame), expected), 1.0);
  EXPECT_EQ(stylizer.options().strength, 0.25);

  auto other_model = optionsFor(kOpset11);
  EXPECT_FALSE(stylizer.canAdjustTo(other_model));
  EXPECT_THROW(stylizer.adjust(other_model), OptionsError);
  auto other_threads = optionsFor(kOpset9);
  other_threads.threads = 3;
  EXPECT_FALSE(stylizer.canAdjustTo(other_threads));
  options.strength = 2;
  EXPECT_THROW(stylizer.adjust(options), OptionsError);
  EXPECT_EQ(stylizer.options().strength, 0.25) << "a refused adjustment changes nothing";
}

TEST(FeedForward, AdjustKeepsTheTemporalBlendUnlessTheProcessingSizeChanges) {
  const cv::Mat frame = testFrame();
  const cv::Mat brighter = frame + cv::Scalar::all(6);
  auto options = optionsFor(kOpset9);
  const cv::Mat alone = FeedForwardStylizer(options).stylize(brighter);
  options.temporal_blend = 0.8;
  FeedForwardStylizer stylizer(options);
  stylizer.stylize(frame);
  options.temporal_blend = 0.5;
  stylizer.adjust(options);
  EXPECT_GT(maxDifference(stylizer.stylize(brighter), alone), 2.0) << "the blend went on";

  options.max_size = 40;
  stylizer.adjust(options);
  auto unblended = optionsFor(kOpset9);
  unblended.max_size = 40;
  EXPECT_LE(maxDifference(stylizer.stylize(brighter), FeedForwardStylizer(unblended).stylize(brighter)), 1.0)
      << "another processing size starts afresh";
}

// --- the temporal blend -------------------------------------------------------------

TEST(FeedForward, TemporalBlendSettlesOnAStaticScene) {
  const cv::Mat frame = testFrame();
  const cv::Mat unblended = FeedForwardStylizer(optionsFor(kOpset9)).stylize(frame);
  auto options = optionsFor(kOpset9);
  options.temporal_blend = 0.8;
  FeedForwardStylizer stylizer(options);
  cv::Mat previous = stylizer.stylize(frame);
  EXPECT_EQ(maxDifference(previous, unblended), 0.0) << "the first frame has nothing to blend";
  double change = 0;
  for (int i = 0; i < 6; ++i) {
    const cv::Mat out = stylizer.stylize(frame);
    change = maxDifference(out, previous);
    EXPECT_LE(maxDifference(out, unblended), 2.0) << "frame " << i;
    previous = out;
  }
  EXPECT_LE(change, 1.0) << "the output stops changing";
}

TEST(FeedForward, TemporalBlendReducesFlickerOfANoisyStaticScene) {
  const cv::Mat frame = testFrame();
  auto flicker = [&](double blend) {
    auto options = optionsFor(kOpset9);
    options.temporal_blend = blend;
    FeedForwardStylizer stylizer(options);
    cv::Mat previous = stylizer.stylize(noisy(frame, 1));
    double total = 0;
    for (unsigned i = 2; i <= 6; ++i) {
      const cv::Mat out = stylizer.stylize(noisy(frame, i));
      total += meanDifference(out, previous);
      previous = out;
    }
    return total / 5;
  };
  const double without = flicker(0.0), with = flicker(0.8);
  EXPECT_GT(without, 1.0) << "the noise should make the network's output flicker";
  EXPECT_LT(with, 0.6 * without) << "mean change a frame: " << with << " blended, " << without
                                  << " not";
}

TEST(FeedForward, ResetSizeChangeAndSceneCutStartAfresh) {
  const cv::Mat frame = testFrame();
  FeedForwardStylizer plain(optionsFor(kOpset9));
  auto options = optionsFor(kOpset9);
  options.temporal_blend = 0.8;
  FeedForwardStylizer stylizer(options);
  for (unsigned i = 1; i <= 3; ++i) stylizer.stylize(noisy(frame, i));
  const cv::Mat next = noisy(frame, 4);
  EXPECT_GT(maxDifference(stylizer.stylize(noisy(frame, 5)), plain.stylize(noisy(frame, 5))), 0.0)
      << "blending should change something";
  stylizer.resetTemporal();
  EXPECT_EQ(maxDifference(stylizer.stylize(next), plain.stylize(next)), 0.0) << "after resetTemporal";

  cv::Mat larger;
  cv::resize(noisy(frame, 6), larger, {65, 49});
  EXPECT_EQ(maxDifference(stylizer.stylize(larger), plain.stylize(larger)), 0.0)
      << "after a size change";

  cv::Mat cut;  // an unrelated picture of the same size
  cv::flip(larger, cut, -1);
  cv::GaussianBlur(cut, cut, {0, 0}, 3);
  EXPECT_EQ(maxDifference(stylizer.stylize(cut), plain.stylize(cut)), 0.0) << "after a cut";
}

// --- bad models ----------------------------------------------------------------------

static std::vector<fs::path> hostileOnnxFiles() {
  const fs::path source = test::requiredEnv("NEURALSTYLE_SOURCE_DIR");
  std::vector<fs::path> files;
  for (const auto& dir : {source / "tests/data/hostile", source / ".." / "shared" / "hostile-inputs"}) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.path().extension() == ".onnx") files.push_back(entry.path());
  }
  return files;
}

TEST(FeedForward, HostileOnnxFilesAreWeightsErrorsNamingThem) {
  const auto files = hostileOnnxFiles();
  EXPECT_GE(files.size(), 3u);
  for (const auto& file : files) {
    const auto outcome = outcomeOfModel(file.string());
    EXPECT_EQ(outcome.rfind("WeightsError: ", 0), 0u) << file << ": " << outcome;
    EXPECT_NE(outcome.find(file.filename().string()), std::string::npos) << outcome;
  }
}

TEST(FeedForward, TheGateRefusesBadInstanceNormalization) {
  // The scale's dims disagree with the data it holds.
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              auto& norm = firstNode(m, "InstanceNormalization");
              initializerNamed(m, norm.input(1)).set_dims(0, 4096);
            }).find("holds"),
            std::string::npos);
  // Consistent in itself, but a bias of another length than the scale.
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              auto& norm = firstNode(m, "InstanceNormalization");
              auto& bias = initializerNamed(m, norm.input(2));
              bias.set_dims(0, bias.dims(0) - 1);
              bias.mutable_raw_data()->resize(bias.raw_data().size() - 4);
            }).find("must be float32 vectors of one length"),
            std::string::npos);
  // Scale computed by the graph instead of stored.
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              auto& norm = firstNode(m, "InstanceNormalization");
              norm.set_input(1, norm.input(0));
            }).find("must be stored"),
            std::string::npos);
}

TEST(FeedForward, TheGateRefusesBadPads) {
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              for (auto& attribute : *firstNode(m, "Pad").mutable_attribute())
                if (attribute.name() == "pads") attribute.mutable_ints()->Truncate(4);
            }).find("pads hold 4 values"),
            std::string::npos);
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              for (auto& attribute : *firstNode(m, "Pad").mutable_attribute())
                if (attribute.name() == "pads") attribute.set_ints(2, 100000);
            }).find("pads hold 100000"),
            std::string::npos);
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              for (auto& attribute : *firstNode(m, "Pad").mutable_attribute())
                if (attribute.name() == "mode") attribute.set_s("wrap");
            }).find("mode 'wrap'"),
            std::string::npos);
  // Opset 11: the pads tensor at the start of the chain, truncated (dims say more).
  EXPECT_NE(tamperedOutcome(kOpset11, [](onnx::ModelProto& m) {
              auto& shape = firstNode(m, "ConstantOfShape");
              auto& tensor = constantNamed(m, shape.input(0));
              tensor.set_dims(0, tensor.dims(0) + 1);
            }).find("holds"),
            std::string::npos);
}

TEST(FeedForward, TheGateRefusesBadUpsampling) {
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              firstNode(m, "Upsample").set_input(1, "missing_scales");
            }).find("reads 'missing_scales'"),
            std::string::npos);
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              auto& scales = constantNamed(m, firstNode(m, "Upsample").input(1));
              const float huge[4] = {1, 1, 4096, 4096};
              scales.set_raw_data(huge, sizeof huge);
            }).find("scale 4096"),
            std::string::npos);
  EXPECT_NE(tamperedOutcome(kOpset11, [](onnx::ModelProto& m) {
              auto& scales = constantNamed(m, firstNode(m, "Resize").input(2));
              const float shrink[4] = {1, 1, 0, 0};
              scales.set_raw_data(shrink, sizeof shrink);
            }).find("has scale 0"),
            std::string::npos);
}

TEST(FeedForward, TheGateRefusesOtherOperatorsAndShapes) {
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) { firstNode(m, "Relu").set_op_type("Loop"); })
                .find("not one that a feed-forward style network uses"),
            std::string::npos);
  EXPECT_NE(tamperedOutcome(kOpset9, [](onnx::ModelProto& m) {
              m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()
                  ->mutable_shape()->mutable_dim(1)->set_dim_value(4);
            }).find("not one RGB image"),
            std::string::npos);
  EXPECT_NE(tamperedOutcome(kOpset11, [](onnx::ModelProto& m) {
              auto& shape = firstNode(m, "ConstantOfShape");
              auto& tensor = constantNamed(m, shape.input(0));
              const int64_t huge = int64_t{1} << 40;
              tensor.set_raw_data(&huge, sizeof huge);
            }).find("would make a tensor"),
            std::string::npos);
}

TEST(FeedForward, MissingAndNonOnnxFilesAreWeightsErrors) {
  test::TempDir dir;
  auto outcome = outcomeOfModel(dir.file("absent.onnx"));
  EXPECT_EQ(outcome.rfind("WeightsError: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find("absent.onnx': no such file"), std::string::npos) << outcome;

  { std::ofstream(dir.file("text.onnx")) << "this is not a model\n"; }
  outcome = outcomeOfModel(dir.file("text.onnx"));
  EXPECT_EQ(outcome.rfind("WeightsError: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find("text.onnx"), std::string::npos) << outcome;

  fs::create_directory(dir.file("folder.onnx"));
  outcome = outcomeOfModel(dir.file("folder.onnx"));
  EXPECT_NE(outcome.find("folder.onnx': not a regular file"), std::string::npos) << outcome;

  // A VGG19 export (generate_test_weights runs before this test's fixture) is no style network.
  const fs::path vgg = fs::path(test::requiredEnv("NEURALSTYLE_TESTDATA")) / "vgg19.onnx";
  ASSERT_TRUE(fs::exists(vgg)) << vgg;
  outcome = outcomeOfModel(vgg.string());
  EXPECT_EQ(outcome.rfind("WeightsError: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find("not one that a feed-forward style network uses"), std::string::npos)
      << outcome;
}

TEST(FeedForward, CudaWithoutCudaIsADeviceError) {
  if (!cv::dnn::getAvailableTargets(cv::dnn::DNN_BACKEND_CUDA).empty())
    GTEST_SKIP() << "this OpenCV has CUDA";
  auto options = optionsFor(kOpset9);
  options.device = FeedForwardDevice::Cuda;
  const auto outcome = outcomeOf(options);
  EXPECT_EQ(outcome.rfind("DeviceError: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find("built without CUDA"), std::string::npos) << outcome;
}

// --- options -----------------------------------------------------------------------------

TEST(FeedForward, OptionsOutOfRangeAreRefused) {
  const auto refused = [](const std::function<void(FeedForwardOptions&)>& change,
                          const std::string& says) {
    auto options = optionsFor(kOpset9);
    change(options);
    try {
      options.validate();
      ADD_FAILURE() << "accepted; expected: " << says;
    } catch (const OptionsError& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
    EXPECT_EQ(outcomeOf(options).rfind("OptionsError: ", 0), 0u);
  };
  refused([](auto& o) { o.strength = -0.1; }, "strength");
  refused([](auto& o) { o.strength = 1.5; }, "strength");
  refused([](auto& o) { o.strength = std::nan(""); }, "strength");
  refused([](auto& o) { o.max_size = -1; }, "max-size -1");
  refused([](auto& o) { o.temporal_blend = 1.0; }, "temporal-blend");
  refused([](auto& o) { o.temporal_blend = -0.5; }, "temporal-blend");
  refused([](auto& o) { o.threads = -2; }, "threads");
  refused([](auto& o) { o.model.clear(); }, "no model");
  refused([](auto& o) {
    o.engine = FeedForwardEngine::OpenCV;
    o.model = "style.safetensors";
  }, "engine 'opencv' runs .onnx models");
  refused([](auto& o) { o.engine = FeedForwardEngine::LibTorch; }, "engine 'libtorch' reads .safetensors");
  auto options = optionsFor(kOpset9);
  options.strength = 0.0, options.temporal_blend = 0.99, options.max_size = 0;
  EXPECT_NO_THROW(options.validate());
}

TEST(FeedForward, EngineAndDeviceNamesRoundTrip) {
  for (const auto engine : {FeedForwardEngine::Auto, FeedForwardEngine::OpenCV, FeedForwardEngine::LibTorch})
    EXPECT_EQ(parseFeedForwardEngine(toString(engine)), engine);
  for (const auto device : {FeedForwardDevice::Auto, FeedForwardDevice::Cpu, FeedForwardDevice::OpenCL,
                            FeedForwardDevice::Cuda})
    EXPECT_EQ(parseFeedForwardDevice(toString(device)), device);
  EXPECT_THROW(parseFeedForwardEngine("onnxruntime"), OptionsError);
  EXPECT_THROW(parseFeedForwardDevice("gpu"), OptionsError);
}

// --- the LibTorch engine -------------------------------------------------------------

TEST(FeedForward, LibTorchMatchesTorchEagerAndOpenCv) {
  const cv::Mat frame = testFrame();
  for (const int max_size : {0, 40}) {
    auto options = optionsFor("transformer_net.safetensors");
    options.max_size = max_size;
    options.threads = 2;
    FeedForwardStylizer stylizer(options);
    EXPECT_EQ(stylizer.engine(), FeedForwardEngine::LibTorch) << "auto picks LibTorch for safetensors";
    EXPECT_NE(stylizer.describe().find("width 8, 2 residual blocks"), std::string::npos)
        << stylizer.describe();
    const cv::Mat styled = stylizer.stylize(frame);
    const cv::Mat expected = readRgb(test::testWeights(
        "transformer_expected_63x47_max" + std::to_string(max_size) + ".png"));
    EXPECT_LE(maxDifference(styled, expected), 1.0) << "max_size " << max_size;
    auto opencv = optionsFor(kOpset9);
    opencv.max_size = max_size;
    EXPECT_LE(maxDifference(styled, FeedForwardStylizer(opencv).stylize(frame)), 1.0);
  }
}

TEST(FeedForward, InferenceRunsTheResidualConvolutionsAsWinogradWithinFloatNoise) {
  // Width 8: the residual blocks have 32 channels, where the portable Winograd pays (at
  // outputs of 16x15 pixels or more).
  torch::manual_seed(11);
  neuralstyle::detail::TransformerNet net(8, 2, neuralstyle::detail::TransformerOutput::Bounded);
  net->eval();
  const auto input = torch::rand({1, 3, 64, 64}) * 255;  // residual blocks at 16x16
  const auto training_forward = net->forward(input);  // records a graph: LibTorch's convs
  ASSERT_TRUE(training_forward.requires_grad());
  torch::Tensor inference;
  {
    c10::InferenceMode inference_mode;  // as the LibTorch engine runs it
    inference = net->forward(input);
  }
  const auto difference = (inference - training_forward.detach()).abs();
  EXPECT_LT(difference.max().item<double>(), 1e-3) << "in 0..255";
  EXPECT_GT(difference.max().item<double>(), 0.0) << "the Winograd path did not run";
  // A change of the weights reaches the cached Winograd form.
  {
    torch::NoGradGuard no_grad;
    net->residuals[0]->conv1->conv2d->weight.mul_(-1);
  }
  const auto changed_reference = net->forward(input).detach();
  torch::NoGradGuard no_grad;
  EXPECT_LT((net->forward(input) - changed_reference).abs().max().item<double>(), 1e-3);
  EXPECT_GT((changed_reference - training_forward.detach()).abs().max().item<double>(), 0.1)
      << "the change did not reach the network";
}

namespace {

// pytorch/examples' state-dict names and shapes of a TransformerNet of width w with r
// residual blocks.
std::map<std::string, torch::Tensor> transformerTensors(int64_t w, int r) {
  std::map<std::string, torch::Tensor> tensors;
  const auto conv = [&](const std::string& name, int64_t in, int64_t out, int64_t k) {
    tensors[name + ".conv2d.weight"] = torch::randn({out, in, k, k});
    tensors[name + ".conv2d.bias"] = torch::randn({out});
  };
  const auto norm = [&](const std::string& name, int64_t c) {
    tensors[name + ".weight"] = torch::rand({c}) + 0.5;
    tensors[name + ".bias"] = torch::randn({c});
  };
  conv("conv1", 3, w, 9), norm("in1", w), conv("conv2", w, 2 * w, 3), norm("in2", 2 * w);
  conv("conv3", 2 * w, 4 * w, 3), norm("in3", 4 * w);
  for (int k = 1; k <= r; ++k) {
    const std::string res = "res" + std::to_string(k);
    conv(res + ".conv1", 4 * w, 4 * w, 3), norm(res + ".in1", 4 * w);
    conv(res + ".conv2", 4 * w, 4 * w, 3), norm(res + ".in2", 4 * w);
  }
  conv("deconv1", 4 * w, 2 * w, 3), norm("in4", 2 * w), conv("deconv2", 2 * w, w, 3);
  norm("in5", w), conv("deconv3", w, 3, 9);
  return tensors;
}

std::string libTorchOutcome(const std::map<std::string, torch::Tensor>& tensors) {
  test::TempDir dir;
  const auto path = dir.file("style.safetensors");
  test::writeSafetensors(path, tensors);
  auto options = optionsFor(kOpset9);
  options.model = path;
  return outcomeOf(options);
}

}  // namespace

TEST(FeedForward, LibTorchInfersTheLayoutAndRefusesMismatches) {
  auto tensors = transformerTensors(2, 3);
  EXPECT_EQ(libTorchOutcome(tensors), "no error");

  auto missing = tensors;
  missing.erase("in4.bias");
  auto outcome = libTorchOutcome(missing);
  EXPECT_EQ(outcome.rfind("WeightsError: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find("style.safetensors"), std::string::npos) << outcome;
  EXPECT_NE(outcome.find("'in4.bias' is missing"), std::string::npos) << outcome;

  auto wrong_shape = tensors;
  wrong_shape["res2.conv2.conv2d.weight"] = torch::randn({8, 8, 5, 5});
  outcome = libTorchOutcome(wrong_shape);
  EXPECT_NE(outcome.find("'res2.conv2.conv2d.weight' has shape [8,8,5,5]"), std::string::npos) << outcome;
  EXPECT_NE(outcome.find("needs [8,8,3,3]"), std::string::npos) << outcome;

  auto extra = tensors;  // what old PyTorch versions saved beside the affine parameters
  extra["in1.running_mean"] = torch::zeros({2});
  outcome = libTorchOutcome(extra);
  EXPECT_NE(outcome.find("'in1.running_mean' is not part of"), std::string::npos) << outcome;

  auto skipped = tensors;  // res2 missing: res3 is then not part of a 1-block net
  for (const auto* key : {"res2.conv1.conv2d.weight", "res2.conv1.conv2d.bias", "res2.in1.weight",
                          "res2.in1.bias", "res2.conv2.conv2d.weight", "res2.conv2.conv2d.bias",
                          "res2.in2.weight", "res2.in2.bias"})
    skipped.erase(key);
  outcome = libTorchOutcome(skipped);
  EXPECT_NE(outcome.find("'res3."), std::string::npos) << outcome;

  auto not_transformer = tensors;
  not_transformer["conv1.conv2d.weight"] = torch::randn({2, 3, 3, 3});
  outcome = libTorchOutcome(not_transformer);
  EXPECT_NE(outcome.find("[W,3,9,9]"), std::string::npos) << outcome;

  test::TempDir dir;
  auto options = optionsFor("transformer_net.safetensors");
  options.model = dir.file("absent.safetensors");
  outcome = outcomeOf(options);
  EXPECT_NE(outcome.find("absent.safetensors': no such file"), std::string::npos) << outcome;
}

TEST(FeedForward, LibTorchCudaWithoutCudaIsADeviceError) {
  if (torch::cuda::is_available()) GTEST_SKIP() << "CUDA is here";
  auto options = optionsFor("transformer_net.safetensors");
  options.device = FeedForwardDevice::Cuda;
  EXPECT_EQ(outcomeOf(options).rfind("DeviceError: ", 0), 0u) << outcomeOf(options);
  options.device = FeedForwardDevice::OpenCL;
  EXPECT_EQ(outcomeOf(options).rfind("OptionsError: ", 0), 0u) << outcomeOf(options);
}
