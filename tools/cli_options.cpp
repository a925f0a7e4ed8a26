// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_options.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <unistd.h>

namespace neuralstyle::cli {
namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& text) { return "'" + text + "'"; }

int parseInt(const std::string& option, const std::string& text, int min, int max) {
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

uint64_t parseUnsigned(const std::string& option, const std::string& text) {
  unsigned long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error != std::errc())
    throw UsageError(option + ": " + quoted(text) + " is not an integer between 0 and " +
                     std::to_string(UINT64_MAX));
  return value;
}

enum class Bound { Positive, NonNegative };

double parseNumber(const std::string& option, const std::string& text, Bound bound) {
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

using Apply = std::function<void(Options&, const std::string& option, const std::string& value)>;

struct OptionSpec {
  std::string name;
  bool takes_value;
  Apply apply;
};

const std::vector<OptionSpec>& optionSpecs() {
  static const std::vector<OptionSpec> specs = {
      {"--content", true, [](Options& o, const auto&, const auto& v) { o.content = v; }},
      {"--style", true, [](Options& o, const auto&, const auto& v) { o.style = v; }},
      {"--output", true, [](Options& o, const auto&, const auto& v) { o.output = v; }},
      {"--weights", true, [](Options& o, const auto&, const auto& v) { o.weights = v; }},
      {"--network", true,
       [](Options& o, const auto& n, const auto& v) {
         if (v == "auto") o.network = Network::Auto;
         else if (v == "vgg19") o.network = Network::VGG19;
         else if (v == "squeezenet1_1") o.network = Network::SqueezeNet1_1;
         else throw UsageError(n + " must be auto, vgg19 or squeezenet1_1, got " + quoted(v));
       }},
      {"--steps", true,
       [](Options& o, const auto& n, const auto& v) { o.steps = parseInt(n, v, 0, INT_MAX); }},
      {"--optimizer", true,
       [](Options& o, const auto& n, const auto& v) {
         if (v == "adam") o.optimizer = Optimizer::Adam;
         else if (v == "lbfgs") o.optimizer = Optimizer::LBFGS;
         else throw UsageError(n + " must be adam or lbfgs, got " + quoted(v));
       }},
      {"--learning-rate", true,
       [](Options& o, const auto& n, const auto& v) {
         o.learning_rate = parseNumber(n, v, Bound::Positive);
       }},
      {"--content-weight", true,
       [](Options& o, const auto& n, const auto& v) {
         o.content_weight = parseNumber(n, v, Bound::NonNegative);
       }},
      {"--style-weight", true,
       [](Options& o, const auto& n, const auto& v) {
         o.style_weight = parseNumber(n, v, Bound::NonNegative);
       }},
      {"--style-layer-weights", true,
       [](Options& o, const auto&, const auto& v) { o.style_layer_weights = v; }},
      {"--content-layer", true, [](Options& o, const auto&, const auto& v) { o.content_layer = v; }},
      {"--max-size", true,
       [](Options& o, const auto& n, const auto& v) { o.max_size = parseInt(n, v, 16, INT_MAX); }},
      {"--pooling", true,
       [](Options& o, const auto& n, const auto& v) {
         if (v == "max") o.pooling = Pooling::Max;
         else if (v == "average") o.pooling = Pooling::Average;
         else throw UsageError(n + " must be max or average, got " + quoted(v));
       }},
      {"--device", true,
       [](Options& o, const auto& n, const auto& v) {
         if (v == "auto") o.device = Device::Auto;
         else if (v == "cpu") o.device = Device::CPU;
         else if (v == "cuda") o.device = Device::CUDA;
         else throw UsageError(n + " must be auto, cpu or cuda, got " + quoted(v));
       }},
      {"--precision", true,
       [](Options& o, const auto& n, const auto& v) {
         if (v == "float32") o.precision = Precision::Float32;
         else if (v == "bfloat16") o.precision = Precision::BFloat16;
         else throw UsageError(n + " must be float32 or bfloat16, got " + quoted(v));
       }},
      {"--convolution", true,
       [](Options& o, const auto& n, const auto& v) {
         if (v == "auto") o.convolution = Convolution::Auto;
         else if (v == "direct") o.convolution = Convolution::Direct;
         else if (v == "winograd") o.convolution = Convolution::Winograd;
         else throw UsageError(n + " must be auto, direct or winograd, got " + quoted(v));
       }},
      {"--threads", true,
       [](Options& o, const auto& n, const auto& v) { o.threads = parseInt(n, v, 0, 1024); }},
      {"--seed", true, [](Options& o, const auto& n, const auto& v) { o.seed = parseUnsigned(n, v); }},
      {"--progress-interval", true,
       [](Options& o, const auto& n, const auto& v) {
         o.progress_interval = parseInt(n, v, 0, INT_MAX);
       }},
      {"--start-index", true,
       [](Options& o, const auto& n, const auto& v) { o.start_index = parseInt(n, v, 0, INT_MAX); }},
      {"--loss-log", true, [](Options& o, const auto&, const auto& v) { o.loss_log = v; }},
      {"--quiet", false, [](Options& o, const auto&, const auto&) { o.quiet = true; }},
  };
  return specs;
}

// A frame pattern split at its one conversion.
struct PatternParts {
  std::string prefix;
  std::string suffix;
  int width = 0;
  bool zero_pad = false;
  int conversions = 0;
  bool stray_percent = false;
};

PatternParts splitPattern(const std::string& pattern) {
  PatternParts parts;
  std::string* text = &parts.prefix;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      *text += pattern[i];
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
      *text += '%';
      ++i;
      continue;
    }
    size_t j = i + 1;
    const bool zero = j < pattern.size() && pattern[j] == '0';
    while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j]))) ++j;
    if (j < pattern.size() && pattern[j] == 'd' && j - i <= 4) {  // width up to 3 digits
      ++parts.conversions;
      parts.zero_pad = zero;
      parts.width = j > i + 1 ? std::stoi(pattern.substr(i + 1, j - i - 1)) : 0;
      text = &parts.suffix;
      i = j;
    } else {
      parts.stray_percent = true;
      *text += '%';
    }
  }
  return parts;
}

bool isImageExtension(const fs::path& path) {
  static const std::set<std::string> extensions = {".png", ".jpg", ".jpeg", ".jpe", ".bmp",
                                                   ".dib", ".tif", ".tiff", ".webp", ".ppm",
                                                   ".pgm", ".pbm", ".pnm", ".jp2", ".exr",
                                                   ".hdr", ".pic", ".sr", ".ras"};
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extensions.count(extension) > 0;
}

void requireReadableImage(const std::string& what, const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) throw InputError(what + " " + quoted(path) + " does not exist");
  if (!fs::is_regular_file(path, error))
    throw InputError(what + " " + quoted(path) + " is not a file");
  if (!cv::haveImageReader(path))
    throw InputError(what + " " + quoted(path) + " is unreadable or not an image");
}

void requireWriter(const std::string& path) {
  bool writable = false;
  try {
    writable = cv::haveImageWriter(path);
  } catch (const cv::Exception&) {
  }
  if (!writable)
    throw UsageError("--output: no image writer for " + quoted(path) +
                     " (use an image extension such as .png or .jpg)");
}

fs::path folderOf(const std::string& file) {
  const fs::path parent = fs::path(file).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

void requireFolder(const std::string& what, const fs::path& folder) {
  std::error_code error;
  if (!fs::exists(folder, error))
    throw InputError(what + " folder " + quoted(folder.string()) + " does not exist");
  if (!fs::is_directory(folder, error))
    throw InputError(what + " folder " + quoted(folder.string()) + " is not a folder");
}

void refuseOverwrite(const std::string& content, const std::string& output) {
  std::error_code error;
  if (fs::exists(output, error) && fs::equivalent(content, output, error))
    throw UsageError("--output " + quoted(output) + " would overwrite the content " +
                     quoted(content));
}

void probeWritable(const fs::path& folder) {
  const fs::path probe = folder / (".neuralstyle-write-test-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw InputError("output folder " + quoted(folder.string()) + " is not writable");
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace

Command parseArguments(const std::vector<std::string>& arguments) {
  for (const auto& argument : arguments) {
    if (argument == "-h" || argument == "--help") return {Action::Help, {}};
    if (argument == "--version") return {Action::Version, {}};
  }
  Command command;
  std::set<std::string> seen;
  for (size_t i = 0; i < arguments.size(); ++i) {
    const std::string& argument = arguments[i];
    if (argument.size() < 2 || argument.compare(0, 2, "--") != 0)
      throw UsageError("unexpected argument " + quoted(argument) + " (options start with --)");
    const auto equals = argument.find('=');
    const std::string name = argument.substr(0, equals);
    const auto spec = std::find_if(optionSpecs().begin(), optionSpecs().end(),
                                   [&](const OptionSpec& s) { return s.name == name; });
    if (spec == optionSpecs().end())
      throw UsageError("unknown option " + quoted(name) + " (see --help)");
    if (!seen.insert(name).second) throw UsageError(name + " is given more than once");
    std::string value;
    if (!spec->takes_value) {
      if (equals != std::string::npos) throw UsageError(name + " takes no value");
    } else if (equals != std::string::npos) {
      value = argument.substr(equals + 1);
    } else {
      // "--steps --seed 3" is a forgotten value, not a value; "-1" still is a value.
      if (i + 1 >= arguments.size() || arguments[i + 1].compare(0, 2, "--") == 0)
        throw UsageError(name + " needs a value");
      value = arguments[++i];
    }
    if (spec->takes_value && value.empty()) throw UsageError(name + " needs a value");
    spec->apply(command.options, name, value);
  }
  const Options& options = command.options;
  if (options.content.empty()) throw UsageError("--content is required (an image, folder or pattern)");
  if (options.style.empty()) throw UsageError("--style is required (the style image)");
  if (options.output.empty()) throw UsageError("--output is required");
  return command;
}

std::string helpText(const HelpDefaults& d) {
  return "Usage: neuralstyle --content IN --style STYLE --output OUT [OPTION...]\n"
         "\n"
         "Gatys et al. neural style transfer of one image, a folder of images or a\n"
         "numbered frame sequence. Options take a value as --name VALUE or --name=VALUE.\n"
         "\n"
         "Inputs and outputs:\n"
         "  --content PATH          an image; a folder (every image in it, by name); or a\n"
         "                          frame pattern such as in/%05d.png (indices from\n"
         "                          --start-index up to the first missing file)\n"
         "  --style PATH            the style image\n"
         "  --output PATH           for an image, the output image (its folder must exist);\n"
         "                          for a folder, a folder (created if needed; same file\n"
         "                          names); for a pattern, a pattern such as out/%05d.png\n"
         "                          (same indices). Outputs are 8-bit colour images of the\n"
         "                          input's size\n"
         "  --start-index N         first index of a frame pattern (default: the first of\n"
         "                          0 to 4 that exists, as ffmpeg reads %05d.png)\n"
         "  --weights LOCATION      the network's weights: a .safetensors file (VGG19 or\n"
         "                          SqueezeNet 1.1, recognised from its tensors), a VGG19\n"
         "                          .onnx, .caffemodel or .prototxt file, or random[:SEED]\n"
         "                          for random features\n"
         "                          (default: $NEURALSTYLE_WEIGHTS, else\n"
         "                          $XDG_DATA_HOME/neuralstyle/vgg19.safetensors, else the\n"
         "                          installed share/neuralstyle/vgg19.safetensors; see\n"
         "                          scripts/fetch_weights.sh)\n"
         "  --network auto|vgg19|squeezenet1_1\n"
         "                          the network the weights must hold; auto = whatever\n"
         "                          they hold (VGG19 for random weights) (default auto)\n"
         "  --loss-log FILE         write the losses of every step as CSV, with the header\n"
         "                          step,total,content,style for one image and\n"
         "                          frame,step,total,content,style (frame counted from 1)\n"
         "                          for a folder or a pattern\n"
         "\n"
         "Optimisation (of the image itself):\n"
         "  --steps N               steps per image (default " + d.steps + ")\n"
         "  --optimizer adam|lbfgs  Adam, as the seed; or L-BFGS, which needs far fewer\n"
         "                          steps with a learning rate near 1 (default " + d.optimizer + ")\n"
         "  --learning-rate X       the optimiser's step size, > 0 (default: the network's,\n"
         "                          " + d.learning_rate + ")\n"
         "  --content-weight X      alpha, >= 0 (default " + d.content_weight + ")\n"
         "  --style-weight X        beta, >= 0 (default: the network's, " + d.style_weight + ")\n"
         "  --style-layer-weights LAYER=W,...\n"
         "                          style layers and their weights (default: the\n"
         "                          network's, " + d.style_layer_weights + ")\n"
         "  --content-layer LAYER   content layer: VGG19 conv1_1 ... conv5_4, SqueezeNet\n"
         "                          conv1, fire2 ... fire9 (default: the network's,\n"
         "                          " + d.content_layer + ")\n"
         "  --pooling max|average   the network's pooling (default " + d.pooling + ")\n"
         "  --max-size N            longest side of the processing size, >= 16 (default " +
         d.max_size + ");\n"
         "                          the result is scaled back to the input's size\n"
         "\n"
         "Engine:\n"
         "  --device auto|cpu|cuda  where to run; auto = CUDA if available (default auto)\n"
         "  --precision float32|bfloat16\n"
         "                          arithmetic of VGG19: float32, the seed's, exact losses;\n"
         "                          or bfloat16 (image, Gram matrices and losses stay\n"
         "                          float32): about 1.6x faster on CPUs with AVX512-BF16/AMX\n"
         "                          and on GPUs, losses within about 1% (default float32)\n"
         "  --convolution auto|direct|winograd\n"
         "                          how the CPU computes VGG19's 3x3 convolutions in\n"
         "                          float32: direct = LibTorch's, the seed's arithmetic;\n"
         "                          winograd = oneDNN's Winograd F(4x4,3x3), about 2x\n"
         "                          faster a step, losses within ~1e-6 (needs AVX-512);\n"
         "                          auto = Winograd where it is available and pays\n"
         "                          (default auto)\n"
         "  --threads N             CPU threads, 0 = all cores (default " + d.threads + ")\n"
         "  --seed N                seed of LibTorch's generators (default " + d.seed + ")\n"
         "\n"
         "Progress (on stderr):\n"
         "  --progress-interval N   report every N steps and at each image's last step\n"
         "                          (default 10; 0 = last step only): a bar on a terminal,\n"
         "                          else lines such as \"frame 1/3 step 10/100 loss ...\"\n"
         "  --quiet                 no progress, only errors\n"
         "  -h, --help              show this help and exit\n"
         "  --version               show the version and exit\n"
         "\n"
         "Exit status: 0 success; 1 other failure; 2 bad arguments; 3 missing or\n"
         "unreadable input, or unwritable output; 4 weights missing or unusable; 5 device\n"
         "unavailable; 6 the optimisation diverged; 130 interrupted (Ctrl-C stops between\n"
         "two steps). An error is one line on stderr starting \"neuralstyle: error: \".\n";
}

bool isFramePattern(const std::string& path) { return splitPattern(path).conversions > 0; }

std::string formatFramePattern(const std::string& pattern, int index) {
  const PatternParts parts = splitPattern(pattern);
  if (parts.conversions != 1 || parts.stray_percent)
    throw UsageError("frame pattern " + quoted(pattern) +
                     " must hold exactly one %d, %5d or %05d (and %% for a literal %)");
  std::string number = std::to_string(index);
  if (static_cast<int>(number.size()) < parts.width)
    number.insert(0, static_cast<size_t>(parts.width) - number.size(), parts.zero_pad ? '0' : ' ');
  return parts.prefix + number + parts.suffix;
}

FramePlan planFrames(const Options& options) {
  FramePlan plan;
  std::error_code error;
  const std::string& content = options.content;
  const std::string& output = options.output;
  requireReadableImage("style image", options.style);

  if (fs::is_directory(content, error)) {
    plan.kind = InputKind::Folder;
    if (isFramePattern(output))
      throw UsageError("--output must be a folder when --content is a folder, not a pattern");
    if (fs::exists(output, error) && !fs::is_directory(output, error))
      throw UsageError("--output " + quoted(output) + " must be a folder when --content is a folder");
    if (fs::exists(output, error) && fs::equivalent(content, output, error))
      throw UsageError("--output " + quoted(output) + " is the content folder: it would overwrite the inputs");
    std::vector<fs::path> images;
    for (const auto& entry : fs::directory_iterator(content, error))
      if (entry.is_regular_file(error) && isImageExtension(entry.path())) images.push_back(entry.path());
    if (error) throw InputError("cannot list folder " + quoted(content) + ": " + error.message());
    if (images.empty()) throw InputError("no images in folder " + quoted(content));
    std::sort(images.begin(), images.end());
    for (const auto& image : images)
      plan.frames.push_back({image.string(), (fs::path(output) / image.filename()).string()});
    plan.output_folder = output;
  } else if (fs::exists(content, error)) {
    plan.kind = InputKind::Image;
    if (isFramePattern(output))
      throw UsageError("--output is a frame pattern but --content is one image");
    if (fs::is_directory(output, error))
      throw UsageError("--output " + quoted(output) + " is a folder; give the output image's file name");
    refuseOverwrite(content, output);
    plan.frames.push_back({content, output});
  } else if (isFramePattern(content)) {
    plan.kind = InputKind::Sequence;
    if (!isFramePattern(output))
      throw UsageError("--output must be a frame pattern such as out/%05d.png when --content is one");
    formatFramePattern(output, 0);  // validates it before any work
    // As ffmpeg's image2 reader: without --start-index the first frame is the first of
    // the indices 0..4 that exists (ffmpeg writes from 1, other tools from 0).
    int start = options.start_index.value_or(0);
    if (!options.start_index) {
      for (int index = 0; index < kStartIndexProbes; ++index)
        if (fs::is_regular_file(formatFramePattern(content, index), error)) {
          start = index;
          break;
        }
    }
    for (int index = start;; ++index) {
      const std::string frame = formatFramePattern(content, index);
      if (!fs::is_regular_file(frame, error)) break;
      plan.frames.push_back({frame, formatFramePattern(output, index)});
      refuseOverwrite(plan.frames.back().content, plan.frames.back().output);
      if (index == INT_MAX) break;
    }
    if (plan.frames.empty())
      throw InputError(
          "no frame matches " + quoted(content) + " (looked for " +
          (options.start_index ? quoted(formatFramePattern(content, start))
                               : quoted(formatFramePattern(content, 0)) + " to " +
                                     quoted(formatFramePattern(content, kStartIndexProbes - 1)) +
                                     "; --start-index N for a later first frame") +
          ")");
  } else {
    throw InputError("content image " + quoted(content) + " does not exist");
  }

  if (options.start_index && plan.kind != InputKind::Sequence)
    throw UsageError("--start-index applies only to a frame pattern such as in/%05d.png");
  for (const auto& frame : plan.frames) {
    requireReadableImage("content image", frame.content);
    requireWriter(frame.output);
    if (plan.kind != InputKind::Folder) requireFolder("output", folderOf(frame.output));
  }
  if (!options.loss_log.empty()) requireFolder("--loss-log", folderOf(options.loss_log));
  return plan;
}

void prepareOutputFolders(const FramePlan& plan) {
  std::set<fs::path> folders;
  if (plan.kind == InputKind::Folder) {
    std::error_code error;
    fs::create_directories(plan.output_folder, error);
    if (error)
      throw InputError("cannot create output folder " + quoted(plan.output_folder) + ": " +
                       error.message());
    folders.insert(plan.output_folder);
  } else {
    for (const auto& frame : plan.frames) folders.insert(folderOf(frame.output));
  }
  for (const auto& folder : folders) probeWritable(folder);
}

}  // namespace neuralstyle::cli
