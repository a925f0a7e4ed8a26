// SPDX-License-Identifier: LGPL-2.1-or-later
// `neuralstyle train` end to end as a subprocess: tiny crops, a random SqueezeNet, a few
// iterations. What it writes, how it resumes and stops, and how it refuses bad input.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "cli_process.hpp"
#include "cli_test_support.hpp"

namespace neuralstyle::cli {
namespace {

namespace fs = std::filesystem;
using namespace test;

constexpr const char* kErrorPrefix = "neuralstyle: error: ";

class CliTrain : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir / "data");
    for (int i = 0; i < 4; ++i) writeNoiseImage(dir / ("data/image" + std::to_string(i) + ".png"), 40, 36, i);
    writeNoiseImage(dir / "style.png", 48, 48, 9);
  }

  Args tiny(int iterations) const {
    return {"train", "--style", dir / "style.png", "--data", dir / "data", "--output", dir / "model.onnx",
            "--weights", "random:3", "--network", "squeezenet1_1", "--iterations", std::to_string(iterations),
            "--batch-size", "2", "--crop-size", "32", "--style-size", "48", "--width", "4",
            "--residual-blocks", "1", "--threads", "1", "--held-out", "0.3"};
  }

  TempDir dir;
};

// `args` with `option` set to `value` (options may be given once).
Args with(Args args, const std::string& option, const std::string& value) {
  const auto found = std::find(args.begin(), args.end(), option);
  if (found == args.end()) return args + Args{option, value};
  *(found + 1) = value;
  return args;
}

void expectFailure(const Outcome& outcome, int code, const std::string& reason) {
  EXPECT_EQ(outcome.exit_code, code) << outcome.err;
  EXPECT_EQ(outcome.err.rfind(kErrorPrefix, 0), 0u) << outcome.err;
  EXPECT_NE(outcome.err.find(reason), std::string::npos) << outcome.err;
}

TEST_F(CliTrain, WritesTheModelsACheckpointTheLossLogAndSampleSheets) {
  const Outcome run = runCli(tiny(4) + Args{"--loss-log", dir / "losses.csv", "--sample-interval", "2",
                                            "--progress-interval", "1"},
                             dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* file : {"model.onnx", "model.safetensors", "model.checkpoint.safetensors",
                           "model.samples/iteration-0000002.png", "model.samples/iteration-0000004.png"})
    EXPECT_TRUE(fs::exists(dir / file)) << file;
  const auto csv = readCsv(dir / "losses.csv");
  ASSERT_EQ(csv.size(), 5u);
  EXPECT_EQ(csv[0][0], "iteration");
  EXPECT_EQ(csv[4][0], "4");
  EXPECT_NE(run.err.find("iteration 4/4"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("ETA"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("held-out loss"), std::string::npos) << run.err;
  // The model it wrote stylises with the feed-forward path.
  const Outcome stylised = runCli({"--content", dir / "data/image0.png", "--model", dir / "model.onnx",
                                   "--output", dir / "out.png", "--quiet"},
                                  dir);
  EXPECT_EQ(stylised.exit_code, 0) << stylised.err;
  EXPECT_EQ(cv::imread(dir / "out.png").size(), cv::Size(40, 36));
}

TEST_F(CliTrain, ResumeContinuesToTheSameLossesAsOneRun) {
  ASSERT_EQ(runCli(tiny(4) + Args{"--quiet", "--loss-log", dir / "whole.csv"}, dir).exit_code, 0);
  const auto whole = readCsv(dir / "whole.csv");
  ASSERT_EQ(runCli(tiny(2) + Args{"--quiet", "--loss-log", dir / "parts.csv"}, dir).exit_code, 0);
  const Outcome resumed = runCli(tiny(4) + Args{"--quiet", "--resume", "--loss-log", dir / "parts.csv"}, dir);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_EQ(readCsv(dir / "parts.csv"), whole);
}

TEST_F(CliTrain, CtrlCLeavesACheckpointAndTheModelSoFar) {
  const pid_t pid = spawnCli(tiny(1000000) + Args{"--progress-interval", "1"}, dir);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (readText(dir / "cli-stderr.txt").find("iteration 2/") == std::string::npos &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_EQ(kill(pid, SIGINT), 0);
  const Outcome run = waitCli(pid, dir);
  EXPECT_EQ(run.exit_code, 130) << run.err;
  EXPECT_NE(run.err.find("--resume"), std::string::npos) << run.err;
  EXPECT_TRUE(fs::exists(dir / "model.checkpoint.safetensors"));
  EXPECT_TRUE(fs::exists(dir / "model.onnx"));
  const Outcome resumed = runCli(tiny(1) + Args{"--resume", "--quiet"}, dir);
  EXPECT_EQ(resumed.exit_code, 0) << resumed.err;  // already past 1 iteration: nothing to do
}

TEST_F(CliTrain, BadInputIsRefusedWithItsName) {
  fs::create_directories(dir / "empty");
  expectFailure(runCli(with(tiny(1), "--data", dir / "empty"), dir), 3,
                "no image or video that can be read in '" + (dir / "empty"));
  expectFailure(runCli(with(tiny(1), "--style", dir / "missing-style.jpg"), dir), 3, "missing-style.jpg");
  expectFailure(runCli(with(tiny(1), "--crop-size", "30"), dir), 2, "multiple of 4");
  expectFailure(runCli(with(tiny(1), "--width", "0"), dir), 2, "--width must be between 1 and 256");
  expectFailure(runCli(tiny(1) + Args{"--width", "8"}, dir), 2, "--width");  // given twice
  expectFailure(runCli(tiny(1) + Args{"--resume"}, dir), 3, "no checkpoint");
  expectFailure(runCli({"train", "--data", dir / "data", "--output", dir / "m.onnx"}, dir), 2, "--style is required");
  expectFailure(runCli(with(tiny(1), "--output", dir / "model.png"), dir), 2, ".onnx");
}

TEST_F(CliTrain, ACheckpointOfAnotherWidthIsRefusedNamingBoth) {
  ASSERT_EQ(runCli(tiny(1) + Args{"--quiet"}, dir).exit_code, 0);
  expectFailure(runCli(with(tiny(2), "--width", "8") + Args{"--resume", "--quiet"}, dir), 4,
                "holds a TransformerNet of width 4 with 1 residual blocks; this run trains a TransformerNet "
                "of width 8");
}

TEST_F(CliTrain, HelpListsEveryOptionTheIssueNames) {
  const Outcome run = runCli({"train", "--help"}, dir);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  for (const char* option : {"--network", "--weights", "--iterations", "--batch-size", "--crop-size", "--width",
                             "--residual-blocks", "--learning-rate", "--content-weight", "--style-weight",
                             "--tv-weight", "--temporal-weight", "--seed", "--threads", "--device",
                             "--content-layer", "--style-layer-weights", "--resume", "--loss-log"})
    EXPECT_NE(run.out.find(option), std::string::npos) << option;
  // The table's defaults, as the core defines them.
  EXPECT_NE(run.out.find("(default 10000)"), std::string::npos) << run.out;
  // --list-options describes the same table in full: ranges, choices, defaults.
  const Outcome list = runCli({"train", "--list-options"}, dir);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const char* entry : {"\ncrop-size N\n", "Range: between 16 and 2048. Default: 128.", "\ndata DIR\n",
                            "(may be given several times)", "\ndevice auto|cpu|cuda\n"})
    EXPECT_NE(list.out.find(entry), std::string::npos) << entry << " is missing from:\n" << list.out;
}

}  // namespace
}  // namespace neuralstyle::cli
