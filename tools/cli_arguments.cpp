// SPDX-License-Identifier: LGPL-2.1-or-later
// The command line through CLI11: option names, --name VALUE and --name=VALUE, repeated
// and unknown options, option groups in --help, --version and --config files are
// CLI11's. Each value goes through a check of ours that names the option and the value
// in its message, because CLI11 2.1's own conversions are looser than the tool promises
// (integers through strtoll base 0: "010" is 8; "-3" wraps to a huge unsigned seed;
// numbers with leading blanks pass) and its messages name neither (CLI11's
// "Check tpu value in {...} FAILED").
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <utility>

#include "cli_options.hpp"

namespace neuralstyle::cli {
namespace {

std::string quoted(const std::string& text) { return "'" + text + "'"; }

int toInt(const std::string& option, const std::string& text, int min, int max) {
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || (error != std::errc() && error != std::errc::result_out_of_range))
    throw UsageError(option + ": " + quoted(text) + " is not an integer");
  const bool too_big = error == std::errc::result_out_of_range ? text.front() != '-' : value > max;
  const bool too_small = error == std::errc::result_out_of_range ? text.front() == '-' : value < min;
  if (too_big || too_small)
    throw UsageError(option + " must be " +
                     (max != INT_MAX ? "between " + std::to_string(min) + " and " + std::to_string(max)
                      : too_small    ? ">= " + std::to_string(min)
                                     : "<= " + std::to_string(max)) +
                     ", got " + text);
  return static_cast<int>(value);
}

uint64_t toUnsigned(const std::string& option, const std::string& text) {
  unsigned long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error != std::errc())
    throw UsageError(option + ": " + quoted(text) + " is not an integer between 0 and " +
                     std::to_string(UINT64_MAX));
  return value;
}

enum class Bound { Positive, NonNegative };

double toNumber(const std::string& option, const std::string& text, Bound bound) {
  // strtod skips leading blanks: refuse them so that the whole text is the number.
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())))
    throw UsageError(option + ": " + quoted(text) + " is not a number");
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size())
    throw UsageError(option + ": " + quoted(text) + " is not a number");
  if (!std::isfinite(value)) throw UsageError(option + " must be a finite number, got " + text);
  if (bound == Bound::Positive && !(value > 0))
    throw UsageError(option + " must be > 0, got " + text);
  if (bound == Bound::NonNegative && value < 0)
    throw UsageError(option + " must be >= 0, got " + text);
  return value;
}

/// "0.7,0.3": one number >= 0 per style image, not all 0.
std::vector<double> toWeights(const std::string& option, const std::string& text) {
  std::vector<double> weights;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    weights.push_back(toNumber(option, text.substr(start, comma - start), Bound::NonNegative));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0; }))
    throw UsageError(option + " must give at least one style a weight > 0, got " + text);
  return weights;
}

template <typename T>
struct Choice {
  const char* text;
  T value;
};

/// "NAME must be a, b or c, got 'x'" unless `text` is one of the choices.
template <typename T>
T choose(const std::string& option, const std::string& text, std::initializer_list<Choice<T>> choices) {
  std::string names;
  size_t i = 0;
  for (const auto& choice : choices) {
    if (text == choice.text) return choice.value;
    names += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + std::string(choice.text);
    ++i;
  }
  throw UsageError(option + " must be " + names + ", got " + quoted(text));
}

// CLI11's usage line knows no required options and comes after the description: ours
// names them and comes first.
class Formatter : public CLI::Formatter {
 public:
  std::string make_description(const CLI::App* app) const override {
    return "Usage: neuralstyle --content IN --style STYLE --output OUT [OPTION...]\n"
           "       neuralstyle --content IN --model MODEL --output OUT [OPTION...]\n"
           "       neuralstyle train --style STYLE --data DIR --output MODEL.onnx [OPTION...]\n"
           "         (neuralstyle train --help: its options)\n\n" +
           CLI::Formatter::make_description(app);
  }
  std::string make_usage(const CLI::App*, std::string) const override { return ""; }
};

// Thrown by --help and --version as soon as CLI11 meets them: they win over the rest.
struct HelpRequested {};
struct VersionRequested {};
struct ListOptionsRequested {};

/// The tool's command line as a CLI11 application writing into `options`.
class Arguments {
 public:
  Arguments(Options& options, const HelpDefaults& d) : app_("", "neuralstyle"), options_(options) {
    app_.description(
        "Gatys et al. neural style transfer of one image, a folder of images or a\n"
        "numbered frame sequence; or one pass of a trained feed-forward network\n"
        "(--model). Options take a value as --name VALUE or --name=VALUE.");
    app_.formatter(std::make_shared<Formatter>());
    app_.get_formatter()->column_width(26);
    app_.set_help_flag();  // ours below: it must win over bad values before it
    app_.allow_extras();   // unknown options get our message (parse())
    app_.allow_config_extras(CLI::config_extras_mode::error);
    addInputs(d);
    addSlices();
    addOptimisation(d);
    addQuality(d);
    addVideo(d);
    addEngine(d);
    addFeedForward();
    addProgress();
    app_.footer(
        "Exit status: 0 success; 1 other failure; 2 bad arguments; 3 missing or\n"
        "unreadable input, or unwritable output; 4 weights missing or unusable; 5 device\n"
        "unavailable; 6 the optimisation diverged; 130 interrupted (Ctrl-C stops between\n"
        "two steps). An error is one line on stderr starting \"neuralstyle: error: \".");
  }

  std::string help() const { return app_.help(); }

  Action parse(const std::vector<std::string>& arguments) {
    // CLI11 takes its arguments in reverse order.
    std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
    try {
      app_.parse(reversed);
    } catch (const HelpRequested&) {
      return Action::Help;
    } catch (const VersionRequested&) {
      return Action::Version;
    } catch (const ListOptionsRequested&) {
      return Action::ListOptions;
    } catch (const CLI::FileError& e) {
      throw InputError(std::string("--config: ") + e.what());
    } catch (const CLI::ConfigError& e) {
      const std::string message = e.what();
      const std::string extras = "INI was not able to parse ";
      if (message.rfind(extras, 0) == 0)
        throw UsageError("--config " + quoted(configFile()) + ": unknown option " +
                         quoted(message.substr(extras.size())));
      throw UsageError("--config " + quoted(configFile()) + ": " + message);
    } catch (const CLI::ArgumentMismatch& e) {
      // "NAME: 1 required TYPE missing" (no value at the end) or "NAME was given a
      // disallowed flag override" (--quiet=yes).
      const std::string message = e.what();
      std::string name = message.substr(0, message.find_first_of(": "));
      if (name.rfind('-', 0) != 0) name = "--" + name;  // the flag override names it bare
      if (message.find("flag override") != std::string::npos) throw UsageError(name + " takes no value");
      if (message.find(" required ") != std::string::npos) throw UsageError(name + " needs a value");
      throw UsageError(message);
    } catch (const CLI::ParseError& e) {
      throw UsageError(e.what());
    }
    const std::vector<std::string> rest = app_.remaining();
    if (!rest.empty()) {
      const std::string& first = rest.front();
      if (first.size() > 2 && first.compare(0, 2, "--") == 0)
        throw UsageError("unknown option " + quoted(first.substr(0, first.find('='))) + " (see --help)");
      throw UsageError("unexpected argument " + quoted(first) + " (options start with --)");
    }
    if (options_.content.empty()) throw UsageError("--content is required (an image, folder or pattern)");
    if (options_.styles.empty() && !options_.model)
      throw UsageError("--style is required (the style image), or --model (a feed-forward network)");
    if (options_.output.empty()) throw UsageError("--output is required");
    checkCombinations();
    return Action::Run;
  }

 private:
  using Apply = std::function<void(const std::string& name, const std::string& value)>;

  /// An option with one value, given at most once; `apply` checks and stores it.
  void value(const std::string& name, const std::string& value_text, const std::string& description,
             Apply apply) {
    option(name, value_text, description, std::move(apply), false);
  }

  /// An option that may be given several times; `apply` checks and stores each value.
  void values(const std::string& name, const std::string& value_text, const std::string& description,
              Apply apply) {
    option(name, value_text, description, std::move(apply), true);
  }

  void option(const std::string& name, const std::string& value_text, const std::string& description,
              Apply apply, bool repeatable) {
    app_.add_option(
            name,
            [name, apply, repeatable](const CLI::results_t& results) {
              if (!repeatable && results.size() > 1) throw UsageError(name + " is given more than once");
              for (const std::string& text : results) {
                // CLI11 takes the next argument even when it is an option: "--steps --seed 3"
                // is a forgotten value, not a value ("-1" still is one).
                if (text.empty() || text.compare(0, 2, "--") == 0) throw UsageError(name + " needs a value");
                apply(name, text);
              }
              return true;
            },
            description)
        ->option_text(value_text)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
        ->group(group_);
  }

  /// Options that are valid alone but not together.
  void checkCombinations() const {
    const Options& o = options_;
    checkFeedForwardCombinations();
    if (o.style_blend_weights && o.style_blend_weights->size() != o.styles.size())
      throw UsageError("--style-blend-weights gives " + std::to_string(o.style_blend_weights->size()) +
                       " weight(s) for " + std::to_string(o.styles.size()) +
                       " --style image(s); give one weight per --style, in order");
    if (o.init && o.init_image) throw UsageError("--init and --init-image exclude each other");
    // Only a frame that starts from the previous result takes --steps-per-frame.
    if (o.steps_per_frame && (o.init_image || o.init == Init::Content || o.init == Init::Noise))
      throw UsageError(std::string("--steps-per-frame applies only to frames that start from the "
                                   "previous result (--init previous or previous-warped), not with ") +
                       (o.init_image ? "--init-image" : o.init == Init::Content ? "--init content" : "--init noise"));
    if (o.tile_size && o.tile_overlap && *o.tile_size > 0 && 2 * *o.tile_overlap > *o.tile_size)
      throw UsageError("--tile-overlap must be at most half of --tile-size, got " +
                       std::to_string(*o.tile_overlap) + " for " + std::to_string(*o.tile_size));
  }

  /// --model runs a network with its style built in: the optimisation's options would
  /// be ignored, so they are refused, and the network's options need --model.
  void checkFeedForwardCombinations() const {
    const Options& o = options_;
    if (!o.model) {
      const char* needs_model = o.engine ? "--engine" : o.strength ? "--strength"
                                : o.temporal_blend ? "--temporal-blend" : nullptr;
      if (needs_model) throw UsageError(std::string(needs_model) + " applies only with --model");
      if (o.device == Device::OpenCL)
        throw UsageError("--device opencl applies only with --model (OpenCV's dnn module)");
      return;
    }
    const std::pair<bool, const char*> optimisation_only[] = {
        {!o.styles.empty(), "--style (the model's style is built in)"},
        {o.style_blend_weights.has_value(), "--style-blend-weights"},
        {o.weights.has_value(), "--weights"},
        {o.network != Network::Auto, "--network"},
        {o.steps.has_value(), "--steps"},
        {o.optimizer.has_value(), "--optimizer"},
        {o.learning_rate.has_value(), "--learning-rate"},
        {o.content_weight.has_value(), "--content-weight"},
        {o.style_weight.has_value(), "--style-weight"},
        {o.style_layer_weights.has_value(), "--style-layer-weights"},
        {o.content_layer.has_value(), "--content-layer"},
        {o.pooling.has_value(), "--pooling"},
        {o.tv_weight.has_value(), "--tv-weight"},
        {o.style_scale.has_value(), "--style-scale"},
        {o.gram_normalization.has_value(), "--gram-normalization"},
        {o.color_match.has_value(), "--color-match"},
        {o.init.has_value(), "--init"},
        {o.init_image.has_value(), "--init-image"},
        {o.temporal_weight.has_value(), "--temporal-weight (use --temporal-blend)"},
        {o.steps_per_frame.has_value(), "--steps-per-frame"},
        {o.scene_cut_threshold.has_value(), "--scene-cut-threshold"},
        {o.scales.has_value(), "--scales"},
        {o.coarse_steps.has_value(), "--coarse-steps"},
        {o.scale_factor.has_value(), "--scale-factor"},
        {o.tile_size.has_value(), "--tile-size"},
        {o.tile_overlap.has_value(), "--tile-overlap"},
        {o.save_every.has_value(), "--save-every"},
        {!o.loss_log.empty(), "--loss-log"},
        {o.precision != Precision::Float32, "--precision"},
        {o.convolution != Convolution::Auto, "--convolution"},
        {o.seed.has_value(), "--seed"},
    };
    for (const auto& [given, name] : optimisation_only)
      if (given) throw UsageError(std::string(name) + " applies to the optimisation, not to --model");
    if (o.device == Device::OpenCL && o.engine == Engine::LibTorch)
      throw UsageError("--device opencl applies only to --engine opencv");
  }

  /// A flag without a value, given at most once, that sets `target`.
  void flag(const std::string& name, const std::string& description, bool& target) {
    app_.add_flag_function(
            name,
            [name, &target](std::int64_t count) {
              if (count > 1) throw UsageError(name + " is given more than once");
              target = true;
            },
            description)
        ->disable_flag_override()
        ->group(group_);
  }

  /// A flag that throws `Signal` the moment it is parsed.
  template <typename Signal>
  void signalFlag(const std::string& names, const std::string& description) {
    app_.add_flag_function(names, [](std::int64_t) { throw Signal{}; }, description)
        ->trigger_on_parse()
        ->group(group_);
  }

  std::string configFile() const {
    const CLI::Option* config = app_.get_config_ptr();
    return config && !config->results().empty() ? config->results().front() : std::string();
  }

  void addInputs(const HelpDefaults&) {
    group_ = "Inputs and outputs";
    Options& o = options_;
    value("--content", "PATH",
          "an image; a folder (every image in it, by name); or a\n"
          "frame pattern such as in/%05d.png (indices from\n"
          "--start-index up to the first missing file) (required)",
          [&o](const auto&, const auto& v) { o.content = v; });
    values("--style", "PATH",
           "the style image (required); repeat it for a blend of\n"
           "several (see --style-blend-weights)",
           [&o](const auto&, const auto& v) { o.styles.push_back(v); });
    value("--output", "PATH",
          "for an image, the output image (its folder must exist);\n"
          "for a folder, a folder (created if needed; same file\n"
          "names); for a pattern, a pattern such as out/%05d.png\n"
          "(same indices). Outputs are 8-bit colour images of the\n"
          "input's size (required)",
          [&o](const auto&, const auto& v) { o.output = v; });
    value("--start-index", "N",
          "first index of a frame pattern (default: the first of\n"
          "0 to 4 that exists, as ffmpeg reads %05d.png)",
          [&o](const auto& n, const auto& v) { o.start_index = toInt(n, v, 0, INT_MAX); });
    value("--weights", "LOCATION",
          "the network's weights: a .safetensors file (VGG19 or\n"
          "SqueezeNet 1.1, recognised from its tensors), a VGG19\n"
          ".onnx, .caffemodel or .prototxt file, or random[:SEED]\n"
          "for random features\n"
          "(default: $NEURALSTYLE_WEIGHTS, else\n"
          "$XDG_DATA_HOME/neuralstyle/vgg19.safetensors, else the\n"
          "installed share/neuralstyle/vgg19.safetensors; see\n"
          "scripts/fetch_weights.sh)",
          [&o](const auto&, const auto& v) { o.weights = v; });
    value("--network", "auto|vgg19|squeezenet1_1",
          "the network the weights must hold; auto = whatever\n"
          "they hold (VGG19 for random weights) (default auto)",
          [&o](const auto& n, const auto& v) {
            o.network = choose<Network>(n, v, {{"auto", Network::Auto},
                                               {"vgg19", Network::VGG19},
                                               {"squeezenet1_1", Network::SqueezeNet1_1}});
          });
    value("--save-every", "K",
          "also write the image every K steps (counted over all\n"
          "scales and tiles) as NAME.stepK.EXT beside each output:\n"
          "out.png -> out.step20.png, out/00001.png ->\n"
          "out/00001.step20.png",
          [&o](const auto& n, const auto& v) { o.save_every = toInt(n, v, 1, INT_MAX); });
    value("--loss-log", "FILE",
          "write the losses of every step as CSV, with the header\n"
          "step,total,content,style for one image and\n"
          "frame,step,total,content,style,temporal (frame counted\n"
          "from 1; temporal: the unweighted temporal term) for a\n"
          "folder or a pattern; steps count over all scales and\n"
          "tiles",
          [&o](const auto&, const auto& v) { o.loss_log = v; });
    app_.set_config("--config", "",
                    "read options from a file, one `name = value` a line\n"
                    "(TOML or INI as CLI11 reads them: steps = 300,\n"
                    "content = \"in/%05d.png\", quiet = true); options on\n"
                    "the command line win over the file's")
        ->option_text("FILE")
        ->group(group_);
  }

  void addSlices() {
    group_ = "Slices of a folder or a frame pattern (batch jobs, one slice a task)";
    Options& o = options_;
    value("--start", "K", "the slice's first frame, by position: 0 = the first frame\n(default 0)",
          [&o](const auto& n, const auto& v) { o.slice_start = toInt(n, v, 0, INT_MAX); });
    value("--count", "N", "frames in the slice, >= 1 (default: to the last frame;\nfewer at the end)",
          [&o](const auto& n, const auto& v) { o.slice_count = toInt(n, v, 1, INT_MAX); });
    value("--overlap", "M",
          "join slices run by different processes without a seam:\n"
          "lead in from up to M frames before the slice's first frame\n"
          "(stylised, not written), and when frames follow the slice,\n"
          "stylise the next slice's lead-in too and fade the last M\n"
          "frames into it; use the same M for every slice, M >= 3\n"
          "(default 0)",
          [&o](const auto& n, const auto& v) { o.overlap = toInt(n, v, 0, INT_MAX); });
    flag("--resume",
         "skip the frames whose output is complete (decodes and has\n"
         "the input's size); the next frame starts from the output\n"
         "before it as written, so a resumed run writes what an\n"
         "uninterrupted one would. Outputs are written under a\n"
         "temporary name and renamed: a killed run leaves no\n"
         "partial frame",
         o.resume);
    flag("--check",
         "stylise nothing: list the slice's frames whose output is\n"
         "missing or incomplete on stdout; exit 3 if there is one",
         o.check);
  }

  void addOptimisation(const HelpDefaults& d) {
    group_ = "Optimisation (of the image itself)";
    Options& o = options_;
    value("--steps", "N", "steps per image (default " + d.steps + ")",
          [&o](const auto& n, const auto& v) { o.steps = toInt(n, v, 0, INT_MAX); });
    value("--optimizer", "adam|lbfgs",
          "Adam, as the seed; or L-BFGS, which needs far fewer\n"
          "steps with a learning rate near 1 (default " + d.optimizer + ")",
          [&o](const auto& n, const auto& v) {
            o.optimizer = choose<Optimizer>(n, v, {{"adam", Optimizer::Adam}, {"lbfgs", Optimizer::LBFGS}});
          });
    value("--learning-rate", "X",
          "the optimiser's step size, > 0 (default: the network's,\n" + d.learning_rate + ")",
          [&o](const auto& n, const auto& v) { o.learning_rate = toNumber(n, v, Bound::Positive); });
    value("--content-weight", "X", "alpha, >= 0 (default " + d.content_weight + ")",
          [&o](const auto& n, const auto& v) { o.content_weight = toNumber(n, v, Bound::NonNegative); });
    value("--style-weight", "X", "beta, >= 0 (default: the network's, " + d.style_weight + ")",
          [&o](const auto& n, const auto& v) { o.style_weight = toNumber(n, v, Bound::NonNegative); });
    value("--style-layer-weights", "LAYER=W,...",
          "style layers and their weights (default: the\n"
          "network's, " + d.style_layer_weights + ")",
          [&o](const auto&, const auto& v) { o.style_layer_weights = v; });
    value("--content-layer", "LAYER",
          "content layer: VGG19 conv1_1 ... conv5_4, SqueezeNet\n"
          "conv1, fire2 ... fire9 (default: the network's,\n" + d.content_layer + ")",
          [&o](const auto&, const auto& v) { o.content_layer = v; });
    value("--pooling", "max|average", "the network's pooling (default " + d.pooling + ")",
          [&o](const auto& n, const auto& v) {
            o.pooling = choose<Pooling>(n, v, {{"max", Pooling::Max}, {"average", Pooling::Average}});
          });
    value("--max-size", "N",
          "longest side of the processing size, >= 16 (default " + d.max_size + ");\n"
          "the result is scaled back to the input's size",
          [&o](const auto& n, const auto& v) { o.max_size = toInt(n, v, 16, INT_MAX); });
  }

  void addQuality(const HelpDefaults& d) {
    group_ = "Quality controls";
    Options& o = options_;
    value("--style-blend-weights", "W,W,...",
          "one weight >= 0 per --style, in order, normalised to sum\n"
          "1 (default: equal weights)",
          [&o](const auto& n, const auto& v) { o.style_blend_weights = toWeights(n, v); });
    value("--tv-weight", "X",
          "weight of a total-variation term that smooths\n"
          "high-frequency noise, >= 0 (default " + d.tv_weight + ")",
          [&o](const auto& n, const auto& v) { o.tv_weight = toNumber(n, v, Bound::NonNegative); });
    value("--style-scale", "X",
          "the style keeps its aspect ratio, its longest side X\n"
          "times the processing size's, 0 < X <= 8 (default: the\n"
          "style stretched to the content's size, as the seed)",
          [&o](const auto& n, const auto& v) {
            o.style_scale = toNumber(n, v, Bound::Positive);
            if (*o.style_scale > 8) throw UsageError(n + " must be at most 8, got " + v);
          });
    value("--gram-normalization", "none|positions",
          "Gram matrices as the seed (none) or divided by the\n"
          "number of positions, comparable across sizes (then\n"
          "raise --style-weight by about (h*w)^2) (default " + d.gram_normalization + ")",
          [&o](const auto& n, const auto& v) {
            o.gram_normalization = choose<GramNormalization>(
                n, v, {{"none", GramNormalization::None}, {"positions", GramNormalization::Positions}});
          });
    flag("--preserve-colors",
         "keep the content's colours: the result's luminance with\n"
         "the content's chroma (YCrCb)",
         o.preserve_colors);
    value("--color-match", "none|histogram|mean-std",
          "match the style's colours to the content's first: each\n"
          "RGB channel's histogram, or each L*a*b* channel's mean\n"
          "and spread (default " + d.color_match + ")",
          [&o](const auto& n, const auto& v) {
            o.color_match = choose<ColorMatch>(n, v, {{"none", ColorMatch::None},
                                                      {"histogram", ColorMatch::Histogram},
                                                      {"mean-std", ColorMatch::MeanStd}});
          });
    value("--init", "content|noise|previous|previous-warped",
          "start from the content, or from uniform noise drawn\n"
          "from --seed; a frame of a folder or a pattern also from\n"
          "the previous frame's result as it is, or moved onto the\n"
          "frame by optical flow (the first frame and one after a\n"
          "scene cut start from the content) (default " + d.init + " for\n"
          "one image, " + d.sequence_init + " for a folder or a pattern)",
          [&o](const auto& n, const auto& v) {
            o.init = choose<Init>(n, v, {{"content", Init::Content},
                                         {"noise", Init::Noise},
                                         {"previous", Init::Previous},
                                         {"previous-warped", Init::PreviousWarped}});
          });
    value("--init-image", "FILE",
          "start from this image (resized to the processing size)\n"
          "instead of --init; every frame of a sequence does",
          [&o](const auto&, const auto& v) { o.init_image = v; });
    value("--scales", "N",
          "multi-scale, coarse to fine: optimise at N sizes, the\n"
          "smallest --max-size / --scale-factor^(N-1); --steps\n"
          "steps at the last size, --coarse-steps at the others;\n"
          "1 to 8 (default " + d.scales + ")",
          [&o](const auto& n, const auto& v) { o.scales = toInt(n, v, 1, 8); });
    value("--coarse-steps", "N",
          "steps at each size but the last with --scales > 1;\n"
          "0 = --steps (default 0)",
          [&o](const auto& n, const auto& v) { o.coarse_steps = toInt(n, v, 0, INT_MAX); });
    value("--scale-factor", "X",
          "ratio of successive sizes, 1 < X <= 4 (default " + d.scale_factor + ")",
          [&o](const auto& n, const auto& v) {
            o.scale_factor = toNumber(n, v, Bound::Positive);
            if (!(*o.scale_factor > 1 && *o.scale_factor <= 4))
              throw UsageError(n + " must be greater than 1 and at most 4, got " + v);
          });
    value("--tile-size", "N",
          "optimise processing sizes larger than N in overlapping\n"
          "N x N tiles (bounded memory); 0 = no tiles, else 64 to\n"
          "16384 (default " + d.tile_size + ")",
          [&o](const auto& n, const auto& v) {
            o.tile_size = toInt(n, v, 0, 16384);
            if (*o.tile_size != 0 && *o.tile_size < 64)
              throw UsageError(n + " must be 0 (no tiles) or between 64 and 16384, got " + v);
          });
    value("--tile-overlap", "N",
          "pixels (at least) neighbouring tiles share, at most\n"
          "half of --tile-size (default " + d.tile_overlap + ")",
          [&o](const auto& n, const auto& v) { o.tile_overlap = toInt(n, v, 0, INT_MAX); });
  }

  void addVideo(const HelpDefaults& d) {
    group_ = "Video: the frames of a folder or a pattern, coherent in time";
    Options& o = options_;
    value("--temporal-weight", "X",
          "weight of the temporal term that keeps a frame close to\n"
          "the previous result moved onto it by optical flow, where\n"
          "the flow is consistent; >= 0, 0 = none (default " + d.temporal_weight + ")",
          [&o](const auto& n, const auto& v) { o.temporal_weight = toNumber(n, v, Bound::NonNegative); });
    value("--steps-per-frame", "N",
          "steps of a frame that starts from the previous result\n"
          "(--init previous or previous-warped), at the final size\n"
          "only; 0 = --steps (default " + d.steps_per_frame + ")",
          [&o](const auto& n, const auto& v) { o.steps_per_frame = toInt(n, v, 0, INT_MAX); });
    value("--scene-cut-threshold", "X",
          "a frame whose share of pixels the flow cannot place\n"
          "exceeds X, 0 < X <= 1, is a scene cut: it starts afresh\n"
          "from the content, without the temporal term; 1 = never\n"
          "(default " + d.scene_cut_threshold + ")",
          [&o](const auto& n, const auto& v) {
            o.scene_cut_threshold = toNumber(n, v, Bound::Positive);
            if (*o.scene_cut_threshold > 1) throw UsageError(n + " must be at most 1, got " + v);
          });
  }

  void addEngine(const HelpDefaults& d) {
    group_ = "Engine";
    Options& o = options_;
    value("--device", "auto|cpu|cuda|opencl",
          "where to run; auto = CUDA if available; opencl: OpenCV's\n"
          "OpenCL target, for --model with --engine opencv only\n"
          "(default auto)",
          [&o](const auto& n, const auto& v) {
            o.device = choose<Device>(n, v, {{"auto", Device::Auto}, {"cpu", Device::CPU},
                                             {"cuda", Device::CUDA}, {"opencl", Device::OpenCL}});
          });
    value("--precision", "float32|bfloat16",
          "arithmetic of VGG19: float32, the seed's, exact losses;\n"
          "or bfloat16 (image, Gram matrices and losses stay\n"
          "float32): about 1.6x faster on CPUs with AVX512-BF16/AMX\n"
          "and on GPUs, losses within about 1% (default float32)",
          [&o](const auto& n, const auto& v) {
            o.precision = choose<Precision>(n, v, {{"float32", Precision::Float32},
                                                   {"bfloat16", Precision::BFloat16}});
          });
    value("--convolution", "auto|direct|winograd",
          "how the CPU computes VGG19's 3x3 convolutions in\n"
          "float32: direct = LibTorch's, the seed's arithmetic;\n"
          "winograd = oneDNN's Winograd F(4x4,3x3), about 2x\n"
          "faster a step, losses within ~1e-6 (needs AVX-512);\n"
          "auto = Winograd where it is available and pays\n"
          "(default auto)",
          [&o](const auto& n, const auto& v) {
            o.convolution = choose<Convolution>(n, v, {{"auto", Convolution::Auto},
                                                       {"direct", Convolution::Direct},
                                                       {"winograd", Convolution::Winograd}});
          });
    value("--threads", "N", "CPU threads, 0 = all cores (default " + d.threads + ")",
          [&o](const auto& n, const auto& v) { o.threads = toInt(n, v, 0, 1024); });
    value("--seed", "N",
          "seed of LibTorch's generators and of --init noise\n(default " + d.seed + ")",
          [&o](const auto& n, const auto& v) { o.seed = toUnsigned(n, v); });
  }

  void addFeedForward() {
    group_ = "Feed-forward networks (--model: one pass a frame, no optimisation)";
    Options& o = options_;
    value("--model", "FILE",
          "stylise with a trained feed-forward network (Johnson et\n"
          "al.) instead of optimising: an ONNX file in the\n"
          "pytorch/examples convention (1x3xHxW RGB 0..255 in and\n"
          "out) or its weights as .safetensors; the style is built\n"
          "in (no --style); --max-size 0 or unset = the input's size",
          [&o](const auto&, const auto& v) { o.model = v; });
    value("--engine", "auto|opencv|libtorch",
          "what runs --model: OpenCV's dnn module (ONNX), LibTorch\n"
          "(safetensors); auto = by the file's extension (default auto)",
          [&o](const auto& n, const auto& v) {
            o.engine = choose<Engine>(n, v, {{"auto", Engine::Auto}, {"opencv", Engine::OpenCV},
                                             {"libtorch", Engine::LibTorch}});
          });
    value("--strength", "X",
          "the stylised image blended with the input: 0 = the\n"
          "input, 1 = the network's output alone (default 1)",
          [&o](const auto& n, const auto& v) {
            o.strength = toNumber(n, v, Bound::NonNegative);
            if (*o.strength > 1) throw UsageError(n + " must be at most 1, got " + v);
          });
    value("--temporal-blend", "X",
          "against flicker in a folder or a pattern: weight of the\n"
          "previous output, moved onto the frame by optical flow,\n"
          "where the flow is consistent; 0 <= X < 1, 0 = off\n"
          "(default 0)",
          [&o](const auto& n, const auto& v) {
            o.temporal_blend = toNumber(n, v, Bound::NonNegative);
            if (*o.temporal_blend >= 1) throw UsageError(n + " must be below 1, got " + v);
          });
  }

  void addProgress() {
    group_ = "Progress (on stderr)";
    Options& o = options_;
    value("--progress-interval", "N",
          "report every N steps and at each image's last step\n"
          "(default 10; 0 = last step only): a bar on a terminal,\n"
          "else lines such as \"frame 1/3 step 10/100 loss ...\"",
          [&o](const auto& n, const auto& v) { o.progress_interval = toInt(n, v, 0, INT_MAX); });
    flag("--quiet", "no progress, only errors", o.quiet);
    signalFlag<HelpRequested>("-h,--help", "show this help and exit");
    signalFlag<VersionRequested>("--version", "show the version and exit");
    signalFlag<ListOptionsRequested>("--list-options",
                                     "describe the optimisation's options as the core defines\n"
                                     "them for the element (range, default) and exit");
  }

  CLI::App app_;
  Options& options_;
  std::string group_;
};

}  // namespace

Command parseArguments(const std::vector<std::string>& arguments) {
  Command command;
  Arguments parser(command.options, HelpDefaults{});
  command.action = parser.parse(arguments);
  if (command.action != Action::Run) command.options = Options{};
  return command;
}

std::string helpText(const HelpDefaults& defaults) {
  Options unused;
  return Arguments(unused, defaults).help();
}

}  // namespace neuralstyle::cli
