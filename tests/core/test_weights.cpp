// SPDX-License-Identifier: LGPL-2.1-or-later
// Weights import: every format gives the same network; every broken file a clear error.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/squeezenet.hpp"
#include "neuralstyle/vgg19.hpp"
#include "neuralstyle/weights.hpp"
#include "test_support.hpp"

using namespace neuralstyle;
namespace fs = std::filesystem;

namespace {

// Features at every style layer and the content layer, on one fixed input.
std::vector<torch::Tensor> probeFeatures(const NetworkWeights& weights) {
  torch::NoGradGuard no_grad;
  Vgg19Features network(weights);
  const auto input = torch::randn({1, 3, 32, 32}, at::make_generator<at::CPUGeneratorImpl>(5));
  std::vector<int> layers;
  for (const char* name : {"conv1_1", "conv2_1", "conv3_1", "conv4_1", "conv4_2", "conv5_1"})
    layers.push_back(network->layer(name));
  return network->forward(input, layers);
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

std::map<std::string, torch::Tensor> stateOf(const NetworkWeights& weights) {
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

TEST(RandomWeights, NetworkChoosesTheArchitecture) {
  const auto vgg = loadWeights("random:1");
  EXPECT_EQ(vgg.network, Network::VGG19);
  EXPECT_EQ(loadWeights("random:1", Network::VGG19).network, Network::VGG19);
  const auto squeezenet = loadWeights("random:1", Network::SqueezeNet1_1);
  EXPECT_EQ(squeezenet.network, Network::SqueezeNet1_1);
  EXPECT_EQ(squeezenet.conv_weights.size(), 25u);
  EXPECT_NO_THROW(validateWeights(squeezenet));
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

TEST(LoadWeights, EmptyFilesOfEveryFormatNameTheFile) {
  test::TempDir dir;
  for (const char* name : {"empty.safetensors", "empty.onnx", "empty.prototxt", "empty.caffemodel"})
    std::ofstream(dir.file(name)).flush();
  for (const char* name : {"empty.safetensors", "empty.onnx", "empty.caffemodel"}) {
    const auto message = messageOf([&] { loadWeights(dir.file(name)); });
    EXPECT_NE(message.find(dir.file(name)), std::string::npos) << message;
  }
}

TEST(LoadWeights, OnnxAndCaffeFilesAskedForAsSqueezeNetNameBoth) {
  for (const char* name : {"vgg19.onnx", "vgg19.caffemodel"}) {
    const auto message = messageOf([&] { loadWeights(test::testWeights(name), Network::SqueezeNet1_1); });
    EXPECT_NE(message.find("read as vgg19 only"), std::string::npos) << message;
    EXPECT_NE(message.find("squeezenet1_1"), std::string::npos) << message;
  }
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
  const auto features = network->forward(input, {network->layer("conv4_2"), network->layer("conv1_1")});
  ASSERT_EQ(features.size(), 2u);
  EXPECT_EQ(features[0].sizes(), torch::IntArrayRef({1, 512, 4, 4}));
  EXPECT_EQ(features[1].sizes(), torch::IntArrayRef({1, 64, 32, 32}));
  EXPECT_GE(features[1].min().item<float>(), 0.0f);  // the ReLU output, as the reference notebook stores
  (features[0].sum() + features[1].sum()).backward();
  EXPECT_TRUE(input.grad().defined());
  for (const auto& parameter : network->parameters()) EXPECT_FALSE(parameter.grad().defined());
  EXPECT_EQ(network->named_parameters().size(), 32u);
  EXPECT_TRUE(network->named_parameters().contains("21.weight"));
}

TEST(Vgg19Network, AveragePoolingDiffersFromMax) {
  Vgg19Features network(randomWeights(2));
  const auto input = torch::randn({1, 3, 32, 32});
  const int conv2_1 = network->layer("conv2_1");
  const auto max_pooled = network->forward(input, {conv2_1})[0];
  network->setPooling(Pooling::Average);
  const auto average_pooled = network->forward(input, {conv2_1})[0];
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

TEST(DefaultWeightsLocation, SqueezeNetIsFoundAfterVgg19) {
  unsetenv("NEURALSTYLE_WEIGHTS");
  test::TempDir dir;
  setenv("XDG_DATA_HOME", dir.path().c_str(), 1);
  fs::create_directories(dir.path() / "neuralstyle");
  { std::ofstream(dir.file("neuralstyle/squeezenet1_1.safetensors")) << "x"; }
  EXPECT_EQ(defaultWeightsLocation(), dir.file("neuralstyle/squeezenet1_1.safetensors"));
  EXPECT_EQ(defaultWeightsLocation(Network::SqueezeNet1_1),
            dir.file("neuralstyle/squeezenet1_1.safetensors"));
  EXPECT_EQ(defaultWeightsLocation(Network::VGG19).find(dir.path().string()), std::string::npos);
  { std::ofstream(dir.file("neuralstyle/vgg19.safetensors")) << "x"; }
  EXPECT_EQ(defaultWeightsLocation(), dir.file("neuralstyle/vgg19.safetensors"));
  EXPECT_EQ(defaultWeightsLocation(Network::SqueezeNet1_1),
            dir.file("neuralstyle/squeezenet1_1.safetensors"));
  unsetenv("XDG_DATA_HOME");
}

// SqueezeNet 1.1: recognised from torchvision's names and shapes, whole model or features.

TEST(SqueezeNetWeights, AreRecognisedFromTheTensorNames) {
  const auto weights = loadWeights(test::testWeights("squeezenet1_1.safetensors"));
  EXPECT_EQ(weights.network, Network::SqueezeNet1_1);
  EXPECT_EQ(weights.conv_weights.size(), 25u);
  EXPECT_EQ(weights.conv_weights[3].sizes(), torch::IntArrayRef({64, 16, 3, 3}));  // fire2 3x3
  EXPECT_EQ(loadWeights(test::testWeights("vgg19.safetensors")).network, Network::VGG19);
}

TEST(SqueezeNetWeights, FeaturesOnlyKeysWithoutThePrefixAreRead) {
  const auto weights = loadWeights(test::testWeights("squeezenet1_1.safetensors"));
  std::map<std::string, torch::Tensor> state;
  const auto& specs = convSpecs(Network::SqueezeNet1_1);
  for (size_t i = 0; i < specs.size(); ++i) {
    state[specs[i].key + ".weight"] = weights.conv_weights[i];
    state[specs[i].key + ".bias"] = weights.conv_biases[i];
  }
  test::TempDir dir;
  test::writeSafetensors(dir.file("features.safetensors"), state);
  const auto reread = loadWeights(dir.file("features.safetensors"), Network::SqueezeNet1_1);
  EXPECT_EQ(reread.network, Network::SqueezeNet1_1);
  for (size_t i = 0; i < specs.size(); ++i)
    EXPECT_TRUE(torch::equal(reread.conv_weights[i], weights.conv_weights[i])) << specs[i].key;
}

TEST(SqueezeNetWeights, AskingForTheOtherNetworkNamesBoth) {
  const auto squeezenet = test::testWeights("squeezenet1_1.safetensors");
  const auto message = messageOf([&] { loadWeights(squeezenet, Network::VGG19); });
  EXPECT_NE(message.find("squeezenet1_1"), std::string::npos) << message;
  EXPECT_NE(message.find("vgg19"), std::string::npos) << message;
  EXPECT_NE(message.find(squeezenet), std::string::npos) << message;
  const auto vgg = messageOf(
      [&] { loadWeights(test::testWeights("vgg19.safetensors"), Network::SqueezeNet1_1); });
  EXPECT_NE(vgg.find("hold vgg19, but network squeezenet1_1"), std::string::npos) << vgg;
  const auto onnx =
      messageOf([&] { loadWeights(test::testWeights("vgg19.onnx"), Network::SqueezeNet1_1); });
  EXPECT_NE(onnx.find("vgg19 only"), std::string::npos) << onnx;
}

TEST(SqueezeNetWeights, AMissingFireModuleNamesTheKey) {
  const auto weights = loadWeights(test::testWeights("squeezenet1_1.safetensors"));
  std::map<std::string, torch::Tensor> state;
  const auto& specs = convSpecs(Network::SqueezeNet1_1);
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].key == "9.expand1x1") continue;
    state["features." + specs[i].key + ".weight"] = weights.conv_weights[i];
    state["features." + specs[i].key + ".bias"] = weights.conv_biases[i];
  }
  test::TempDir dir;
  test::writeSafetensors(dir.file("partial.safetensors"), state);
  const auto message =
      messageOf([&] { loadWeights(dir.file("partial.safetensors"), Network::SqueezeNet1_1); });
  EXPECT_NE(message.find("9.expand1x1"), std::string::npos) << message;
  EXPECT_NE(message.find("squeezenet1_1"), std::string::npos) << message;
}

TEST(SqueezeNetWeights, TheRealImageNetWeightsLoad) {
  const auto shared = test::sharedSqueezeNetWeights();
  if (shared.empty()) GTEST_SKIP() << "no ../shared/weights/squeezenet1_1.safetensors here";
  const auto weights = loadWeights(shared);
  EXPECT_EQ(weights.network, Network::SqueezeNet1_1);
  EXPECT_EQ(weights.source, shared);
}

TEST(SqueezeNetNetwork, LayerShapesFollowTorchvision) {
  SqueezeNetFeatures network(randomWeights(4, Network::SqueezeNet1_1));
  for (const auto& parameter : network->parameters()) EXPECT_FALSE(parameter.requires_grad());
  auto input = torch::randn({1, 3, 64, 64}).set_requires_grad(true);
  const auto features =
      network->forward(input, {network->layer("fire9"), network->layer("conv1"),
                               network->layer("fire2"), network->layer("fire5")});
  ASSERT_EQ(features.size(), 4u);
  EXPECT_EQ(features[0].sizes(), torch::IntArrayRef({1, 512, 3, 3}));
  EXPECT_EQ(features[1].sizes(), torch::IntArrayRef({1, 64, 31, 31}));
  EXPECT_EQ(features[2].sizes(), torch::IntArrayRef({1, 128, 15, 15}));
  EXPECT_EQ(features[3].sizes(), torch::IntArrayRef({1, 256, 7, 7}));
  for (const auto& feature : features) EXPECT_GE(feature.min().item<float>(), 0.0f);  // post-ReLU
  features[0].sum().backward();
  EXPECT_TRUE(input.grad().defined());
  EXPECT_EQ(network->named_parameters().size(), 50u);
  EXPECT_TRUE(network->named_parameters().contains("3_expand3x3.weight"));
}

TEST(SqueezeNetNetwork, MinimumSideIsTheSmallestInputThatRuns) {
  SqueezeNetFeatures network(randomWeights(4, Network::SqueezeNet1_1));
  torch::NoGradGuard no_grad;
  for (int layer = 0; layer < 9; ++layer) {
    const auto side = network->minimumSide(layer);
    EXPECT_NO_THROW(network->forward(torch::randn({1, 3, side, side}), {layer})) << layer;
    EXPECT_ANY_THROW(network->forward(torch::randn({1, 3, side - 1, side - 1}), {layer})) << layer;
  }
  Vgg19Features vgg(randomWeights(4));
  EXPECT_EQ(vgg->minimumSide(vgg->layer("conv1_2")), 1);
  EXPECT_EQ(vgg->minimumSide(vgg->layer("conv5_1")), 16);
}

TEST(SqueezeNetNetwork, AveragePoolingDiffersFromMax) {
  SqueezeNetFeatures network(randomWeights(2, Network::SqueezeNet1_1));
  const auto input = torch::randn({1, 3, 48, 48});
  const auto max_pooled = network->forward(input, {network->layer("fire3")})[0];
  network->setPooling(Pooling::Average);
  const auto average_pooled = network->forward(input, {network->layer("fire3")})[0];
  EXPECT_EQ(max_pooled.sizes(), average_pooled.sizes());
  EXPECT_FALSE(torch::allclose(max_pooled, average_pooled));
}

// scripts/fetch_weights.sh --network squeezenet1_1 with a local "download": the checkpoint
// is torchvision's squeezenet1_1 state dict (torch.save), converted by
// scripts/convert_torchvision.py; the result must hold exactly the checkpoint's tensors.
TEST(FetchWeights, SqueezeNetCheckpointIsFetchedAndConverted) {
  test::TempDir dir;
  const auto fixture = test::testWeights("squeezenet1_1.safetensors");
  const std::string checkpoint = dir.file("squeezenet1_1-local.pth");
  std::string log;
  const std::string save =
      "import sys, torch, torchvision; sys.path.insert(0, '" +
      test::requiredEnv("NEURALSTYLE_REFERENCE_DIR") +
      "'); from safetensors_io import read_safetensors; "
      "model = torchvision.models.squeezenet1_1(); "
      "model.load_state_dict(read_safetensors('" + fixture + "')); "
      "torch.save(model.state_dict(), '" + checkpoint + "')";
  ASSERT_EQ(test::runCommand(test::requiredEnv("NEURALSTYLE_PYTHON") + " -c \"" + save + "\"", &log), 0)
      << log;
  const std::string dest = dir.file("data/squeezenet1_1.safetensors");
  const std::string fetch = "NEURALSTYLE_SQUEEZENET_URL=file://" + checkpoint +
                            " PYTHON=" + test::requiredEnv("NEURALSTYLE_PYTHON") + " " +
                            test::requiredEnv("NEURALSTYLE_SOURCE_DIR") +
                            "/scripts/fetch_weights.sh --network squeezenet1_1 " + dest;
  ASSERT_EQ(test::runCommand(fetch, &log), 0) << log;
  EXPECT_NE(log.find("squeezenet1_1 weights installed at " + dest), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir.file("data/squeezenet1_1-local.pth")));  // the download is removed

  const auto expected = loadWeights(fixture);
  const auto converted = loadWeights(dest);
  EXPECT_EQ(converted.network, Network::SqueezeNet1_1);
  for (size_t i = 0; i < expected.conv_weights.size(); ++i) {
    EXPECT_TRUE(torch::equal(converted.conv_weights[i], expected.conv_weights[i])) << i;
    EXPECT_TRUE(torch::equal(converted.conv_biases[i], expected.conv_biases[i])) << i;
  }
  // Asking the converter for the wrong network is an error that names both.
  ASSERT_NE(test::runCommand(test::requiredEnv("NEURALSTYLE_PYTHON") + " " +
                                 test::requiredEnv("NEURALSTYLE_SOURCE_DIR") +
                                 "/scripts/convert_torchvision.py --network vgg19 " + checkpoint +
                                 " " + dir.file("wrong.safetensors"),
                             &log),
            0);
  EXPECT_NE(log.find("holds squeezenet1_1, but --network vgg19"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir.file("wrong.safetensors")));
}
