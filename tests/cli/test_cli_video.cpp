// SPDX-License-Identifier: LGPL-2.1-or-later
// The CLI's sequences (folders and frame patterns) through VideoStylizer, end to end on a
// synthetic pan over a sample picture: frames start from the previous result, a scene
// cut restarts from the content, a resumed run writes what an uninterrupted one wrote,
// and slices processed separately join without a seam when they overlap (the hand-over).
#include <gtest/gtest.h>

#include <filesystem>
#include <numeric>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>
#include <string>
#include <vector>

#include "cli_process.hpp"
#include "cli_test_support.hpp"

namespace neuralstyle::cli {
namespace {

namespace fs = std::filesystem;
using test::Args;
using test::fast;
using test::Outcome;
using test::readCsv;
using test::readText;
using test::runCli;
using test::TempDir;
using test::operator+;

constexpr const char* kSamples = "/usr/share/doc/opencv-doc/examples/data/";

/// A picture of Debian's opencv-doc examples (scripts/setup.sh installs them), BGR.
cv::Mat samplePicture(const std::string& name) {
  const cv::Mat picture = cv::imread(kSamples + name, cv::IMREAD_COLOR);
  if (picture.empty()) ADD_FAILURE() << kSamples << name << " is missing: apt-get install opencv-doc";
  return picture;
}

/// Frames 0..count-1 of a camera panning right by `step` pixels a frame over fruits.jpg,
/// each `size`, as dir/seq/K.png. Returns them.
std::vector<cv::Mat> writePan(const TempDir& dir, int count, cv::Size size, int step = 3) {
  cv::Mat picture = samplePicture("fruits.jpg");
  std::vector<cv::Mat> frames;
  if (picture.empty()) return frames;
  cv::resize(picture, picture, {size.width + step * count + 8, size.height + 8}, 0, 0, cv::INTER_AREA);
  fs::create_directories(dir / "seq");
  for (int k = 0; k < count; ++k) {
    frames.push_back(picture(cv::Rect(4 + step * k, 4, size.width, size.height)).clone());
    EXPECT_TRUE(cv::imwrite(dir / ("seq/" + std::to_string(k) + ".png"), frames.back()));
  }
  return frames;
}

cv::Mat readOutput(const TempDir& dir, const std::string& pattern_folder, int k) {
  return cv::imread(dir / (pattern_folder + "/" + std::to_string(k) + ".png"), cv::IMREAD_COLOR);
}

/// The temporal error of two consecutive outputs: the mean squared difference (per
/// channel, in 8-bit levels squared) between `next` and `before` moved onto it by the
/// optical flow between their content frames, over the pixels where that flow is
/// consistent (forward-backward check, and its source inside the frame). The flow is
/// Farnebäck's, not the DIS flow the method uses, so that the method does not grade
/// itself.
double temporalError(const cv::Mat& content_before, const cv::Mat& content_next, const cv::Mat& before,
                     const cv::Mat& next) {
  cv::Mat gray_before, gray_next, backward, forward;
  cv::cvtColor(content_before, gray_before, cv::COLOR_BGR2GRAY);
  cv::cvtColor(content_next, gray_next, cv::COLOR_BGR2GRAY);
  cv::calcOpticalFlowFarneback(gray_next, gray_before, backward, 0.5, 2, 9, 3, 5, 1.1, 0);
  cv::calcOpticalFlowFarneback(gray_before, gray_next, forward, 0.5, 2, 9, 3, 5, 1.1, 0);
  cv::Mat map(backward.size(), CV_32FC2);
  for (int y = 0; y < map.rows; ++y)
    for (int x = 0; x < map.cols; ++x)
      map.at<cv::Vec2f>(y, x) = backward.at<cv::Vec2f>(y, x) + cv::Vec2f(float(x), float(y));
  cv::Mat moved, forward_there;
  cv::remap(before, moved, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  cv::remap(forward, forward_there, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  double sum = 0;
  int pixels = 0;
  for (int y = 0; y < map.rows; ++y)
    for (int x = 0; x < map.cols; ++x) {
      const cv::Vec2f source = map.at<cv::Vec2f>(y, x);
      if (source[0] < 0 || source[1] < 0 || source[0] > map.cols - 1 || source[1] > map.rows - 1) continue;
      const cv::Vec2f b = backward.at<cv::Vec2f>(y, x), f = forward_there.at<cv::Vec2f>(y, x);
      if ((b + f).dot(b + f) > 0.01 * (b.dot(b) + f.dot(f)) + 0.5) continue;
      const cv::Vec3b p = next.at<cv::Vec3b>(y, x), q = moved.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c) sum += (double(p[c]) - q[c]) * (double(p[c]) - q[c]);
      ++pixels;
    }
  EXPECT_GT(static_cast<size_t>(pixels), map.total() / 2) << "the flow is consistent on most of a pan";
  return pixels ? sum / (3.0 * pixels) : 0;
}

class CliVideo : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE(samplePicture("starry_night.jpg").empty()); }

  /// A sequence run from dir/seq/%d.png to dir/FOLDER/%d.png (the folder is created).
  Outcome stylise(const std::string& folder, const Args& extra) {
    fs::create_directories(dir / folder);
    return runCli(Args{"--content", dir / "seq/%d.png", "--style", style, "--output",
                       dir / (folder + "/%d.png")} + settings + extra,
                  dir);
  }

  TempDir dir;
  const std::string style = std::string(kSamples) + "starry_night.jpg";
  // Random features stylise visibly in a few steps with this rate.
  Args settings = fast(4) + Args{"--learning-rate", "0.05"};
};

TEST_F(CliVideo, FramesAfterTheFirstStartFromThePreviousResultByDefault) {
  writePan(dir, 3, {48, 36});
  const Outcome run = stylise("out", {"--loss-log", dir / "losses.csv"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("frame 1/3 wrote " + dir / "out/0.png" + " (4 steps"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("; from the content)"), std::string::npos) << run.err;
  const size_t second = run.err.find("frame 2/3 wrote " + dir / "out/1.png");
  ASSERT_NE(second, std::string::npos) << run.err;
  const std::string line = run.err.substr(second, run.err.find('\n', second) - second);
  EXPECT_NE(line.find("; from the previous result warped by flow, "), std::string::npos) << line;
  EXPECT_NE(line.find("% inconsistent, flow "), std::string::npos) << line;
  EXPECT_NE(line.find(" (2 steps"), std::string::npos) << "by default half the steps: " << line;

  // The loss log names the temporal term: none for the first frame, some for the next.
  // Frame 1 runs 4 steps, frames 2 and 3 half of them.
  const auto rows = readCsv(dir / "losses.csv");
  ASSERT_EQ(rows.size(), 1u + 4 + 2 + 2);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"frame", "step", "total", "content", "style", "temporal"}));
  EXPECT_EQ(std::stod(rows[4][5]), 0.0) << "frame 1 has no previous frame";
  EXPECT_GT(std::stod(rows[6][5]), 0.0) << "frame 2's last step keeps to the previous result";
  // Starting from the previous result, the first step is already away from the content.
  EXPECT_GT(std::stod(rows[5][3]), 0.0);
}

TEST_F(CliVideo, InitContentAndNoTemporalWeightStylisesEachFrameAsAStill) {
  writePan(dir, 2, {48, 36});
  const Outcome run = stylise("out", {"--init", "content", "--temporal-weight", "0"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.err.find("from the previous result"), std::string::npos) << run.err;
  // Frame 2 as a still: the same command on that frame alone.
  fs::create_directories(dir / "still");
  const Outcome still = runCli(Args{"--content", dir / "seq/1.png", "--style", style, "--output",
                                    dir / "still/1.png"} + settings,
                               dir);
  ASSERT_EQ(still.exit_code, 0) << still.err;
  EXPECT_EQ(readText(dir / "out/1.png"), readText(dir / "still/1.png"));
}

TEST_F(CliVideo, ASceneCutRestartsFromTheContent) {
  const auto frames = writePan(dir, 3, {48, 36});
  ASSERT_EQ(frames.size(), 3u);
  // Frame 2 is another picture: a cut.
  cv::Mat other = samplePicture("baboon.jpg");
  ASSERT_FALSE(other.empty());
  cv::resize(other, other, {48, 36}, 0, 0, cv::INTER_AREA);
  ASSERT_TRUE(cv::imwrite(dir / "seq/2.png", other));
  const Outcome run = stylise("out", {"--loss-log", dir / "losses.csv"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const size_t third = run.err.find("frame 3/3 wrote");
  ASSERT_NE(third, std::string::npos) << run.err;
  const std::string line = run.err.substr(third, run.err.find('\n', third) - third);
  EXPECT_NE(line.find("; scene cut ("), std::string::npos) << line;
  EXPECT_NE(line.find("): from the content)"), std::string::npos) << line;
  EXPECT_EQ(run.err.find("scene cut"), third + line.find("scene cut")) << "frame 2 is no cut:\n" << run.err;
  // Frame 1: 4 steps; frame 2 from the previous result: half; frame 3, a cut: all 4.
  const auto rows = readCsv(dir / "losses.csv");
  ASSERT_EQ(rows.size(), 1u + 4 + 2 + 4);
  EXPECT_GT(std::stod(rows[5][3]), 0.0) << "frame 2 starts from frame 1's result";
  EXPECT_EQ(std::stod(rows[7][3]), 0.0) << "frame 3 starts from its content";
  for (size_t row = 7; row <= 10; ++row) EXPECT_EQ(std::stod(rows[row][5]), 0.0) << "no temporal term";
}

TEST_F(CliVideo, ResumingAtFrameKWritesWhatAnUninterruptedRunWrote) {
  constexpr int kFrames = 5, kResumeAt = 2;
  writePan(dir, kFrames, {48, 36});
  for (const std::string extension : {"png", "jpg"}) {
    SCOPED_TRACE(extension);
    const auto output = [&](int k) { return dir / ("out/" + std::to_string(k) + "." + extension); };
    fs::create_directories(dir / "out");
    const Args run_args = Args{"--content", dir / "seq/%d.png", "--style", style, "--output",
                               dir / ("out/%d." + extension)} + settings;
    const Outcome whole = runCli(run_args, dir);
    ASSERT_EQ(whole.exit_code, 0) << whole.err;
    std::vector<std::string> uninterrupted;
    for (int k = 0; k < kFrames; ++k) uninterrupted.push_back(readText(output(k)));
    for (int k = kResumeAt; k < kFrames; ++k) fs::remove(output(k));

    const Outcome resumed = runCli(run_args + Args{"--resume"}, dir);
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_NE(resumed.err.find("(2 already complete)"), std::string::npos) << resumed.err;
    EXPECT_NE(resumed.err.find("frame 1/3 wrote " + output(kResumeAt)), std::string::npos) << resumed.err;
    EXPECT_NE(resumed.err.find("from the previous result warped by flow"), std::string::npos) << resumed.err;
    for (int k = kResumeAt; k < kFrames; ++k) {
      const cv::Mat before = cv::imdecode(std::vector<uchar>(uninterrupted[k].begin(), uninterrupted[k].end()),
                                          cv::IMREAD_COLOR);
      const cv::Mat after = cv::imread(output(k), cv::IMREAD_COLOR);
      ASSERT_FALSE(after.empty()) << output(k);
      EXPECT_EQ(cv::norm(before, after, cv::NORM_INF), 0.0) << "frame " << k;
      EXPECT_EQ(readText(output(k)), uninterrupted[k]) << "frame " << k << " is not byte-identical";
    }
    // Not trivially so: frame K without the previous one differs.
    fs::remove(output(kResumeAt));
    const Outcome alone = runCli(run_args + Args{"--start", std::to_string(kResumeAt), "--count", "1"}, dir);
    ASSERT_EQ(alone.exit_code, 0) << alone.err;
    EXPECT_NE(readText(output(kResumeAt)), uninterrupted[kResumeAt]);
    fs::remove_all(dir / "out");
  }
}

// Two slices stylised by separate processes, as on a cluster: slice A frames 0-3, slice
// B frames 4-7 after two overlap frames. The issue asks for a seam (3,4) whose temporal
// error is at most 1.5 times the other pairs'; that does not hold (docs/cli.md, Sequences:
// 7 to 13 times, measured with --overlap 2): slice B's overlap starts afresh at
// frame 2, and a coherent sequence carries its texture along, so B's frame 3 is another
// texture than A's. What holds, and is tested: B's first frame continues from the
// overlap, and the seam is smaller than without it.
// Two slices run as two tasks would (each knowing only its own range and --overlap): the
// first fades its last frames into the second's lead-in, which it stylises too, so that
// the second's first frame continues from exactly what the first wrote.
TEST_F(CliVideo, SlicesWithAnOverlapJoinWithoutASeam) {
  constexpr int kFrames = 10;
  const auto contents = writePan(dir, kFrames, {48, 36});
  ASSERT_EQ(contents.size(), size_t(kFrames));
  settings = fast(20) + Args{"--learning-rate", "0.05", "--steps-per-frame", "10"};
  const Outcome whole = stylise("whole", {});
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  const Outcome first = stylise("joined", {"--start", "0", "--count", "6", "--overlap", "3"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  // 6 frames of the slice and the next slice's 3 lead-in frames (positions 3 to 5), each
  // stylised before the slice's frame that fades into it.
  EXPECT_NE(first.err.find("frame 4/9 next slice's lead-in, not written: " + dir / "joined/3.png"),
            std::string::npos) << first.err;
  EXPECT_NE(first.err.find("33% the next slice's lead-in"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("67% the next slice's lead-in"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("100% the next slice's lead-in"), std::string::npos) << first.err;
  for (int k = 0; k < 3; ++k)  // before the hand-over: the same frames as one run's
    EXPECT_EQ(readText(dir / ("joined/" + std::to_string(k) + ".png")),
              readText(dir / ("whole/" + std::to_string(k) + ".png"))) << "frame " << k;
  const std::string a5 = readText(dir / "joined/5.png");
  {  // resumed inside the hand-over, the slice writes what it wrote uninterrupted
    const std::string a4 = readText(dir / "joined/4.png");
    fs::remove(dir / "joined/4.png");
    fs::remove(dir / "joined/5.png");
    const Outcome resumed = stylise("joined", {"--start", "0", "--count", "6", "--overlap", "3", "--resume"});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(readText(dir / "joined/4.png"), a4);
    EXPECT_EQ(readText(dir / "joined/5.png"), a5);
  }
  const Outcome second = stylise("joined", {"--start", "6", "--count", "4", "--overlap", "3"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(readText(dir / "joined/5.png"), a5) << "an overlap frame is not written";
  EXPECT_NE(second.err.find("frame 3/7 overlap, not written: " + dir / "joined/5.png"), std::string::npos)
      << second.err;
  const size_t b6 = second.err.find("frame 4/7 wrote " + dir / "joined/6.png");
  ASSERT_NE(b6, std::string::npos) << second.err;
  EXPECT_NE(second.err.find("from the previous result warped by flow", b6), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("the next slice's lead-in"), std::string::npos) << "the last slice hands over to none";
  const Outcome unjoined = stylise("unjoined", {"--start", "6", "--count", "4"});
  ASSERT_EQ(unjoined.exit_code, 0) << unjoined.err;

  std::vector<double> errors, whole_errors;
  for (int k = 0; k + 1 < kFrames; ++k) {
    errors.push_back(temporalError(contents[k], contents[k + 1], readOutput(dir, "joined", k),
                                   readOutput(dir, "joined", k + 1)));
    whole_errors.push_back(temporalError(contents[k], contents[k + 1], readOutput(dir, "whole", k),
                                         readOutput(dir, "whole", k + 1)));
  }
  const double seam = errors[5];
  const double others = (std::accumulate(errors.begin(), errors.end(), 0.0) - seam) / (errors.size() - 1);
  const double whole_mean = std::accumulate(whole_errors.begin(), whole_errors.end(), 0.0) / whole_errors.size();
  const double without_overlap = temporalError(contents[5], contents[6], readOutput(dir, "joined", 5),
                                               readOutput(dir, "unjoined", 6));
  std::printf("temporal error: seam (5,6) %.1f with --overlap 3, %.1f without; other pairs %.1f; one run %.1f (",
              seam, without_overlap, others, whole_mean);
  for (double error : errors) std::printf(" %.1f", error);
  std::printf(" )\n");
  RecordProperty("seam_with_overlap", std::to_string(seam));
  RecordProperty("seam_without_overlap", std::to_string(without_overlap));
  RecordProperty("other_pairs", std::to_string(others));
  // The seam is an ordinary pair: against the other pairs of the joined slices, and
  // against the pairs of one uninterrupted run.
  EXPECT_LE(seam, 1.5 * others);
  EXPECT_LE(seam, 1.5 * whole_mean);
  EXPECT_LT(seam, without_overlap / 4);
  // The fade spreads the two chains' difference over the hand-over's pairs (measured: the
  // largest about half the jump without an overlap, as the lead-in chain's own first pairs
  // are large with few steps): none of them jumps as the seam without an overlap does.
  for (int k = 0; k + 1 < kFrames; ++k) EXPECT_LT(errors[k], without_overlap) << "pair " << k;
  EXPECT_GT(seam, 0.0);
}

}  // namespace
}  // namespace neuralstyle::cli
