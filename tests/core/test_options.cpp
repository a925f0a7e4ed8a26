// Option parsing and validation: layer names, layer-weight strings, ranges.
#include <gtest/gtest.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/options.hpp"
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

TEST(LayerWeights, DefaultsAreTheSeeds) {
  const auto layers = defaultStyleLayers();
  ASSERT_EQ(layers.size(), 5u);
  EXPECT_EQ(formatLayerWeights(layers), "conv1_1=1,conv2_1=0.75,conv3_1=0.2,conv4_1=0.2,conv5_1=0.2");
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
  EXPECT_THROW(parseLayerWeights("conv9_1=1"), OptionsError);
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
  rejects([](StyleOptions& o) { o.content_layer = "conv4_9"; });
  rejects([](StyleOptions& o) { o.style_layers.clear(); });
  rejects([](StyleOptions& o) { o.max_size = 8; });
  rejects([](StyleOptions& o) { o.progress_interval = -2; });
}
