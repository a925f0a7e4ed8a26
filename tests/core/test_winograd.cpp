// SPDX-License-Identifier: LGPL-2.1-or-later
// Winograd convolutions (oneDNN): the same values and gradients as LibTorch's direct
// convolution, the per-layer choice, and the errors where they are not available.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/squeezenet.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/vgg19.hpp"
#include "test_support.hpp"
#include "winograd_conv.hpp"  // internal: tested directly

using namespace neuralstyle;
using neuralstyle::detail::WinogradConvRelu;

namespace {

#define SKIP_WITHOUT_WINOGRAD()                                                        \
  if (!neuralstyle::detail::winogradAvailable())                                                    \
  GTEST_SKIP() << "no Winograd kernels on this CPU/build (oneDNN needs AVX-512); the " \
                  "core uses direct convolutions here"

double relativeL2(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm().clamp_min(1e-30)).item<double>();
}

struct Layer {
  torch::Tensor weight, bias;
};

Layer randomLayer(int64_t in, int64_t out, uint64_t seed) {
  torch::manual_seed(seed);
  // He initialisation, as VGG's trained weights roughly are, so activations stay O(1).
  return {torch::randn({out, in, 3, 3}) * std::sqrt(2.0 / (9.0 * in)), torch::randn({out}) * 0.1};
}

}  // namespace

TEST(Winograd, ForwardAndInputGradientMatchTheDirectConvolution) {
  SKIP_WITHOUT_WINOGRAD();
  configureThreads(2);
  const auto layer = randomLayer(32, 48, 1);
  const WinogradConvRelu winograd(layer.weight, layer.bias);
  // Odd sizes (not multiples of the 4x4 tiles) and both memory layouts of the input.
  for (const auto& shape : std::vector<std::vector<int64_t>>{{1, 32, 21, 18}, {2, 32, 9, 30}}) {
    for (const bool channels_last : {false, true}) {
      torch::manual_seed(2);
      auto input = torch::randn(shape).relu();
      if (channels_last) input = input.contiguous(torch::MemoryFormat::ChannelsLast);
      const auto x_ours = input.clone().set_requires_grad(true);
      const auto x_direct = input.clone().set_requires_grad(true);
      const auto ours = winograd.forward(x_ours);
      const auto direct = torch::relu(torch::conv2d(x_direct, layer.weight, layer.bias, 1, 1));
      ASSERT_EQ(ours.sizes(), direct.sizes());
      EXPECT_LT(relativeL2(ours, direct), 1e-5) << "forward, shape " << shape[2] << "x" << shape[3];
      EXPECT_GE(ours.min().item<float>(), 0.f) << "the ReLU is part of the layer";

      // A loss that weights every output differently, so that the gradient is not uniform.
      const auto probe = torch::randn(direct.sizes());
      (ours * probe).sum().backward();
      (direct * probe).sum().backward();
      EXPECT_LT(relativeL2(x_ours.grad(), x_direct.grad()), 1e-5) << "input gradient";
      EXPECT_GT(x_direct.grad().abs().sum().item<double>(), 0.0);
    }
  }
}

TEST(Winograd, ReadsWeightsInAnyMemoryLayout) {
  SKIP_WITHOUT_WINOGRAD();
  const auto layer = randomLayer(16, 32, 7);
  const WinogradConvRelu contiguous(layer.weight, layer.bias);
  const WinogradConvRelu channels_last(layer.weight.contiguous(torch::MemoryFormat::ChannelsLast),
                                       layer.bias);
  torch::NoGradGuard no_grad;
  const auto input = torch::randn({1, 16, 20, 17});
  EXPECT_TRUE(torch::equal(channels_last.forward(input), contiguous.forward(input)));
}

TEST(Winograd, UnderNoGradItRecordsNoGraph) {
  SKIP_WITHOUT_WINOGRAD();
  const auto layer = randomLayer(16, 16, 3);
  const WinogradConvRelu winograd(layer.weight, layer.bias);
  torch::NoGradGuard no_grad;
  const auto input = torch::randn({1, 16, 16, 16}).set_requires_grad(true);
  const auto out = winograd.forward(input);
  EXPECT_FALSE(out.requires_grad());
  EXPECT_LT(relativeL2(out, torch::relu(torch::conv2d(input, layer.weight, layer.bias, 1, 1))), 1e-5);
}

TEST(Winograd, RejectsLayersAndInputsItCannotRun) {
  SKIP_WITHOUT_WINOGRAD();
  const auto rgb_layer = randomLayer(3, 64, 4);  // conv1_1: 3 input channels
  EXPECT_FALSE(neuralstyle::detail::winogradSupports(3, 64));
  EXPECT_THROW(WinogradConvRelu(rgb_layer.weight, rgb_layer.bias), std::runtime_error);
  const auto layer = randomLayer(16, 32, 5);
  EXPECT_THROW(WinogradConvRelu(layer.weight, torch::Tensor()), std::runtime_error);
  const WinogradConvRelu winograd(layer.weight, layer.bias);
  EXPECT_THROW(winograd.forward(torch::randn({1, 8, 16, 16})), std::runtime_error);
  EXPECT_THROW(winograd.forward(torch::randn({1, 16, 16, 16}, torch::kFloat64)), std::runtime_error);
}

TEST(Winograd, PaysFromSixteenByFifteenPixels) {
  EXPECT_TRUE(neuralstyle::detail::winogradPays(16, 15));
  EXPECT_TRUE(neuralstyle::detail::winogradPays(128, 120));
  EXPECT_FALSE(neuralstyle::detail::winogradPays(14, 13));
  EXPECT_FALSE(neuralstyle::detail::winogradPays(8, 8));
}

TEST(Vgg19Winograd, AutoUsesItOnlyWhereItPaysAndDirectNever) {
  SKIP_WITHOUT_WINOGRAD();
  Vgg19Features network(randomWeights(3));
  const auto image = torch::randn({1, 3, 64, 64});
  const auto at = [&](int index) {  // the input that reaches the conv at `index`
    const int pools = index < 4 ? 0 : index < 9 ? 1 : index < 18 ? 2 : index < 27 ? 3 : 4;
    return torch::randn({1, network->conv(index)->weight.size(1), 64 >> pools, 64 >> pools});
  };
  EXPECT_EQ(network->convolution(), Convolution::Auto);
  EXPECT_FALSE(network->usesWinograd(0, image));  // conv1_1: 3 channels
  EXPECT_TRUE(network->usesWinograd(2, at(2)));   // conv1_2 at 64x64
  EXPECT_TRUE(network->usesWinograd(10, at(10)));  // conv3_1 at 16x16
  EXPECT_FALSE(network->usesWinograd(19, at(19))); // conv4_1 at 8x8
  EXPECT_FALSE(network->usesWinograd(28, at(28))); // conv5_1 at 4x4
  EXPECT_FALSE(network->usesWinograd(2, at(2).to(torch::kBFloat16)));
  network->setConvolution(Convolution::Winograd);
  EXPECT_TRUE(network->usesWinograd(28, at(28)));
  EXPECT_FALSE(network->usesWinograd(0, image));
  network->setConvolution(Convolution::Direct);
  EXPECT_FALSE(network->usesWinograd(2, at(2)));
}

// Features at `layers` and the input's gradient agree between Winograd and direct.
static void expectWinogradMatchesDirect(FeatureNetworkImpl& network, const std::vector<int>& layers,
                                        const torch::Tensor& image) {
  const auto run = [&](Convolution convolution) {
    network.setConvolution(convolution);
    const auto x = image.clone().set_requires_grad(true);
    const auto features = network.forward(x, layers);
    torch::Tensor loss = torch::zeros({});
    for (const auto& f : features) loss = loss + f.pow(2).mean();
    loss.backward();
    return std::make_pair(features, x.grad());
  };
  const auto [direct, direct_grad] = run(Convolution::Direct);
  const auto [winograd, winograd_grad] = run(Convolution::Winograd);
  for (size_t i = 0; i < layers.size(); ++i)
    EXPECT_LT(relativeL2(winograd[i], direct[i]), 1e-5)
        << network.layerNames()[static_cast<size_t>(layers[i])];
  EXPECT_LT(relativeL2(winograd_grad, direct_grad), 1e-5);
}

TEST(Vgg19Winograd, FeaturesAndGradientsMatchDirectAtEveryLayer) {
  SKIP_WITHOUT_WINOGRAD();
  configureThreads(2);
  Vgg19Features network(randomWeights(3));
  std::vector<int> layers;  // as the losses use them
  for (const char* name : {"conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1"})
    layers.push_back(network->layer(name));
  torch::manual_seed(6);
  expectWinogradMatchesDirect(*network, layers, torch::randn({1, 3, 40, 48}));
}

static Vgg19Features winogradNetwork() {
  Vgg19Features network(randomWeights(3));
  network->setConvolution(Convolution::Winograd);
  return network;
}

TEST(Vgg19Winograd, FollowsInPlaceChangesOfTheWeights) {
  SKIP_WITHOUT_WINOGRAD();
  auto network = winogradNetwork();
  torch::NoGradGuard no_grad;
  const auto image = torch::randn({1, 3, 32, 32});
  const int conv1_2 = network->layer("conv1_2");  // torchvision index 2
  const auto before = network->forward(image, {conv1_2})[0];
  network->conv(2)->weight.mul_(2);
  network->conv(2)->bias.mul_(2);
  const auto after = network->forward(image, {conv1_2})[0];
  // relu(2 z) = 2 relu(z): the cached Winograd weights must have been rebuilt.
  EXPECT_LT(relativeL2(after, 2 * before), 1e-5);
}

TEST(SqueezeNetWinograd, FeaturesAndGradientsMatchDirectAtEveryLayer) {
  SKIP_WITHOUT_WINOGRAD();
  configureThreads(2);
  SqueezeNetFeatures network(randomWeights(3, Network::SqueezeNet1_1));
  torch::manual_seed(6);
  expectWinogradMatchesDirect(*network, {0, 1, 2, 3, 4, 5, 6, 7, 8}, torch::randn({1, 3, 96, 88}));
}

TEST(Vgg19Winograd, FollowsABiasReplacedThroughSetData) {
  SKIP_WITHOUT_WINOGRAD();
  auto network = winogradNetwork();
  torch::NoGradGuard no_grad;
  const auto image = torch::randn({1, 3, 32, 32});
  network->forward(image, {network->layer("conv1_2")});  // builds the layer's Winograd form
  // set_data() gives the bias new storage but keeps its version counter.
  auto bias = network->conv(2)->bias;
  bias.set_data(bias + 100);
  const auto winograd = network->forward(image, {network->layer("conv1_2")})[0];
  network->setConvolution(Convolution::Direct);
  const auto direct = network->forward(image, {network->layer("conv1_2")})[0];
  EXPECT_GT(direct.mean().item<double>(), 50) << "the new bias did not reach the direct path";
  EXPECT_LT(relativeL2(winograd, direct), 1e-5) << "the Winograd form kept the old bias";
}

TEST(StylizerWinograd, LossesStayWithinFloatNoiseOfDirect) {
  SKIP_WITHOUT_WINOGRAD();
  configureThreads(2);
  StyleOptions options;
  options.steps = 5;
  options.max_size = 48;
  options.learning_rate = 0.05;
  const auto losses = [&](Convolution convolution) {
    Stylizer stylizer(randomWeights(9), torch::kCPU, options, Precision::Float32, convolution);
    EXPECT_EQ(stylizer.convolution(), convolution);
    stylizer.setStyle(test::syntheticRgb({48, 48}, 99), PixelFormat::RGB);
    std::vector<double> totals;
    stylizer.stylize(test::syntheticRgb({48, 40}, 3), PixelFormat::RGB,
                     [&](const Progress& p) { totals.push_back(p.losses.total); });
    return totals;
  };
  const auto direct = losses(Convolution::Direct);
  const auto winograd = losses(Convolution::Winograd);
  ASSERT_EQ(direct.size(), 5u);
  ASSERT_EQ(winograd.size(), 5u);
  for (size_t k = 0; k < direct.size(); ++k)
    EXPECT_NEAR(winograd[k] / direct[k], 1.0, 1e-5) << "step " << k + 1;
  EXPECT_NE(winograd, direct) << "Winograd did not run";
}

TEST(StylizerWinograd, IsRefusedWhereItCannotRun) {
  SKIP_WITHOUT_WINOGRAD();
  EXPECT_THROW(Stylizer(randomWeights(1), torch::kCPU, {}, Precision::BFloat16, Convolution::Winograd),
               OptionsError);
}

TEST(SqueezeNetWinograd, AutoKeepsDirectConvolutionsWhereWinogradMeasuredSlower) {
  SKIP_WITHOUT_WINOGRAD();
  SqueezeNetFeatures network(randomWeights(3, Network::SqueezeNet1_1));
  std::vector<torch::nn::Conv2d> expand3x3;
  for (const auto& child : network->named_children())
    if (child.key().find("expand3x3") != std::string::npos)
      expand3x3.push_back(
          torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(child.value())));
  ASSERT_EQ(expand3x3.size(), 8u);
  const auto input = torch::randn({1, 16, 64, 64});
  EXPECT_FALSE(network->usesWinograd(expand3x3[0], input));  // auto
  network->setConvolution(Convolution::Winograd);
  EXPECT_TRUE(network->usesWinograd(expand3x3[0], input));
  EXPECT_FALSE(network->usesWinograd(expand3x3[0], input.to(torch::kBFloat16)));
}
