// SPDX-License-Identifier: LGPL-2.1-or-later
// The scripts in pipelines/ end to end on tiny inputs: outputs exist, have the input's
// size and count, and differ from the input; bad invocations fail clearly.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "element_test_support.hpp"
#include "pipeline_test_support.hpp"

namespace neuralstyle::element_test {
namespace {

struct PipelineScripts : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);
  /// Small, fast settings every run shares; a large learning rate so few steps show.
  std::string options() const {
    return "--style " + shellQuoted(style) +
           " --weights random:2 --steps 3 --max-size 64 --threads 2 --learning-rate 0.5 --quiet";
  }
  std::string writeContent(const std::string& name, cv::Size size) const {
    const std::string path = dir.file(name);
    EXPECT_TRUE(cv::imwrite(path, contentPicture(size)));
    return path;
  }
  /// Decodes every frame of a video file into PNGs in `folder`.
  void decodeFrames(const std::string& video, const fs::path& folder) const {
    fs::create_directories(folder);
    const Outcome outcome = runPipeline("filesrc location=" + gstQuoted(video) +
                                        " ! decodebin ! videoconvert ! pngenc ! multifilesink location=" +
                                        gstQuoted((folder / "%05d.png").string()));
    ASSERT_TRUE(outcome.eos) << outcome.error_text;
  }
};

TEST_F(PipelineScripts, StillWritesAStylisedPngAndJpegOfTheInputSize) {
  const std::string input = writeContent("content.png", {48, 32});
  const cv::Mat original = cv::imread(input);
  for (const char* name : {"result.png", "result.jpg"}) {
    SCOPED_TRACE(name);
    const std::string output = dir.file(name);
    const CommandResult result = run(script("still.sh") + " " + options() + " " + shellQuoted(input) + " " + shellQuoted(output));
    ASSERT_EQ(result.status, 0) << result.output;
    const cv::Mat stylised = cv::imread(output);
    ASSERT_FALSE(stylised.empty()) << output << " is not an image";
    EXPECT_EQ(stylised.size(), original.size());
    EXPECT_GT(meanDifference(stylised, original), 2.0);
  }
}

TEST_F(PipelineScripts, VideoKeepsTheFrameCountAndSize) {
  const std::string input = dir.file("clip.avi");
  const Outcome made = runPipeline("videotestsrc num-buffers=3 pattern=ball ! "
                                   "video/x-raw,width=48,height=32,framerate=10/1 ! jpegenc quality=95 ! "
                                   "avimux ! filesink location=" + gstQuoted(input));
  ASSERT_TRUE(made.eos) << made.error_text;
  const std::string output = dir.file("clip-styled.mkv");
  const CommandResult result = run(script("video.sh") + " " + options() + " " + shellQuoted(input) + " " + shellQuoted(output));
  ASSERT_EQ(result.status, 0) << result.output;

  decodeFrames(input, dir.path() / "in");
  decodeFrames(output, dir.path() / "out");
  const auto originals = filesIn(dir.path() / "in");
  const auto stylised = filesIn(dir.path() / "out");
  ASSERT_EQ(originals.size(), 3u);
  ASSERT_EQ(stylised.size(), originals.size());
  for (size_t i = 0; i < stylised.size(); ++i) {
    const cv::Mat before = cv::imread(originals[i].string()), after = cv::imread(stylised[i].string());
    ASSERT_EQ(after.size(), cv::Size(48, 32)) << stylised[i];
    EXPECT_GT(meanDifference(after, before), 2.0) << stylised[i];
  }
}

TEST_F(PipelineScripts, VideoPassesTheVideoOptionsToTheElement) {
  const std::string input = dir.file("clip.avi");
  const Outcome made = runPipeline("videotestsrc num-buffers=3 pattern=ball ! "
                                   "video/x-raw,width=48,height=32,framerate=10/1 ! jpegenc quality=95 ! "
                                   "avimux ! filesink location=" + gstQuoted(input));
  ASSERT_TRUE(made.eos) << made.error_text;
  std::string verbose = options();
  verbose.erase(verbose.find(" --quiet"));
  const std::string output = dir.file("clip-interval.mkv");
  // Frames 0 and 2 optimised (2 from 0, with its own steps), frame 1 warped from 0.
  const CommandResult result =
      run(script("video.sh") + " " + verbose +
          " --mode interval --interval 2 --init previous --temporal-weight 10 --steps-per-frame 1"
          " --scene-cut-threshold=0.9 " + shellQuoted(input) + " " + shellQuoted(output));
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("frame 0 done: 3 steps"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("frame 2 done: 1 steps"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("frame 1 done"), std::string::npos) << result.output;
  decodeFrames(output, dir.path() / "out");
  EXPECT_EQ(filesIn(dir.path() / "out").size(), 3u);

  // A value the element does not take fails before anything is written.
  const CommandResult refused = run(script("video.sh") + " " + options() + " --mode sideways " +
                                    shellQuoted(input) + " " + shellQuoted(dir.file("refused.mkv")));
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("sideways"), std::string::npos) << refused.output;
  const CommandResult help = run(script("video.sh") + " -h");
  for (const char* option : {"--mode", "--interval", "--init", "--temporal-weight", "--steps-per-frame",
                             "--scene-cut-threshold"})
    EXPECT_NE(help.output.find(option), std::string::npos) << option << " missing from:\n" << help.output;
}

TEST_F(PipelineScripts, LiveShowsATestSourceInLiveModeWhenThereIsNoCamera) {
  const std::string missing_camera = dir.file("video9");
  const CommandResult result =
      run(script("live.sh") + " --style " + shellQuoted(style) +
          " --weights random:2 --steps 3 --max-size 32 --threads 1 --verbose --num-buffers 6"
          " --size 32x32 --framerate 10/1 --sink 'fakesink sync=true' --camera " + shellQuoted(missing_camera));
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find(missing_camera + "' does not exist: showing videotestsrc"), std::string::npos)
      << result.output;
  // Every frame goes out in live mode, each with its frame-warped report.
  for (int frame = 0; frame < 6; ++frame)
    EXPECT_NE(result.output.find("frame " + std::to_string(frame) + " warped from frame"), std::string::npos)
        << frame << ":\n" << result.output;

  const CommandResult help = run(script("live.sh") + " -h");
  EXPECT_EQ(help.status, 0);
  for (const char* option : {"Usage:", "--camera", "--sink", "--style", "--steps-per-frame", "GST_PLUGIN_PATH"})
    EXPECT_NE(help.output.find(option), std::string::npos) << option << " missing from:\n" << help.output;
  const CommandResult stray = run(script("live.sh") + " --style " + shellQuoted(style) + " extra-argument");
  EXPECT_NE(stray.status, 0);
  EXPECT_NE(stray.output.find("error:"), std::string::npos) << stray.output;
  const CommandResult bad_size = run(script("live.sh") + " --style " + shellQuoted(style) + " --size 32");
  EXPECT_NE(bad_size.status, 0);
  EXPECT_NE(bad_size.output.find("--size"), std::string::npos) << bad_size.output;
}

TEST_F(PipelineScripts, FramesStylisesEveryFrameOfASequenceUnderTheSameNames) {
  const fs::path in = dir.path() / "in", out = dir.path() / "out";
  fs::create_directories(in);
  for (int i = 0; i < 3; ++i) {
    cv::Mat frame = contentPicture({37, 29});
    frame.col(i * 5) = cv::Scalar(255, 255, 255);  // frames differ
    ASSERT_TRUE(cv::imwrite((in / cv::format("%05d.png", i)).string(), frame));
  }
  const CommandResult result = run(script("frames.sh") + " " + options() + " " + shellQuoted(in.string()) + " " +
                         shellQuoted(out.string()));
  ASSERT_EQ(result.status, 0) << result.output;
  const auto outputs = filesIn(out);
  ASSERT_EQ(outputs.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(outputs[i].filename(), cv::format("%05d.png", i));
    const cv::Mat before = cv::imread((in / outputs[i].filename()).string());
    const cv::Mat after = cv::imread(outputs[i].string());
    ASSERT_EQ(after.size(), cv::Size(37, 29)) << outputs[i];
    EXPECT_GT(meanDifference(after, before), 2.0) << outputs[i];
  }
}

TEST_F(PipelineScripts, FramesReadsASequenceNumberedFromOneAsFfmpegWritesIt) {
  const fs::path in = dir.path() / "in", out = dir.path() / "out";
  fs::create_directories(in);
  for (int i = 1; i <= 2; ++i)
    ASSERT_TRUE(cv::imwrite((in / cv::format("%05d.png", i)).string(), contentPicture({21, 17})));
  const CommandResult result = run(script("frames.sh") + " " + options() + " " + shellQuoted(in.string()) + " " +
                                   shellQuoted(out.string()));
  ASSERT_EQ(result.status, 0) << result.output;
  const auto outputs = filesIn(out);
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].filename(), "00001.png");
  EXPECT_EQ(outputs[1].filename(), "00002.png");
  // An explicit first index is taken as given.
  const CommandResult from_two = run(script("frames.sh") + " " + options() + " --start-index 2 " +
                                     shellQuoted(in.string()) + " " + shellQuoted((dir.path() / "two").string()));
  ASSERT_EQ(from_two.status, 0) << from_two.output;
  const auto second = filesIn(dir.path() / "two");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].filename(), "00002.png");
}

TEST_F(PipelineScripts, CompareLaysOutContentStyleAndResultSideBySide) {
  const std::string input = writeContent("content.png", {48, 32});
  const std::string sheet_path = dir.file("sheet.png");
  const CommandResult result = run(script("compare.sh") + " " + options() + " --gap 8 " + shellQuoted(input) + " " +
                         shellQuoted(sheet_path));
  ASSERT_EQ(result.status, 0) << result.output;
  const cv::Mat sheet = cv::imread(sheet_path);
  ASSERT_EQ(sheet.size(), cv::Size(3 * 48 + 2 * 8, 32));
  const cv::Mat content = cv::imread(input);
  const cv::Mat left = sheet(cv::Rect(0, 0, 48, 32));
  const cv::Mat right = sheet(cv::Rect(2 * (48 + 8), 0, 48, 32));
  EXPECT_LT(meanDifference(left, content), 4.0) << "the first tile is not the content";
  EXPECT_GT(meanDifference(right, content), 2.0) << "the last tile is not stylised";
  const cv::Mat gap = sheet(cv::Rect(48, 0, 8, 32));
  EXPECT_LT(cv::mean(gap)[0] + cv::mean(gap)[1] + cv::mean(gap)[2], 10.0) << "the gap is not black";
}

TEST_F(PipelineScripts, CompareShowsAGivenResultInsteadOfStylisingAgain) {
  const std::string input = writeContent("content.png", {48, 32});
  // A result that stylisation could not produce: a flat green image of the content's size.
  const std::string given = dir.file("given.png");
  ASSERT_TRUE(cv::imwrite(given, cv::Mat(32, 48, CV_8UC3, cv::Scalar(0, 200, 0))));
  const std::string sheet_path = dir.file("sheet.png");
  const CommandResult result = run(script("compare.sh") + " " + options() + " --gap 8 --result " +
                                   shellQuoted(given) + " " + shellQuoted(input) + " " +
                                   shellQuoted(sheet_path));
  ASSERT_EQ(result.status, 0) << result.output;
  const cv::Mat sheet = cv::imread(sheet_path);
  ASSERT_EQ(sheet.size(), cv::Size(3 * 48 + 2 * 8, 32));
  const cv::Mat right = sheet(cv::Rect(2 * (48 + 8), 0, 48, 32));
  EXPECT_LT(meanDifference(right, cv::imread(given)), 4.0) << "the last tile is not the given result";

  const CommandResult missing = run(script("compare.sh") + " " + options() + " --result " +
                                    shellQuoted(dir.file("nope.png")) + " " + shellQuoted(input) +
                                    " " + shellQuoted(sheet_path));
  EXPECT_NE(missing.status, 0);
  EXPECT_NE(missing.output.find("nope.png"), std::string::npos) << missing.output;
}

TEST_F(PipelineScripts, EveryScriptHasUsageTextAndRefusesBadArguments) {
  const std::string input = writeContent("content.png", {32, 32});
  for (const char* name : {"still.sh", "video.sh", "frames.sh", "compare.sh"}) {
    SCOPED_TRACE(name);
    const CommandResult help = run(script(name) + " -h");
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.output.find("Usage:"), std::string::npos) << help.output;
    EXPECT_NE(help.output.find("--style"), std::string::npos) << help.output;
    EXPECT_NE(help.output.find("GST_PLUGIN_PATH"), std::string::npos) << help.output;
    for (const char* option : {"--convolution", "--precision", "--pooling"})
      EXPECT_NE(help.output.find(option), std::string::npos) << option << " missing from:\n" << help.output;

    const CommandResult nothing = run(script(name));
    EXPECT_NE(nothing.status, 0);
    EXPECT_NE(nothing.output.find("error:"), std::string::npos) << nothing.output;

    const CommandResult unknown = run(script(name) + " --no-such-option " + shellQuoted(input) + " out.png");
    EXPECT_NE(unknown.status, 0);
    EXPECT_NE(unknown.output.find("--no-such-option"), std::string::npos) << unknown.output;

    const std::string missing_style = dir.file("missing-style.png");
    const CommandResult no_style = run(script(name) + " --style " + shellQuoted(missing_style) + " " + shellQuoted(input) + " " +
                             shellQuoted(dir.file("out.png")));
    EXPECT_NE(no_style.status, 0);
    EXPECT_NE(no_style.output.find(missing_style), std::string::npos) << no_style.output;
  }
}

TEST_F(PipelineScripts, ElementErrorsReachTheUserAndTheExitStatus) {
  const std::string input = writeContent("content.png", {32, 32});
  const std::string weights = dir.file("missing-vgg19.safetensors");
  const CommandResult result = run(script("still.sh") + " --style " + shellQuoted(style) + " --weights " + shellQuoted(weights) +
                         " " + shellQuoted(input) + " " + shellQuoted(dir.file("out.png")));
  EXPECT_NE(result.status, 0);
  EXPECT_NE(result.output.find(weights), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir.file("out.png")) && fs::file_size(dir.file("out.png")) > 0);

  // Engine options reach the element too: Winograd has no bfloat16 form.
  const CommandResult refused = run(script("still.sh") + " " + options() +
                                    " --precision bfloat16 --convolution winograd " +
                                    shellQuoted(input) + " " + shellQuoted(dir.file("out.png")));
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("Winograd"), std::string::npos) << refused.output;
}

TEST_F(PipelineScripts, SayHowToFindThePluginWhenItIsMissing) {
  const std::string input = writeContent("content.png", {32, 32});
  const std::string empty = dir.file("no-plugins");
  fs::create_directories(empty);
  const CommandResult result = run("GST_PLUGIN_PATH=" + shellQuoted(empty) + " GST_PLUGIN_SYSTEM_PATH=" + shellQuoted(empty) +
                         " GST_REGISTRY=" + shellQuoted(dir.file("registry.bin")) + " " + script("still.sh") +
                         " --style " + shellQuoted(style) + " " + shellQuoted(input) + " " + shellQuoted(dir.file("out.png")));
  EXPECT_NE(result.status, 0);
  EXPECT_NE(result.output.find("GST_PLUGIN_PATH"), std::string::npos) << result.output;
}

// --- --model: the fastneuralstyle element --------------------------------------------------

/// The generate_transformer_net fixture's random network.
std::string fixtureModel() {
  const char* dir = std::getenv("NEURALSTYLE_TESTDATA");
  EXPECT_NE(dir, nullptr) << "NEURALSTYLE_TESTDATA is not set";
  return std::string(dir ? dir : ".") + "/transformer_net_opset11.onnx";
}

TEST_F(PipelineScripts, StillFramesAndLiveRunAModelWithTheFastElement) {
  const std::string model = shellQuoted(fixtureModel());
  const std::string input = writeContent("content.png", {37, 29});
  const CommandResult still = run(script("still.sh") + " --model " + model + " --strength 0.5 --quiet " +
                                  shellQuoted(input) + " " + shellQuoted(dir.file("still.png")));
  ASSERT_EQ(still.status, 0) << still.output;
  const cv::Mat stylised = cv::imread(dir.file("still.png"));
  ASSERT_EQ(stylised.size(), cv::Size(37, 29));
  EXPECT_GT(meanDifference(stylised, cv::imread(input)), 2.0);

  const fs::path in = dir.path() / "in", out = dir.path() / "out";
  fs::create_directories(in);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(cv::imwrite((in / cv::format("%05d.png", i)).string(), contentPicture({21, 17})));
  const CommandResult frames = run(script("frames.sh") + " --model " + model + " --temporal-blend 0.5 " +
                                   shellQuoted(in.string()) + " " + shellQuoted(out.string()));
  ASSERT_EQ(frames.status, 0) << frames.output;
  EXPECT_EQ(filesIn(out).size(), 3u);
  // Each frame's inference time, from the element's message.
  EXPECT_NE(frames.output.find("frame 2 done:"), std::string::npos) << frames.output;

  const CommandResult live = run(script("live.sh") + " --model " + model +
                                 " --num-buffers 4 --size 32x24 --framerate 10/1 --sink 'fakesink sync=true'");
  ASSERT_EQ(live.status, 0) << live.output;
  EXPECT_NE(live.output.find("frame 3 done:"), std::string::npos) << live.output;
}

TEST_F(PipelineScripts, ModelAndOptimisationOptionsDoNotMix) {
  const std::string model = shellQuoted(fixtureModel());
  const std::string input = writeContent("content.png", {32, 24});
  const std::string output = shellQuoted(dir.file("out.png"));
  const struct {
    std::string arguments, reason;
  } cases[] = {
      {"--model " + model + " --steps 3", "'steps' (an optimisation option) does not apply with --model"},
      {"--model " + model + " --style " + shellQuoted(style), "--style does not apply with --model"},
      {"--style " + shellQuoted(style) + " --strength 0.5", "--strength applies only with --model"},
      {"--model " + shellQuoted(dir.file("none.onnx")), "model '" + dir.file("none.onnx") + "' does not exist"},
  };
  for (const auto& c : cases) {
    const CommandResult result = run(script("still.sh") + " " + c.arguments + " " + shellQuoted(input) + " " + output);
    EXPECT_NE(result.status, 0) << c.arguments;
    EXPECT_NE(result.output.find(c.reason), std::string::npos) << c.arguments << "\n" << result.output;
  }
  // A model the element refuses: its own message, naming the file.
  const std::string text_model = dir.file("text.onnx");
  { std::ofstream(text_model) << "not a model"; }
  const CommandResult refused = run(script("still.sh") + " --model " + shellQuoted(text_model) + " " +
                                    shellQuoted(input) + " " + output);
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("text.onnx"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace neuralstyle::element_test
