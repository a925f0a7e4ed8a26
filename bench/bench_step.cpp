// SPDX-License-Identifier: LGPL-2.1-or-later
// Times the core's optimisation loop on one content/style pair and prints one JSON object:
// ms per step (median after warm-up), achieved GFLOP/s, the machine's measured peak on
// the same threads, peak resident memory, and optionally the time to reach a target loss.
// Driven by bench/run_benchmark.py, which runs the reference notebook's loop beside it.
#include <sys/resource.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <torch/torch.h>

#include "convolution_choice.hpp"  // internal: which kernel each layer runs
#include "cpu_features.hpp"
#include "neuralstyle/neuralstyle.hpp"
#include "winograd_conv.hpp"

using namespace neuralstyle;
using Clock = std::chrono::steady_clock;

namespace {

struct Arguments {
  std::string content, style, weights = "random:0", optimizer = "adam", precision = "float32",
              convolution = "auto", network = "auto";
  int steps = 10, warmup = 3, threads = 0, max_steps = 0;
  double learning_rate = 0, target_loss = 0;  // learning rate 0: the network's default
  // Whole frames through Stylizer::stylize (multi-scale, tiles): the content is then any
  // size and max_size bounds it; the target counts at the last size only.
  int scales = 1, coarse_steps = 0, tile_size = 0, tile_overlap = 32, max_size = 0;
  double scale_factor = 2.0;
  bool peak = false;
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(key + " needs a value");
      return argv[++i];
    };
    if (key == "--content") a.content = value();
    else if (key == "--style") a.style = value();
    else if (key == "--weights") a.weights = value();
    else if (key == "--steps") a.steps = std::stoi(value());
    else if (key == "--warmup") a.warmup = std::stoi(value());
    else if (key == "--threads") a.threads = std::stoi(value());
    else if (key == "--learning-rate") a.learning_rate = std::stod(value());
    else if (key == "--optimizer") a.optimizer = value();
    else if (key == "--precision") a.precision = value();
    else if (key == "--convolution") a.convolution = value();
    else if (key == "--network") a.network = value();
    else if (key == "--target-loss") a.target_loss = std::stod(value());
    else if (key == "--max-steps") a.max_steps = std::stoi(value());
    else if (key == "--scales") a.scales = std::stoi(value());
    else if (key == "--scale-factor") a.scale_factor = std::stod(value());
    else if (key == "--coarse-steps") a.coarse_steps = std::stoi(value());
    else if (key == "--tile-size") a.tile_size = std::stoi(value());
    else if (key == "--tile-overlap") a.tile_overlap = std::stoi(value());
    else if (key == "--max-size") a.max_size = std::stoi(value());
    else if (key == "--peak") a.peak = true;
    else throw std::invalid_argument("unknown argument " + key);
  }
  if (!a.peak && (a.content.empty() || a.style.empty()))
    throw std::invalid_argument("--content and --style are required");
  return a;
}

// How many of VGG19's 2x2 poolings come before the layer at torchvision index `index`.
int poolsBefore(int index) {
  return index < 4 ? 0 : index < 9 ? 1 : index < 18 ? 2 : index < 27 ? 3 : 4;
}

// FLOPs of one VGG19 optimisation step at this processing size: every convolution up to
// the deepest layer in use, forward and backward to its input (the weights are frozen),
// and the Gram products of the style layers, forward and backward.
double vgg19FlopsPerStep(int64_t height, int64_t width, const StyleOptions& options) {
  int deepest = layerIndex(options.content_layer);
  for (const auto& l : options.style_layers) deepest = std::max(deepest, layerIndex(l.layer));
  double flops = 0;
  const auto& indices = vgg19ConvIndices();
  const auto& channels = vgg19ConvChannels();
  for (size_t i = 0; i < indices.size() && indices[i] <= deepest; ++i) {
    const int pools_before = poolsBefore(indices[i]);
    const double pixels = static_cast<double>(height >> pools_before) * (width >> pools_before);
    const double forward = 2.0 * channels[i][0] * channels[i][1] * 9 * pixels;
    flops += 2 * forward;  // forward + gradient with respect to the input
    for (const auto& l : options.style_layers)
      if (layerIndex(l.layer) == indices[i])
        flops += 2 * 2.0 * channels[i][0] * channels[i][0] * pixels;  // Gram forward + backward
  }
  return flops;
}

// The machine's achievable rate for this kind of work: the best of a large 3x3 convolution
// in both memory layouts and a large matrix product, each timed alone on the same threads.
double measuredPeakGflops() {
  torch::NoGradGuard no_grad;
  const auto rate = [](const std::function<void()>& work, double flops) {
    for (int i = 0; i < 2; ++i) work();
    const int repeats = 5;
    const auto start = Clock::now();
    for (int i = 0; i < repeats; ++i) work();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return repeats * flops / seconds / 1e9;
  };
  const auto input = torch::randn({1, 256, 128, 128});
  const auto weight = torch::randn({256, 256, 3, 3});
  const auto input_cl = input.contiguous(torch::MemoryFormat::ChannelsLast);
  const auto weight_cl = weight.contiguous(torch::MemoryFormat::ChannelsLast);
  const auto a = torch::randn({2048, 2048}), b = torch::randn({2048, 2048});
  const double conv_flops = 2.0 * 256 * 256 * 9 * 128 * 128;
  return std::max({rate([&] { torch::conv2d(input, weight, {}, 1, 1); }, conv_flops),
                   rate([&] { torch::conv2d(input_cl, weight_cl, {}, 1, 1); }, conv_flops),
                   rate([&] { torch::mm(a, b); }, 2.0 * 2048 * 2048 * 2048)});
}

// The kernel each VGG19 convolution up to the deepest layer in use runs at this size: the
// core's own choice (convolution_choice.hpp) on this CPU, as the table reports it.
nlohmann::json vgg19Kernels(int64_t height, int64_t width, const StyleOptions& options,
                            Convolution convolution, bool float32) {
  int deepest = layerIndex(options.content_layer);
  for (const auto& l : options.style_layers) deepest = std::max(deepest, layerIndex(l.layer));
  nlohmann::json kernels = nlohmann::json::object();
  const auto& indices = vgg19ConvIndices();
  const auto& channels = vgg19ConvChannels();
  for (size_t i = 0; i < indices.size() && indices[i] <= deepest; ++i) {
    const int pools = poolsBefore(indices[i]);
    const neuralstyle::detail::ConvLayerShape layer{channels[i][1], channels[i][0], true, height >> pools,
                                       width >> pools, float32};
    kernels[layerNames()[i]] = neuralstyle::detail::convKernelName(neuralstyle::detail::chooseConvKernel(
        convolution, layer, neuralstyle::detail::cpuFlags(), neuralstyle::detail::winogradAvailable()));
  }
  return kernels;
}

double peakRssMegabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

}  // namespace

int main(int argc, char** argv) try {
  const Arguments args = parse(argc, argv);
  configureThreads(args.threads);
  nlohmann::json out;
  out["threads"] = at::get_num_threads();
  // The instruction set the core's own kernels use (NEURALSTYLE_CPU_ISA may cap it below
  // the CPU's, to measure what a smaller CPU runs) and whether oneDNN's Winograd is there.
  out["core_isa"] = neuralstyle::detail::isaName(neuralstyle::detail::cpuFlags().isa());
  out["onednn_winograd"] = neuralstyle::detail::winogradAvailable();
  if (args.peak) {
    out["peak_gflops"] = measuredPeakGflops();
    std::cout << out.dump() << std::endl;
    return 0;
  }
  StyleOptions options;
  if (args.learning_rate > 0) options.learning_rate = args.learning_rate;
  if (args.optimizer == "lbfgs") options.optimizer = Optimizer::LBFGS;
  else if (args.optimizer != "adam") throw std::invalid_argument("--optimizer is adam or lbfgs");
  options.max_size = 100000;  // the driver already wrote the images at processing size
  if (args.precision != "float32" && args.precision != "bfloat16")
    throw std::invalid_argument("--precision is float32 or bfloat16");
  const std::map<std::string, Convolution> convolutions{
      {"auto", Convolution::Auto}, {"direct", Convolution::Direct}, {"winograd", Convolution::Winograd}};
  if (!convolutions.count(args.convolution))
    throw std::invalid_argument("--convolution is auto, direct or winograd");
  Stylizer stylizer(loadWeights(args.weights, parseNetwork(args.network)), DeviceKind::CPU, options,
                    args.precision == "bfloat16" ? Precision::BFloat16 : Precision::Float32,
                    convolutions.at(args.convolution));
  stylizer.setStyle(readRgbImage(args.style), PixelFormat::RGB);
  const cv::Mat content_rgb = readRgbImage(args.content);
  const auto content = rgbToTensor(content_rgb, stylizer.convention(), torch::kCPU);
  const bool whole_frame = args.scales > 1 || args.tile_size > 0 || args.max_size > 0;
  options.scales = args.scales;
  options.scale_factor = args.scale_factor;
  options.coarse_steps = args.coarse_steps;
  options.tile_size = args.tile_size;
  options.tile_overlap = args.tile_overlap;
  if (args.max_size > 0) options.max_size = args.max_size;

  const auto start = Clock::now();
  std::vector<double> step_end_seconds;
  std::vector<double> losses, content_losses, style_losses;
  const bool to_target = args.target_loss > 0;
  std::atomic<bool> reached{false};
  options.steps = to_target ? args.max_steps : args.warmup + args.steps;
  stylizer.setOptions(options);
  double time_to_target = -1;
  int steps_to_target = -1;
  try {
    const ProgressCallback record = [&](const Progress& p) {
      const double t = std::chrono::duration<double>(Clock::now() - start).count();
      step_end_seconds.push_back(t);
      losses.push_back(p.losses.total);
      content_losses.push_back(p.losses.content);
      style_losses.push_back(p.losses.style);
      if (to_target && p.scale == p.scales &&
          p.losses.total <= args.target_loss && !reached) {
        reached = true;
        time_to_target = t;
        steps_to_target = p.total_step;
      }
    };
    if (whole_frame) stylizer.stylize(content_rgb, PixelFormat::RGB, record, &reached);
    else stylizeTensor(stylizer, content, record, &reached);
  } catch (const CancelledError&) {
    // reached the target loss
  }
  out["size"] = {content.size(3), content.size(2)};
  out["network"] = networkName(stylizer.network());
  // The loss terms in force, so that the driver runs the reference notebook's loop with the same ones.
  out["content_layer"] = stylizer.options().content_layer;
  out["style_layers"] = formatLayerWeights(stylizer.options().style_layers);
  out["style_weight"] = *stylizer.options().style_weight;
  out["learning_rate"] = *stylizer.options().learning_rate;
  out["peak_rss_mb"] = peakRssMegabytes();
  if (to_target) {
    out["time_to_target_s"] = time_to_target;
    out["steps_to_target"] = steps_to_target;
    out["final_loss"] = losses.empty() ? 0 : losses.back();
  } else {
    std::vector<double> step_ms;
    for (size_t i = std::max(1, args.warmup); i < step_end_seconds.size(); ++i)
      step_ms.push_back(1000 * (step_end_seconds[i] - step_end_seconds[i - 1]));
    std::sort(step_ms.begin(), step_ms.end());
    const double median = step_ms.empty() ? 0 : step_ms[step_ms.size() / 2];
    out["ms_per_step"] = median;
    out["steps_per_second"] = median > 0 ? 1000.0 / median : 0;
    if (stylizer.network() == Network::VGG19) {
      const double flops = vgg19FlopsPerStep(content.size(2), content.size(3), stylizer.options());
      out["gflop_per_step"] = flops / 1e9;
      out["kernels"] = vgg19Kernels(content.size(2), content.size(3), stylizer.options(),
                                    convolutions.at(args.convolution), args.precision == "float32");
      out["achieved_gflops"] = median > 0 ? flops / 1e9 / (median / 1000) : 0;
    }
    out["losses"] = losses;
    out["content_losses"] = content_losses;
    out["style_losses"] = style_losses;
  }
  std::cout << out.dump() << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "neuralstyle_bench: " << e.what() << std::endl;
  return 1;
}
