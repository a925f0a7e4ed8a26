// SPDX-License-Identifier: LGPL-2.1-or-later
// Winograd convolutions in the networks: oneDNN's (AVX-512) and the portable one
// (test_portable_winograd.cpp) give the same values and gradients as LibTorch's direct
// convolution on every CPU kind, the per-layer choice never picks a kernel the CPU lacks,
// and the cached Winograd forms follow changes of the weights.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/squeezenet.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/vgg19.hpp"
#include "neuralstyle/weights.hpp"
#include "convolution_choice.hpp"  // internal: tested directly
#include "cpu_features.hpp"
#include "test_support.hpp"
#include "winograd_conv.hpp"
#include "winograd_test_layers.hpp"

using namespace neuralstyle;
using neuralstyle::detail::ConvKernel;
using neuralstyle::detail::CpuFlags;
using neuralstyle::detail::WinogradConvRelu;

namespace {

// oneDNN's own Winograd class: its kernels exist for AVX-512 only. Everything else here
// runs on every CPU.
#define SKIP_WITHOUT_ONEDNN_WINOGRAD()                                                   \
  if (!neuralstyle::detail::winogradAvailable())                                         \
  GTEST_SKIP() << "no oneDNN Winograd kernels on this CPU/build (they need AVX-512); the " \
                  "portable Winograd runs here instead"

// The CPU kinds the suite runs on, as far as this CPU has them: AVX-512 (with oneDNN's
// Winograd), AVX2 without AVX-512 (Zen 3), and neither.
std::vector<std::pair<std::string, CpuFlags>> cpuKinds() {
  return {{"this CPU", neuralstyle::detail::cpuFlags()},
          {"AVX2 only", CpuFlags{true, false, false}},
          {"baseline x86-64", CpuFlags{}}};
}

// Runs the rest of the scope as if the CPU had only `features`.
class ForcedCpu {
 public:
  explicit ForcedCpu(const CpuFlags& features) { neuralstyle::detail::forceCpuFlags(features); }
  ~ForcedCpu() { neuralstyle::detail::forceCpuFlags(std::nullopt); }
  ForcedCpu(const ForcedCpu&) = delete;
  ForcedCpu& operator=(const ForcedCpu&) = delete;
};

using test::Layer;
using test::randomLayer;
using test::relativeL2;

}  // namespace

TEST(Winograd, ForwardAndInputGradientMatchTheDirectConvolution) {
  SKIP_WITHOUT_ONEDNN_WINOGRAD();
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
  SKIP_WITHOUT_ONEDNN_WINOGRAD();
  const auto layer = randomLayer(16, 32, 7);
  const WinogradConvRelu contiguous(layer.weight, layer.bias);
  const WinogradConvRelu channels_last(layer.weight.contiguous(torch::MemoryFormat::ChannelsLast),
                                       layer.bias);
  torch::NoGradGuard no_grad;
  const auto input = torch::randn({1, 16, 20, 17});
  EXPECT_TRUE(torch::equal(channels_last.forward(input), contiguous.forward(input)));
}

TEST(Winograd, UnderNoGradItRecordsNoGraph) {
  SKIP_WITHOUT_ONEDNN_WINOGRAD();
  const auto layer = randomLayer(16, 16, 3);
  const WinogradConvRelu winograd(layer.weight, layer.bias);
  torch::NoGradGuard no_grad;
  const auto input = torch::randn({1, 16, 16, 16}).set_requires_grad(true);
  const auto out = winograd.forward(input);
  EXPECT_FALSE(out.requires_grad());
  EXPECT_LT(relativeL2(out, torch::relu(torch::conv2d(input, layer.weight, layer.bias, 1, 1))), 1e-5);
}

TEST(Winograd, RejectsLayersAndInputsItCannotRun) {
  SKIP_WITHOUT_ONEDNN_WINOGRAD();
  const auto rgb_layer = randomLayer(3, 64, 4);  // conv1_1: 3 input channels
  EXPECT_FALSE(neuralstyle::detail::winogradSupports(3, 64));
  EXPECT_THROW(WinogradConvRelu(rgb_layer.weight, rgb_layer.bias), std::runtime_error);
  const auto layer = randomLayer(16, 32, 5);
  EXPECT_THROW(WinogradConvRelu(layer.weight, torch::Tensor()), std::runtime_error);
  const WinogradConvRelu winograd(layer.weight, layer.bias);
  EXPECT_THROW(winograd.forward(torch::randn({1, 8, 16, 16})), std::runtime_error);
  EXPECT_THROW(winograd.forward(torch::randn({1, 16, 16, 16}, torch::kFloat64)), std::runtime_error);
}

TEST(ConvolutionChoice, NeverPicksAKernelTheCpuLacks) {
  const std::vector<std::pair<int64_t, int64_t>> channels{
      {3, 64}, {64, 64}, {64, 128}, {128, 256}, {512, 512}, {16, 64}, {48, 192}};
  const bool onednn = neuralstyle::detail::winogradAvailable();
  for (const auto& [kind, features] : cpuKinds()) {
    const ForcedCpu forced(features);
    const auto cpu = neuralstyle::detail::cpuFlags();
    for (const auto& [in, out] : channels) {
      for (const int64_t side : {4, 16, 64}) {
        const neuralstyle::detail::ConvLayerShape layer{in, out, true, side, side, true};
        SCOPED_TRACE(kind + ", " + std::to_string(in) + " -> " + std::to_string(out) + " at " +
                     std::to_string(side));
        for (const auto requested : {Convolution::Auto, Convolution::Winograd}) {
          const auto kernel = neuralstyle::detail::chooseConvKernel(requested, layer, cpu, onednn);
          if (!cpu.avx512f) EXPECT_NE(kernel, ConvKernel::OneDnnWinograd);
          if (requested == Convolution::Winograd) EXPECT_NE(kernel, ConvKernel::Direct);
        }
        EXPECT_EQ(neuralstyle::detail::chooseConvKernel(Convolution::Direct, layer, cpu, onednn),
                  ConvKernel::Direct);
      }
    }
  }
  // oneDNN's kernels present in the build but a CPU without AVX-512: never oneDNN's.
  const neuralstyle::detail::ConvLayerShape conv1_2{64, 64, true, 64, 64, true};
  EXPECT_EQ(neuralstyle::detail::chooseConvKernel(Convolution::Auto, conv1_2, CpuFlags{true, false, false}, true),
            ConvKernel::PortableWinograd);
  EXPECT_EQ(neuralstyle::detail::chooseConvKernel(Convolution::Auto, conv1_2, CpuFlags{true, true, false}, true),
            ConvKernel::OneDnnWinograd);
}

TEST(ConvolutionChoice, AutoPicksWinogradWhereItPaysAndDirectElsewhere) {
  const CpuFlags avx2{true, false, false}, avx512{true, true, false};
  const auto pick = [](const CpuFlags& cpu, int64_t in, int64_t out, int64_t side) {
    return neuralstyle::detail::chooseConvKernel(Convolution::Auto, {in, out, true, side, side, true}, cpu, true);
  };
  // Too few input channels for the transforms to pay: conv1_1, SqueezeNet's fire2-3 expand.
  EXPECT_EQ(pick(avx2, 3, 64, 64), ConvKernel::Direct);
  EXPECT_EQ(pick(avx2, 16, 64, 64), ConvKernel::Direct);
  // Under 16x15 output pixels: its filters' setup is not repaid.
  EXPECT_EQ(pick(avx2, 512, 512, 8), ConvKernel::Direct);
  EXPECT_EQ(pick(avx2, 512, 512, 15), ConvKernel::Direct);  // 15x15
  // The portable one everywhere else on AVX2 ...
  EXPECT_EQ(pick(avx2, 64, 64, 64), ConvKernel::PortableWinograd);
  EXPECT_EQ(pick(avx2, 512, 512, 16), ConvKernel::PortableWinograd);
  EXPECT_EQ(pick(avx2, 48, 192, 16), ConvKernel::PortableWinograd);
  // ... and on AVX-512 except VGG19's 64-channel layers from 16x15, where oneDNN's is faster.
  EXPECT_EQ(pick(avx512, 64, 128, 16), ConvKernel::OneDnnWinograd);
  EXPECT_EQ(pick(avx512, 64, 64, 8), ConvKernel::Direct);
  EXPECT_EQ(pick(avx512, 256, 256, 64), ConvKernel::PortableWinograd);
  // Not a 3x3 stride-1 padding-1 layer, or not float32 on the CPU: direct, whatever asked.
  for (const auto requested : {Convolution::Auto, Convolution::Winograd}) {
    EXPECT_EQ(neuralstyle::detail::chooseConvKernel(requested, {64, 64, false, 64, 64, true}, avx512, true),
              ConvKernel::Direct);
    EXPECT_EQ(neuralstyle::detail::chooseConvKernel(requested, {64, 64, true, 64, 64, false}, avx512, true),
              ConvKernel::Direct);
  }
}

TEST(Vgg19Winograd, TheNetworkAsksTheChoiceWithItsLayersShapes) {
  Vgg19Features network(randomWeights(3));
  const auto at = [&](int index, int64_t side) {  // an input of the conv at `index`
    return torch::randn({1, network->conv(index)->weight.size(1), side, side});
  };
  const ForcedCpu avx2(CpuFlags{true, false, false});
  EXPECT_EQ(network->convolution(), Convolution::Auto);
  EXPECT_EQ(network->convKernel(network->conv(0), at(0, 64)), ConvKernel::Direct);  // 3 channels
  EXPECT_EQ(network->convKernel(network->conv(2), at(2, 64)), ConvKernel::PortableWinograd);
  EXPECT_EQ(network->convKernel(network->conv(28), at(28, 16)), ConvKernel::PortableWinograd);
  EXPECT_EQ(network->convKernel(network->conv(28), at(28, 4)), ConvKernel::Direct);
  EXPECT_FALSE(network->usesWinograd(network->conv(2), at(2, 64).to(torch::kBFloat16)));
  network->setConvolution(Convolution::Winograd);
  EXPECT_TRUE(network->usesWinograd(network->conv(0), at(0, 64)));
  network->setConvolution(Convolution::Direct);
  EXPECT_FALSE(network->usesWinograd(network->conv(2), at(2, 64)));
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

TEST(Vgg19Winograd, FeaturesAndGradientsMatchDirectAtEveryLayerOnEveryCpuKind) {
  configureThreads(2);
  Vgg19Features network(randomWeights(3));
  std::vector<int> layers;  // as the losses use them
  for (const char* name : {"conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1"})
    layers.push_back(network->layer(name));
  for (const auto& [kind, features] : cpuKinds()) {
    SCOPED_TRACE(kind);
    const ForcedCpu forced(features);
    torch::manual_seed(6);
    expectWinogradMatchesDirect(*network, layers, torch::randn({1, 3, 40, 48}));
  }
}

static Vgg19Features winogradNetwork() {
  Vgg19Features network(randomWeights(3));
  network->setConvolution(Convolution::Winograd);
  return network;
}

TEST(Vgg19Winograd, FollowsInPlaceChangesOfTheWeightsOnEveryCpuKind) {
  for (const auto& [kind, features] : cpuKinds()) {
    SCOPED_TRACE(kind);
    const ForcedCpu forced(features);
    auto network = winogradNetwork();
    torch::NoGradGuard no_grad;
    const auto image = torch::randn({1, 3, 32, 32});
    const int conv1_2 = network->layer("conv1_2");  // torchvision index 2
    const auto before = network->forward(image, {conv1_2})[0];
    network->conv(2)->weight.mul_(2);
    network->conv(2)->bias.mul_(2);
    const auto after = network->forward(image, {conv1_2})[0];
    // relu(2 z) = 2 relu(z): the cached Winograd filters must have been rebuilt.
    EXPECT_LT(relativeL2(after, 2 * before), 1e-5);
  }
}

TEST(SqueezeNetWinograd, FeaturesAndGradientsMatchDirectAtEveryLayerOnEveryCpuKind) {
  configureThreads(2);
  SqueezeNetFeatures network(randomWeights(3, Network::SqueezeNet1_1));
  for (const auto& [kind, features] : cpuKinds()) {
    SCOPED_TRACE(kind);
    const ForcedCpu forced(features);
    torch::manual_seed(6);
    expectWinogradMatchesDirect(*network, {0, 1, 2, 3, 4, 5, 6, 7, 8}, torch::randn({1, 3, 96, 88}));
  }
}

TEST(Vgg19Winograd, FollowsABiasReplacedThroughSetData) {
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

TEST(StylizerWinograd, LossesStayWithinFloatNoiseOfDirectOnEveryCpuKind) {
  configureThreads(2);
  StyleOptions options;
  options.steps = 5;
  options.max_size = 48;
  options.learning_rate = 0.05;
  const auto weights = randomWeights(9);
  const auto losses = [&](Convolution convolution) {
    Stylizer stylizer(weights, DeviceKind::CPU, options, Precision::Float32, convolution);
    EXPECT_EQ(stylizer.convolution(), convolution);
    stylizer.setStyle(test::syntheticRgb({48, 48}, 99), PixelFormat::RGB);
    std::vector<double> totals;
    stylizer.stylize(test::syntheticRgb({48, 40}, 3), PixelFormat::RGB,
                     [&](const Progress& p) { totals.push_back(p.losses.total); });
    return totals;
  };
  const auto direct = losses(Convolution::Direct);
  ASSERT_EQ(direct.size(), 5u);
  for (const auto& [kind, features] : cpuKinds()) {
    SCOPED_TRACE(kind);
    const ForcedCpu forced(features);
    const auto winograd = losses(Convolution::Winograd);
    ASSERT_EQ(winograd.size(), 5u);
    for (size_t k = 0; k < direct.size(); ++k)
      EXPECT_NEAR(winograd[k] / direct[k], 1.0, 1e-5) << "step " << k + 1;
    EXPECT_NE(winograd, direct) << "Winograd did not run";
  }
}

TEST(StylizerWinograd, IsRefusedWhereItCannotRun) {
  EXPECT_THROW(Stylizer(randomWeights(1), DeviceKind::CPU, {}, Precision::BFloat16, Convolution::Winograd),
               OptionsError);
}

TEST(SqueezeNetWinograd, AutoRunsTheExpandLayersWithThirtyTwoChannelsOrMoreAsWinograd) {
  SqueezeNetFeatures network(randomWeights(3, Network::SqueezeNet1_1));
  std::vector<torch::nn::Conv2d> expand3x3;
  for (const auto& child : network->named_children())
    if (child.key().find("expand3x3") != std::string::npos)
      expand3x3.push_back(
          torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(child.value())));
  ASSERT_EQ(expand3x3.size(), 8u);
  const auto fire2 = torch::randn({1, 16, 64, 64}), fire4 = torch::randn({1, 32, 32, 32});
  EXPECT_FALSE(network->usesWinograd(expand3x3[0], fire2));  // auto: 16 channels
  EXPECT_TRUE(network->usesWinograd(expand3x3[2], fire4));
  network->setConvolution(Convolution::Winograd);
  EXPECT_TRUE(network->usesWinograd(expand3x3[0], fire2));
  EXPECT_FALSE(network->usesWinograd(expand3x3[0], fire2.to(torch::kBFloat16)));
}
