// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/stylizer.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "neuralstyle/color.hpp"
#include "call_counts.hpp"
#include "neuralstyle/errors.hpp"
#include "schedule.hpp"
#include "style_loss.hpp"
#include "tensor_memory_cache.hpp"

namespace neuralstyle {
namespace {

using Clock = std::chrono::steady_clock;

/// Sizes whose style targets are kept at once; a stream whose size keeps changing
/// recomputes them instead of growing the cache.
constexpr size_t kMaxCachedTargetSizes = 8;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Total variation of a [1,3,H,W] image: the mean squared difference of vertical
/// neighbours plus that of horizontal ones (0 for an image of one row or column).
torch::Tensor totalVariation(const torch::Tensor& image) {
  const auto height = image.size(2), width = image.size(3);
  auto tv = torch::zeros({}, image.options());
  if (height > 1) tv = tv + torch::mean((image.slice(2, 1) - image.slice(2, 0, height - 1)).pow(2));
  if (width > 1) tv = tv + torch::mean((image.slice(3, 1) - image.slice(3, 0, width - 1)).pow(2));
  return tv;
}

/// `image` ([1,C,h,w]) resized bilinearly to `size`; itself when it has that size.
torch::Tensor resizedTo(const torch::Tensor& image, cv::Size size) {
  if (image.size(2) == size.height && image.size(3) == size.width) return image;
  return torch::nn::functional::interpolate(
      image, torch::nn::functional::InterpolateFuncOptions()
                 .size(std::vector<int64_t>{size.height, size.width})
                 .mode(torch::kBilinear)
                 .align_corners(false));
}

bool sameStyleTargets(const StyleOptions& a, const StyleOptions& b) {
  if (a.pooling != b.pooling || a.style_layers.size() != b.style_layers.size()) return false;
  for (size_t i = 0; i < a.style_layers.size(); ++i)
    if (a.style_layers[i].layer != b.style_layers[i].layer) return false;
  // The layer weights only scale the loss: the Gram targets stay valid.
  return a.style_scale == b.style_scale && a.gram_normalization == b.gram_normalization;
}

/// 1/(h w) of a [1,d,h,w] feature under Positions normalisation, else 1.
double gramScale(const torch::Tensor& feature, GramNormalization normalization) {
  if (normalization == GramNormalization::None) return 1.0;
  return 1.0 / static_cast<double>(feature.size(2) * feature.size(3));
}

}  // namespace

std::unique_ptr<torch::optim::Optimizer> Stylizer::makeOptimizer(const torch::Tensor& target) const {
  switch (options_.optimizer) {
    case Optimizer::LBFGS:
      // One iteration (one loss evaluation) per step(); the curvature history persists
      // across calls, so successive steps are ordinary L-BFGS iterations.
      return std::make_unique<torch::optim::LBFGS>(
          std::vector<torch::Tensor>{target},
          torch::optim::LBFGSOptions(*options_.learning_rate).max_iter(1).history_size(100));
    case Optimizer::Adam: break;
  }
  return std::make_unique<torch::optim::Adam>(std::vector<torch::Tensor>{target},
                                              torch::optim::AdamOptions(*options_.learning_rate));
}

torch::Tensor gramMatrix(const torch::Tensor& feature) {
  const auto d = feature.size(1);
  const auto pixels = feature.size(2) * feature.size(3);
  if (!feature.is_contiguous() && feature.is_contiguous(torch::MemoryFormat::ChannelsLast)) {
    // Channels-last memory is a [pixels, d] matrix: G = F^T F, without a copy.
    const auto flat = feature.permute({0, 2, 3, 1}).reshape({pixels, d});
    return torch::mm(flat.t(), flat);
  }
  const auto flat = feature.view({d, pixels});
  return torch::mm(flat, flat.t());
}

torch::Device resolveDevice(DeviceKind kind) {
  switch (kind) {
    case DeviceKind::CPU: return torch::kCPU;
    case DeviceKind::CUDA:
      if (!torch::cuda::is_available())
        throw DeviceError("device 'cuda' was asked for, but no CUDA device is available "
                          "(this LibTorch has no CUDA support, or no GPU or driver was found); "
                          "use device 'auto' or 'cpu'");
      return torch::kCUDA;
    case DeviceKind::Auto: break;
  }
  return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
}

void configureThreads(int threads) {
  if (threads < 0) throw OptionsError("threads must be >= 0 (0 = all cores)");
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Debian's LibTorch starts with a single intra-op thread: always set it explicitly.
  at::set_num_threads(threads > 0 ? threads : cores);
}

Stylizer::Stylizer(const NetworkWeights& weights, torch::Device device, StyleOptions options,
                   Precision precision, Convolution convolution)
    : device_(device),
      compute_dtype_(precision == Precision::BFloat16 ? torch::kBFloat16 : torch::kFloat32),
      convention_(weights.convention),
      network_(makeFeatureNetwork(weights, options.pooling)),
      options_(options.resolvedFor(weights.network)) {
  if (convolution == Convolution::Winograd && (!device_.is_cpu() || precision != Precision::Float32))
    throw OptionsError("Winograd convolutions run in float32 on the CPU only; use convolution "
                       "'auto' (Winograd where it applies) or 'direct'");
  network_->setConvolution(convolution);
  network_->to(device_, compute_dtype_);
  network_->eval();
  // oneDNN's convolutions run much faster on channels-last tensors on the CPU (measured
  // 1.4x on VGG19 forward+backward here); images and weights are kept in that layout.
  if (device_.is_cpu()) {
    memory_format_ = torch::MemoryFormat::ChannelsLast;
    torch::NoGradGuard no_grad;
    for (auto& parameter : network_->parameters())
      if (parameter.dim() == 4) parameter.set_data(parameter.contiguous(memory_format_));
  }
}

Stylizer::Stylizer(const EngineOptions& engine, StyleOptions options)
    : Stylizer(loadWeights(engine.weights.empty() ? defaultWeightsLocation(engine.network)
                                                  : engine.weights,
                           engine.network),
               resolveDevice(engine.device), std::move(options), engine.precision,
               engine.convolution) {
  tensor_cache_ = engine.tensor_cache;
  if (engine.process_settings) {
    configureThreads(engine.threads);
    torch::manual_seed(engine.seed);
  }
}

void Stylizer::setOptions(const StyleOptions& options) {
  auto resolved = options.resolvedFor(network_->network());
  if (!sameStyleTargets(resolved, options_)) {
    style_targets_.clear();
    for (auto& style : styles_) style.grams.clear();
  }
  network_->setPooling(resolved.pooling);
  options_ = std::move(resolved);
}

void Stylizer::setStyle(const cv::Mat& image, PixelFormat format) {
  setStyles({image}, format);
}

void Stylizer::setStyles(const std::vector<cv::Mat>& images, PixelFormat format,
                         std::vector<double> blend_weights) {
  if (images.empty()) throw ImageError("no style image was given");
  if (blend_weights.empty()) blend_weights.assign(images.size(), 1.0);
  if (blend_weights.size() != images.size())
    throw OptionsError(std::to_string(blend_weights.size()) + " style blend weights were given for " +
                       std::to_string(images.size()) + " style images; give one per image");
  double sum = 0;
  for (double weight : blend_weights) {
    if (!(weight >= 0) || !std::isfinite(weight))
      throw OptionsError("style blend weights must be non-negative finite numbers");
    sum += weight;
  }
  if (!(sum > 0)) throw OptionsError("style blend weights must not all be 0");
  std::vector<StyleSource> styles;
  for (size_t i = 0; i < images.size(); ++i) {
    cv::Mat rgb = toRgb(images[i], format);
    if (rgb.cols < 1 || rgb.rows < 1) throw ImageError("the style image is empty");
    styles.push_back({rgb, blend_weights[i] / sum, {}});
  }
  styles_ = std::move(styles);
  style_targets_.clear();
}

std::vector<double> Stylizer::styleBlendWeights() const {
  std::vector<double> weights;
  for (const auto& style : styles_) weights.push_back(style.weight);
  return weights;
}

cv::Size Stylizer::styleProcessingSize(size_t index, cv::Size content_size) const {
  if (index >= styles_.size()) throw ImageError("no style image " + std::to_string(index));
  // As the reference notebook does: the style is stretched to the content's processing size.
  if (!options_.style_scale) return content_size;
  const cv::Size style = styles_[index].rgb.size();
  const double longest = *options_.style_scale * std::max(content_size.width, content_size.height);
  double scale = longest / std::max(style.width, style.height);
  const double minimum = static_cast<double>(minimumSide());
  if (std::min(style.width, style.height) * scale < minimum)
    scale = minimum / std::min(style.width, style.height);
  return {std::max(1, static_cast<int>(std::lround(style.width * scale))),
          std::max(1, static_cast<int>(std::lround(style.height * scale)))};
}

void Stylizer::setInitImage(const cv::Mat& image, PixelFormat format) {
  cv::Mat rgb = toRgb(image, format);
  if (rgb.cols < 1 || rgb.rows < 1) throw ImageError("the init image is empty");
  init_rgb_ = rgb;
}

torch::Tensor Stylizer::initialImage(cv::Size size) const {
  switch (options_.init) {
    case Init::Content: return {};
    case Init::Noise: {
      // Drawn with OpenCV's generator in pixel space: the same seed gives the same noise
      // on every device and with every LibTorch build.
      cv::Mat noise(size, CV_8UC3);
      cv::RNG generator(options_.noise_seed);
      generator.fill(noise, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
      return rgbToTensor(noise, convention_, device_);
    }
    case Init::Image:
      if (init_rgb_.empty())
        throw ImageError("init 'image' was asked for, but no init image has been set");
      return rgbToTensor(resizeTo(init_rgb_, size), convention_, device_);
  }
  return {};
}

std::vector<int> Stylizer::styleIndices() const {
  std::vector<int> indices;
  for (const auto& layer : options_.style_layers) indices.push_back(network_->layer(layer.layer));
  return indices;
}

std::vector<int> Stylizer::requestedIndices() const {
  std::vector<int> indices{network_->layer(options_.content_layer)};
  const auto style = styleIndices();
  indices.insert(indices.end(), style.begin(), style.end());
  return indices;
}

std::vector<torch::Tensor> Stylizer::features(const torch::Tensor& image,
                                              const std::vector<int>& indices) {
  if (compute_dtype_ == torch::kFloat32) return network_->forward(image, indices);
  // Reduced precision inside the network only: the image (what Adam updates), the Gram
  // matrices and the losses stay float32, so small updates are not rounded away.
  auto activations = network_->forward(image.to(compute_dtype_), indices);
  for (auto& activation : activations) activation = activation.to(torch::kFloat32);
  return activations;
}

const std::vector<torch::Tensor>& Stylizer::styleTargets(cv::Size size,
                                                         const cv::Mat& content_rgb,
                                                         int tile_size) {
  const bool colour_matched = !content_rgb.empty();
  const SizeKey key{size.width, size.height, tile_size};
  if (!colour_matched) {
    const auto cached = style_targets_.find(key);
    if (cached != style_targets_.end()) return cached->second;
  }
  if (styles_.empty()) throw ImageError("no style image has been set");
  if (style_targets_.size() >= kMaxCachedTargetSizes) {
    style_targets_.clear();
    for (auto& style : styles_) style.grams.clear();
  }
  torch::NoGradGuard no_grad;
  const auto indices = styleIndices();
  std::vector<const std::vector<torch::Tensor>*> grams;  // per style, null for weight 0
  std::vector<std::vector<torch::Tensor>> matched(styles_.size());
  for (size_t i = 0; i < styles_.size(); ++i) {
    auto& style = styles_[i];
    grams.push_back(nullptr);
    if (style.weight == 0) continue;  // blended with weight 0: not needed
    auto& computed = colour_matched ? matched[i] : style.grams[key];
    if (computed.empty()) {
      const cv::Mat source =
          colour_matched ? matchColors(style.rgb, content_rgb, options_.color_match) : style.rgb;
      const cv::Mat sized = resizeTo(source, styleProcessingSize(i, size));
      if (tile_size == 0) {
        const auto image = rgbToTensor(sized, convention_, device_).contiguous(memory_format_);
        for (const auto& feature : features(image, indices)) {
          const double scale = gramScale(feature, options_.gram_normalization);
          computed.push_back(scale == 1.0 ? gramMatrix(feature) : gramMatrix(feature) * scale);
        }
      } else {
        // The mean of F F^T over every position of the style, summed piece by piece so
        // that memory stays bounded by the tile (the pieces' borders differ a little
        // from a whole forward pass: zero padding).
        std::vector<double> positions(indices.size(), 0.0);
        for (const auto& piece : detail::pieceGrid(sized.size(), tile_size)) {
          const auto image = rgbToTensor(sized(piece), convention_, device_).contiguous(memory_format_);
          const auto piece_features = features(image, indices);
          for (size_t l = 0; l < indices.size(); ++l) {
            const auto gram = gramMatrix(piece_features[l]);
            if (computed.size() <= l) computed.push_back(gram); else computed[l] += gram;
            positions[l] += static_cast<double>(piece_features[l].size(2) * piece_features[l].size(3));
          }
        }
        for (size_t l = 0; l < indices.size(); ++l) computed[l] /= positions[l];
      }
      detail::count(detail::callCounts().style_target_computations);
    }
    grams.back() = &computed;
  }
  // The blend sum_i w_i G_i; a single style of weight 1 is its own Gram matrices exactly.
  std::vector<torch::Tensor> blend(indices.size());
  for (size_t l = 0; l < indices.size(); ++l)
    for (size_t i = 0; i < styles_.size(); ++i) {
      if (!grams[i]) continue;
      const double weight = styles_[i].weight;
      const auto term = weight == 1.0 ? (*grams[i])[l] : (*grams[i])[l] * weight;
      blend[l] = blend[l].defined() ? blend[l] + term : term;
    }
  if (colour_matched) return colour_matched_targets_ = std::move(blend);
  return style_targets_[key] = std::move(blend);
}

void Stylizer::checkContentSize(int64_t height, int64_t width) const {
  const auto indices = requestedIndices();
  const int deepest = *std::max_element(indices.begin(), indices.end());
  const int64_t minimum = minimumSide();
  if (height < minimum || width < minimum)
    throw ImageError("content of " + std::to_string(width) + "x" + std::to_string(height) +
                     " is too small for " + networkName(network_->network()) + " up to " +
                     network_->layerNames()[static_cast<size_t>(deepest)] + " (at least " +
                     std::to_string(minimum) + " pixels a side)");
}

torch::Tensor Stylizer::stylizeTensor(const torch::Tensor& content,
                                      const ProgressCallback& on_progress,
                                      const std::atomic<bool>* cancel, Losses* final_losses,
                                      const torch::Tensor& initial) {
  if (!content.defined() || content.dim() != 4 || content.size(0) != 1 || content.size(1) != 3)
    throw ImageError("content tensor must be [1,3,H,W]");
  checkContentSize(content.size(2), content.size(3));
  if (initial.defined() && initial.sizes() != content.sizes())
    throw ImageError("the initial image must have the content's size");
  const cv::Size size(static_cast<int>(content.size(3)), static_cast<int>(content.size(2)));
  const auto& targets = styleTargets(
      size, options_.color_match == ColorMatch::None ? cv::Mat() : tensorToRgb(content, convention_));
  return optimise(content, initial, options_.steps, targets,
                  [&](Progress& progress, const torch::Tensor&) {
                    if (!on_progress) return;
                    progress.total_step = progress.step;
                    progress.total_steps = progress.steps;
                    progress.size = size;
                    on_progress(progress);
                  },
                  cancel, final_losses, 1.0, {}, TemporalTerm{});
}

torch::Tensor Stylizer::optimise(const torch::Tensor& content_in, const torch::Tensor& initial,
                                 int steps, const std::vector<torch::Tensor>& style_targets,
                                 const StepReport& on_step, const std::atomic<bool>* cancel,
                                 Losses* final_losses, double style_balance,
                                 const torch::Tensor& update_mask, const TemporalTerm& temporal) {
  const auto indices = requestedIndices();
  const auto start = Clock::now();
  // The steps allocate and free the same large tensors: reuse them within this frame.
  std::optional<detail::TensorMemoryScope> reuse_tensor_memory;
  if (reusesTensorMemory()) reuse_tensor_memory.emplace();

  const auto content = content_in.to(device_, torch::kFloat32).contiguous(memory_format_);
  const auto optimised_pixels =
      update_mask.defined() ? (update_mask > 0).to(torch::kFloat32) : torch::Tensor();
  torch::Tensor content_target;
  {
    torch::NoGradGuard no_grad;
    content_target = features(content, {indices[0]})[0];
  }

  // The loss exactly as the reference notebook writes it (same order of operations).
  // (The TV term is added only when it has a weight, so the reference notebook's arithmetic is kept.)
  struct Parts {
    torch::Tensor content, style, tv, temporal;
  };
  torch::Tensor temporal_target, temporal_mask;
  double temporal_pixels = 1;
  if (temporal.active()) {
    temporal_target = temporal.target.to(device_, torch::kFloat32);
    temporal_mask = temporal.mask.to(device_, torch::kFloat32);
    temporal_pixels = static_cast<double>(content.size(2) * content.size(3));
  }
  const auto lossesOf = [&](const torch::Tensor& image, torch::Tensor* total) {
    const auto activations = features(image, indices);
    const auto content_loss = torch::mean((activations[0] - content_target).pow(2));
    torch::Tensor style_loss;
    for (size_t l = 0; l < options_.style_layers.size(); ++l) {
      const auto layer_loss = detail::styleLayerLoss(
          activations[l + 1], style_targets[l], options_.style_layers[l].weight,
          gramScale(activations[l + 1], options_.gram_normalization));
      style_loss = style_loss.defined() ? style_loss + layer_loss : layer_loss;
    }
    if (style_balance != 1.0) style_loss = style_loss * style_balance;
    *total = options_.content_weight * content_loss + *options_.style_weight * style_loss;
    torch::Tensor tv;
    if (options_.tv_weight > 0) {
      tv = totalVariation(image);
      *total = *total + options_.tv_weight * tv;
    }
    // Ruder et al.'s short-term temporal loss: stay where the flow carried the previous
    // result, only where the flow is consistent.
    torch::Tensor temporal_loss;
    if (temporal_target.defined()) {
      temporal_loss = (temporal_mask * (image - temporal_target).pow(2)).sum() / temporal_pixels;
      *total = *total + temporal.weight * temporal_loss;
    }
    return Parts{content_loss, style_loss, tv, temporal_loss};
  };
  const auto read = [](const torch::Tensor& total, const Parts& parts) {
    return Losses{total.item<double>(), parts.content.item<double>(), parts.style.item<double>(),
                  parts.tv.defined() ? parts.tv.item<double>() : 0.0,
                  parts.temporal.defined() ? parts.temporal.item<double>() : 0.0};
  };
  const auto check = [&](const Losses& losses, int step) {
    if (!std::isfinite(losses.total) || !std::isfinite(losses.content) || !std::isfinite(losses.style))
      throw DivergedError("the optimisation diverged at step " + std::to_string(step) +
                          " (loss is not finite); lower the learning rate or the style weight");
  };

  // The image itself stays in the default layout: L-BFGS flattens its gradient with
  // view(-1), and the convolutions still produce channels-last features from it.
  auto target = (initial.defined() ? initial.to(device_, torch::kFloat32) : content)
                    .contiguous()
                    .clone()
                    .set_requires_grad(true);
  Losses last;
  if (steps == 0) {
    torch::NoGradGuard no_grad;
    torch::Tensor total;
    last = read(total, lossesOf(target, &total));
    check(last, 0);
  } else {
    const auto optimizer = makeOptimizer(target);
    const int interval = options_.progress_interval;
    for (int step = 1; step <= steps; ++step) {
      if (cancel && cancel->load())
        throw CancelledError("cancelled before step " + std::to_string(step) + " of " +
                             std::to_string(steps));
      // One evaluation of the loss and its gradient; L-BFGS calls it once a step too.
      torch::Tensor total;
      Parts parts;
      optimizer->step([&] {
        optimizer->zero_grad();
        parts = lossesOf(target, &total);
        // What the forward pass did not reuse would only add to the peak.
        if (reuse_tensor_memory) reuse_tensor_memory->releaseIdle();
        total.backward();
        // Pixels outside the mask keep their value: a zero gradient moves neither Adam
        // nor L-BFGS.
        if (optimised_pixels.defined()) target.mutable_grad().mul_(optimised_pixels);
        return total;
      });
      const bool report = step == steps || (interval > 0 && step % interval == 0);
      if (!report) continue;
      // Reading the loss syncs the device: only done at reporting steps.
      last = read(total, parts);
      check(last, step);
      if (on_step) {
        Progress progress;
        progress.step = step;
        progress.steps = steps;
        progress.losses = last;
        progress.elapsed_seconds = secondsSince(start);
        on_step(progress, target);
      }
    }
  }
  target = target.detach();
  if (!torch::isfinite(target).all().item<bool>())
    throw DivergedError("the optimisation diverged (the image holds non-finite values); "
                        "lower the learning rate");
  if (final_losses) *final_losses = last;
  return target;
}

int64_t Stylizer::minimumSide() const {
  return minimumProcessingSide(options_, network_->network());
}

/// What a frame's progress reports carry across sizes and tiles.
struct Stylizer::FrameProgress {
  ProgressCallback callback;
  Clock::time_point start = Clock::now();
  int done = 0;  ///< steps finished in earlier sizes and tiles
  int total = 0;
  int scale = 1, scales = 1;
  double flow_seconds = 0;
  /// The optimised image so far at the current size (normalised), for Progress::image.
  std::function<cv::Mat(const torch::Tensor& image_at_size)> to_output;
};

FramePlan Stylizer::planFrame(cv::Size frame) const {
  return neuralstyle::planFrame(frame, options_, network_->network());
}

PreparedFrame Stylizer::prepareFrame(const cv::Mat& content, PixelFormat format) const {
  PreparedFrame frame{content, format, toRgb(content, format), {}};
  frame.plan = planFrame(frame.rgb.size());
  return frame;
}

namespace {

torch::Tensor crop(const torch::Tensor& image, const cv::Rect& rect) {
  return image.narrow(2, rect.y, rect.height).narrow(3, rect.x, rect.width);
}

}  // namespace

torch::Tensor Stylizer::stylizeAtSize(const torch::Tensor& content, const torch::Tensor& initial,
                                      int steps, FrameProgress& frame, const std::atomic<bool>* cancel,
                                      Losses* final_losses, const TemporalTerm& temporal) {
  const cv::Size size(static_cast<int>(content.size(3)), static_cast<int>(content.size(2)));
  const cv::Mat content_rgb =
      options_.color_match == ColorMatch::None ? cv::Mat() : tensorToRgb(content, convention_);
  const auto report = [&](Progress& progress, int tile, int tiles,
                          const std::function<torch::Tensor()>& whole_image) {
    progress.total_step = frame.done + progress.step;
    progress.total_steps = frame.total;
    progress.scale = frame.scale;
    progress.scales = frame.scales;
    progress.tile = tile;
    progress.tiles = tiles;
    progress.size = size;
    progress.elapsed_seconds = secondsSince(frame.start);
    progress.flow_seconds = frame.flow_seconds;
    if (frame.to_output) progress.image = [&] { return frame.to_output(whole_image()); };
    frame.callback(progress);
  };

  if (!detail::needsTiles(size, options_.tile_size)) {
    auto result = optimise(content, initial, steps, styleTargets(size, content_rgb),
                           [&](Progress& progress, const torch::Tensor& image) {
                             if (frame.callback) report(progress, 0, 0, [&] { return image; });
                           },
                           cancel, final_losses, 1.0, {}, temporal);
    frame.done += steps;
    return result;
  }

  // Tiled: every tile has the same size, so the style targets are computed once for it
  // (colour-matched to the whole frame). Within a pass, each tile starts from the image
  // as the tiles before it left it and optimises only the pixels they did not write:
  // what they wrote is fixed context that the tile's texture continues, and every pixel
  // gets the steps once. The second pass runs in reverse order on a grid offset by half
  // a tile, so its seams fall inside the first pass's tiles, and vice versa. Measured on
  // a 512 px photograph with 256 px tiles (docs/library.md, Tiling): alpha-blending the overlaps
  // instead, or averaging overlapping tiles, gave pixels in the overlaps extra steps or
  // a blur of two textures, both visible as a grid.
  torch::NoGradGuard no_grad;
  const int tile_size = options_.tile_size, overlap = options_.tile_overlap;
  // The style keeps the scale the whole image gives it (tiling saves memory; it does
  // not change the look): its Gram matrices per position, times a tile's positions.
  const auto first_tile = detail::tileGrid(size, tile_size, overlap, false).front();
  const auto& per_position = styleTargets(size, content_rgb, tile_size);
  std::vector<torch::Tensor> targets;
  {
    const auto indices = styleIndices();
    const auto tile_features = features(crop(content, first_tile).contiguous(memory_format_), indices);
    for (size_t l = 0; l < indices.size(); ++l)
      targets.push_back(options_.gram_normalization == GramNormalization::Positions
                            ? per_position[l]
                            : per_position[l] * static_cast<double>(tile_features[l].size(2) *
                                                                    tile_features[l].size(3)));
  }
  // The reference notebook's style loss grows with the positions (P) of the image and the normalised
  // one shrinks with them, while the content loss is a mean: weigh a tile's style loss
  // as the whole image's would be, so the balance of the two does not change.
  const double area_ratio = static_cast<double>(size.area()) / first_tile.area();
  const double style_balance =
      options_.gram_normalization == GramNormalization::Positions ? 1.0 / area_ratio : area_ratio;
  auto image = (initial.defined() ? initial : content).to(device_, torch::kFloat32).contiguous().clone();
  const int first_pass_steps = (steps + 1) / 2;
  for (int pass = 0; pass < 2; ++pass) {
    const int pass_steps = pass == 0 ? first_pass_steps : steps - first_pass_steps;
    if (pass_steps == 0 && pass == 1) continue;  // (pass 0 with 0 steps still reports losses)
    auto grid = detail::tileGrid(size, tile_size, overlap, pass == 1);
    if (pass == 1) std::reverse(grid.begin(), grid.end());
    cv::Mat covered = cv::Mat::zeros(size, CV_8U);
    for (size_t t = 0; t < grid.size(); ++t) {
      const auto& rect = grid[t];
      cv::Mat unwritten;
      cv::compare(covered(rect), 0, unwritten, cv::CMP_EQ);
      unwritten.convertTo(unwritten, CV_32F, 1.0 / 255);
      const auto mask = torch::from_blob(unwritten.data, {1, 1, rect.height, rect.width}, torch::kFloat32)
                            .to(device_, /*non_blocking=*/false, /*copy=*/true);
      torch::Tensor result;
      {
        torch::AutoGradMode enable_grad(true);
        result = optimise(crop(content, rect), crop(image, rect), pass_steps, targets,
                          [&](Progress& progress, const torch::Tensor& tile_image) {
                            if (!frame.callback) return;
                            report(progress, static_cast<int>(t) + 1, static_cast<int>(grid.size()),
                                   [&] {
                                     auto whole = image.clone();
                                     crop(whole, rect).copy_(tile_image.detach());
                                     return whole;
                                   });
                          },
                          cancel, final_losses, style_balance, mask,
                          temporal.active() ? TemporalTerm{crop(temporal.target, rect),
                                                           crop(temporal.mask, rect), temporal.weight}
                                            : TemporalTerm{});
      }
      frame.done += pass_steps;
      crop(image, rect).copy_(result);  // (unchanged where the mask kept it)
      covered(rect).setTo(1);
    }
  }
  return image;
}

StylizeResult Stylizer::stylize(const cv::Mat& content, PixelFormat format,
                                const ProgressCallback& on_progress,
                                const std::atomic<bool>* cancel, const FrameGuide& guide) {
  return stylize(prepareFrame(content, format), on_progress, cancel, guide);
}

StylizeResult Stylizer::stylize(const PreparedFrame& prepared, const ProgressCallback& on_progress,
                                const std::atomic<bool>* cancel, const FrameGuide& guide) {
  if (prepared.plan.requested_max_size != options_.max_size || prepared.plan.sizes.empty())
    throw OptionsError("the frame was prepared with other options: prepare it again");
  if (styles_.empty()) throw ImageError("no style image has been set");
  const auto check4d = [](const torch::Tensor& tensor, int64_t channels, const char* what) {
    if (tensor.defined() && (tensor.dim() != 4 || tensor.size(0) != 1 || tensor.size(1) != channels))
      throw ImageError(std::string("the frame guide's ") + what + " must be [1," +
                       std::to_string(channels) + ",H,W]");
  };
  check4d(guide.initial, 3, "initial image");
  check4d(guide.temporal_target, 3, "temporal target");
  check4d(guide.temporal_mask, 1, "temporal mask");
  if (guide.temporal_target.defined() != guide.temporal_mask.defined())
    throw ImageError("the frame guide's temporal target and mask go together");
  if (guide.temporal_weight < 0 || !std::isfinite(guide.temporal_weight))
    throw OptionsError("the temporal weight must be finite and at least 0");
  const auto start = Clock::now();
  const cv::Mat& rgb = prepared.rgb;
  auto sizes = prepared.plan.sizes;
  if (guide.final_size_only) sizes.erase(sizes.begin(), sizes.end() - 1);
  const auto toOutput = [&](const torch::Tensor& image) {
    cv::Mat stylised = resizeTo(tensorToRgb(image, convention_), rgb.size());
    if (options_.preserve_colors) stylised = keepContentColors(stylised, rgb);
    return fromRgb(stylised, prepared.format, prepared.content);
  };
  FrameProgress frame;
  frame.callback = on_progress;
  frame.scales = static_cast<int>(sizes.size());
  frame.flow_seconds = guide.flow_seconds;
  const auto stepsOfSize = [&](size_t i) {
    if (i + 1 == sizes.size()) return guide.steps >= 0 ? guide.steps : options_.steps;
    return options_.coarse_steps > 0 ? options_.coarse_steps : options_.steps;
  };
  for (size_t i = 0; i < sizes.size(); ++i) frame.total += stepsAtSize(sizes[i], stepsOfSize(i), options_);
  frame.to_output = toOutput;
  StylizeResult result;
  torch::Tensor image;
  for (size_t i = 0; i < sizes.size(); ++i) {
    const auto& size = sizes[i];
    frame.scale = static_cast<int>(i) + 1;
    const auto tensor = rgbToTensor(resizeTo(rgb, size), convention_, device_);
    checkContentSize(size.height, size.width);
    // Coarse to fine: each size starts from the last one's result, upsampled in float
    // (not through 8-bit RGB, which would round away the small differences).
    torch::Tensor initial;
    if (i > 0) initial = resizedTo(image, size);
    else if (guide.initial.defined()) initial = resizedTo(guide.initial.to(device_, torch::kFloat32), size);
    else initial = initialImage(size);
    TemporalTerm temporal;
    if (guide.temporal_target.defined() && guide.temporal_weight > 0)
      temporal = TemporalTerm{resizedTo(guide.temporal_target.to(device_, torch::kFloat32), size),
                              resizedTo(guide.temporal_mask.to(device_, torch::kFloat32), size),
                              guide.temporal_weight};
    image = stylizeAtSize(tensor, initial, stepsOfSize(i), frame, cancel, &result.final_losses,
                          temporal);
  }
  result.image = toOutput(image);
  result.processed = image;
  result.steps = frame.total;
  result.elapsed_seconds = secondsSince(start);
  return result;
}

}  // namespace neuralstyle
