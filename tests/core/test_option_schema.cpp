// SPDX-License-Identifier: LGPL-2.1-or-later
// The option schema: every entry reads and writes its own field, its default is the
// structs', its range and choices parse and refuse as it says.
#include <gtest/gtest.h>

#include <cfloat>
#include <climits>
#include <set>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/feed_forward.hpp"
#include "neuralstyle/option_schema.hpp"

// The schema is for front ends that compile no LibTorch: this test stops the build if
// option_schema.hpp, feed_forward.hpp (or options.hpp) brings LibTorch's headers back.
#ifdef C10_MACROS_EXPORT_H_
#error "this file must not include LibTorch headers"
#endif

using namespace neuralstyle;

namespace {

const OptionSpec& option(const std::string& name) {
  const OptionSpec* spec = findOption(optimisationOptions(), name);
  if (!spec) throw std::runtime_error("no option " + name);
  return *spec;
}

OptionSet with(const std::string& name, const std::string& text) {
  OptionSet set;
  option(name).set(set, parseOptionValue(option(name), text));
  return set;
}

}  // namespace

TEST(OptionSchema, NamesAreUniqueAndEveryEntryIsDocumented) {
  std::set<std::string> names;
  for (const OptionSpec& spec : optimisationOptions()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name << " twice";
    EXPECT_FALSE(spec.title.empty()) << spec.name;
    EXPECT_GT(spec.doc.size(), 15u) << spec.name;
    EXPECT_TRUE(spec.get && spec.set) << spec.name;
    EXPECT_TRUE(std::set<std::string>({"optimisation", "quality", "video", "engine"}).count(spec.group))
        << spec.name << " is in group '" << spec.group << "'";
    if (spec.type == OptionType::Choice) EXPECT_GE(spec.choices.size(), 2u) << spec.name;
    if (spec.type == OptionType::Integer || spec.type == OptionType::Number)
      EXPECT_LT(spec.minimum, spec.maximum) << spec.name;
  }
  EXPECT_EQ(names.size(), 31u);  // a new option shows up here and in the front ends' tests
}

TEST(OptionSchema, DefaultsAreTheCoreStructsDefaults) {
  const StyleOptions style;
  const EngineOptions engine;
  const VideoOptions video;
  EXPECT_EQ(std::get<int64_t>(option("steps").defaultValue()), style.steps);
  EXPECT_EQ(std::get<int64_t>(option("max-size").defaultValue()), style.max_size);
  EXPECT_EQ(std::get<double>(option("content-weight").defaultValue()), style.content_weight);
  EXPECT_EQ(std::get<int64_t>(option("tile-overlap").defaultValue()), style.tile_overlap);
  EXPECT_EQ(std::get<int64_t>(option("steps-per-frame").defaultValue()), video.steps_per_frame);
  EXPECT_EQ(std::get<double>(option("scene-cut-threshold").defaultValue()),
            video.scene_cut_threshold);
  EXPECT_EQ(std::get<uint64_t>(option("seed").defaultValue()), engine.seed);
  // Unset in the core (the network's default) reads as the option's "unset" value.
  EXPECT_EQ(std::get<double>(option("learning-rate").defaultValue()), 0.0);
  EXPECT_EQ(std::get<double>(option("style-weight").defaultValue()), -1.0);
  EXPECT_EQ(std::get<double>(option("temporal-weight").defaultValue()), -1.0);
  EXPECT_EQ(std::get<std::string>(option("style-layer-weights").defaultValue()), "");
  EXPECT_EQ(formatOptionValue(option("init"), option("init").defaultValue()), "previous-warped");
  EXPECT_EQ(formatOptionValue(option("network"), option("network").defaultValue()), "auto");
  // The one difference from the library's defaults, on purpose (OptionSet's comment).
  EXPECT_EQ(style.progress_interval, 1);
  EXPECT_EQ(std::get<int64_t>(option("progress-interval").defaultValue()), 10);
}

TEST(OptionSchema, EachEntryWritesItsOwnField) {
  EXPECT_EQ(with("steps", "7").style.steps, 7);
  EXPECT_EQ(with("max-size", "123").style.max_size, 123);
  EXPECT_EQ(with("optimizer", "lbfgs").style.optimizer, Optimizer::LBFGS);
  EXPECT_EQ(with("pooling", "average").style.pooling, Pooling::Average);
  EXPECT_EQ(with("color-match", "mean-std").style.color_match, ColorMatch::MeanStd);
  EXPECT_EQ(with("gram-normalization", "positions").style.gram_normalization,
            GramNormalization::Positions);
  EXPECT_TRUE(with("preserve-colors", "true").style.preserve_colors);
  EXPECT_EQ(with("device", "cpu").engine.device, DeviceKind::CPU);
  EXPECT_EQ(with("precision", "bfloat16").engine.precision, Precision::BFloat16);
  EXPECT_EQ(with("convolution", "direct").engine.convolution, Convolution::Direct);
  EXPECT_EQ(with("network", "squeezenet1_1").engine.network, Network::SqueezeNet1_1);
  EXPECT_EQ(with("threads", "3").engine.threads, 3);
  EXPECT_EQ(with("weights-location", "random:4").engine.weights, "random:4");
  EXPECT_EQ(with("content-layer", "conv3_1").style.content_layer, "conv3_1");
  EXPECT_EQ(with("tile-size", "256").style.tile_size, 256);
  EXPECT_EQ(with("scale-factor", "1.5").style.scale_factor, 1.5);
  EXPECT_EQ(with("steps-per-frame", "-1").video.steps_per_frame, -1);
  EXPECT_EQ(with("scene-cut-threshold", "0.25").video.scene_cut_threshold, 0.25);

  // Special values: "unset" resets the optional; the seed is both generators' seed.
  EXPECT_EQ(with("learning-rate", "0.5").style.learning_rate, 0.5);
  EXPECT_FALSE(with("learning-rate", "0").style.learning_rate.has_value());
  EXPECT_FALSE(with("style-weight", "-1").style.style_weight.has_value());
  EXPECT_EQ(with("style-scale", "2").style.style_scale, 2.0);
  EXPECT_FALSE(with("temporal-weight", "-1").video.temporal_weight.has_value());
  const OptionSet seeded = with("seed", "18446744073709551615");
  EXPECT_EQ(seeded.engine.seed, UINT64_MAX);
  EXPECT_EQ(seeded.style.noise_seed, UINT64_MAX);
  const OptionSet layers = with("style-layer-weights", "conv1_1=1,conv3_1=0.5");
  ASSERT_EQ(layers.style.style_layers.size(), 2u);
  EXPECT_EQ(layers.style.style_layers[1].layer, "conv3_1");
  EXPECT_EQ(layers.style.style_layers[1].weight, 0.5);
}

TEST(OptionSchema, InitIsTheStillsStartAndTheFramesStart) {
  const OptionSet noise = with("init", "noise");
  EXPECT_EQ(noise.style.init, Init::Noise);
  EXPECT_EQ(noise.video.start, FrameStart::Independent);
  const OptionSet previous = with("init", "previous");
  EXPECT_EQ(previous.style.init, Init::Content);
  EXPECT_EQ(previous.video.start, FrameStart::Previous);
  const OptionSet content = with("init", "content");
  EXPECT_EQ(content.video.start, FrameStart::Independent);
  for (const char* name : {"content", "noise", "previous", "previous-warped"})
    EXPECT_EQ(formatOptionValue(option("init"), option("init").get(with("init", name))), name);
}

TEST(OptionSchema, EveryValueFormatsToTextThatParsesBack) {
  for (const OptionSpec& spec : optimisationOptions()) {
    const OptionValue value = spec.defaultValue();
    EXPECT_EQ(parseOptionValue(spec, formatOptionValue(spec, value)), value) << spec.name;
    for (size_t i = 0; i < spec.choices.size(); ++i)
      EXPECT_EQ(std::get<int64_t>(parseOptionValue(spec, spec.choices[i].name)),
                static_cast<int64_t>(i));
  }
  EXPECT_EQ(formatOptionValue(option("learning-rate"), 0.003), "0.003");
  EXPECT_EQ(formatOptionValue(option("learning-rate"), 10.0), "10");
  EXPECT_EQ(formatOptionValue(option("style-weight"), 1e20), "1e+20");
}

TEST(OptionSchema, BadTextIsRefusedNamingTheOptionAndWhatItTakes) {
  const auto message = [](const std::string& name, const std::string& text) {
    try {
      parseOptionValue(option(name), text);
    } catch (const OptionsError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("steps", "-1"), "steps must be >= 0, got -1");
  EXPECT_EQ(message("steps", "010x"), "steps: '010x' is not an integer");
  EXPECT_EQ(message("steps", "99999999999999999999"), "steps must be <= 2147483647, got 99999999999999999999");
  EXPECT_EQ(message("steps", "-99999999999999999999"), "steps must be >= 0, got -99999999999999999999");
  EXPECT_EQ(message("scales", "9"), "scales must be between 1 and 8, got 9");
  EXPECT_EQ(message("max-size", "15"), "max-size must be >= 16, got 15");
  EXPECT_EQ(message("scale-factor", "4.5"), "scale-factor must be between 1 and 4, got 4.5");
  EXPECT_EQ(message("tv-weight", " 1"), "tv-weight: ' 1' is not a number");
  EXPECT_EQ(message("tv-weight", "nan"), "tv-weight must be a finite number, got nan");
  EXPECT_EQ(message("style-weight", "-2"), "style-weight must be >= -1, got -2");
  EXPECT_EQ(message("seed", "-3"), "seed: '-3' is not an integer between 0 and 18446744073709551615");
  EXPECT_EQ(message("optimizer", "sgd"), "optimizer must be adam or lbfgs, got 'sgd'");
  EXPECT_EQ(message("device", "tpu"), "device must be auto, cpu or cuda, got 'tpu'");
  EXPECT_EQ(message("preserve-colors", "maybe"), "preserve-colors must be true or false, got 'maybe'");
  // A malformed layer list is refused by the entry's setter (the form, not a range).
  OptionSet set;
  EXPECT_THROW(option("style-layer-weights").set(set, std::string("conv1_1=-1")), OptionsError);
}

TEST(OptionSchema, TheDescriptionListsEveryOptionWithItsDefault) {
  const std::string text = "\n" + describeOptions(optimisationOptions());
  for (const OptionSpec& spec : optimisationOptions())
    EXPECT_NE(text.find("\n" + spec.name + (spec.placeholder.empty() ? "\n" : " ")),
              std::string::npos)
        << spec.name;
  EXPECT_NE(text.find("max-size N\n  Longest side"), std::string::npos) << text;
  EXPECT_NE(text.find("Range: >= 16. Default: 400. May change while running."),
            std::string::npos);
  EXPECT_NE(text.find("  lbfgs: L-BFGS"), std::string::npos);
  EXPECT_NE(text.find("Default: auto. Set before the run starts."), std::string::npos);
}

// --- the feed-forward networks' table (the fastneuralstyle element's, --model's) ---------

namespace {

FeedForwardOptions withNetwork(const std::string& name, const std::string& text) {
  const auto* spec = findOption(feedForwardOptionSpecs(), name);
  if (!spec) throw std::runtime_error("no feed-forward option " + name);
  FeedForwardOptions options;
  spec->set(options, parseOptionValue(*spec, text));
  return options;
}

}  // namespace

TEST(FeedForwardOptionTable, EveryEntryIsDocumentedAndWritesItsOwnFieldFromTheStructsDefault) {
  std::set<std::string> names;
  const FeedForwardOptions defaults;
  for (const auto& spec : feedForwardOptionSpecs()) {
    EXPECT_TRUE(names.insert(spec.name).second) << spec.name << " twice";
    EXPECT_FALSE(spec.title.empty()) << spec.name;
    EXPECT_GT(spec.doc.size(), 15u) << spec.name;
    EXPECT_EQ(parseOptionValue(spec, formatOptionValue(spec, spec.defaultValue())), spec.get(defaults))
        << spec.name;
  }
  EXPECT_EQ(names.size(), 8u);
  EXPECT_EQ(withNetwork("model-location", "a.onnx").model, "a.onnx");
  EXPECT_EQ(withNetwork("engine", "libtorch").engine, FeedForwardEngine::LibTorch);
  EXPECT_EQ(withNetwork("device", "opencl").device, FeedForwardDevice::OpenCL);
  EXPECT_EQ(withNetwork("max-size", "8").max_size, 8);
  EXPECT_EQ(withNetwork("strength", "0.25").strength, 0.25);
  EXPECT_TRUE(withNetwork("preserve-colors", "true").preserve_colors);
  EXPECT_EQ(withNetwork("temporal-blend", "0.5").temporal_blend, 0.5);
  EXPECT_EQ(withNetwork("threads", "3").threads, 3);
  // The element's and the CLI's ranges are the core's.
  EXPECT_THROW(withNetwork("strength", "1.5"), OptionsError);
  EXPECT_THROW(withNetwork("max-size", "-1"), OptionsError);
  EXPECT_THROW(withNetwork("engine", "tensorrt"), OptionsError);
}

TEST(OptionSchema, CheckOptionValueRefusesWhatTheTextWouldBeRefused) {
  const auto& steps = option("steps");
  EXPECT_NO_THROW(checkOptionValue(steps, int64_t{5}));
  EXPECT_THROW(checkOptionValue(steps, int64_t{-1}), OptionsError);
  const auto& scale = option("scale-factor");
  EXPECT_THROW(checkOptionValue(scale, 5.0), OptionsError);
  const auto& optimizer = option("optimizer");
  EXPECT_NO_THROW(checkOptionValue(optimizer, int64_t{1}));
  EXPECT_THROW(checkOptionValue(optimizer, int64_t{2}), OptionsError);
  try {
    checkOptionValue(steps, int64_t{-3});
  } catch (const OptionsError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("steps must be >= 0, got -3", 0), 0u) << e.what();
  }
}
