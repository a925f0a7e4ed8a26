// SPDX-License-Identifier: LGPL-2.1-or-later
// Option parsing and validation: layer names, layer-weight strings, ranges.
#include <gtest/gtest.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/networks.hpp"
#include "neuralstyle/vgg19.hpp"

using namespace neuralstyle;

TEST(LayerNames, MapToTorchvisionIndices) {
  EXPECT_EQ(layerIndex("conv1_1"), 0);
  EXPECT_EQ(layerIndex("conv1_2"), 2);
  EXPECT_EQ(layerIndex("conv2_1"), 5);
  EXPECT_EQ(layerIndex("conv3_1"), 10);
  EXPECT_EQ(layerIndex("conv4_1"), 19);
  EXPECT_EQ(layerIndex("conv4_2"), 21);
  EXPECT_EQ(layerIndex("conv5_1"), 28);
  EXPECT_EQ(layerIndex("conv5_4"), 34);
}

TEST(LayerNames, UnknownNameIsAnOptionsError) {
  EXPECT_THROW(layerIndex("conv6_1"), OptionsError);
  EXPECT_THROW(layerIndex("relu1_1"), OptionsError);
  EXPECT_THROW(layerIndex(""), OptionsError);
}

TEST(LayerWeights, Vgg19DefaultsAreTheNotebooks) {
  const auto& defaults = networkDefaults(Network::VGG19);
  ASSERT_EQ(defaults.style_layers.size(), 5u);
  EXPECT_EQ(formatLayerWeights(defaults.style_layers),
            "conv1_1=1,conv2_1=0.75,conv3_1=0.2,conv4_1=0.2,conv5_1=0.2");
  EXPECT_EQ(defaults.content_layer, "conv4_2");
  EXPECT_DOUBLE_EQ(defaults.style_weight, 1e6);
  EXPECT_DOUBLE_EQ(defaults.learning_rate, 0.003);
}

TEST(LayerWeights, ParseRoundTripsWithSpaces) {
  const auto layers = parseLayerWeights(" conv1_1 = 0.5, conv5_1=2 ");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].layer, "conv1_1");
  EXPECT_DOUBLE_EQ(layers[0].weight, 0.5);
  EXPECT_EQ(layers[1].layer, "conv5_1");
  EXPECT_DOUBLE_EQ(layers[1].weight, 2.0);
}

TEST(LayerWeights, MalformedEntriesAreRejected) {
  EXPECT_THROW(parseLayerWeights(""), OptionsError);
  EXPECT_THROW(parseLayerWeights("conv1_1"), OptionsError);
  EXPECT_THROW(parseLayerWeights("conv1_1=abc"), OptionsError);
  EXPECT_THROW(parseLayerWeights("conv1_1=1x"), OptionsError);
  EXPECT_THROW(parseLayerWeights("conv1_1=-1"), OptionsError);
  EXPECT_THROW(parseLayerWeights("conv1_1=nan"), OptionsError);
  EXPECT_THROW(parseLayerWeights("=1"), OptionsError);
  EXPECT_THROW(parseLayerWeights("conv1_1=1,conv1_1=2"), OptionsError);
}

TEST(StyleOptionsValidate, DefaultsAreValid) { EXPECT_NO_THROW(StyleOptions{}.validate()); }

TEST(StyleOptionsValidate, OutOfRangeValuesAreRejected) {
  const auto rejects = [](auto mutate) {
    StyleOptions options;
    mutate(options);
    EXPECT_THROW(options.validate(), OptionsError);
  };
  rejects([](StyleOptions& o) { o.steps = -1; });
  rejects([](StyleOptions& o) { o.learning_rate = 0; });
  rejects([](StyleOptions& o) { o.learning_rate = std::numeric_limits<double>::infinity(); });
  rejects([](StyleOptions& o) { o.content_weight = -1; });
  rejects([](StyleOptions& o) { o.style_weight = std::nan(""); });
  rejects([](StyleOptions& o) { o.style_layers = {{"conv1_1", -1}}; });
  rejects([](StyleOptions& o) { o.max_size = 8; });
  rejects([](StyleOptions& o) { o.progress_interval = -2; });
}

TEST(StyleOptionsResolve, UnsetValuesTakeTheNetworksDefaults) {
  for (const auto network : {Network::VGG19, Network::SqueezeNet1_1}) {
    const auto& defaults = networkDefaults(network);
    const auto resolved = StyleOptions{}.resolvedFor(network);
    EXPECT_EQ(resolved.content_layer, defaults.content_layer);
    EXPECT_EQ(formatLayerWeights(resolved.style_layers), formatLayerWeights(defaults.style_layers));
    EXPECT_DOUBLE_EQ(*resolved.style_weight, defaults.style_weight);
    EXPECT_DOUBLE_EQ(*resolved.learning_rate, defaults.learning_rate);
  }
  StyleOptions set;
  set.content_layer = "fire4";
  set.style_layers = parseLayerWeights("conv1=2");
  set.style_weight = 5;
  set.learning_rate = 0.5;
  const auto resolved = set.resolvedFor(Network::SqueezeNet1_1);
  EXPECT_EQ(resolved.content_layer, "fire4");
  EXPECT_EQ(formatLayerWeights(resolved.style_layers), "conv1=2");
  EXPECT_DOUBLE_EQ(*resolved.style_weight, 5);
  EXPECT_DOUBLE_EQ(*resolved.learning_rate, 0.5);
}

TEST(StyleOptionsResolve, LayersOfAnotherNetworkAreRejectedNamingTheNetwork) {
  StyleOptions options;
  options.content_layer = "conv4_2";
  EXPECT_NO_THROW(options.resolvedFor(Network::VGG19));
  try {
    options.resolvedFor(Network::SqueezeNet1_1);
    FAIL() << "conv4_2 is no SqueezeNet layer";
  } catch (const OptionsError& e) {
    EXPECT_NE(std::string(e.what()).find("squeezenet1_1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("fire9"), std::string::npos) << e.what();
  }
  StyleOptions style;
  style.style_layers = parseLayerWeights("fire3=1");
  EXPECT_THROW(style.resolvedFor(Network::VGG19), OptionsError);
  EXPECT_THROW(StyleOptions{}.resolvedFor(Network::Auto), OptionsError);
}

TEST(Networks, NamesRoundTripAndUnknownOnesAreRejected) {
  for (const auto network : {Network::Auto, Network::VGG19, Network::SqueezeNet1_1})
    EXPECT_EQ(parseNetwork(networkName(network)), network);
  EXPECT_EQ(networkName(Network::SqueezeNet1_1), "squeezenet1_1");
  EXPECT_THROW(parseNetwork("resnet50"), OptionsError);
  EXPECT_THROW(parseNetwork(""), OptionsError);
}

TEST(Networks, SqueezeNetLayersFollowTorchvisionsModuleOrder) {
  const auto& names = featureLayerNames(Network::SqueezeNet1_1);
  ASSERT_EQ(names.size(), 9u);
  EXPECT_EQ(names.front(), "conv1");
  EXPECT_EQ(names.back(), "fire9");
  EXPECT_EQ(featureLayer(Network::SqueezeNet1_1, "fire5"), 4);
  EXPECT_THROW(featureLayer(Network::SqueezeNet1_1, "fire1"), OptionsError);
  // conv1 plus three convolutions in each of the eight Fire modules.
  const auto& specs = convSpecs(Network::SqueezeNet1_1);
  ASSERT_EQ(specs.size(), 25u);
  EXPECT_EQ(specs[0].key, "0");
  EXPECT_EQ(specs[3].key, "3.expand3x3");
  EXPECT_EQ(specs[3].kernel, 3);
  EXPECT_EQ(specs.back().key, "12.expand3x3");
  EXPECT_EQ(specs.back().in_channels, 64);
  EXPECT_EQ(specs.back().out_channels, 256);
  EXPECT_EQ(convSpecs(Network::VGG19).size(), 16u);
  EXPECT_THROW(convSpecs(Network::Auto), OptionsError);
}
