// SPDX-License-Identifier: LGPL-2.1-or-later
// The portable Winograd F(4x4, 3x3): values and input gradients against LibTorch's
// convolution at every VGG19 and SqueezeNet 3x3 layer shape, odd sizes and batches, with
// the transforms of every instruction set this CPU has; and the CPU-feature dispatcher.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "cpu_features.hpp"
#include "neuralstyle/stylizer.hpp"
#include "winograd_f43.hpp"  // internal: tested directly
#include "winograd_test_layers.hpp"

using namespace neuralstyle;
using namespace neuralstyle::detail;

namespace {

using test::Layer;
using test::randomLayer;
using test::relativeL2;

// The instruction sets whose transforms can run here: each is tested, not only the best.
std::vector<CpuIsa> runnableIsas() {
  std::vector<CpuIsa> isas{CpuIsa::Baseline};
  if (cpuFlags().avx2) isas.push_back(CpuIsa::Avx2);
  if (cpuFlags().avx512f) isas.push_back(CpuIsa::Avx512);
  return isas;
}

// Every (in, out) channel pair of a 3x3 stride-1 convolution in VGG19 and SqueezeNet 1.1.
const std::vector<std::pair<int64_t, int64_t>> kLayerChannels{
    {3, 64},    {64, 64},   {64, 128},  {128, 128}, {128, 256}, {256, 256}, {256, 512},
    {512, 512}, {16, 64},   {32, 128},  {48, 192},  {64, 256}};

// The forward and the input gradient without a ReLU: the gradient then does not depend on
// which outputs are positive, which float rounding may flip for outputs within 1e-6 of 0.
// The transforms of every instruction set run with one conv: its filters are transformed
// once (a 512x512 layer's are 38 MB, each of them new pages to the kernel).
void expectMatchesLibTorch(const WinogradF43Conv& conv, const Layer& layer,
                           const std::vector<int64_t>& shape, int64_t padding, CpuIsa isa) {
  const auto input = torch::randn(shape);
  const auto x_ours = input.clone().set_requires_grad(true);
  const auto x_direct = input.clone().set_requires_grad(true);
  const auto ours = conv.forward(x_ours, isa);
  const auto direct = torch::conv2d(x_direct, layer.weight, layer.bias, 1, padding);
  ASSERT_EQ(ours.sizes(), direct.sizes());
  EXPECT_LT(relativeL2(ours, direct), 1e-5) << "forward";
  const auto probe = torch::randn(direct.sizes());  // every output weighted differently
  (ours * probe).sum().backward();
  (direct * probe).sum().backward();
  EXPECT_LT(relativeL2(x_ours.grad(), x_direct.grad()), 1e-5) << "input gradient";
}

}  // namespace

TEST(PortableWinograd, MatchesLibTorchAtEveryLayerShapeOfBothNetworks) {
  configureThreads(2);
  for (const auto& [in, out] : kLayerChannels) {
    const auto layer = randomLayer(in, out, static_cast<uint64_t>(in * out));
    const WinogradF43Conv conv(layer.weight, layer.bias, 1, /*relu=*/false);
    for (const auto isa : runnableIsas()) {
      SCOPED_TRACE(isaName(isa) + ", " + std::to_string(in) + " -> " + std::to_string(out));
      // 13x10: neither side a multiple of the 4x4 tiles.
      expectMatchesLibTorch(conv, layer, {1, in, 13, 10}, 1, isa);
    }
  }
}

TEST(PortableWinograd, MatchesLibTorchAtOddSizesBatchesAndBothPaddings) {
  configureThreads(2);
  const auto layer = randomLayer(32, 48, 1);
  const WinogradF43Conv same(layer.weight, layer.bias, 1, false), valid(layer.weight, layer.bias, 0, false);
  for (const auto isa : runnableIsas()) {
    for (const auto& shape : std::vector<std::vector<int64_t>>{
             {1, 32, 1, 1}, {1, 32, 3, 7}, {2, 32, 21, 18}, {3, 32, 9, 30}, {1, 32, 64, 61}}) {
      for (const int64_t padding : {int64_t{1}, int64_t{0}}) {
        if (padding == 0 && (shape[2] < 3 || shape[3] < 3)) continue;  // no output at all
        SCOPED_TRACE(isaName(isa) + ", " + std::to_string(shape[0]) + "x" +
                     std::to_string(shape[2]) + "x" + std::to_string(shape[3]) + ", padding " +
                     std::to_string(padding));
        expectMatchesLibTorch(padding == 1 ? same : valid, layer, shape, padding, isa);
      }
    }
  }
}

TEST(PortableWinograd, TheReluIsFusedAndItsGradientFollowsTheOutput) {
  const auto layer = randomLayer(32, 32, 2);
  const WinogradF43Conv conv(layer.weight, layer.bias, 1, /*relu=*/true);
  const auto x = torch::randn({1, 32, 20, 17}).set_requires_grad(true);
  const auto ours = conv.forward(x);
  EXPECT_GE(ours.min().item<float>(), 0.f);
  EXPECT_LT(relativeL2(ours, torch::relu(torch::conv2d(x, layer.weight, layer.bias, 1, 1))), 1e-5);
  // The gradient passes where our output is positive: the direct convolution's gradient
  // through the same mask.
  const auto probe = torch::randn(ours.sizes());
  ours.backward(probe);
  const auto x_direct = x.detach().clone().set_requires_grad(true);
  torch::conv2d(x_direct, layer.weight, {}, 1, 1).backward(probe * (ours.detach() > 0));
  EXPECT_LT(relativeL2(x.grad(), x_direct.grad()), 1e-5);
}

TEST(PortableWinograd, ReadsInputsInEitherMemoryLayoutAndRecordsNoGraphUnderNoGrad) {
  const auto layer = randomLayer(16, 32, 3);
  const WinogradF43Conv conv(layer.weight.contiguous(torch::MemoryFormat::ChannelsLast),
                             layer.bias, 1, true);
  torch::NoGradGuard no_grad;
  const auto input = torch::randn({1, 16, 20, 17}).set_requires_grad(true);
  const auto out = conv.forward(input);
  EXPECT_FALSE(out.requires_grad());
  EXPECT_TRUE(torch::equal(out, conv.forward(input.contiguous(torch::MemoryFormat::ChannelsLast))));
}

TEST(PortableWinograd, KeepsItsOwnCopyOfTheWeights) {
  auto layer = randomLayer(16, 16, 4);
  const WinogradF43Conv conv(layer.weight, layer.bias, 1, false);
  torch::NoGradGuard no_grad;
  const auto input = torch::randn({1, 16, 12, 12});
  const auto before = conv.forward(input);
  layer.weight.mul_(3);  // the network rebuilds its Winograd layer on a change (test_winograd)
  EXPECT_TRUE(torch::equal(conv.forward(input), before));
}

TEST(PortableWinograd, RejectsShapesItCannotRun) {
  const auto layer = randomLayer(16, 32, 5);
  EXPECT_THROW(WinogradF43Conv(torch::randn({32, 16, 5, 5}), layer.bias, 1, true), std::runtime_error);
  EXPECT_THROW(WinogradF43Conv(layer.weight, torch::randn({31}), 1, true), std::runtime_error);
  EXPECT_THROW(WinogradF43Conv(layer.weight, layer.bias, 2, true), std::runtime_error);
  const WinogradF43Conv conv(layer.weight, layer.bias, 1, true);
  EXPECT_THROW(conv.forward(torch::randn({1, 8, 16, 16})), std::runtime_error);
  EXPECT_THROW(conv.forward(torch::randn({1, 16, 16, 16}, torch::kFloat64)), std::runtime_error);
  EXPECT_THROW(conv.forward(torch::randn({16, 16, 16})), std::runtime_error);
  const WinogradF43Conv valid(layer.weight, layer.bias, 0, true);
  EXPECT_THROW(valid.forward(torch::randn({1, 16, 2, 8})), std::runtime_error);
}

TEST(CpuFlags, AForcedAnswerCanTakeFeaturesAwayButNeverAddThem) {
  const auto detected = cpuFlags();
  forceCpuFlags(CpuFlags{});
  EXPECT_EQ(cpuFlags().isa(), CpuIsa::Baseline);
  forceCpuFlags(CpuFlags{true, true, true});
  EXPECT_EQ(cpuFlags().avx2, detected.avx2);
  EXPECT_EQ(cpuFlags().avx512f, detected.avx512f);
  EXPECT_EQ(cpuFlags().avx512bf16, detected.avx512bf16);
  forceCpuFlags(std::nullopt);
  EXPECT_EQ(cpuFlags().isa(), detected.isa());
}

TEST(CpuFlags, AKernelAskedAboveTheCpuRunsTheBestItHas) {
  // forward(input, Avx512) on a baseline CPU must run the baseline transforms: AVX-512 code
  // would die of SIGILL there.
  forceCpuFlags(CpuFlags{});
  EXPECT_EQ(runnableIsa(CpuIsa::Avx512), CpuIsa::Baseline);
  EXPECT_EQ(runnableIsa(CpuIsa::Avx2), CpuIsa::Baseline);
  forceCpuFlags(std::nullopt);
  EXPECT_EQ(runnableIsa(CpuIsa::Baseline), CpuIsa::Baseline);
  EXPECT_EQ(runnableIsa(CpuIsa::Avx512), cpuFlags().isa());
  const auto layer = randomLayer(16, 16, 6);
  const WinogradF43Conv conv(layer.weight, layer.bias, 1, false);
  const auto input = torch::randn({1, 16, 9, 9});
  torch::NoGradGuard no_grad;
  forceCpuFlags(CpuFlags{});
  const auto out = conv.forward(input, CpuIsa::Avx512);
  forceCpuFlags(std::nullopt);
  EXPECT_LT(relativeL2(out, torch::conv2d(input, layer.weight, layer.bias, 1, 1)), 1e-5);
}
