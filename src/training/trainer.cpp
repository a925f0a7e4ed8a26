// SPDX-License-Identifier: LGPL-2.1-or-later
// The trainer: a TransformerNet, the perceptual losses of training_losses.hpp on a
// feature network, the temporal loss of synthetic_motion.hpp, Adam with clipped
// gradients, and the checkpoints and exports around them.
#include "neuralstyle/trainer.hpp"

#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <iomanip>
#include <optional>
#include <openssl/evp.h>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/feature_network.hpp"
#include "neuralstyle/image_tensor.hpp"
#include "neuralstyle/stylizer_tensor.hpp"
#include "neuralstyle/weights.hpp"
#include "equivalent_steps.hpp"
#include "onnx_export.hpp"
#include "safetensors.hpp"
#include "safetensors_writer.hpp"
#include "synthetic_motion.hpp"
#include "tensor_memory_cache.hpp"
#include "training_data.hpp"
#include "training_losses.hpp"
#include "transformer_net.hpp"

namespace neuralstyle {
namespace {

using detail::TransformerNet;

// Adam's steps are bounded by the gradient's norm: the losses' gradients span orders of
// magnitude early on, and unclipped steps took the network to NaN (DESIGN.md, "Measured").
constexpr double kMaxGradientNorm = 10.0;
// A crop that is nearly flat in a channel the network computes (a sky, a smooth gradient
// wallpaper) leaves an instance norm with a variance near 0, and its backward multiplies
// the gradient by up to 1/sqrt(eps) = 316 per normalised layer: the early layers'
// gradients then overflow float32 (docs/training.md, "Data", has the run). Such a step is
// skipped; this many in a row means the run itself has gone wrong.
constexpr int kMaxSkippedInARow = 50;
constexpr const char* kCheckpointFormat = "neuralstyle-training-checkpoint-1";

std::string sha256OfFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (!file || !context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1)
    throw ImageError("cannot read style image '" + path + "'");
  std::vector<char> buffer(1 << 16);
  while (file.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || file.gcount() > 0)
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(file.gcount()));
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  std::ostringstream hex;
  for (unsigned int i = 0; i < length; ++i) hex << std::hex << std::setw(2) << std::setfill('0') << int(digest[i]);
  return hex.str();
}

std::string number(double value) {
  std::ostringstream text;
  text << std::setprecision(9) << value;
  return text.str();
}

// An RGB 8-bit image at a size whose sides are multiples of 4 (the network halves twice).
cv::Mat toMultipleOfFour(const cv::Mat& rgb8, cv::Size size) {
  const cv::Size rounded(std::max(8, (size.width + 2) / 4 * 4), std::max(8, (size.height + 2) / 4 * 4));
  if (rounded == rgb8.size()) return rgb8;
  cv::Mat resized;
  cv::resize(rgb8, resized, rounded, 0, 0, cv::INTER_AREA);
  return resized;
}

cv::Mat tensorToRgb8(const torch::Tensor& image) {  // [3,H,W] 0..255
  const auto bytes = image.detach().clamp(0, 255).round().to(torch::kCPU, torch::kUInt8).permute({1, 2, 0}).contiguous();
  return cv::Mat(static_cast<int>(bytes.size(0)), static_cast<int>(bytes.size(1)), CV_8UC3, bytes.data_ptr()).clone();
}

}  // namespace

struct Trainer::Impl {
  TrainOptions options;
  torch::Device device{torch::kCPU};
  std::string style_sha256;
  std::shared_ptr<FeatureNetworkImpl> features;
  std::unique_ptr<detail::PerceptualLoss> loss;
  std::unique_ptr<detail::TrainingData> data;
  TransformerNet net{nullptr};
  std::unique_ptr<torch::optim::Adam> adam;
  std::mt19937_64 random;
  int iteration = 0;
  int skipped = 0;  ///< steps whose gradients were not finite (clipGradients)
  int skipped_in_a_row = 0;
  bool reuses_tensor_memory = false;  ///< CPU iterations run in a TensorMemoryScope

  explicit Impl(const TrainOptions& given) : options(given) {
    options.validate();
    configureThreads(options.threads);
    device = detail::transformerNetDevice(options.device);
    // Each iteration allocates and frees the same activations and gradients: the
    // optimisation's memory reuse (tensor_memory_cache.hpp) saves most of their page faults
    // (docs/training.md, "Seconds per iteration").
    reuses_tensor_memory = device.is_cpu() && options.tensor_cache;
    const cv::Mat style = readRgbImage(options.style);
    style_sha256 = sha256OfFile(options.style);

    const NetworkWeights weights = loadWeights(
        options.weights.empty() ? defaultWeightsLocation(options.network) : options.weights, options.network);
    options.network = weights.network;
    resolveLosses();
    features = makeFeatureNetwork(weights);
    features->to(device);
    features->eval();
    for (const auto& layer : options.style_layers) features->layer(layer.layer);  // names checked

    data = std::make_unique<detail::TrainingData>(options.data, options.held_out, options.crop_size);

    loss = std::make_unique<detail::PerceptualLoss>(
        features, weights.convention, options.content_layer, options.style_layers,
        styleTensor(style), options.content_weight, *options.style_weight, options.tv_weight);

    torch::manual_seed(options.seed);
    random.seed(options.seed);
    net = TransformerNet(options.width, options.residual_blocks, detail::TransformerOutput::Bounded);
    net->to(device);
    adam = std::make_unique<torch::optim::Adam>(net->parameters(),
                                                torch::optim::AdamOptions(options.learning_rate));
  }

  void resolveLosses() {
    const TrainingDefaults& defaults = trainingDefaults(options.network);
    if (options.content_layer.empty()) options.content_layer = defaults.content_layer;
    if (options.style_layers.empty()) options.style_layers = defaults.style_layers;
    if (!options.style_weight) options.style_weight = defaults.style_weight;
    if (!options.temporal_weight) options.temporal_weight = defaults.temporal_weight;
  }

  // The style image with its longest side at style_size, [1,3,h,w] 0..255 on the device.
  torch::Tensor styleTensor(const cv::Mat& style) const {
    const double scale = double(options.style_size) / std::max(style.cols, style.rows);
    const cv::Size size(std::max(1, int(std::lround(style.cols * scale))),
                        std::max(1, int(std::lround(style.rows * scale))));
    const int64_t minimum = features->minimumSide(features->layer(options.style_layers.back().layer));
    if (std::min(size.width, size.height) < minimum)
      throw OptionsError("style-size " + std::to_string(options.style_size) + " makes the style " +
                         std::to_string(size.width) + "x" + std::to_string(size.height) + ", below the " +
                         std::to_string(minimum) + " pixels " + networkName(options.network) +
                         " needs a side for its style layers");
    return detail::imagesToTensor({resizeTo(style, size)}).to(device);
  }

  TrainLosses step() {
    std::optional<detail::TensorMemoryScope> reuse_tensor_memory;
    if (reuses_tensor_memory) reuse_tensor_memory.emplace();
    net->train();
    const bool temporal = *options.temporal_weight > 0;
    // With the temporal loss, half the batch is the other half moved: as many images
    // through the networks as without it, and every one of them a content image too.
    const int crops = temporal ? (options.batch_size + 1) / 2 : options.batch_size;
    auto content = data->batch(random, crops).to(device);
    std::optional<detail::SyntheticMotion> motion;
    if (temporal) {
      motion.emplace(random, crops, device);
      content = torch::cat({content, motion->warp(content)});
    }
    const auto output = net->forward(content);
    const auto terms = (*loss)(output, content);
    auto total = terms.content + terms.style + terms.tv;
    torch::Tensor temporal_term = torch::zeros({}, output.options());
    if (temporal) {
      temporal_term = *options.temporal_weight *
                      detail::temporalLoss(output.slice(0, 0, crops), output.slice(0, crops), *motion);
      total = total + temporal_term;
    }
    const TrainLosses losses{total.item<double>(), terms.content.item<double>(), terms.style.item<double>(),
                             terms.tv.item<double>(), temporal_term.item<double>()};
    if (!std::isfinite(losses.total))
      throw DivergedError("training diverged at iteration " + std::to_string(iteration + 1) +
                          ": the loss is not finite (try a lower --learning-rate)");
    adam->zero_grad();
    total.backward();
    if (clipGradients()) {
      adam->step();
      skipped_in_a_row = 0;
    } else {
      ++skipped;
      if (++skipped_in_a_row >= kMaxSkippedInARow)
        throw DivergedError("training diverged at iteration " + std::to_string(iteration + 1) + ": " +
                            std::to_string(kMaxSkippedInARow) +
                            " steps in a row had gradients beyond float range (try a lower --learning-rate)");
    }
    ++iteration;
    return losses;
  }

  // Scales the gradients to a norm of at most kMaxGradientNorm. The norm is summed in
  // double precision: float32 squares of the large but finite gradients a flat crop gives
  // overflow, and LibTorch's clip_grad_norm_ then multiplies them by 0 (inf * 0 = NaN).
  // Returns false, leaving the gradients, if any is not finite.
  bool clipGradients() {
    double squares = 0;
    for (const auto& parameter : net->parameters())
      if (parameter.grad().defined()) squares += parameter.grad().to(torch::kFloat64).pow(2).sum().item<double>();
    const double norm = std::sqrt(squares);
    if (!std::isfinite(norm)) return false;
    if (norm > kMaxGradientNorm)
      for (const auto& parameter : net->parameters())
        if (parameter.grad().defined()) parameter.grad().mul_(kMaxGradientNorm / norm);
    return true;
  }

  TrainLosses evaluate() {
    torch::NoGradGuard no_grad;
    net->eval();
    const auto crops = data->heldOutCrops();
    TrainLosses sum;
    for (int64_t start = 0; start < crops.size(0); start += options.batch_size) {
      const auto content = crops.slice(0, start, start + options.batch_size).to(device);
      const auto terms = (*loss)(net->forward(content), content);
      const double share = double(content.size(0)) / double(crops.size(0));
      sum.content += terms.content.item<double>() * share;
      sum.style += terms.style.item<double>() * share;
      sum.tv += terms.tv.item<double>() * share;
    }
    sum.total = sum.content + sum.style + sum.tv;
    return sum;
  }

  cv::Mat stylize(const cv::Mat& rgb8) {
    if (rgb8.empty() || rgb8.type() != CV_8UC3) throw ImageError("stylize: expected an RGB 8-bit image");
    torch::NoGradGuard no_grad;
    net->eval();
    const cv::Mat input = toMultipleOfFour(rgb8, rgb8.size());
    cv::Mat output = tensorToRgb8(net->forward(detail::imagesToTensor({input}).to(device))[0]);
    if (output.size() != rgb8.size()) cv::resize(output, output, rgb8.size(), 0, 0, cv::INTER_LINEAR);
    return output;
  }

  cv::Mat forward(const cv::Mat& rgb32f) {
    if (rgb32f.type() != CV_32FC3 || rgb32f.rows < 8 || rgb32f.cols < 8 || rgb32f.rows % 4 || rgb32f.cols % 4)
      throw ImageError("forward: expected CV_32FC3 with sides multiples of 4, at least 8");
    torch::NoGradGuard no_grad;
    net->eval();
    const cv::Mat input = rgb32f.isContinuous() ? rgb32f : rgb32f.clone();
    const auto x = torch::from_blob(const_cast<float*>(input.ptr<float>()), {1, input.rows, input.cols, 3})
                       .permute({0, 3, 1, 2})
                       .to(device);
    const auto y = net->forward(x).permute({0, 2, 3, 1}).contiguous().to(torch::kCPU);
    return cv::Mat(input.rows, input.cols, CV_32FC3, y.data_ptr<float>()).clone();
  }

  cv::Mat sampleSheet(int rows, int side) {
    std::vector<cv::Mat> lines;
    int widest = 0;
    for (int i = 0; i < rows && i < static_cast<int>(data->heldOut().size()); ++i) {
      const cv::Mat& image = data->heldOut()[static_cast<size_t>(i) * data->heldOut().size() / rows];
      const cv::Mat content = toMultipleOfFour(image, cv::Size(image.cols * side / image.rows, side));
      cv::Mat line;
      cv::hconcat(content, stylize(content), line);
      widest = std::max(widest, line.cols);
      lines.push_back(line);
    }
    for (auto& line : lines)
      cv::copyMakeBorder(line, line, 0, 0, 0, widest - line.cols, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    cv::Mat sheet;
    cv::vconcat(lines, sheet);
    return sheet;
  }

  std::map<std::string, std::string> metadata() const {
    return {{"convention", "rgb-0-255"},
            {"output", detail::transformerOutputName(net->output())},
            {"producer", "neuralstyle train"},
            {"style", std::filesystem::path(options.style).filename().string()},
            {"style_sha256", style_sha256},
            {"network", networkName(options.network)},
            {"content_layer", options.content_layer},
            {"style_layers", formatLayerWeights(options.style_layers)},
            {"content_weight", number(options.content_weight)},
            {"style_weight", number(*options.style_weight)},
            {"tv_weight", number(options.tv_weight)},
            {"temporal_weight", number(*options.temporal_weight)},
            {"iterations", std::to_string(iteration)},
            {"batch_size", std::to_string(options.batch_size)},
            {"crop_size", std::to_string(options.crop_size)},
            {"width", std::to_string(options.width)},
            {"residual_blocks", std::to_string(options.residual_blocks)}};
  }

  std::string adamKey(const torch::Tensor& parameter) const {
    return c10::guts::to_string(parameter.unsafeGetTensorImpl());
  }

  void saveCheckpoint(const std::string& path) const {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    int64_t adam_step = 0;
    for (const auto& parameter : net->named_parameters()) {
      tensors.emplace_back("model." + parameter.key(), parameter.value());
      const auto state = adam->state().find(adamKey(parameter.value()));
      if (state == adam->state().end()) continue;
      const auto& adam_state = static_cast<const torch::optim::AdamParamState&>(*state->second);
      tensors.emplace_back("adam.exp_avg." + parameter.key(), adam_state.exp_avg());
      tensors.emplace_back("adam.exp_avg_sq." + parameter.key(), adam_state.exp_avg_sq());
      adam_step = adam_state.step();
    }
    auto meta = metadata();
    std::ostringstream random_state;
    random_state << random;
    meta["format"] = kCheckpointFormat;
    meta["random"] = random_state.str();
    meta["adam_step"] = std::to_string(adam_step);
    detail::writeSafetensors(path, tensors, meta);
  }

  void resume(const std::string& path) {
    detail::SafetensorsFile file(path);
    const auto& meta = file.index().metadata;
    const auto value = [&](const std::string& key) {
      const auto found = meta.find(key);
      if (found == meta.end())
        throw WeightsError("'" + path + "' is not a training checkpoint of neuralstyle (no '" + key + "' in its metadata)");
      return found->second;
    };
    if (value("format") != kCheckpointFormat)
      throw WeightsError("'" + path + "' is a checkpoint of format '" + value("format") + "', not '" +
                         kCheckpointFormat + "'");
    checkLayout(path, meta, "checkpoint");
    torch::NoGradGuard no_grad;
    const int64_t adam_step = std::stoll(value("adam_step"));
    for (auto& parameter : net->named_parameters()) {
      parameter.value().copy_(file.readFloat32("model." + parameter.key()));
      if (adam_step == 0) continue;
      auto state = std::make_unique<torch::optim::AdamParamState>();
      state->step(adam_step);
      state->exp_avg(file.readFloat32("adam.exp_avg." + parameter.key()).to(device));
      state->exp_avg_sq(file.readFloat32("adam.exp_avg_sq." + parameter.key()).to(device));
      adam->state()[adamKey(parameter.value())] = std::move(state);
    }
    std::istringstream random_state(value("random"));
    random_state >> random;
    if (!random_state) throw WeightsError("checkpoint '" + path + "': its 'random' state cannot be read");
    iteration = std::stoi(value("iterations"));
  }

  // Refuses a file whose network is not of this run's architecture, naming both.
  void checkLayout(const std::string& path, const std::map<std::string, std::string>& meta,
                   const std::string& what) const {
    const auto width = meta.find("width"), blocks = meta.find("residual_blocks");
    if (width == meta.end() || blocks == meta.end())
      throw WeightsError("'" + path + "' is not a network of neuralstyle train (no 'width' and "
                         "'residual_blocks' in its metadata)");
    const std::string theirs =
        "a TransformerNet of width " + width->second + " with " + blocks->second + " residual blocks";
    if (theirs != net->layout())
      throw WeightsError(what + " '" + path + "' holds " + theirs + "; this run trains " + net->layout() +
                         " (--width, --residual-blocks)");
  }

  void loadModel(const std::string& path) {
    detail::SafetensorsFile file(path);
    const auto& meta = file.index().metadata;
    checkLayout(path, meta, "model");
    const auto format = meta.find("format");
    const std::string prefix = format != meta.end() && format->second == kCheckpointFormat ? "model." : "";
    torch::NoGradGuard no_grad;
    for (auto& parameter : net->named_parameters())
      parameter.value().copy_(file.readFloat32(prefix + parameter.key()));
    const auto iterations = meta.find("iterations");
    if (iterations != meta.end()) iteration = std::stoi(iterations->second);
  }

  EquivalentSteps equivalentSteps(const cv::Mat& rgb8, int max_steps) {
    if (rgb8.empty() || rgb8.type() != CV_8UC3) throw ImageError("equivalentSteps: expected an RGB 8-bit image");
    if (max_steps < 0) throw OptionsError("equivalentSteps: max_steps must be at least 0");
    const auto content = detail::imagesToTensor({toMultipleOfFour(rgb8, rgb8.size())}).to(device);
    torch::Tensor output;
    {
      torch::NoGradGuard no_grad;
      net->eval();
      output = net->forward(content);
    }
    return detail::equivalentSteps(*loss, output, content, max_steps);
  }

  void exportSafetensors(const std::string& path) const {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    for (const auto& parameter : net->named_parameters()) tensors.emplace_back(parameter.key(), parameter.value());
    detail::writeSafetensors(path, tensors, metadata());
  }

  std::string describe() const {
    const auto& summary = data->summary();
    return net->layout() + ", losses on " + networkName(options.network) + ", on " +
           (device.is_cuda() ? std::string("CUDA") : "the CPU with " + std::to_string(at::get_num_threads()) + " threads") +
           "; data: " + std::to_string(summary.sources) + " sources, " + std::to_string(summary.training_images) +
           " training images, " + std::to_string(summary.held_out_images) + " held out" +
           (summary.skipped.empty() ? "" : ", " + std::to_string(summary.skipped.size()) + " unreadable skipped");
  }
};

Trainer::Trainer(const TrainOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Trainer::~Trainer() = default;
Trainer::Trainer(Trainer&&) noexcept = default;
Trainer& Trainer::operator=(Trainer&&) noexcept = default;

const TrainOptions& Trainer::options() const { return impl_->options; }
const TrainingDataSummary& Trainer::data() const { return impl_->data->summary(); }
int Trainer::iteration() const { return impl_->iteration; }
int Trainer::skippedSteps() const { return impl_->skipped; }
TrainLosses Trainer::step() { return impl_->step(); }
TrainLosses Trainer::evaluate() { return impl_->evaluate(); }
cv::Mat Trainer::stylize(const cv::Mat& rgb8) { return impl_->stylize(rgb8); }
cv::Mat Trainer::forward(const cv::Mat& rgb32f) { return impl_->forward(rgb32f); }
cv::Mat Trainer::sampleSheet(int rows, int side) { return impl_->sampleSheet(rows, side); }
void Trainer::saveCheckpoint(const std::string& path) const { impl_->saveCheckpoint(path); }
void Trainer::resume(const std::string& path) { impl_->resume(path); }
void Trainer::loadModel(const std::string& path) { impl_->loadModel(path); }
EquivalentSteps Trainer::equivalentSteps(const cv::Mat& rgb8, int max_steps) {
  return impl_->equivalentSteps(rgb8, max_steps);
}
void Trainer::exportOnnx(const std::string& path) const {
  detail::exportTransformerNetOnnx(*impl_->net, path, impl_->metadata());
}
void Trainer::exportSafetensors(const std::string& path) const { impl_->exportSafetensors(path); }
std::string Trainer::describe() const { return impl_->describe(); }

}  // namespace neuralstyle
