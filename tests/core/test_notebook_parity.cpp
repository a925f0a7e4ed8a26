// SPDX-License-Identifier: LGPL-2.1-or-later
// Parity with the reference notebook: its own code, run by Python's torch on the same random
// weights and the same pixels, must give the same losses at every step and the same image.
#include <fstream>
#include <sstream>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "neuralstyle/feature_network.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/weights.hpp"
#include "test_support.hpp"

using namespace neuralstyle;

namespace {

void writeRgbPng(const std::string& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  ASSERT_TRUE(cv::imwrite(path, bgr));
}

double relativeError(double ours, double reference) {
  return std::abs(ours - reference) / std::max(std::abs(reference), 1e-12);
}

struct ParityCase {
  int steps;
  double learning_rate;
  Convolution convolution = Convolution::Auto;  // the default
  Network network = Network::VGG19;
};

// The reference's arguments for a network: VGG19's loss terms are the reference notebook's own code;
// SqueezeNet's are the network's defaults, passed explicitly.
std::string networkArguments(Network network) {
  if (network == Network::VGG19) return "";
  const auto& defaults = networkDefaults(network);
  std::ostringstream beta;
  beta.precision(17);
  beta << defaults.style_weight;
  return " --network " + networkName(network) + " --content-layer " + defaults.content_layer +
         " --style-layers " + formatLayerWeights(defaults.style_layers) + " --style-weight " +
         beta.str();
}

void expectParity(const ParityCase& parity) {
  test::TempDir dir;
  const cv::Size size(48, 40);  // both sides see exactly these pixels: no resize anywhere
  const cv::Mat content = test::syntheticRgb(size, 21);
  cv::Mat style = test::syntheticRgb(size, 22);
  cv::flip(style, style, 1);
  writeRgbPng(dir.file("content.png"), content);
  writeRgbPng(dir.file("style.png"), style);
  const std::string weights = parity.network == Network::VGG19 ? test::testWeights("vgg19.safetensors")
                                                                 : test::squeezeNetWeights();
  std::cout << "weights: " << weights << "\n";

  std::string log;
  const int status = test::runReferenceScript(
      "reference_notebook.py",
      "--weights " + weights + " --content " + dir.file("content.png") + " --style " +
          dir.file("style.png") + " --steps " + std::to_string(parity.steps) + " --lr " +
          std::to_string(parity.learning_rate) + " --threads 2 --json " + dir.file("notebook.json") +
          " --image " + dir.file("notebook.png") + networkArguments(parity.network),
      &log);
  ASSERT_EQ(status, 0) << log;
  nlohmann::json reference;
  std::ifstream(dir.file("notebook.json")) >> reference;
  ASSERT_EQ(reference["total"].size(), static_cast<size_t>(parity.steps));

  configureThreads(2);
  StyleOptions options;
  options.steps = parity.steps;
  options.learning_rate = parity.learning_rate;
  Stylizer stylizer(loadWeights(weights, parity.network), DeviceKind::CPU, options, Precision::Float32,
                    parity.convolution);
  stylizer.setStyle(readRgbImage(dir.file("style.png")), PixelFormat::RGB);
  std::vector<Losses> ours;
  const auto result = stylizer.stylize(readRgbImage(dir.file("content.png")), PixelFormat::RGB,
                                       [&](const Progress& p) { ours.push_back(p.losses); });
  ASSERT_EQ(ours.size(), static_cast<size_t>(parity.steps));

  double worst = 0;
  for (int k = 0; k < parity.steps; ++k) {
    const double total = relativeError(ours[k].total, reference["total"][k].get<double>());
    const double style_error = relativeError(ours[k].style, reference["style"][k].get<double>());
    // The content loss starts at exactly 0 (target = content): compare it on the total's scale.
    const double content_error = std::abs(ours[k].content - reference["content"][k].get<double>()) /
                                 std::max(std::abs(reference["total"][k].get<double>()), 1e-12);
    worst = std::max({worst, total, style_error, content_error});
    EXPECT_LE(total, 1e-4) << "total loss at step " << k + 1;
    EXPECT_LE(style_error, 1e-4) << "style loss at step " << k + 1;
    EXPECT_LE(content_error, 1e-4) << "content loss at step " << k + 1;
  }
  ::testing::Test::RecordProperty("worst_relative_error", std::to_string(worst));
  std::cout << "worst relative loss error over " << parity.steps << " steps: " << worst << "\n";

  // The losses must have moved, or the comparison proves little.
  // (Moved, not necessarily down: random SqueezeNet weights at learning rate 0.1 overshoot.)
  const double first = reference["total"][0].get<double>(), last = reference["total"].back().get<double>();
  EXPECT_GT(std::abs(last - first), 1e-3 * std::abs(first));
  const cv::Mat notebook_image = readRgbImage(dir.file("notebook.png"));
  ASSERT_EQ(notebook_image.size(), result.image.size());
  EXPECT_LE(cv::norm(notebook_image, result.image, cv::NORM_INF), 1.0);
  EXPECT_GT(cv::norm(content, result.image, cv::NORM_INF), 1.0);
}

}  // namespace

TEST(NotebookParity, LossesAndImageMatchTheNotebookOverTwentyStepsAtItsLearningRate) {
  expectParity({20, 0.003});
}

TEST(NotebookParity, LossesAndImageMatchTheNotebookWhenTheImageMovesFar) {
  // A larger learning rate moves the target well away from the content within 20 steps,
  // so that the content loss and the image comparison are exercised too.
  expectParity({20, 0.1});
}

// The default (above) runs Winograd on the layers where it pays at 48x40 (conv1_2 to
// conv2_2); these pin the two algorithms down on their own.
TEST(NotebookParity, DirectConvolutionsMatchTheNotebook) { expectParity({20, 0.1, Convolution::Direct}); }

TEST(NotebookParity, WinogradAtEveryLayerMatchesTheNotebook) {
  if (!winogradConvolutionAvailable()) GTEST_SKIP() << "no Winograd kernels on this CPU/build";
  expectParity({20, 0.1, Convolution::Winograd});
}

// SqueezeNet 1.1 with the reference notebook's formulas and the network's default layers and weights,
// against the reference notebook's code run on torchvision's squeezenet1_1: with the real ImageNet
// weights where ../shared/weights has them, random ones elsewhere.
TEST(NotebookParity, SqueezeNetMatchesTheNotebooksFormulas) {
  expectParity({20, networkDefaults(Network::SqueezeNet1_1).learning_rate, Convolution::Auto,
                Network::SqueezeNet1_1});
}

TEST(NotebookParity, SqueezeNetMatchesTheNotebookWhenTheImageMovesFar) {
  expectParity({20, 0.1, Convolution::Direct, Network::SqueezeNet1_1});
}
