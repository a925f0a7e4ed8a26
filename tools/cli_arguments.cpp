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
#include <map>
#include <sstream>
#include <utility>

#include "cli_options.hpp"
#include "neuralstyle/errors.hpp"

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

/// A finite number >= 0 (the tool's own numbers: blend weights).
double toNonNegative(const std::string& option, const std::string& text) {
  // strtod skips leading blanks: refuse them so that the whole text is the number.
  if (text.empty() || std::isspace(static_cast<unsigned char>(text.front())))
    throw UsageError(option + ": " + quoted(text) + " is not a number");
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size())
    throw UsageError(option + ": " + quoted(text) + " is not a number");
  if (!std::isfinite(value)) throw UsageError(option + " must be a finite number, got " + text);
  if (value < 0) throw UsageError(option + " must be >= 0, got " + text);
  return value;
}

/// "0.7,0.3": one number >= 0 per style image, not all 0.
std::vector<double> toWeights(const std::string& option, const std::string& text) {
  std::vector<double> weights;
  size_t start = 0;
  for (;;) {
    const size_t comma = text.find(',', start);
    weights.push_back(toNonNegative(option, text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (std::all_of(weights.begin(), weights.end(), [](double w) { return w == 0; }))
    throw UsageError(option + " must give at least one style a weight > 0, got " + text);
  return weights;
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
  explicit Arguments(Options& options) : app_("", "neuralstyle"), options_(options) {
    app_.description(
        "Gatys et al. neural style transfer of one image, a folder of images or a\n"
        "numbered frame sequence; or one pass of a trained feed-forward network\n"
        "(--model). Options take a value as --name VALUE or --name=VALUE.");
    app_.formatter(std::make_shared<Formatter>());
    app_.get_formatter()->column_width(26);
    app_.set_help_flag();  // ours below: it must win over bad values before it
    app_.allow_extras();   // unknown options get our message (parse())
    app_.allow_config_extras(CLI::config_extras_mode::error);
    addInputs();
    addSlices();
    addOptimisation();
    addQuality();
    addVideo();
    addEngine();
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
    applyTables();
    if (options_.content.empty()) throw UsageError("--content is required (an image, folder or pattern)");
    if (options_.styles.empty() && !options_.feedForward())
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
    // Messages name the option by its first name ("--weights" of "--weights,--weights-location").
    const std::string shown = name.substr(0, name.find(','));
    app_.add_option(
            name,
            [name = shown, apply, repeatable](const CLI::results_t& results) {
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
    if (o.gave("init") && o.init_image) throw UsageError("--init and --init-image exclude each other");
    // Only a frame that starts from the previous result takes --steps-per-frame.
    const bool starts_afresh = o.init_image || (o.gave("init") && o.core.video.start == FrameStart::Independent);
    if (o.gave("steps-per-frame") && starts_afresh)
      throw UsageError(std::string("--steps-per-frame applies only to frames that start from the "
                                   "previous result (--init previous or previous-warped), not with ") +
                       (o.init_image ? "--init-image" : "--init " + initName()));
    const StyleOptions& style = o.core.style;
    if (style.tile_size >= 64 && 2 * style.tile_overlap > style.tile_size)  // a valid tile size
      throw UsageError("--tile-overlap must be at most half of --tile-size, got " +
                       std::to_string(style.tile_overlap) + " for " + std::to_string(style.tile_size));
    // What no range says (bounds that exclude their end, values between ranges): the
    // core's own checks, here so that a bad command line fails before anything loads.
    try {
      style.validate();
      o.core.video.validate();
    } catch (const OptionsError& e) {
      throw UsageError(e.what());
    }
  }

  /// The --init given, by its name.
  std::string initName() const {
    const OptionSpec& init = *findOption(optimisationOptions(), "init");
    return formatOptionValue(init, init.get(options_.core));
  }

  /// --model runs a network with its style built in: the optimisation's own flags would
  /// be ignored, so they are refused (applyTables() refuses the tables' options that
  /// belong to the other kind of run).
  void checkFeedForwardCombinations() const {
    const Options& o = options_;
    if (!o.feedForward()) return;
    const std::pair<bool, const char*> optimisation_only[] = {
        {!o.styles.empty(), "--style (the model's style is built in)"},
        {o.style_blend_weights.has_value(), "--style-blend-weights"},
        {o.init_image.has_value(), "--init-image"},
        {o.save_every.has_value(), "--save-every"},
        {!o.loss_log.empty(), "--loss-log"},
    };
    for (const auto& [given, name] : optimisation_only)
      if (given) throw UsageError(std::string(name) + " applies to the optimisation, not to --model");
    if (o.feed_forward.device == FeedForwardDevice::OpenCL && o.feed_forward.engine == FeedForwardEngine::LibTorch)
      throw UsageError("--device opencl applies only to --engine opencv");
    try {
      o.feed_forward.validate();
    } catch (const OptionsError& e) {
      throw UsageError(e.what());
    }
  }

  /// The tables' options given, parsed into the options of the run the command line asks
  /// for: the feed-forward network's with --model, else the optimisation's. A flag of
  /// the other kind of run is refused, naming it.
  void applyTables() {
    Options& o = options_;
    const bool feed_forward = o.feedForward();
    for (const auto& [name, text] : values_) {
      const auto* network = findOption(feedForwardOptionSpecs(), name);
      const auto* optimisation = findOption(optimisationOptions(), name);
      if (feed_forward && network) {
        store(*network, o.feed_forward, text);
      } else if (feed_forward) {
        throw UsageError(flagName(*optimisation) + (name == "temporal-weight" ? " (use --temporal-blend)" : "") +
                         " applies to the optimisation, not to --model");
      } else if (!optimisation) {
        throw UsageError(flagName(*network) + " applies only with --model");
      } else if (network && network->type == OptionType::Choice && !accepts(*optimisation, text) &&
                 accepts(*network, text)) {
        throw UsageError(flagName(*network) + " " + text + " applies only with --model");  // --device opencl
      } else {
        store(*optimisation, o.core, text);
      }
    }
  }

  static bool accepts(const OptionDescriptor& option, const std::string& text) {
    try {
      parseOptionValue(option, text);
      return true;
    } catch (const OptionsError&) {
      return false;
    }
  }

  /// `text` parsed and stored by the table's entry; a message that names the flag.
  template <typename Set>
  static void store(const OptionSpecOf<Set>& spec, Set& set, const std::string& text) {
    try {
      spec.set(set, parseOptionValue(spec, text));
    } catch (const OptionsError& e) {
      const std::string message = e.what();
      throw UsageError(message.rfind(spec.name, 0) == 0 ? "--" + message : flagName(spec) + ": " + message);
    }
  }

  /// A table option's flag: --NAME, except --weights for weights-location and --model
  /// for model-location (the tool's names for them; the tables' names work too).
  static std::string flagName(const OptionDescriptor& spec) {
    return spec.name == "weights-location" ? "--weights" : spec.name == "model-location" ? "--model" : "--" + spec.name;
  }

  /// A table option as a flag that records its text; applyTables() parses it once the
  /// command line says whether it runs the optimisation or a network.
  void tableFlag(const OptionDescriptor& spec, const std::string& help) {
    Options& o = options_;
    const auto record = [this, &o, name = spec.name](const std::string& text) {
      values_[name] = text;
      o.given.insert(name);
    };
    if (spec.type == OptionType::Flag) {
      flagAction(flagName(spec), help, [record] { record("true"); });
      return;
    }
    const std::string flag = flagName(spec);
    const std::string names = flag == "--" + spec.name ? flag : flag + ",--" + spec.name;
    value(names, spec.placeholder, help, [record](const auto&, const auto& v) { record(v); });
  }

  /// The optimisation's options of `group`, as flags: the doc, then the default.
  void schemaOptions(const std::string& group) {
    for (const OptionSpec& spec : optimisationOptions()) {
      // The tool's own --progress-interval (what the terminal shows) stands in for it.
      if (spec.group != group || spec.name == "progress-interval") continue;
      tableFlag(spec, wrap(spec.doc + defaultText(spec)));
    }
  }

  /// " (default 400)"; nothing for a flag (off unless given) or an unset text (its doc
  /// says what unset means).
  template <typename Set>
  static std::string defaultText(const OptionSpecOf<Set>& spec) {
    const std::string fallback = formatOptionValue(spec, spec.defaultValue());
    return spec.type == OptionType::Flag || fallback.empty() ? "" : " (default " + fallback + ")";
  }

  /// `text` in lines of at most 56 characters, for the help's right-hand column.
  static std::string wrap(const std::string& text) {
    std::string wrapped, line, word;
    std::istringstream words(text);
    while (words >> word) {
      if (!line.empty() && line.size() + 1 + word.size() > 56) {
        wrapped += line + "\n";
        line.clear();
      }
      line += (line.empty() ? "" : " ") + word;
    }
    return wrapped + line;
  }

  /// A flag without a value, given at most once, that sets `target`.
  void flag(const std::string& name, const std::string& description, bool& target) {
    flagAction(name, description, [&target] { target = true; });
  }

  /// A flag without a value, given at most once, that runs `action`.
  void flagAction(const std::string& name, const std::string& description, std::function<void()> action) {
    app_.add_flag_function(
            name,
            [name, action](std::int64_t count) {
              if (count > 1) throw UsageError(name + " is given more than once");
              action();
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

  void addInputs() {
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

  void addOptimisation() {
    group_ = "Optimisation (of the image itself)";
    schemaOptions("optimisation");
  }

  void addQuality() {
    group_ = "Quality controls";
    Options& o = options_;
    value("--style-blend-weights", "W,W,...",
          "one weight >= 0 per --style, in order, normalised to sum\n"
          "1 (default: equal weights)",
          [&o](const auto& n, const auto& v) { o.style_blend_weights = toWeights(n, v); });
    schemaOptions("quality");
    value("--init-image", "FILE",
          "start from this image (resized to the processing size)\n"
          "instead of --init; every frame of a sequence does",
          [&o](const auto&, const auto& v) { o.init_image = v; });
  }

  void addVideo() {
    group_ = "Video: the frames of a folder or a pattern, coherent in time";
    schemaOptions("video");
  }

  void addEngine() {
    group_ = "Engine";
    schemaOptions("engine");
  }

  /// The feed-forward networks' options that the optimisation has not already declared;
  /// --max-size, --preserve-colors, --threads and --device serve both.
  void addFeedForward() {
    group_ = "Feed-forward networks (--model: one pass a frame, no optimisation)";
    for (const auto& spec : feedForwardOptionSpecs()) {
      if (findOption(optimisationOptions(), spec.name)) continue;
      std::string doc = spec.doc + defaultText(spec);
      if (spec.name == "model-location")
        doc = "stylise with a trained feed-forward network (Johnson et al.) instead of optimising. " + spec.doc +
              ". The style is built in (no --style). --max-size (0 or unset: the input's size), "
              "--preserve-colors, --threads and --device (also opencl: OpenCV's OpenCL target, "
              "--engine opencv only) apply to it too";
      tableFlag(spec, wrap(doc));
    }
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
  /// The tables' options given, by name, as text (applyTables()).
  std::map<std::string, std::string> values_;
};

}  // namespace

Command parseArguments(const std::vector<std::string>& arguments) {
  Command command;
  Arguments parser(command.options);
  command.action = parser.parse(arguments);
  if (command.action != Action::Run) command.options = Options{};
  return command;
}

std::string helpText() {
  Options unused;
  return Arguments(unused).help();
}

}  // namespace neuralstyle::cli
