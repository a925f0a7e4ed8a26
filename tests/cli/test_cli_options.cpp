// SPDX-License-Identifier: LGPL-2.1-or-later
// Unit tests of the CLI's argument parsing and frame planning (no process, no LibTorch).
#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_options.hpp"
#include "cli_test_support.hpp"

namespace neuralstyle::cli {
namespace {

namespace fs = std::filesystem;
using test::TempDir;
using test::writeNoiseImage;
using Args = std::vector<std::string>;

Args withRequired(Args extra) {
  Args args{"--content", "c.png", "--style", "s.png", "--output", "o.png"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

Options parsed(Args extra) { return parseArguments(withRequired(std::move(extra))).options; }

// --- parsing: accepted command lines -------------------------------------------------

TEST(CliParse, ReadsEveryOptionInBothForms) {
  const Options o = parseArguments({"--content=in/%05d.png", "--style", "style.jpg",
                                    "--output=out/%05d.png", "--weights", "random:3",
                                    "--steps", "50", "--optimizer", "lbfgs", "--learning-rate=0.01",
                                    "--content-weight", "2", "--style-weight", "1e5",
                                    "--style-layer-weights", "conv1_1=1,conv2_1=0.5",
                                    "--content-layer", "conv3_2", "--max-size", "128",
                                    "--pooling", "average", "--device", "cpu",
                                    "--precision", "bfloat16", "--convolution", "direct",
                                    "--threads", "2",
                                    "--seed", "18446744073709551615", "--progress-interval", "0",
                                    "--start-index", "7", "--loss-log", "log.csv", "--quiet"})
                        .options;
  EXPECT_EQ(o.content, "in/%05d.png");
  EXPECT_EQ(o.styles, std::vector<std::string>{"style.jpg"});
  EXPECT_EQ(o.output, "out/%05d.png");
  const StyleOptions& style = o.core.style;
  const EngineOptions& engine = o.core.engine;
  EXPECT_EQ(engine.weights, "random:3");
  EXPECT_EQ(style.steps, 50);
  EXPECT_EQ(style.optimizer, Optimizer::LBFGS);
  EXPECT_DOUBLE_EQ(*style.learning_rate, 0.01);
  EXPECT_DOUBLE_EQ(style.content_weight, 2.0);
  EXPECT_DOUBLE_EQ(*style.style_weight, 1e5);
  EXPECT_EQ(formatLayerWeights(style.style_layers), "conv1_1=1,conv2_1=0.5");
  EXPECT_EQ(style.content_layer, "conv3_2");
  EXPECT_EQ(style.max_size, 128);
  EXPECT_EQ(style.pooling, Pooling::Average);
  EXPECT_EQ(engine.device, DeviceKind::CPU);
  EXPECT_EQ(engine.precision, Precision::BFloat16);
  EXPECT_EQ(engine.convolution, Convolution::Direct);
  EXPECT_EQ(engine.threads, 2);
  EXPECT_EQ(engine.seed, UINT64_MAX);
  EXPECT_EQ(style.noise_seed, UINT64_MAX);
  EXPECT_EQ(o.progress_interval, 0);
  EXPECT_EQ(o.start_index, 7);
  EXPECT_EQ(o.loss_log, "log.csv");
  EXPECT_TRUE(o.quiet);
}

TEST(CliParse, LeavesTheCoreDefaultsToTheCore) {
  const Options o = parsed({});
  // Unset, they are the core's defaults, and none counts as given.
  EXPECT_TRUE(o.given.empty());
  const OptionSet defaults;
  EXPECT_EQ(o.core.style.steps, defaults.style.steps);
  EXPECT_FALSE(o.core.style.learning_rate || o.core.style.style_weight);
  EXPECT_TRUE(o.core.engine.weights.empty());
  EXPECT_EQ(o.core.engine.device, DeviceKind::Auto);
  EXPECT_EQ(o.core.engine.precision, Precision::Float32);
  EXPECT_EQ(o.core.engine.convolution, Convolution::Auto);
  EXPECT_EQ(o.progress_interval, 10);
  EXPECT_FALSE(o.start_index);
  EXPECT_TRUE(o.loss_log.empty());
  EXPECT_FALSE(o.quiet);
}

TEST(CliParse, ReadsBothPrecisions) {
  EXPECT_EQ(parsed({"--precision", "float32"}).core.engine.precision, Precision::Float32);
  EXPECT_EQ(parsed({"--precision=bfloat16"}).core.engine.precision, Precision::BFloat16);
}

TEST(CliParse, ReadsEveryConvolution) {
  EXPECT_EQ(parsed({"--convolution", "auto"}).core.engine.convolution, Convolution::Auto);
  EXPECT_EQ(parsed({"--convolution", "direct"}).core.engine.convolution, Convolution::Direct);
  EXPECT_EQ(parsed({"--convolution=winograd"}).core.engine.convolution, Convolution::Winograd);
}

TEST(CliParse, HelpAndVersionNeedNothingElse) {
  EXPECT_EQ(parseArguments({"--help"}).action, Action::Help);
  EXPECT_EQ(parseArguments({"-h"}).action, Action::Help);
  EXPECT_EQ(parseArguments({"--steps", "abc", "--version"}).action, Action::Version);
  EXPECT_EQ(parseArguments({"--list-options"}).action, Action::ListOptions);
  EXPECT_EQ(parseArguments({"--steps", "abc", "--list-options"}).action, Action::ListOptions);
  EXPECT_EQ(parseArguments(withRequired({})).action, Action::Run);
}

TEST(CliParse, HelpListsEveryOptionAndTheDefaults) {
  const std::string help = helpText();
  for (const char* option :
       {"--content", "--style", "--output", "--weights", "--steps", "--learning-rate",
        "--optimizer", "--content-weight", "--style-weight", "--style-layer-weights", "--content-layer",
        "--max-size", "--pooling", "--device", "--precision", "float32|bfloat16",
        "--convolution", "auto|direct|winograd", "(default auto)", "--threads", "--seed", "--progress-interval",
        "--start-index", "--loss-log", "--quiet", "--help", "--version", "--list-options",
        "step,total,content,style", "frame,step,total,content,style", "(default 2000)",
        "the network's default (vgg19 1e6", "--network", "auto|vgg19|squeezenet1_1", "130 interrupted",
        "--tv-weight", "--style-blend-weights", "--style-scale", "--gram-normalization none|positions",
        "--preserve-colors", "--color-match none|histogram|mean-std", "--init content|noise",
        "--init-image", "--scales", "--coarse-steps", "--scale-factor", "--tile-size", "--tile-overlap",
        "--save-every", "--init content|noise|previous|previous-warped", "--temporal-weight",
        "--steps-per-frame", "--scene-cut-threshold", "(default previous-warped)", "(default 0.5)",
        "(default 400)", "(default 32)", "(default -1)", "frame,step,total,content,style,temporal"})
    EXPECT_NE(help.find(option), std::string::npos) << option;
  // Every option of the core's schema but the two the tool has its own of.
  for (const OptionSpec& spec : optimisationOptions())
    if (spec.name != "weights-location")
      EXPECT_NE(help.find("--" + spec.name), std::string::npos) << spec.name;
  for (size_t start = 0, end; (end = help.find('\n', start)) != std::string::npos; start = end + 1)
    EXPECT_LE(end - start, 90u) << help.substr(start, end - start);
}

/// The values both quality-control tests below give, on the command line or in a file.
void expectTheQualityControlsGiven(const Options& o) {
  const StyleOptions& style = o.core.style;
  EXPECT_DOUBLE_EQ(style.tv_weight, 0.5);
  EXPECT_DOUBLE_EQ(*style.style_scale, 2.0);
  EXPECT_EQ(style.gram_normalization, GramNormalization::Positions);
  EXPECT_TRUE(style.preserve_colors);
  EXPECT_EQ(style.color_match, ColorMatch::MeanStd);
  EXPECT_EQ(style.init, Init::Noise);
  EXPECT_EQ(o.core.video.start, FrameStart::Independent);
  EXPECT_EQ(style.scales, 3);
  EXPECT_EQ(style.coarse_steps, 40);
  EXPECT_DOUBLE_EQ(style.scale_factor, 1.5);
  EXPECT_EQ(style.tile_size, 256);
  EXPECT_EQ(style.tile_overlap, 16);
  EXPECT_EQ(o.save_every, 5);
}

TEST(CliParse, ReadsTheQualityControls) {
  expectTheQualityControlsGiven(parsed({"--tv-weight", "0.5", "--style-scale=2", "--gram-normalization",
                                        "positions", "--preserve-colors", "--color-match", "mean-std", "--init",
                                        "noise", "--scales", "3", "--coarse-steps", "40", "--scale-factor", "1.5",
                                        "--tile-size", "256",
                                        "--tile-overlap", "16", "--save-every", "5"}));
  EXPECT_EQ(parsed({"--color-match", "histogram"}).core.style.color_match, ColorMatch::Histogram);
  EXPECT_EQ(parsed({"--init-image", "i.png"}).init_image, "i.png");
  EXPECT_EQ(parsed({"--tile-size", "0"}).core.style.tile_size, 0);
  // Unset, they are the core's.
  const Options none = parsed({});
  EXPECT_TRUE(none.given.empty());
  EXPECT_FALSE(none.init_image || none.save_every || none.style_blend_weights);
  EXPECT_FALSE(none.core.style.preserve_colors);
}

TEST(CliParse, StyleRepeatsForABlendWithOneWeightEach) {
  const Options o = parseArguments({"--content", "c.png", "--style", "a.png", "--output", "o.png", "--style=b.png",
                                    "--style-blend-weights", "0.7,0.3"})
                        .options;
  EXPECT_EQ(o.styles, (std::vector<std::string>{"a.png", "b.png"}));
  ASSERT_TRUE(o.style_blend_weights);
  EXPECT_EQ(*o.style_blend_weights, (std::vector<double>{0.7, 0.3}));
  EXPECT_FALSE(parsed({"--style", "b.png"}).style_blend_weights) << "equal weights by default";
}

TEST(CliParse, SaveEveryNamesTheIntermediateBesideTheOutput) {
  EXPECT_EQ(intermediatePath("out.png", 20), "out.step20.png");
  EXPECT_EQ(intermediatePath("dir/photo.v2.jpg", 4), "dir/photo.v2.step4.jpg");
  EXPECT_EQ(intermediatePath("out/00001.png", 6), "out/00001.step6.png");
}

TEST(CliParse, ReadsIntegersInDecimalOnly) {
  // CLI11's own conversion would read 010 as octal 8.
  EXPECT_EQ(parsed({"--steps", "010"}).core.style.steps, 10);
  EXPECT_THROW(parsed({"--steps", "0x10"}), UsageError);
}

TEST(CliParse, ReadsSliceOptions) {
  const Options o = parsed({"--start", "4", "--count=2", "--overlap", "1", "--resume"});
  EXPECT_EQ(o.slice_start, 4);
  EXPECT_EQ(o.slice_count, 2);
  EXPECT_EQ(o.overlap, 1);
  EXPECT_TRUE(o.resume);
  EXPECT_FALSE(o.check);
  EXPECT_TRUE(parsed({"--check"}).check);
  EXPECT_THROW(parsed({"--count", "0"}), UsageError);
  EXPECT_THROW(parsed({"--start", "-1"}), UsageError);
  EXPECT_THROW(parsed({"--resume", "--resume"}), UsageError);
}

TEST(CliParse, ReadsTheVideoOptions) {
  const Options o = parsed({"--init", "previous", "--temporal-weight", "0", "--steps-per-frame=30",
                            "--scene-cut-threshold", "1"});
  EXPECT_EQ(o.core.video.start, FrameStart::Previous);
  EXPECT_EQ(o.core.style.init, Init::Content) << "a first frame starts from the content";
  EXPECT_DOUBLE_EQ(*o.core.video.temporal_weight, 0.0);
  EXPECT_EQ(o.core.video.steps_per_frame, 30);
  EXPECT_DOUBLE_EQ(o.core.video.scene_cut_threshold, 1.0);
  EXPECT_EQ(parsed({"--init", "previous-warped"}).core.video.start, FrameStart::PreviousWarped);
  EXPECT_EQ(parsed({"--init", "previous-warped", "--steps-per-frame", "0"}).core.video.steps_per_frame, 0);
  // Unset, they are the core's (VideoOptions).
  const Options none = parsed({});
  EXPECT_TRUE(none.given.empty());
  const VideoOptions defaults;
  EXPECT_EQ(none.core.video.start, defaults.start);
  EXPECT_EQ(none.core.video.steps_per_frame, defaults.steps_per_frame);
}

TEST(CliParse, HelpGroupsTheOptions) {
  const std::string help = helpText();
  const std::vector<std::string> order = {"Usage: neuralstyle --content IN --style STYLE --output OUT",
                                          "Inputs and outputs:", "--config FILE",
                                          "Optimisation (of the image itself):", "--steps N",
                                          "Engine:", "--device auto|cpu|cuda",
                                          "Progress (on stderr):", "--quiet", "Exit status:"};
  size_t at = 0;
  for (const auto& text : order) {
    const size_t found = help.find(text, at);
    ASSERT_NE(found, std::string::npos) << "'" << text << "' missing or out of order in\n" << help;
    at = found;
  }
}

TEST(CliParse, ReadsAConfigFileWhereTheCommandLineWins) {
  TempDir dir;
  test::writeText(dir / "job.toml",
                  "# a batch job\ncontent = \"in/%05d.png\"\nstyle = \"s.png\"\noutput = \"out/%05d.png\"\n"
                  "steps = 30\nlearning-rate = 0.5\nnetwork = \"squeezenet1_1\"\nquiet = true\n");
  const Options o = parseArguments({"--config", dir / "job.toml", "--steps", "7"}).options;
  EXPECT_EQ(o.content, "in/%05d.png");
  EXPECT_EQ(o.output, "out/%05d.png");
  EXPECT_EQ(o.core.style.steps, 7) << "the command line wins over the file";
  EXPECT_DOUBLE_EQ(*o.core.style.learning_rate, 0.5);
  EXPECT_EQ(o.core.engine.network, Network::SqueezeNet1_1);
  EXPECT_TRUE(o.quiet);

  // The file's values get the same checks, and unknown names are refused.
  test::writeText(dir / "bad.ini", "steps = -4\n");
  try {
    parseArguments(withRequired({"--config", dir / "bad.ini"}));
    FAIL() << "accepted steps = -4";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--steps must be >= 0, got -4"), std::string::npos) << e.what();
  }
  test::writeText(dir / "typo.ini", "stpes = 4\n");
  try {
    parseArguments(withRequired({"--config", dir / "typo.ini"}));
    FAIL() << "accepted an unknown name";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--config '" + dir / "typo.ini" + "': unknown option 'stpes'"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parseArguments(withRequired({"--config", dir / "missing.toml"})), InputError);
}

TEST(CliParse, AConfigFileTakesTheQualityControlsAndSeveralStyles) {
  TempDir dir;
  test::writeText(dir / "job.toml",
                  "content = \"c.png\"\noutput = \"o.png\"\nstyle = [\"a.png\", \"b.png\"]\n"
                  "style-blend-weights = \"0.25,0.75\"\ntv-weight = 0.5\nstyle-scale = 2\n"
                  "gram-normalization = \"positions\"\npreserve-colors = true\ncolor-match = \"mean-std\"\n"
                  "init = \"noise\"\nscales = 3\ncoarse-steps = 40\nscale-factor = 1.5\ntile-size = 256\ntile-overlap = 16\n"
                  "save-every = 5\n");
  const Options o = parseArguments({"--config", dir / "job.toml"}).options;
  EXPECT_EQ(o.styles, (std::vector<std::string>{"a.png", "b.png"}));
  EXPECT_EQ(*o.style_blend_weights, (std::vector<double>{0.25, 0.75}));
  expectTheQualityControlsGiven(o);
  // The command line's --style replaces the file's list.
  EXPECT_EQ(parseArguments({"--config", dir / "job.toml", "--style", "x.png", "--style", "y.png"}).options.styles,
            (std::vector<std::string>{"x.png", "y.png"}));
  test::writeText(dir / "bad.toml", "content = \"c.png\"\noutput = \"o.png\"\nstyle = \"a.png\"\nscales = 9\n");
  try {
    parseArguments({"--config", dir / "bad.toml"});
    FAIL() << "accepted scales = 9";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--scales must be between 1 and 8, got 9"), std::string::npos) << e.what();
  }
}

TEST(CliParse, FormatsFramePatternsLikePrintf) {
  EXPECT_TRUE(isFramePattern("in/%05d.png"));
  EXPECT_FALSE(isFramePattern("in/frame.png"));
  EXPECT_FALSE(isFramePattern("in/100%%.png"));
  EXPECT_EQ(formatFramePattern("in/%05d.png", 42), "in/00042.png");
  EXPECT_EQ(formatFramePattern("in/%d.png", 42), "in/42.png");
  EXPECT_EQ(formatFramePattern("%3d.png", 7), "  7.png");
  EXPECT_EQ(formatFramePattern("%02d.png", 123), "123.png");
  EXPECT_EQ(formatFramePattern("50%%/%04d.png", 1), "50%/0001.png");
}

// --- parsing: rejected command lines -------------------------------------------------

struct BadArguments {
  const char* name;
  Args args;
  const char* message;  // a part of the reason
};

void PrintTo(const BadArguments& arguments, std::ostream* out) { *out << arguments.name; }

class CliParseRejects : public ::testing::TestWithParam<BadArguments> {};

TEST_P(CliParseRejects, WithAOneLineReason) {
  try {
    parseArguments(GetParam().args);
    FAIL() << "accepted";
  } catch (const UsageError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(GetParam().message), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cli, CliParseRejects,
    ::testing::Values(
        BadArguments{"UnknownOption", withRequired({"--colour", "red"}), "unknown option '--colour'"},
        BadArguments{"SingleDashOption", withRequired({"-s", "x"}), "unexpected argument '-s'"},
        BadArguments{"StrayArgument", withRequired({"extra.png"}), "unexpected argument 'extra.png'"},
        BadArguments{"MissingValueAtEnd", withRequired({"--steps"}), "--steps needs a value"},
        BadArguments{"MissingValueBeforeOption", withRequired({"--weights", "--steps", "2"}),
                     "--weights needs a value"},
        BadArguments{"EmptyValue", withRequired({"--weights="}), "--weights needs a value"},
        BadArguments{"ValueForFlag", withRequired({"--quiet=yes"}), "--quiet takes no value"},
        BadArguments{"StepsNotANumber", withRequired({"--steps", "abc"}), "'abc' is not an integer"},
        BadArguments{"StepsWithSuffix", withRequired({"--steps", "10x"}), "'10x' is not an integer"},
        BadArguments{"StepsFraction", withRequired({"--steps", "1.5"}), "'1.5' is not an integer"},
        BadArguments{"StepsNegative", withRequired({"--steps", "-1"}), "--steps must be >= 0, got -1"},
        BadArguments{"StepsOverflow", withRequired({"--steps", "99999999999"}), "--steps must be <= 2147483647"},
        BadArguments{"MaxSizeTooSmall", withRequired({"--max-size", "15"}), "--max-size must be >= 16"},
        BadArguments{"ThreadsTooMany", withRequired({"--threads", "5000"}), "between 0 and 1024"},
        BadArguments{"LearningRateTooLarge", withRequired({"--learning-rate", "11"}),
                     "--learning-rate must be between 0 and 10, got 11"},
        BadArguments{"LearningRateNegative", withRequired({"--learning-rate", "-0.1"}), "between 0 and 10"},
        BadArguments{"LearningRateNaN", withRequired({"--learning-rate", "nan"}), "finite"},
        BadArguments{"StyleWeightNegative", withRequired({"--style-weight", "-2"}), "must be >= -1, got -2"},
        BadArguments{"ContentWeightInfinite", withRequired({"--content-weight", "inf"}), "finite"},
        BadArguments{"NumberWithBlank", withRequired({"--style-weight", " 5"}), "is not a number"},
        BadArguments{"NumberWithSuffix", withRequired({"--style-weight", "5e"}), "is not a number"},
        BadArguments{"SeedNegative", withRequired({"--seed", "-3"}), "'-3' is not an integer"},
        BadArguments{"StartIndexNegative", withRequired({"--start-index", "-2"}), "must be >= 0"},
        BadArguments{"UnknownDevice", withRequired({"--device", "tpu"}), "--device must be auto, cpu or cuda, got 'tpu'"},
        BadArguments{"UnknownPrecision", withRequired({"--precision", "float16"}),
                     "--precision must be float32 or bfloat16, got 'float16'"},
        BadArguments{"PrecisionWrongCase", withRequired({"--precision", "BFloat16"}),
                     "float32 or bfloat16, got 'BFloat16'"},
        BadArguments{"PrecisionEmpty", withRequired({"--precision="}), "--precision needs a value"},
        BadArguments{"UnknownConvolution", withRequired({"--convolution", "fft"}),
                     "--convolution must be auto, direct or winograd, got 'fft'"},
        BadArguments{"UnknownOptimizer", withRequired({"--optimizer", "sgd"}), "adam or lbfgs, got 'sgd'"},
        BadArguments{"UnknownPooling", withRequired({"--pooling", "min"}), "max or average"},
        BadArguments{"RepeatedOption", withRequired({"--steps", "2", "--steps=3"}),
                     "--steps is given more than once"},
        BadArguments{"BlendWeightsForTooFewStyles", withRequired({"--style-blend-weights", "0.5,0.5"}),
                     "--style-blend-weights gives 2 weight(s) for 1 --style image(s)"},
        BadArguments{"BlendWeightsForTooManyStyles",
                     withRequired({"--style", "b.png", "--style", "c.png", "--style-blend-weights", "1,2"}),
                     "gives 2 weight(s) for 3 --style image(s)"},
        BadArguments{"BlendWeightsAllZero", withRequired({"--style-blend-weights", "0"}), "at least one style"},
        BadArguments{"BlendWeightNegative", withRequired({"--style", "b.png", "--style-blend-weights", "1,-1"}),
                     "--style-blend-weights must be >= 0, got -1"},
        BadArguments{"BlendWeightMissing", withRequired({"--style", "b.png", "--style-blend-weights", "1,"}),
                     "--style-blend-weights: '' is not a number"},
        BadArguments{"StyleWithoutValue", withRequired({"--style", "--steps", "2"}), "--style needs a value"},
        BadArguments{"TvWeightNegative", withRequired({"--tv-weight", "-1"}), "--tv-weight must be >= 0"},
        BadArguments{"StyleScaleNegative", withRequired({"--style-scale", "-1"}), "--style-scale must be between 0 and 8"},
        BadArguments{"StyleScaleTooLarge", withRequired({"--style-scale", "9"}),
                     "--style-scale must be between 0 and 8, got 9"},
        BadArguments{"UnknownGramNormalization", withRequired({"--gram-normalization", "layers"}),
                     "--gram-normalization must be none or positions, got 'layers'"},
        BadArguments{"UnknownColorMatch", withRequired({"--color-match", "lab"}),
                     "--color-match must be none, histogram or mean-std, got 'lab'"},
        BadArguments{"UnknownInit", withRequired({"--init", "image"}),
                     "--init must be content, noise, previous or previous-warped, got 'image'"},
        BadArguments{"InitAndInitImage", withRequired({"--init", "noise", "--init-image", "i.png"}),
                     "--init and --init-image exclude each other"},
        BadArguments{"PreserveColorsWithValue", withRequired({"--preserve-colors=yes"}),
                     "--preserve-colors takes no value"},
        BadArguments{"ScalesTooMany", withRequired({"--scales", "9"}), "--scales must be between 1 and 8, got 9"},
        BadArguments{"ScaleFactorOne", withRequired({"--scale-factor", "1"}),
                     "scale factor must be greater than 1 and at most 4"},
        BadArguments{"TileSizeTooSmall", withRequired({"--tile-size", "10"}),
                     "tile size must be 0 (no tiling) or between 64 and 16384, got 10"},
        BadArguments{"TileOverlapTooLarge", withRequired({"--tile-size", "128", "--tile-overlap", "65"}),
                     "--tile-overlap must be at most half of --tile-size, got 65 for 128"},
        BadArguments{"CoarseStepsNegative", withRequired({"--coarse-steps", "-1"}), "--coarse-steps must be >= 0"},
        BadArguments{"SaveEveryZero", withRequired({"--save-every", "0"}), "--save-every must be >= 1, got 0"},
        BadArguments{"TemporalWeightNegative", withRequired({"--temporal-weight", "-2"}),
                     "--temporal-weight must be >= -1, got -2"},
        BadArguments{"TemporalWeightNaN", withRequired({"--temporal-weight", "nan"}), "finite"},
        BadArguments{"StepsPerFrameNegative", withRequired({"--steps-per-frame", "-2"}),
                     "--steps-per-frame must be >= -1, got -2"},
        BadArguments{"StepsPerFrameWithContentStart", withRequired({"--init", "content", "--steps-per-frame", "5"}),
                     "--steps-per-frame applies only to frames that start from the previous result (--init "
                     "previous or previous-warped), not with --init content"},
        BadArguments{"StepsPerFrameWithInitImage", withRequired({"--init-image", "i.png", "--steps-per-frame", "5"}),
                     "not with --init-image"},
        BadArguments{"SceneCutThresholdZero", withRequired({"--scene-cut-threshold", "0"}),
                     "the scene-cut threshold is a share of pixels in (0, 1], not 0"},
        BadArguments{"SceneCutThresholdAboveOne", withRequired({"--scene-cut-threshold", "1.5"}),
                     "--scene-cut-threshold must be between 0 and 1, got 1.5"},
        BadArguments{"InitPreviousWithInitImage", withRequired({"--init", "previous", "--init-image", "i.png"}),
                     "--init and --init-image exclude each other"},
        BadArguments{"MissingContent", Args{"--style", "s.png", "--output", "o.png"}, "--content is required"},
        BadArguments{"MissingStyle", Args{"--content", "c.png", "--output", "o.png"}, "--style is required"},
        BadArguments{"MissingOutput", Args{"--content", "c.png", "--style", "s.png"}, "--output is required"},
        BadArguments{"Nothing", Args{}, "--content is required"}),
    [](const auto& test_case) { return std::string(test_case.param.name); });

TEST(CliParse, RejectsMalformedFramePatterns) {
  EXPECT_THROW(formatFramePattern("%05d/%05d.png", 1), UsageError);
  EXPECT_THROW(formatFramePattern("%05d-%s.png", 1), UsageError);
  EXPECT_THROW(formatFramePattern("frame.png", 1), UsageError);
}

// --- planning ------------------------------------------------------------------------

class CliPlan : public ::testing::Test {
 protected:
  void SetUp() override { writeNoiseImage(dir / "style.png", 20, 20, 9); }

  Options options(const std::string& content, const std::string& output) {
    Options o;
    o.content = content;
    o.styles = {dir / "style.png"};
    o.output = output;
    return o;
  }

  TempDir dir;
};

TEST_F(CliPlan, FolderTakesItsImagesByNameIntoAnOutputFolder) {
  fs::create_directory(dir / "in");
  for (const char* name : {"b.png", "a.jpg", "c.PNG"}) writeNoiseImage(dir / ("in/" + std::string(name)), 20, 20, 1);
  test::writeText(dir / "in/notes.txt", "not an image");
  fs::create_directory(dir / "in/sub");
  const FramePlan plan = planFrames(options(dir / "in", dir / "out"));
  EXPECT_EQ(plan.kind, InputKind::Folder);
  ASSERT_EQ(plan.frames.size(), 3u);
  EXPECT_EQ(fs::path(plan.frames[0].content).filename(), "a.jpg");
  EXPECT_EQ(fs::path(plan.frames[1].content).filename(), "b.png");
  EXPECT_EQ(fs::path(plan.frames[2].content).filename(), "c.PNG");
  EXPECT_EQ(plan.frames[1].output, (fs::path(dir / "out") / "b.png").string());
  EXPECT_FALSE(fs::exists(dir / "out")) << "planning must not create anything";
  prepareOutputFolders(plan);
  EXPECT_TRUE(fs::is_directory(dir / "out"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "out"), fs::directory_iterator()), 0)
      << "the write probe must leave nothing behind";
}

TEST_F(CliPlan, SequenceRunsFromTheStartIndexToTheFirstGap) {
  for (int i : {1, 2, 3, 5}) writeNoiseImage(formatFramePattern(dir / "f%03d.png", i), 20, 20, i);
  Options o = options(dir / "f%03d.png", dir / "o%d.png");
  o.start_index = 1;
  const FramePlan plan = planFrames(o);
  EXPECT_EQ(plan.kind, InputKind::Sequence);
  ASSERT_EQ(plan.frames.size(), 3u);
  EXPECT_EQ(plan.frames[0].content, dir / "f001.png");
  EXPECT_EQ(plan.frames[2].output, dir / "o3.png");
}

TEST_F(CliPlan, SequenceStartsAtTheFirstOfIndicesZeroToFourLikeFfmpeg) {
  // ffmpeg -i clip.mp4 %05d.png writes 00001.png first.
  for (int i : {1, 2}) writeNoiseImage(formatFramePattern(dir / "f%05d.png", i), 20, 20, i);
  FramePlan plan = planFrames(options(dir / "f%05d.png", dir / "o%05d.png"));
  ASSERT_EQ(plan.frames.size(), 2u);
  EXPECT_EQ(plan.frames[0].content, dir / "f00001.png");
  EXPECT_EQ(plan.frames[0].output, dir / "o00001.png") << "outputs keep the input's indices";
  // The last index probed is 4; 5 is too far, as for ffmpeg.
  writeNoiseImage(dir / "g4.png", 20, 20, 4);
  writeNoiseImage(dir / "h5.png", 20, 20, 5);
  plan = planFrames(options(dir / "g%d.png", dir / "o%d.png"));
  ASSERT_EQ(plan.frames.size(), 1u);
  EXPECT_EQ(plan.frames[0].output, dir / "o4.png");
  try {
    planFrames(options(dir / "h%d.png", dir / "o%d.png"));
    FAIL() << "index 5 was found without --start-index";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("looked for '" + dir / "h0.png" + "' to '" + dir / "h4.png" +
                                         "'; --start-index N for a later first frame"),
              std::string::npos)
        << e.what();
  }
  Options o = options(dir / "h%d.png", dir / "o%d.png");
  o.start_index = 5;
  EXPECT_EQ(planFrames(o).frames.size(), 1u);
}

TEST_F(CliPlan, AnExplicitStartIndexIsNotProbedAround) {
  writeNoiseImage(dir / "f1.png", 20, 20, 1);
  Options o = options(dir / "f%d.png", dir / "o%d.png");
  o.start_index = 0;
  try {
    planFrames(o);
    FAIL() << "--start-index 0 started at 1";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("(looked for '" + dir / "f0.png" + "')"), std::string::npos)
        << e.what();
  }
}

TEST_F(CliPlan, SlicesASequenceByPosition) {
  for (int i = 1; i <= 5; ++i) writeNoiseImage(formatFramePattern(dir / "f%d.png", i), 20, 20, i);
  Options o = options(dir / "f%d.png", dir / "o%d.png");
  o.slice_start = 1;
  o.slice_count = 2;
  FramePlan plan = planFrames(o);
  ASSERT_EQ(plan.frames.size(), 2u);
  EXPECT_EQ(plan.frames[0].content, dir / "f2.png") << "position 1 is the second frame";
  EXPECT_EQ(plan.frames[1].output, dir / "o3.png");
  EXPECT_TRUE(plan.frames[0].write && plan.frames[1].write);
  // The last slice is shorter; the overlap comes before the slice, unwritten, and stops
  // at the first frame.
  o.slice_start = 3;
  o.slice_count = 4;
  o.overlap = 9;
  plan = planFrames(o);
  ASSERT_EQ(plan.frames.size(), 5u);
  EXPECT_FALSE(plan.frames[0].write);
  EXPECT_FALSE(plan.frames[2].write);
  EXPECT_TRUE(plan.frames[3].write);
  EXPECT_EQ(plan.frames[3].content, dir / "f4.png");
  o.slice_start = 5;
  EXPECT_THROW(planFrames(o), InputError) << "past the last frame";
  writeNoiseImage(dir / "c.png", 20, 20, 1);
  Options image = options(dir / "c.png", dir / "o.png");
  image.slice_count = 1;
  EXPECT_THROW(planFrames(image), UsageError);
}

TEST_F(CliPlan, ResumeRedoesOnlyMissingOrIncompleteOutputs) {
  for (int i = 0; i < 4; ++i) writeNoiseImage(formatFramePattern(dir / "f%d.png", i), 20, 16, i);
  writeNoiseImage(dir / "o0.png", 20, 16, 7);  // complete
  writeNoiseImage(dir / "o1.png", 16, 16, 7);  // wrong size
  test::writeText(dir / "o2.png", std::string("\x89PNG\r\n\x1a\n", 8) + "cut off");  // not decodable
  Options o = options(dir / "f%d.png", dir / "o%d.png");
  o.resume = true;
  o.overlap = 1;
  FramePlan plan = planFrames(o);
  EXPECT_EQ(plan.skipped, 1);
  // Frame 1 starts from frame 0's output as written: no overlap frame.
  ASSERT_EQ(plan.frames.size(), 3u) << "frames 1, 2, 3";
  EXPECT_TRUE(plan.frames[0].write);
  EXPECT_EQ(plan.frames[0].output, dir / "o1.png");
  EXPECT_EQ(plan.frames[0].previous_content, dir / "f0.png");
  EXPECT_EQ(plan.frames[0].previous_output, dir / "o0.png");
  EXPECT_TRUE(plan.frames[1].previous_output.empty()) << "frame 0 is stylised in the same run";
  EXPECT_EQ(plan.frames[2].output, dir / "o3.png");
  EXPECT_TRUE(isCompleteOutput(dir / "f0.png", dir / "o0.png"));
  EXPECT_FALSE(isCompleteOutput(dir / "f1.png", dir / "o1.png"));
  EXPECT_FALSE(isCompleteOutput(dir / "f2.png", dir / "o2.png"));
  EXPECT_FALSE(isCompleteOutput(dir / "f3.png", dir / "o3.png"));

  // --check lists what --resume would do, and plans nothing to stylise.
  o.resume = false;
  o.check = true;
  plan = planFrames(o);
  EXPECT_TRUE(plan.frames.empty());
  ASSERT_EQ(plan.incomplete.size(), 3u);
  EXPECT_EQ(plan.incomplete[0].output, dir / "o1.png");
}

TEST_F(CliPlan, ResumeStartsEachFrameAfterACompleteOneFromItAndOverlapsOnlyTheSlicesStart) {
  for (int i = 0; i < 7; ++i) writeNoiseImage(formatFramePattern(dir / "f%d.png", i), 20, 16, i);
  for (int i : {2, 4}) writeNoiseImage(formatFramePattern(dir / "o%d.png", i), 20, 16, 7);
  Options o = options(dir / "f%d.png", dir / "o%d.png");
  o.resume = true;
  o.overlap = 2;
  o.slice_start = 2;
  o.slice_count = 4;  // frames 2 to 5: 2 and 4 complete
  FramePlan plan = planFrames(o);
  EXPECT_EQ(plan.skipped, 2);
  ASSERT_EQ(plan.frames.size(), 2u);
  EXPECT_EQ(plan.frames[0].content, dir / "f3.png");
  EXPECT_EQ(plan.frames[0].previous_output, dir / "o2.png");
  EXPECT_EQ(plan.frames[1].content, dir / "f5.png");
  EXPECT_EQ(plan.frames[1].previous_content, dir / "f4.png");
  EXPECT_EQ(plan.frames[1].previous_output, dir / "o4.png");
  // Frame 2 missing: the overlap (frames 0 and 1, unwritten) leads into the slice; a
  // complete output before the slice (o1) is not another slice's to start from.
  writeNoiseImage(dir / "o1.png", 20, 16, 7);
  fs::remove(dir / "o2.png");
  plan = planFrames(o);
  ASSERT_EQ(plan.frames.size(), 5u) << "overlap frames 0 and 1, then 2, 3 and 5";
  EXPECT_FALSE(plan.frames[0].write);
  EXPECT_EQ(plan.frames[0].content, dir / "f0.png");
  EXPECT_FALSE(plan.frames[1].write);
  EXPECT_TRUE(plan.frames[2].write);
  EXPECT_TRUE(plan.frames[2].previous_output.empty());
  EXPECT_TRUE(plan.frames[3].previous_output.empty());
  EXPECT_EQ(plan.frames[4].content, dir / "f5.png");
  EXPECT_EQ(plan.frames[4].previous_output, dir / "o4.png");
}

TEST_F(CliPlan, AnOverlapHandsTheSlicesLastFramesOverToTheNextSlicesLeadIn) {
  for (int i = 0; i < 9; ++i) writeNoiseImage(formatFramePattern(dir / "f%d.png", i), 20, 16, i);
  Options o = options(dir / "f%d.png", dir / "o%d.png");
  o.overlap = 3;
  o.slice_start = 1;
  o.slice_count = 5;  // frames 1 to 5; the next slice starts at 6 and leads in from 3, 4, 5
  FramePlan plan = planFrames(o);
  ASSERT_EQ(plan.frames.size(), 6u) << "lead-in frame 0, then 1 to 5";
  ASSERT_EQ(plan.handover.size(), 3u);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(plan.handover[k].position, 3 + k);
    EXPECT_EQ(plan.handover[k].content, dir / ("f" + std::to_string(3 + k) + ".png"));
    EXPECT_FALSE(plan.handover[k].write);
  }
  for (int k = 0; k < 3; ++k) EXPECT_EQ(plan.frames[k].handover, 0) << "frame " << plan.frames[k].position;
  EXPECT_DOUBLE_EQ(plan.frames[3].handover, 1.0 / 3);
  EXPECT_DOUBLE_EQ(plan.frames[4].handover, 2.0 / 3);
  EXPECT_DOUBLE_EQ(plan.frames[5].handover, 1.0) << "the last frame is the lead-in's";
  EXPECT_EQ(plan.frames[0].handover, 0) << "the slice's own lead-in is not faded";

  // A slice shorter than the overlap fades from its first frame; the lead-in it hands over
  // to may begin before it.
  o.slice_start = 4;
  o.slice_count = 2;  // frames 4, 5; the next leads in from 3, 4, 5
  plan = planFrames(o);
  ASSERT_EQ(plan.handover.size(), 3u);
  EXPECT_EQ(plan.handover[0].position, 3);
  ASSERT_EQ(plan.frames.size(), 5u) << "lead-in 1, 2, 3, then 4 and 5";
  EXPECT_DOUBLE_EQ(plan.frames[3].handover, 2.0 / 3);
  EXPECT_DOUBLE_EQ(plan.frames[4].handover, 1.0);

  // The last slice hands over to none; nor does a run without --overlap.
  o.slice_start = 6;
  o.slice_count = 5;
  EXPECT_TRUE(planFrames(o).handover.empty());
  o.slice_start = 1;
  o.slice_count = 5;
  o.overlap = 0;
  plan = planFrames(o);
  EXPECT_TRUE(plan.handover.empty());
  for (const auto& frame : plan.frames) EXPECT_EQ(frame.handover, 0);

  // Resumed inside the hand-over: the frame after a complete one starts from it as
  // written, and keeps its share.
  o.overlap = 3;
  writeNoiseImage(dir / "o4.png", 20, 16, 7);
  for (int i = 1; i <= 3; ++i) writeNoiseImage(formatFramePattern(dir / "o%d.png", i), 20, 16, 7);
  o.resume = true;
  plan = planFrames(o);
  ASSERT_EQ(plan.frames.size(), 1u);
  EXPECT_EQ(plan.frames[0].position, 5);
  EXPECT_EQ(plan.frames[0].previous_output, dir / "o4.png");
  EXPECT_DOUBLE_EQ(plan.frames[0].handover, 1.0);
  EXPECT_EQ(plan.handover.size(), 3u) << "the lead-in chain is stylised from its first frame";
}

TEST_F(CliPlan, OneImageGoesToOneFile) {
  writeNoiseImage(dir / "c.png", 20, 20, 1);
  const FramePlan plan = planFrames(options(dir / "c.png", dir / "o.jpg"));
  EXPECT_EQ(plan.kind, InputKind::Image);
  ASSERT_EQ(plan.frames.size(), 1u);
  EXPECT_EQ(plan.frames[0].output, dir / "o.jpg");
  EXPECT_NO_THROW(prepareOutputFolders(plan));
}

template <typename Error>
void expectPlanError(const Options& options, const std::string& part) {
  try {
    const FramePlan plan = planFrames(options);
    prepareOutputFolders(plan);
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST_F(CliPlan, RejectsMissingOrUnreadableInputs) {
  writeNoiseImage(dir / "c.png", 20, 20, 1);
  test::writeText(dir / "fake.png", "not a png");
  expectPlanError<InputError>(options(dir / "missing.png", dir / "o.png"), "does not exist");
  expectPlanError<InputError>(options(dir / "fake.png", dir / "o.png"), "not an image");
  Options missing_style = options(dir / "c.png", dir / "o.png");
  missing_style.styles = {dir / "style.png", dir / "nostyle.png"};
  expectPlanError<InputError>(missing_style, "style image '" + dir / "nostyle.png" + "' does not exist");
  Options missing_init = options(dir / "c.png", dir / "o.png");
  missing_init.init_image = dir / "noinit.png";
  expectPlanError<InputError>(missing_init, "init image '" + dir / "noinit.png" + "' does not exist");
  expectPlanError<InputError>(options(dir / "x%05d.png", dir / "o%05d.png"), "no frame matches");
  fs::create_directory(dir / "empty");
  expectPlanError<InputError>(options(dir / "empty", dir / "out"), "no images in folder");
}

TEST_F(CliPlan, RejectsOutputsThatDoNotFitTheInput) {
  writeNoiseImage(dir / "c.png", 20, 20, 1);
  writeNoiseImage(dir / "f00000.png", 20, 20, 1);
  fs::create_directory(dir / "in");
  writeNoiseImage(dir / "in/a.png", 20, 20, 1);
  expectPlanError<UsageError>(options(dir / "c.png", dir / "o%05d.png"), "frame pattern");
  expectPlanError<UsageError>(options(dir / "c.png", dir.path().string()), "is a folder");
  expectPlanError<UsageError>(options(dir / "c.png", dir / "c.png"), "would overwrite");
  expectPlanError<UsageError>(options(dir / "c.png", dir / "o.xyz"), "no image writer");
  expectPlanError<UsageError>(options(dir / "f%05d.png", dir / "o.png"), "must be a frame pattern");
  expectPlanError<UsageError>(options(dir / "in", dir / "c.png"), "must be a folder");
  expectPlanError<UsageError>(options(dir / "in", dir / "in"), "overwrite the inputs");
  Options start = options(dir / "c.png", dir / "o.png");
  start.start_index = 3;
  expectPlanError<UsageError>(start, "--start-index applies only to a frame pattern");
}

TEST_F(CliPlan, RejectsOutputFoldersThatCannotBeWritten) {
  writeNoiseImage(dir / "c.png", 20, 20, 1);
  expectPlanError<InputError>(options(dir / "c.png", dir / "nowhere/o.png"), "does not exist");
  expectPlanError<InputError>(options(dir / "c.png", dir / "c.png/o.png"), "is not a folder");
  // Permission bits do not stop root; /proc/self refuses new files for everyone.
  expectPlanError<InputError>(options(dir / "c.png", "/proc/self/o.png"), "not writable");
  Options log = options(dir / "c.png", dir / "o.png");
  log.loss_log = dir / "nowhere/log.csv";
  expectPlanError<InputError>(log, "--loss-log folder");
}

TEST_F(CliPlan, RefusesTheOptionsOfASequenceForOneImage) {
  writeNoiseImage(dir / "c.png", 20, 20, 1);
  const Options plain = options(dir / "c.png", dir / "o.png");
  const auto with = [&plain](Args arguments) {
    Options o = plain;
    const Options given = parseArguments(withRequired(std::move(arguments))).options;
    o.core = given.core;
    o.given = given.given;
    return o;
  };
  expectPlanError<UsageError>(with({"--init", "previous-warped"}),
                              "--init previous-warped applies only to a folder or a frame pattern");
  EXPECT_NO_THROW(planFrames(with({"--init", "noise"})));
  EXPECT_NO_THROW(planFrames(plain)) << "previous-warped is the default, for sequences";
  expectPlanError<UsageError>(with({"--temporal-weight", "3"}),
                              "--temporal-weight applies only to a folder or a frame pattern");
  expectPlanError<UsageError>(with({"--steps-per-frame", "3"}), "--steps-per-frame applies only");
  expectPlanError<UsageError>(with({"--scene-cut-threshold", "0.3"}), "--scene-cut-threshold applies only");
}

}  // namespace
}  // namespace neuralstyle::cli
