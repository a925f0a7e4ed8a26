// SPDX-License-Identifier: LGPL-2.1-or-later
// A Stylizer's style images and the Gram targets the style loss compares with: blended
// over several styles, kept per processing size until the options that shape them change.
#include <cmath>
#include <torch/torch.h>

#include "call_counts.hpp"
#include "neuralstyle/color.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image_tensor.hpp"
#include "schedule.hpp"
#include "style_loss.hpp"
#include "stylizer_engine.hpp"

namespace neuralstyle {
namespace {

/// Sizes whose style targets are kept at once; a stream whose size keeps changing
/// recomputes them instead of growing the cache.
constexpr size_t kMaxCachedTargetSizes = 8;

bool sameStyleTargets(const StyleOptions& a, const StyleOptions& b) {
  if (a.pooling != b.pooling || a.style_layers.size() != b.style_layers.size()) return false;
  for (size_t i = 0; i < a.style_layers.size(); ++i)
    if (a.style_layers[i].layer != b.style_layers[i].layer) return false;
  // The layer weights only scale the loss: the Gram targets stay valid.
  return a.style_scale == b.style_scale && a.gram_normalization == b.gram_normalization;
}

}  // namespace

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

namespace detail {

void StylizerEngine::setOptions(const StyleOptions& options) {
  auto resolved = options.resolvedFor(network_->network());
  if (!sameStyleTargets(resolved, options_)) {
    style_targets_.clear();
    for (auto& style : styles_) style.grams.clear();
  }
  network_->setPooling(resolved.pooling);
  options_ = std::move(resolved);
  options_stamp_ = nextOptionsStamp();
}

void StylizerEngine::setStyles(const std::vector<cv::Mat>& images, PixelFormat format,
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

std::vector<double> StylizerEngine::styleBlendWeights() const {
  std::vector<double> weights;
  for (const auto& style : styles_) weights.push_back(style.weight);
  return weights;
}

cv::Size StylizerEngine::styleProcessingSize(size_t index, cv::Size content_size) const {
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

const std::vector<torch::Tensor>& StylizerEngine::styleTargets(cv::Size size,
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

}  // namespace detail
}  // namespace neuralstyle
