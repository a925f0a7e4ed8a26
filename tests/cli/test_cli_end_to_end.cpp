// SPDX-License-Identifier: LGPL-2.1-or-later
// End-to-end tests of the `neuralstyle` binary, run as a subprocess on tiny images with
// random weights: outputs, the loss log, and the exit code plus one-line reason of
// every documented failure.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "address_limit.hpp"
#include "cli_process.hpp"
#include "cli_test_support.hpp"
#include "damaged_images.hpp"

namespace neuralstyle::cli {
namespace {

namespace fs = std::filesystem;
namespace damaged = neuralstyle::test::damaged;
using test::Args;
using test::fast;
using test::Outcome;
using test::readCsv;
using test::readText;
using test::runCli;
using test::spawnCli;
using test::TempDir;
using test::waitCli;
using test::writeNoiseImage;
using test::operator+;

constexpr const char* kErrorPrefix = "neuralstyle: error: ";

/// The documented failure shape: the code, and exactly one line on stderr that starts
/// with the prefix and contains `reason`.
void expectFailure(const Outcome& outcome, int code, const std::string& reason) {
  EXPECT_EQ(outcome.exit_code, code) << outcome.err;
  EXPECT_EQ(outcome.err.rfind(kErrorPrefix, 0), 0u) << outcome.err;
  ASSERT_FALSE(outcome.err.empty());
  EXPECT_EQ(outcome.err.back(), '\n');
  EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  EXPECT_NE(outcome.err.find(reason), std::string::npos) << outcome.err;
  EXPECT_TRUE(outcome.out.empty()) << outcome.out;
}

bool isFiniteNumber(const std::string& text) {
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && std::isfinite(value);
}

class CliBinary : public ::testing::Test {
 protected:
  void SetUp() override {
    style = dir / "style.png";
    content = dir / "content.png";
    writeNoiseImage(style, 48, 40, 1);
    content_image = writeNoiseImage(content, 45, 33, 2);  // odd sizes catch stride bugs
  }

  Args oneImage(const std::string& output) {
    return {"--content", content, "--style", style, "--output", output};
  }

  TempDir dir;
  std::string style, content;
  cv::Mat content_image;
};

// --- runs that succeed ---------------------------------------------------------------

TEST_F(CliBinary, StylisesOneImageAtItsOwnSize) {
  // Adam's default rate moves pixels by less than one level in two steps.
  const Outcome run = runCli(oneImage(dir / "out.png") + fast() + Args{"--learning-rate", "0.05"}, dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find(kErrorPrefix), std::string::npos) << run.err;
  const cv::Mat output = cv::imread(dir / "out.png", cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(output.empty());
  EXPECT_EQ(output.size(), content_image.size());
  EXPECT_EQ(output.type(), CV_8UC3);
  EXPECT_GT(cv::norm(output, content_image, cv::NORM_L1), 0.0) << "the image was not stylised";
}

TEST_F(CliBinary, AnImageTooThinForMaxSizeIsProcessedLargerWithAWarning) {
  // As the element does (ElementErrors.FramesTooThinForMaxSizeAreProcessedLargerWithAWarning):
  // 16x64 at --max-size 16 would be 4x16, below VGG19's 16 pixels a side; 16x62 works.
  const std::string thin = dir / "thin.png";
  writeNoiseImage(thin, 16, 64, 3);
  const Outcome run = runCli(Args{"--content", thin, "--style", style, "--output", dir / "out.png", "--weights",
                                  "random:3", "--steps", "2", "--threads", "2", "--max-size", "16"},
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("warning: --max-size 16 is too small for 16x64 images"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("processed at 16x62"), std::string::npos) << run.err;
  const cv::Mat output = cv::imread(dir / "out.png", cv::IMREAD_UNCHANGED);
  EXPECT_EQ(output.size(), cv::Size(16, 64));
}

TEST_F(CliBinary, TheProcessSwitchesInTheEnvironmentAreReadAndJudgedByTheCli) {
  // The core never reads the environment: the CLI reads NEURALSTYLE_TENSOR_CACHE and
  // NEURALSTYLE_PROCESS_SETTINGS and refuses a value it does not understand.
  for (const char* variable : {"NEURALSTYLE_TENSOR_CACHE", "NEURALSTYLE_PROCESS_SETTINGS"}) {
    SCOPED_TRACE(variable);
    const Outcome refused = runCli(oneImage(dir / "out.png") + fast(), dir, {std::string(variable) + "=maybe"});
    expectFailure(refused, 2, std::string(variable) + "='maybe'");
    const Outcome off = runCli(oneImage(dir / "out.png") + fast(), dir, {std::string(variable) + "=0"});
    EXPECT_EQ(off.exit_code, 0) << off.err;
  }
}

TEST_F(CliBinary, StylisesOneImageWithBfloat16Precision) {
  const Outcome run = runCli(oneImage(dir / "out.png") + fast() +
                                 Args{"--learning-rate", "0.05", "--precision", "bfloat16",
                                      "--loss-log", dir / "losses.csv"},
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find(kErrorPrefix), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(" in bfloat16 with weights"), std::string::npos) << run.err;
  const cv::Mat output = cv::imread(dir / "out.png", cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(output.empty());
  EXPECT_EQ(output.size(), content_image.size());
  EXPECT_EQ(output.type(), CV_8UC3);
  EXPECT_GT(cv::norm(output, content_image, cv::NORM_L1), 0.0) << "the image was not stylised";
  const auto rows = readCsv(dir / "losses.csv");
  ASSERT_EQ(rows.size(), 1u + 2);
  for (size_t column = 1; column < 4; ++column)
    EXPECT_TRUE(isFiniteNumber(rows[2][column])) << rows[2][column];
}

TEST_F(CliBinary, ConvolutionReachesTheEngineAndKeepsTheLosses) {
  // The loss log at full precision: Winograd and direct agree to float noise, not bit for bit.
  const auto run = [&](const std::string& convolution) {
    return runCli(oneImage(dir / "out.png") + fast() +
                      Args{"--learning-rate", "0.05", "--convolution", convolution, "--loss-log",
                           dir / ("losses-" + convolution + ".csv")},
                  dir);
  };
  const auto totals = [&](const std::string& convolution) {
    const auto rows = readCsv(dir / ("losses-" + convolution + ".csv"));
    std::vector<double> values;
    for (size_t row = 1; row < rows.size(); ++row) values.push_back(std::stod(rows[row][1]));
    return values;
  };
  const Outcome winograd_run = run("winograd");
  if (winograd_run.exit_code == 2 && winograd_run.err.find("not available") != std::string::npos)
    GTEST_SKIP() << "no Winograd kernels on this CPU/build: " << winograd_run.err;
  ASSERT_EQ(winograd_run.exit_code, 0) << winograd_run.err;
  const Outcome direct_run = run("direct");
  ASSERT_EQ(direct_run.exit_code, 0) << direct_run.err;
  const auto direct = totals("direct");
  const auto winograd = totals("winograd");
  ASSERT_EQ(direct.size(), 2u);
  ASSERT_EQ(winograd.size(), 2u);
  for (size_t step = 0; step < direct.size(); ++step)
    EXPECT_NEAR(winograd[step] / direct[step], 1.0, 1e-5) << "step " << step + 1;
  EXPECT_NE(winograd, direct) << "--convolution did not reach the engine";
}

TEST_F(CliBinary, StylisesAFolderIntoANewFolderWithTheSameNames) {
  fs::create_directory(dir / "in");
  const std::vector<std::pair<std::string, cv::Size>> frames = {
      {"a.png", {40, 30}}, {"b.png", {33, 45}}, {"c.jpg", {64, 48}}};
  for (size_t i = 0; i < frames.size(); ++i)
    writeNoiseImage(dir / ("in/" + frames[i].first), frames[i].second.width, frames[i].second.height,
                    static_cast<int>(i));
  const Outcome run = runCli(Args{"--content", dir / "in", "--style", style, "--output",
                                  dir / "out/nested", "--loss-log", dir / "losses.csv"} + fast(),
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const auto& [name, size] : frames) {
    const cv::Mat output = cv::imread(dir / ("out/nested/" + name));
    ASSERT_FALSE(output.empty()) << name;
    EXPECT_EQ(output.size(), size) << name;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "out/nested"), fs::directory_iterator()), 3);
  // A run of several frames logs which frame each row belongs to.
  const auto rows = readCsv(dir / "losses.csv");
  ASSERT_EQ(rows.size(), 1u + 3 * 2);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"frame", "step", "total", "content", "style", "temporal"}));
  EXPECT_EQ(rows[1][0], "1");
  EXPECT_EQ(rows[6][0], "3");
  EXPECT_EQ(rows[6][1], "2");
}

TEST_F(CliBinary, StylisesAFrameSequenceUpToTheFirstGap) {
  fs::create_directory(dir / "seq");
  for (int i : {0, 1, 2, 4}) {
    char name[32];
    std::snprintf(name, sizeof name, "seq/%05d.png", i);
    writeNoiseImage(dir / name, 36, 28, i);
  }
  const Outcome run = runCli(Args{"--content", dir / "seq/%05d.png", "--style", style, "--output",
                                  dir / "out-%05d.png"} + fast(),
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* name : {"out-00000.png", "out-00001.png", "out-00002.png"}) {
    const cv::Mat output = cv::imread(dir / name);
    ASSERT_FALSE(output.empty()) << name;
    EXPECT_EQ(output.size(), cv::Size(36, 28));
  }
  EXPECT_FALSE(fs::exists(dir / "out-00004.png")) << "frame 4 comes after the gap";
  EXPECT_NE(run.err.find("frame 3/3 step 2/2 loss"), std::string::npos) << run.err;
}

TEST_F(CliBinary, ReadsAFolderNumberedAsFfmpegWritesItWithoutOptions) {
  fs::create_directory(dir / "ffmpeg");
  for (int i : {1, 2}) writeNoiseImage(dir / ("ffmpeg/0000" + std::to_string(i) + ".png"), 24, 20, i);
  const Outcome run = runCli(Args{"--content", dir / "ffmpeg/%05d.png", "--style", style, "--output",
                                  dir / "styled-%05d.png"} + fast(),
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(fs::exists(dir / "styled-00001.png"));
  EXPECT_TRUE(fs::exists(dir / "styled-00002.png"));
  EXPECT_FALSE(fs::exists(dir / "styled-00000.png"));
}

TEST_F(CliBinary, SlicesAndResumesASequence) {
  fs::create_directory(dir / "seq");
  for (int i = 0; i < 3; ++i) writeNoiseImage(dir / ("seq/" + std::to_string(i) + ".png"), 24, 20, i);
  const Args base = Args{"--content", dir / "seq/%d.png", "--style", style, "--output", dir / "out-%d.png"} + fast();
  // The middle frame only, after one overlap frame that is not written.
  const Outcome slice = runCli(base + Args{"--start", "1", "--count", "1", "--overlap", "1"}, dir);
  ASSERT_EQ(slice.exit_code, 0) << slice.err;
  EXPECT_FALSE(fs::exists(dir / "out-0.png")) << "the overlap frame is not written";
  ASSERT_TRUE(fs::exists(dir / "out-1.png"));
  EXPECT_FALSE(fs::exists(dir / "out-2.png"));
  const std::string middle = readText(dir / "out-1.png");

  const Outcome check = runCli(base + Args{"--check"}, dir);
  EXPECT_EQ(check.exit_code, 3) << check.err;
  EXPECT_EQ(check.out, dir / "out-0.png" + "\n" + dir / "out-2.png" + "\n");

  const Outcome resume = runCli(base + Args{"--resume"}, dir);
  ASSERT_EQ(resume.exit_code, 0) << resume.err;
  EXPECT_NE(resume.err.find("2 frames on"), std::string::npos) << resume.err;
  EXPECT_NE(resume.err.find("(1 already complete)"), std::string::npos) << resume.err;
  EXPECT_EQ(readText(dir / "out-1.png"), middle) << "a complete frame is left alone";
  EXPECT_EQ(runCli(base + Args{"--check"}, dir).exit_code, 0);
  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_EQ(entry.path().filename().string().rfind(".partial-", 0), std::string::npos)
        << "temporary file left: " << entry.path();
}

// --- quality controls ----------------------------------------------------------------

TEST_F(CliBinary, RepeatedStyleWithBlendWeightsOneAndZeroIsTheFirstStyleAlone) {
  const std::string other = dir / "other.png";
  writeNoiseImage(other, 30, 50, 7);
  const Args settings = fast(3) + Args{"--learning-rate", "0.05", "--quiet"};
  const auto stylise = [&](const Args& styles, const std::string& output) {
    const Outcome run =
        runCli(Args{"--content", content, "--output", dir / output} + styles + settings, dir);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    return cv::imread(dir / output, cv::IMREAD_UNCHANGED);
  };
  const cv::Mat single = stylise({"--style", style}, "single.png");
  const cv::Mat blend =
      stylise({"--style", style, "--style", other, "--style-blend-weights", "1,0"}, "blend.png");
  const cv::Mat swapped =
      stylise({"--style", other, "--style", style, "--style-blend-weights", "1,0"}, "swapped.png");
  ASSERT_FALSE(single.empty());
  ASSERT_FALSE(blend.empty());
  ASSERT_FALSE(swapped.empty());
  EXPECT_EQ(cv::norm(single, blend, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(single, swapped, cv::NORM_INF), 0.0) << "the weights did not choose the style";
}

TEST_F(CliBinary, InitImageAndNoiseChangeTheStart) {
  // The first step's content loss is the start's distance from the content: 0 from the
  // content itself.
  const auto firstContentLoss = [&](const Args& extra) {
    const Outcome run = runCli(oneImage(dir / "out.png") + fast(1) + extra +
                                   Args{"--loss-log", dir / "losses.csv", "--quiet"},
                               dir);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    const auto rows = readCsv(dir / "losses.csv");
    EXPECT_EQ(rows.size(), 2u);
    return rows.size() < 2 ? -1.0 : std::stod(rows[1][2]);
  };
  EXPECT_EQ(firstContentLoss({}), 0.0);
  EXPECT_GT(firstContentLoss({"--init-image", style}), 0.0);
  const double noise = firstContentLoss({"--init", "noise", "--seed", "4"});
  EXPECT_GT(noise, 0.0);
  EXPECT_EQ(firstContentLoss({"--init", "noise", "--seed", "4"}), noise);
  EXPECT_NE(firstContentLoss({"--init", "noise", "--seed", "5"}), noise) << "--seed did not reach the noise";
}

TEST_F(CliBinary, SaveEveryWritesTheImageAtEachMultipleOfK) {
  const Outcome run = runCli(oneImage(dir / "out.png") + fast(6) +
                                 Args{"--learning-rate", "0.05", "--save-every", "2", "--progress-interval", "5"},
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir.path()))
    if (entry.path().extension() == ".png") files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files, (std::vector<std::string>{"content.png", "out.png", "out.step2.png", "out.step4.png",
                                             "out.step6.png", "style.png"}));
  const cv::Mat step2 = cv::imread(dir / "out.step2.png", cv::IMREAD_UNCHANGED);
  const cv::Mat step4 = cv::imread(dir / "out.step4.png", cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(step2.empty());
  ASSERT_FALSE(step4.empty());
  EXPECT_EQ(step2.size(), content_image.size()) << "intermediate images have the output's size";
  EXPECT_GT(cv::norm(step2, step4, cv::NORM_INF), 0.0) << "the same image twice";
}

TEST_F(CliBinary, SaveEveryNamesEachFrameOfASequence) {
  fs::create_directory(dir / "seq");
  // 40x32: the coarser scale, 20x16, is still large enough for VGG19.
  for (int i : {1, 2}) writeNoiseImage(dir / ("seq/0000" + std::to_string(i) + ".png"), 40, 32, i);
  fs::create_directory(dir / "out");
  const Outcome run = runCli(Args{"--content", dir / "seq/%05d.png", "--style", style, "--output",
                                  dir / "out/%05d.png", "--save-every", "3", "--scales", "2"} +
                                 fast(3),
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir / "out")) files.push_back(entry.path().filename().string());
  std::sort(files.begin(), files.end());
  // Two scales of 3 steps: steps 3 and 6 of each frame, counted over the scales.
  EXPECT_EQ(files, (std::vector<std::string>{"00001.png", "00001.step3.png", "00001.step6.png", "00002.png",
                                             "00002.step3.png", "00002.step6.png"}));
}

TEST_F(CliBinary, LossLogHasAHeaderAndOneFiniteRowPerStep) {
  const Outcome run = runCli(oneImage(dir / "out.png") + fast(3) +
                                 Args{"--loss-log", dir / "losses.csv", "--progress-interval", "0"},
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto rows = readCsv(dir / "losses.csv");
  ASSERT_EQ(rows.size(), 1u + 3);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"step", "total", "content", "style"}));
  for (size_t step = 1; step <= 3; ++step) {
    ASSERT_EQ(rows[step].size(), 4u);
    EXPECT_EQ(rows[step][0], std::to_string(step));
    for (size_t column = 1; column < 4; ++column)
      EXPECT_TRUE(isFiniteNumber(rows[step][column])) << rows[step][column];
  }
  EXPECT_EQ(run.err.find("step 1/3"), std::string::npos) << "--progress-interval 0 shows the last step only";
  EXPECT_NE(run.err.find("step 3/3"), std::string::npos) << run.err;
}

TEST_F(CliBinary, HelpAndVersionGoToStdoutAndSucceed) {
  const Outcome help = runCli({"--help"}, dir);
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.out.rfind("Usage: neuralstyle", 0), 0u) << help.out;
  EXPECT_NE(help.out.find("--style-layer-weights"), std::string::npos);
  EXPECT_NE(help.out.find("(default 2000)"), std::string::npos) << "the core's defaults are shown";
  EXPECT_TRUE(help.err.empty()) << help.err;
  const Outcome version = runCli({"--version"}, dir);
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("neuralstyle ", 0), 0u) << version.out;
  EXPECT_TRUE(version.err.empty()) << version.err;
}

TEST_F(CliBinary, ListOptionsDescribesTheCoresOptionSchema) {
  const Outcome list = runCli({"--list-options"}, dir);
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_TRUE(list.err.empty()) << list.err;
  // describeOptions itself is tested in the core (test_option_schema): here, that the
  // tool prints it.
  for (const char* entry : {"\nweights-location LOCATION\n", "\nsteps N\n", "\npreserve-colors\n",
                            "\ninit content|noise|previous|previous-warped\n", "\nseed N\n"})
    EXPECT_NE(list.out.find(entry), std::string::npos) << entry << " is missing from:\n" << list.out;
  EXPECT_NE(list.out.find("Range: >= 16. Default: 400."), std::string::npos) << list.out;
  // Then the feed-forward networks' table: the fastneuralstyle element's properties.
  const size_t network = list.out.find("fastneuralstyle");
  ASSERT_NE(network, std::string::npos) << list.out;
  for (const char* entry : {"\nmodel-location FILE\n", "\nstrength X\n", "\nengine auto|opencv|libtorch\n",
                            "Range: between 0 and 16384. Default: 0."})
    EXPECT_NE(list.out.find(entry, network), std::string::npos) << entry << " is missing from:\n" << list.out;
}

// --- runs that fail ------------------------------------------------------------------

/// One bad run: changes to a good command line, and the documented outcome.
struct BadRun {
  const char* name;
  std::vector<std::pair<std::string, std::string>> changes;  // value "" drops the option
  int exit_code;
  const char* reason;
};

// Names the case in test listings (instead of a byte dump).
void PrintTo(const BadRun& run, std::ostream* out) { *out << run.name; }

class CliBinaryFails : public CliBinary, public ::testing::WithParamInterface<BadRun> {
 protected:
  void SetUp() override {
    CliBinary::SetUp();
    test::writeText(dir / "fake.png", "not an image");
    test::writeText(dir / "corrupt.safetensors", "not a safetensors file");
    damaged::truncatedJpeg(dir / "truncated.jpg");
    damaged::pngWithBadCrc(dir / "bad-crc.png");
    damaged::emptyFile(dir / "empty.png");
  }

  // Placeholders: {content}, {style}, {out}, {dir} and {hostile} (tests/data/hostile).
  std::string expand(std::string text) const {
    const std::pair<std::string, std::string> names[] = {
        {"{content}", content}, {"{style}", style}, {"{out}", dir / "out.png"},
        {"{dir}", dir.path().string()},
        {"{hostile}", std::string(std::getenv("NEURALSTYLE_SOURCE_DIR")) + "/tests/data/hostile"}};
    for (const auto& [name, value] : names)
      for (size_t at; (at = text.find(name)) != std::string::npos;) text.replace(at, name.size(), value);
    return text;
  }

  Args commandLine(const BadRun& run) const {
    std::vector<std::pair<std::string, std::string>> options = {
        {"--content", "{content}"}, {"--style", "{style}"}, {"--output", "{out}"},
        {"--weights", "random:3"},  {"--steps", "2"},      {"--max-size", "64"},
        {"--threads", "2"}};
    for (const auto& change : run.changes) {
      const auto found = std::find_if(options.begin(), options.end(),
                                      [&](const auto& o) { return o.first == change.first; });
      if (found == options.end()) options.push_back(change);
      else if (change.second.empty()) options.erase(found);
      else found->second = change.second;
    }
    Args args;
    for (const auto& [name, value] : options) {
      args.push_back(name);
      args.push_back(expand(value));
    }
    return args;
  }
};

TEST_P(CliBinaryFails, WithTheDocumentedCodeAndOneLine) {
  const Outcome run = runCli(commandLine(GetParam()), dir);
  expectFailure(run, GetParam().exit_code, expand(GetParam().reason));
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

INSTANTIATE_TEST_SUITE_P(
    Cli, CliBinaryFails,
    ::testing::Values(
        // 2: bad arguments
        BadRun{"UnknownFlag", {{"--colour", "red"}}, 2, "unknown option '--colour'"},
        BadRun{"StepsNotANumber", {{"--steps", "abc"}}, 2, "--steps: 'abc' is not an integer"},
        BadRun{"StepsNegative", {{"--steps", "-1"}}, 2, "--steps must be >= 0"},
        BadRun{"StyleMissingFromTheCommandLine", {{"--style", ""}}, 2, "--style is required"},
        BadRun{"UnknownContentLayer", {{"--content-layer", "conv9_9"}}, 2,
               "--content-layer: unknown vgg19 layer 'conv9_9'"},
        BadRun{"StyleLayerWeightsMalformed", {{"--style-layer-weights", "conv1_1:1"}}, 2,
               "--style-layer-weights"},
        BadRun{"StyleLayerWeightsUnknownLayer", {{"--style-layer-weights", "conv1_1=1,pool9=2"}}, 2,
               "unknown vgg19 layer 'pool9'"},
        BadRun{"UnknownDevice", {{"--device", "tpu"}}, 2, "--device must be auto, cpu or cuda, got 'tpu'"},
        BadRun{"UnknownPrecision", {{"--precision", "fp16"}}, 2,
               "--precision must be float32 or bfloat16, got 'fp16'"},
        BadRun{"UnknownConvolution", {{"--convolution", "fft"}}, 2,
               "--convolution must be auto, direct or winograd, got 'fft'"},
        BadRun{"WinogradInBfloat16", {{"--convolution", "winograd"}, {"--precision", "bfloat16"}}, 2,
               "Winograd convolutions run in float32 on the CPU only"},
        BadRun{"BlendWeightsForOneStyle", {{"--style-blend-weights", "0.5,0.5"}}, 2,
               "--style-blend-weights gives 2 weight(s) for 1 --style image(s)"},
        BadRun{"TileSizeTooSmall", {{"--tile-size", "32"}}, 2, "tile size must be 0 (no tiling) or between 64"},
        BadRun{"OutputExtensionUnknown", {{"--output", "{dir}/out.xyz"}}, 2, "no image writer"},
        BadRun{"RandomSeedOutOfRange", {{"--weights", "random:99999999999999999999"}}, 2,
               "weights 'random:99999999999999999999': the seed after 'random:' must be a whole number"},
        // 3: inputs and outputs
        BadRun{"ContentFileMissing", {{"--content", "{dir}/missing.png"}}, 3,
               "content image '{dir}/missing.png' does not exist"},
        BadRun{"ContentNotAnImage", {{"--content", "{dir}/fake.png"}}, 3, "not an image"},
        BadRun{"StyleFileMissing", {{"--style", "{dir}/missing.png"}}, 3, "style image"},
        // Damaged style images (tests/common/damaged_images.hpp); content: DamagedContentImages.
        BadRun{"StyleTruncatedJpeg", {{"--style", "{dir}/truncated.jpg"}}, 3,
               "image '{dir}/truncated.jpg' is a corrupt or truncated JPEG: Premature end of JPEG file"},
        BadRun{"StylePngWithBadCrc", {{"--style", "{dir}/bad-crc.png"}}, 3,
               "image '{dir}/bad-crc.png' is a corrupt or truncated PNG: IDAT: CRC error"},
        BadRun{"StyleEmptyFile", {{"--style", "{dir}/empty.png"}}, 3,
               "style image '{dir}/empty.png' is unreadable or not an image"},
        BadRun{"InitImageMissing", {{"--init-image", "{dir}/missing.png"}}, 3,
               "init image '{dir}/missing.png' does not exist"},
        BadRun{"InitImageTruncatedJpeg", {{"--init-image", "{dir}/truncated.jpg"}}, 3,
               "image '{dir}/truncated.jpg' is a corrupt or truncated JPEG: Premature end of JPEG file"},
        BadRun{"InitImagePngWithBadCrc", {{"--init-image", "{dir}/bad-crc.png"}}, 3,
               "image '{dir}/bad-crc.png' is a corrupt or truncated PNG: IDAT: CRC error"},
        BadRun{"InitImageEmptyFile", {{"--init-image", "{dir}/empty.png"}}, 3,
               "init image '{dir}/empty.png' is unreadable or not an image"},
        BadRun{"FrameSequenceEmpty", {{"--content", "{dir}/none-%05d.png"}, {"--output", "{dir}/o-%05d.png"}},
               3, "no frame matches"},
        BadRun{"OutputFolderMissing", {{"--output", "{dir}/nowhere/out.png"}}, 3,
               "output folder '{dir}/nowhere' does not exist"},
        // Permission bits do not stop root; /proc/self refuses new files for everyone.
        BadRun{"OutputFolderUnwritable", {{"--output", "/proc/self/out.png"}}, 3,
               "output folder '/proc/self' is not writable"},
        // 4: weights
        BadRun{"WeightsFileMissing", {{"--weights", "{dir}/missing.safetensors"}}, 4,
               "weights file '{dir}/missing.safetensors' does not exist"},
        BadRun{"WeightsFileCorrupt", {{"--weights", "{dir}/corrupt.safetensors"}}, 4,
               "corrupt.safetensors"},
        // Hostile ONNX files that crashed OpenCV's importer (tests/data/hostile/README.md).
        BadRun{"WeightsOnnxDimsBeyondData",
               {{"--weights", "{hostile}/F1_onnx_segv_dims_4096x4096x3x3_raw216B.onnx"}}, 4,
               "{hostile}/F1_onnx_segv_dims_4096x4096x3x3_raw216B.onnx': refused before import"},
        BadRun{"WeightsOnnxDimsBeyondDataSmall",
               {{"--weights", "{hostile}/F1b_onnx_heap_overflow_read_dims_2x6x3x3_raw144B.onnx"}}, 4,
               "F1b_onnx_heap_overflow_read_dims_2x6x3x3_raw144B.onnx': refused before import"},
        BadRun{"WeightsOnnxUndefinedInput", {{"--weights", "{hostile}/F9_onnx_null_deref.onnx"}}, 4,
               "F9_onnx_null_deref.onnx': refused before import"}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST_F(CliBinary, NoWeightsConfiguredSaysHowToGetThem) {
  if (fs::exists(NEURALSTYLE_CLI_DATA_DIR "/vgg19.safetensors"))
    GTEST_SKIP() << "weights are installed in " NEURALSTYLE_CLI_DATA_DIR;
  fs::create_directory(dir / "xdg");
  const Outcome run = runCli(oneImage(dir / "out.png") + Args{"--steps", "2"}, dir,
                             {"NEURALSTYLE_WEIGHTS", "XDG_DATA_HOME=" + (dir / "xdg")});
  expectFailure(run, 4, "run scripts/fetch_weights.sh");
  EXPECT_NE(run.err.find("--weights random"), std::string::npos) << run.err;
}

// A damaged content image fails the run when its frame comes (after the progress
// header): exit 3, the last line naming the file and what is wrong with it.
TEST_F(CliBinary, DamagedContentImagesExitThreeNamingTheFile) {
  const std::vector<std::pair<std::string, void (*)(const std::string&)>> images{
      {"truncated.jpg", [](const std::string& path) { damaged::truncatedJpeg(path); }},
      {"short-idat.png", damaged::pngWithTruncatedIdat}};
  for (const auto& [name, write] : images) {
    SCOPED_TRACE(name);
    write(dir / name);
    const Outcome run = runCli(Args{"--content", dir / name, "--style", style, "--output", dir / "out.png"} + fast(),
                               dir);
    EXPECT_EQ(run.exit_code, 3) << run.err;
    const std::string last = run.err.substr(run.err.rfind('\n', run.err.size() - 2) + 1);
    EXPECT_EQ(last.rfind(std::string(kErrorPrefix) + "image '" + (dir / name) + "' is a corrupt or truncated ",
                         0),
              0u)
        << run.err;
    EXPECT_FALSE(fs::exists(dir / "out.png"));
  }
}

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(CliAddressLimit, AnImageTooLargeForTheAddressSpaceIsAnErrorNotACrash) {
  if (kSanitized) GTEST_SKIP() << "a sanitizer's shadow memory needs terabytes of address space";
  // The CLI with LibTorch loaded reserves about 1.5 GB; a 2048x2048 image's VGG19 features
  // need several GB more: under a 3 GB `ulimit -v` an allocation fails mid-way.
  TempDir dir;
  cv::Mat big(2048, 2048, CV_8UC3);
  for (int y = 0; y < big.rows; ++y) big.row(y).setTo(cv::Scalar(y % 256, 128, 255 - y % 256));
  ASSERT_TRUE(cv::imwrite(dir / "big.png", big));
  writeNoiseImage(dir / "style.png", 48, 40, 1);
  const neuralstyle::test::LimitedRun run = neuralstyle::test::runWithAddressLimit(
      {NEURALSTYLE_CLI, "--content", dir / "big.png", "--style", dir / "style.png", "--output",
       dir / "out.png", "--weights", "random:3", "--steps", "1", "--max-size", "2048", "--threads", "2",
       "--device", "cpu", "--convolution", "direct", "--quiet"},
      3ull << 30, dir / "stderr.txt");
  EXPECT_TRUE(run.exited) << "killed by signal " << run.signal << "; stderr: " << run.err;
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(run.err.rfind(kErrorPrefix, 0), 0u) << run.err;
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

TEST_F(CliBinary, UnavailableDeviceExitsFive) {
  const Outcome run = runCli(oneImage(dir / "out.png") + fast() + Args{"--device", "cuda", "--quiet"}, dir);
  if (run.exit_code == 0) GTEST_SKIP() << "CUDA is available here";
  expectFailure(run, 5, "cuda");
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

TEST_F(CliBinary, DivergingRunExitsSixAndWritesNothing) {
  const Outcome run =
      runCli(oneImage(dir / "out.png") + fast() + Args{"--style-weight", "1e308", "--quiet"}, dir);
  expectFailure(run, 6, "diverged");
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

TEST_F(CliBinary, InterruptStopsBetweenStepsWithExit130) {
  const pid_t pid = spawnCli(oneImage(dir / "out.png") +
                                 Args{"--weights", "random:3", "--steps", "1000000", "--max-size",
                                      "64", "--threads", "2", "--progress-interval", "1"},
                             dir);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (readText(dir / "cli-stderr.txt").find("step 1/") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(kill(pid, SIGINT), 0);
  const Outcome run = waitCli(pid, dir);
  EXPECT_EQ(run.exit_code, 130) << run.err;
  const std::string last_line = run.err.substr(run.err.rfind('\n', run.err.size() - 2) + 1);
  EXPECT_EQ(last_line.rfind(std::string(kErrorPrefix) + "interrupted", 0), 0u) << run.err;
  EXPECT_FALSE(fs::exists(dir / "out.png"));
}

}  // namespace
}  // namespace neuralstyle::cli
