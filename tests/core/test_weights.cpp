// Weights import: every format gives the same network; every broken file a clear error.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/vgg19.hpp"
#include "neuralstyle/weights.hpp"
#include "test_support.hpp"

using namespace neuralstyle;
namespace fs = std::filesystem;

namespace {

// Features at every style layer and the content layer, on one fixed input.
std::vector<torch::Tensor> probeFeatures(const Vgg19Weights& weights) {
  torch::NoGradGuard no_grad;
  Vgg19Features network(weights);
  const auto input = torch::randn({1, 3, 32, 32}, at::make_generator<at::CPUGeneratorImpl>(5));
  return network->forward(input, {0, 5, 10, 19, 21, 28});
}

double maxRelativeDifference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double scale = std::max(a[i].abs().max().item<double>(), 1e-12);
    worst = std::max(worst, (a[i] - b[i]).abs().max().item<double>() / scale);
  }
  return worst;
}

std::string messageOf(const std::function<void()>& action) {
  try {
    action();
  } catch (const WeightsError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("wrong exception type: ") + e.what();
  }
  return "no exception";
}

std::map<std::string, torch::Tensor> stateOf(const Vgg19Weights& weights) {
  std::map<std::string, torch::Tensor> state;
  for (size_t i = 0; i < 16; ++i) {
    state[std::to_string(vgg19ConvIndices()[i]) + ".weight"] = weights.conv_weights[i];
    state[std::to_string(vgg19ConvIndices()[i]) + ".bias"] = weights.conv_biases[i];
  }
  return state;
}

}  // namespace

TEST(RandomWeights, SameSeedSameWeightsOtherSeedOtherWeights) {
  const auto a = loadWeights("random:3"), b = loadWeights("random:3"), c = loadWeights("random:4");
  EXPECT_TRUE(torch::equal(a.conv_weights[5], b.conv_weights[5]));
  EXPECT_TRUE(torch::equal(a.conv_biases[15], b.conv_biases[15]));
  EXPECT_FALSE(torch::equal(a.conv_weights[5], c.conv_weights[5]));
  EXPECT_EQ(a.source, "random:3");
  EXPECT_TRUE(torch::equal(loadWeights("random").conv_weights[0], loadWeights("random:0").conv_weights[0]));
  // Non-zero biases: torchvision's zero biases would hide bias-handling bugs.
  EXPECT_GT(a.conv_biases[0].abs().sum().item<double>(), 0);
}

TEST(RandomWeights, MalformedSeedIsAnOptionsError) {
  // A bad seed is a bad option, not a bad weights file.
  for (const auto* location : {"random:", "random:abc", "random:-1", "random:+1", "random: 1",
                               "random:18446744073709551616", "random:99999999999999999999"})
    EXPECT_THROW(loadWeights(location), OptionsError) << location;
}

TEST(Safetensors, AllKeyStylesAndDtypesGiveTheSameNetwork) {
  const auto reference = probeFeatures(loadWeights(test::testWeights("vgg19.safetensors")));
  EXPECT_LE(maxRelativeDifference(reference,
                                  probeFeatures(loadWeights(test::testWeights("vgg19_prefixed.safetensors")))),
            1e-6);
  // Half precisions round the weights: equal to their precision only.
  EXPECT_LE(maxRelativeDifference(reference,
                                  probeFeatures(loadWeights(test::testWeights("vgg19_f16.safetensors")))),
            1e-2);
  EXPECT_LE(maxRelativeDifference(reference,
                                  probeFeatures(loadWeights(test::testWeights("vgg19_bf16.safetensors")))),
            5e-2);
}

TEST(Onnx, GivesTheSameFeaturesAsSafetensors) {
  const auto safetensors = loadWeights(test::testWeights("vgg19.safetensors"));
  const auto onnx = loadWeights(test::testWeights("vgg19.onnx"));
  EXPECT_EQ(onnx.convention.order, ChannelOrder::RGB);
  EXPECT_LE(maxRelativeDifference(probeFeatures(safetensors), probeFeatures(onnx)), 1e-5);
}

TEST(Caffe, GivesTheSameFeaturesAsSafetensorsAndCaffesConvention) {
  const auto safetensors = loadWeights(test::testWeights("vgg19.safetensors"));
  for (const auto* file : {"vgg19.caffemodel", "vgg19.prototxt"}) {
    const auto caffe = loadWeights(test::testWeights(file));
    EXPECT_EQ(caffe.convention.order, ChannelOrder::BGR) << file;
    EXPECT_FLOAT_EQ(caffe.convention.scale, 255.0f) << file;
    EXPECT_LE(maxRelativeDifference(probeFeatures(safetensors), probeFeatures(caffe)), 1e-5) << file;
  }
}

TEST(LoadWeights, MissingOrUnknownFilesNameTheFile) {
  test::TempDir dir;
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("nope.safetensors")); }).find("nope.safetensors"),
            std::string::npos);
  EXPECT_NE(messageOf([&] { loadWeights(dir.path().string()); }).find("folder"), std::string::npos);
  { std::ofstream(dir.file("vgg19.pth")) << "pickle"; }
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("vgg19.pth")); }).find("convert"), std::string::npos);
  EXPECT_NE(messageOf([] { loadWeights(""); }).find("no weights"), std::string::npos);
}

TEST(Safetensors, TruncatedFileIsAnError) {
  test::TempDir dir;
  const auto source = test::testWeights("vgg19.safetensors");
  const auto truncated = dir.file("truncated.safetensors");
  fs::copy_file(source, truncated);
  fs::resize_file(truncated, fs::file_size(source) / 2);
  const auto message = messageOf([&] { loadWeights(truncated); });
  EXPECT_NE(message.find("truncated.safetensors"), std::string::npos) << message;
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;
  fs::resize_file(truncated, 5);
  EXPECT_NE(messageOf([&] { loadWeights(truncated); }).find("too short"), std::string::npos);
}

TEST(Safetensors, GarbageHeaderIsAnError) {
  test::TempDir dir;
  const auto path = dir.file("garbage.safetensors");
  {
    std::ofstream out(path, std::ios::binary);
    const char length[8] = {12, 0, 0, 0, 0, 0, 0, 0};
    out.write(length, 8);
    out << "{not json!!}";
  }
  EXPECT_NE(messageOf([&] { loadWeights(path); }).find("corrupt"), std::string::npos);
  {
    std::ofstream out(path, std::ios::binary);
    out << "\xff\xff\xff\xff\xff\xff\xff\xff";  // absurd header length
  }
  EXPECT_NE(messageOf([&] { loadWeights(path); }).find("not a safetensors"), std::string::npos);
}

TEST(Safetensors, WrongShapeNamesTheLayer) {
  test::TempDir dir;
  auto state = stateOf(randomWeights(1));
  state["10.weight"] = torch::zeros({256, 128, 5, 5});
  test::writeSafetensors(dir.file("shape.safetensors"), state);
  const auto message = messageOf([&] { loadWeights(dir.file("shape.safetensors")); });
  EXPECT_NE(message.find("conv3_1"), std::string::npos) << message;
  EXPECT_NE(message.find("shape.safetensors"), std::string::npos) << message;
}

TEST(Safetensors, MissingLayerNamesTheLayer) {
  test::TempDir dir;
  auto state = stateOf(randomWeights(1));
  state.erase("28.bias");
  test::writeSafetensors(dir.file("missing.safetensors"), state);
  const auto message = messageOf([&] { loadWeights(dir.file("missing.safetensors")); });
  EXPECT_NE(message.find("conv5_1 bias"), std::string::npos) << message;
}

TEST(Safetensors, UnsupportedDtypeIsAnError) {
  test::TempDir dir;
  test::writeSafetensors(dir.file("int.safetensors"), stateOf(randomWeights(1)), "I32");
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("int.safetensors")); }).find("I32"), std::string::npos);
}

TEST(Safetensors, NonFiniteValuesAreAnError) {
  test::TempDir dir;
  auto state = stateOf(randomWeights(1));
  state["0.weight"][0][0][0][0] = std::nanf("");
  test::writeSafetensors(dir.file("nan.safetensors"), state);
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("nan.safetensors")); }).find("non-finite"),
            std::string::npos);
}

TEST(Onnx, CorruptAndTruncatedFilesAreErrors) {
  test::TempDir dir;
  { std::ofstream(dir.file("corrupt.onnx")) << "definitely not protobuf \x01\x02\x03"; }
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("corrupt.onnx")); }).find("corrupt.onnx"),
            std::string::npos);
  const auto source = test::testWeights("vgg19.onnx");
  fs::copy_file(source, dir.file("truncated.onnx"));
  fs::resize_file(dir.file("truncated.onnx"), fs::file_size(source) / 3);
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("truncated.onnx")); }).find("truncated.onnx"),
            std::string::npos);
}

TEST(Caffe, MissingPartnerFileIsAnError) {
  test::TempDir dir;
  fs::copy_file(test::testWeights("vgg19.caffemodel"), dir.file("alone.caffemodel"));
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("alone.caffemodel")); }).find("alone.prototxt"),
            std::string::npos);
  fs::copy_file(test::testWeights("vgg19.prototxt"), dir.file("lonely.prototxt"));
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("lonely.prototxt")); }).find(".caffemodel"),
            std::string::npos);
}

TEST(Caffe, TruncatedModelIsAnError) {
  test::TempDir dir;
  fs::copy_file(test::testWeights("vgg19.prototxt"), dir.file("cut.prototxt"));
  const auto source = test::testWeights("vgg19.caffemodel");
  fs::copy_file(source, dir.file("cut.caffemodel"));
  fs::resize_file(dir.file("cut.caffemodel"), fs::file_size(source) / 2);
  EXPECT_NE(messageOf([&] { loadWeights(dir.file("cut.caffemodel")); }).find("cut.caffemodel"),
            std::string::npos);
}

TEST(Vgg19Network, ParametersAreFrozenAndFeaturesArePostRelu) {
  Vgg19Features network(randomWeights(2));
  for (const auto& parameter : network->parameters()) EXPECT_FALSE(parameter.requires_grad());
  auto input = torch::randn({1, 3, 32, 32}).set_requires_grad(true);
  const auto features = network->forward(input, {21, 0});
  ASSERT_EQ(features.size(), 2u);
  EXPECT_EQ(features[0].sizes(), torch::IntArrayRef({1, 512, 4, 4}));
  EXPECT_EQ(features[1].sizes(), torch::IntArrayRef({1, 64, 32, 32}));
  EXPECT_GE(features[1].min().item<float>(), 0.0f);  // the ReLU output, as the seed stores
  (features[0].sum() + features[1].sum()).backward();
  EXPECT_TRUE(input.grad().defined());
  for (const auto& parameter : network->parameters()) EXPECT_FALSE(parameter.grad().defined());
  EXPECT_EQ(network->named_parameters().size(), 32u);
  EXPECT_TRUE(network->named_parameters().contains("21.weight"));
}

TEST(Vgg19Network, AveragePoolingDiffersFromMax) {
  Vgg19Features network(randomWeights(2));
  const auto input = torch::randn({1, 3, 32, 32});
  const auto max_pooled = network->forward(input, {5})[0];
  network->setPooling(Pooling::Average);
  const auto average_pooled = network->forward(input, {5})[0];
  EXPECT_FALSE(torch::allclose(max_pooled, average_pooled));
}

TEST(DefaultWeightsLocation, EnvironmentVariableWins) {
  setenv("NEURALSTYLE_WEIGHTS", "/some/where.safetensors", 1);
  EXPECT_EQ(defaultWeightsLocation(), "/some/where.safetensors");
  unsetenv("NEURALSTYLE_WEIGHTS");
  test::TempDir dir;
  setenv("XDG_DATA_HOME", dir.path().c_str(), 1);
  fs::create_directories(dir.path() / "neuralstyle");
  { std::ofstream(dir.file("neuralstyle/vgg19.safetensors")) << "x"; }
  EXPECT_EQ(defaultWeightsLocation(), dir.file("neuralstyle/vgg19.safetensors"));
  unsetenv("XDG_DATA_HOME");
}
