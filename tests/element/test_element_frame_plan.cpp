// SPDX-License-Identifier: LGPL-2.1-or-later
// One frame plan for the element and the CLI: a frame too thin for max-size is processed
// at the same size by both, as the core's planFrame says.
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <string>

#include "cli_process.hpp"  // runs the `neuralstyle` binary (tests/cli)
#include "element_harness.hpp"
#include "element_test_support.hpp"
#include "neuralstyle/frame_plan.hpp"

namespace neuralstyle::element_test {
namespace {

/// "processed at WxH (max-size M)" in a warning of the element or the CLI.
struct RaisedTo {
  cv::Size size;
  int max_size = 0;
  bool operator==(const RaisedTo& other) const { return size == other.size && max_size == other.max_size; }
};

RaisedTo raisedTo(const std::string& text) {
  static const std::regex pattern(R"(processed at (\d+)x(\d+) \(max-size (\d+)\))");
  std::smatch match;
  if (!std::regex_search(text, match, pattern)) {
    ADD_FAILURE() << "no processing size in: " << text;
    return {};
  }
  return {{std::stoi(match[1]), std::stoi(match[2])}, std::stoi(match[3])};
}

std::ostream& operator<<(std::ostream& out, const RaisedTo& raised) {
  return out << raised.size.width << "x" << raised.size.height << " (max-size " << raised.max_size << ")";
}

}  // namespace

TEST(ThinFrames, TheElementAndTheCliProcessThemAtTheSizeTheCorePlans) {
  struct Case {
    const char* network;
    Network core_network;
    cv::Size frame;
  };
  // VGG19 needs 16 pixels a side; SqueezeNet to fire6 17, which the CLI used to miss.
  for (const Case& c : {Case{"vgg19", Network::VGG19, {16, 64}},
                        Case{"squeezenet1_1", Network::SqueezeNet1_1, {20, 96}}}) {
    SCOPED_TRACE(c.network);
    TempDir dir;
    const std::string style = writeStyle(dir);
    const std::string content = dir.file("thin.png");
    ASSERT_TRUE(cv::imwrite(content, stripes(c.frame, {10, 200, 30}, {220, 40, 90})));

    StyleOptions options;
    options.max_size = 16;
    const FramePlan plan = planFrame(c.frame, options, c.core_network);
    ASSERT_TRUE(plan.raised());
    const RaisedTo planned{plan.finalSize(), plan.max_size};

    cli::test::TempDir cli_dir;
    const auto cli = cli::test::runCli({"--content", content, "--style", style, "--output", cli_dir / "out.png",
                                        "--weights", "random:3", "--network", c.network, "--steps", "1",
                                        "--threads", "2", "--max-size", "16"},
                                       cli_dir);
    ASSERT_EQ(cli.exit_code, 0) << cli.err;
    EXPECT_EQ(raisedTo(cli.err), planned) << cli.err;

    const Outcome element = runPipeline(
        "filesrc location=" + content + " ! pngdec ! videoconvert ! video/x-raw,format=RGB ! neuralstyle "
        "style-location=" + style + " weights-location=random:3 network=" + c.network +
        " threads=2 device=cpu steps=1 progress-interval=1 max-size=16 ! fakesink");
    ASSERT_TRUE(element.eos) << element.error_text;
    ASSERT_EQ(element.warnings.size(), 1u);
    EXPECT_EQ(raisedTo(element.warnings[0]), planned) << element.warnings[0];
    // The progress messages say where the element optimised: the plan's size.
    size_t progress = 0;
    for (const auto& message : element.messages) {
      if (message.name() != "neuralstyle-progress") continue;
      ++progress;
      EXPECT_EQ(intField(message, "width"), plan.finalSize().width);
      EXPECT_EQ(intField(message, "height"), plan.finalSize().height);
    }
    EXPECT_EQ(progress, 1u);
  }
}

}  // namespace neuralstyle::element_test
