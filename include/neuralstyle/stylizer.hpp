// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The reference notebook's Gatys et al. style transfer: one style, many content frames.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <tuple>
#include <memory>
#include <optional>
#include <opencv2/core.hpp>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "neuralstyle/frame_plan.hpp"
#include "neuralstyle/image.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/feature_network.hpp"
#include "neuralstyle/weights.hpp"

namespace neuralstyle {

struct Losses {
  double total = 0;
  double content = 0;  ///< unweighted content loss
  double style = 0;    ///< unweighted style loss (sum over layers of w_l * ... / (d h w))
  double tv = 0;       ///< unweighted total variation (0 when tv_weight is 0)
  double temporal = 0; ///< unweighted temporal term (0 without a FrameGuide target)
};

/// Reported for step k (1-based): the losses computed in step k, before its update, as
/// the reference notebook prints them.
struct Progress {
  int step = 0;   ///< within the current size (and tile)
  int steps = 0;  ///< of the current size (and tile)
  Losses losses;
  double elapsed_seconds = 0;  ///< since this frame's optimisation began
  /// Steps done in this frame over every size and tile, and their total: what a caller
  /// counts intermediate results by. Equal to step/steps for one size and no tiles.
  int total_step = 0;
  int total_steps = 0;
  int scale = 1;       ///< 1-based index of the current size (StyleOptions::scales)
  int scales = 1;
  int tile = 0;        ///< 1-based index of the current tile in its pass; 0 = not tiled
  int tiles = 0;       ///< tiles in the current pass
  cv::Size size;       ///< the current processing size
  /// Seconds spent on optical flow for this frame before its optimisation began
  /// (VideoStylizer; 0 for a frame without a previous one).
  double flow_seconds = 0;
  /// The image as it stands after this step, in the caller's format and size (only from
  /// Stylizer::stylize; empty from stylizeTensor), valid during the callback only. With
  /// tiles, the tile being optimised is shown in the image as the other tiles left it.
  /// Converting it syncs the device and costs a resize: call it only when it is wanted.
  std::function<cv::Mat()> image;
};

using ProgressCallback = std::function<void(const Progress&)>;

struct StylizeResult {
  cv::Mat image;          ///< in the caller's format and size
  /// Losses of the last step at the final size (with tiles: of the last tile; of the
  /// starting image itself if steps=0).
  Losses final_losses;
  int steps = 0;           ///< over every size and tile (Progress::total_steps)
  double elapsed_seconds = 0;
  /// The result at the final processing size, normalised [1,3,H,W] float on the
  /// stylizer's device, before the conversion to 8 bits: what a next video frame starts
  /// from (VideoStylizer).
  torch::Tensor processed;
};

/// What a video frame's optimisation is guided by (VideoStylizer makes it; a still needs
/// none). Tensors are normalised [1,3,H,W] (the mask [1,1,H,W]) at any size: they are
/// resized bilinearly to each processing size.
struct FrameGuide {
  /// Where the optimisation starts; undefined: StyleOptions::init.
  torch::Tensor initial;
  /// The temporal term temporal_weight * sum(c * (x - w)^2) / (H W): x the image being
  /// optimised, w this target (the previous result warped to this frame), c the
  /// per-pixel weight `temporal_mask` (1 where the flow is consistent, else 0), summed
  /// over channels and pixels, over the number of pixels H W. Undefined: no term.
  torch::Tensor temporal_target;
  torch::Tensor temporal_mask;
  double temporal_weight = 0;
  /// Steps at the final size instead of StyleOptions::steps; -1: those.
  int steps = -1;
  /// Optimise at the final size only (a start that already holds the coarse structure).
  bool final_size_only = false;
  /// Reported in every Progress of the frame.
  double flow_seconds = 0;
};

/// A frame converted to RGB and planned once (Stylizer::prepareFrame): what the
/// VideoStylizer, which needs the RGB frame for its flow too, hands to Stylizer::stylize.
struct PreparedFrame {
  cv::Mat content;  ///< as the caller gave it (a fourth channel is kept through)
  PixelFormat format = PixelFormat::RGB;
  cv::Mat rgb;      ///< toRgb(content, format)
  FramePlan plan;
};

/// Chooses the torch device: Auto = CUDA if available, else CPU. Throws DeviceError.
torch::Device resolveDevice(DeviceKind kind);
/// Sets torch's intra-op thread count (0 = all cores).
void configureThreads(int threads);

class Stylizer {
 public:
  /// Loads the weights and moves the network to the device. Throws WeightsError,
  /// DeviceError, OptionsError.
  Stylizer(const EngineOptions& engine, StyleOptions options = {});
  Stylizer(const NetworkWeights& weights, torch::Device device, StyleOptions options = {},
           Precision precision = Precision::Float32,
           Convolution convolution = Convolution::Auto);

  /// The options in force, with every unset value resolved to the network's default.
  const StyleOptions& options() const { return options_; }
  /// Takes effect at the next stylize(); style targets are recomputed only if needed.
  /// Throws OptionsError (naming the network for an unknown layer) and keeps the old options.
  void setOptions(const StyleOptions& options);

  /// Sets the style image (any size; it is resized to each content's processing size,
  /// as the reference notebook does, or scaled by StyleOptions::style_scale). Throws ImageError.
  void setStyle(const cv::Mat& image, PixelFormat format);
  /// Several style images: the style targets are the blend sum_i w_i G_i of each one's
  /// Gram matrices, with the weights normalised to sum 1 (none given: equal weights).
  /// Each style's Gram matrices are kept until the size or the layers change; a style
  /// of weight 0 is not computed. Throws ImageError, OptionsError (weights negative, not
  /// finite, all 0, or not one per image); the styles in force then stay.
  void setStyles(const std::vector<cv::Mat>& images, PixelFormat format,
                 std::vector<double> blend_weights = {});
  bool hasStyle() const { return !styles_.empty(); }
  /// The blend weights in force, normalised.
  std::vector<double> styleBlendWeights() const;
  /// How a frame of `frame` pixels is processed with the options in force (planFrame):
  /// its sizes coarse to fine, the max-size raised for a thin frame, its steps and cost.
  FramePlan planFrame(cv::Size frame) const;
  /// `content` converted to RGB and planned, once, for stylize(). Throws ImageError.
  PreparedFrame prepareFrame(const cv::Mat& content, PixelFormat format) const;
  /// The size style image `index` is processed at for a content processing size (with
  /// tiles: the tile's size).
  cv::Size styleProcessingSize(size_t index, cv::Size content_size) const;

  /// The image that StyleOptions::init = Init::Image starts from (any size: it is resized
  /// to each frame's processing size). Throws ImageError.
  void setInitImage(const cv::Mat& image, PixelFormat format);

  /// The smallest side an image is processed at with the options in force: the network
  /// must reach its deepest layer in use (VGG19 to conv5_1: 16; SqueezeNet to fire6: 17).
  /// stylize() scales smaller processing sizes up to it (minimumProcessingSide).
  int64_t minimumSide() const;

  /// Stylises one frame: at each size of StyleOptions::scales, coarse to fine, each size
  /// starting from the previous one's result upsampled, whole or in tiles. `cancel`, if
  /// given, is polled between steps; when it becomes true the run stops with
  /// CancelledError. Throws ImageError, DivergedError, ...
  /// `guide` starts it from a given image and adds a temporal term (video).
  StylizeResult stylize(const cv::Mat& content, PixelFormat format,
                        const ProgressCallback& on_progress = {},
                        const std::atomic<bool>* cancel = nullptr,
                        const FrameGuide& guide = {});
  /// The same for a frame prepareFrame made (with the options still in force: else
  /// OptionsError), so that a caller that needs the RGB frame too converts it once.
  StylizeResult stylize(const PreparedFrame& frame, const ProgressCallback& on_progress = {},
                        const std::atomic<bool>* cancel = nullptr,
                        const FrameGuide& guide = {});

  /// Tensor-level entry point (already normalised [1,3,H,W] content on any device).
  /// Returns the optimised target tensor (normalised, on the stylizer's device). It
  /// starts from `initial` when given (normalised, the content's size), else from the
  /// content. It optimises at the content's size only: StyleOptions::init, scales,
  /// tile_size and preserve_colors are applied by stylize(), not here.
  torch::Tensor stylizeTensor(const torch::Tensor& content,
                              const ProgressCallback& on_progress = {},
                              const std::atomic<bool>* cancel = nullptr,
                              Losses* final_losses = nullptr,
                              const torch::Tensor& initial = {});

  torch::Device device() const { return device_; }
  Precision precision() const {
    return compute_dtype_ == torch::kBFloat16 ? Precision::BFloat16 : Precision::Float32;
  }
  Convolution convolution() const { return network_->convolution(); }
  const InputConvention& convention() const { return convention_; }
  std::shared_ptr<FeatureNetworkImpl> network() const { return network_; }
  /// Whether frames reuse large CPU buffers (EngineOptions::tensor_cache, true for a
  /// Stylizer made from weights, and the device is the CPU).
  bool reusesTensorMemory() const { return tensor_cache_ && device_.is_cpu(); }

 private:
  struct FrameProgress;
  /// A FrameGuide's temporal term at one size (or tile).
  struct TemporalTerm {
    torch::Tensor target, mask;
    double weight = 0;
    bool active() const { return target.defined() && weight > 0; }
  };
  /// The optimisation at one size, whole or in tiles (StyleOptions::tile_size), from
  /// `initial` (normalised, the content's size; undefined: the content).
  torch::Tensor stylizeAtSize(const torch::Tensor& content, const torch::Tensor& initial,
                              int steps, FrameProgress& progress, const std::atomic<bool>* cancel,
                              Losses* final_losses, const TemporalTerm& temporal);
  /// Called at each reporting step with the image being optimised.
  using StepReport = std::function<void(Progress&, const torch::Tensor& image)>;
  /// `steps` steps of the optimiser on `content` (checked, normalised [1,3,H,W]).
  /// `style_balance` multiplies the style loss (a tile's: see stylizeAtSize). Where
  /// `update_mask` ([1,1,H,W]) is 0, the image keeps its value.
  torch::Tensor optimise(const torch::Tensor& content, const torch::Tensor& initial, int steps,
                         const std::vector<torch::Tensor>& style_targets, const StepReport& on_step,
                         const std::atomic<bool>* cancel, Losses* final_losses,
                         double style_balance, const torch::Tensor& update_mask,
                         const TemporalTerm& temporal);
  void checkContentSize(int64_t height, int64_t width) const;
  std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const torch::Tensor& target) const;
  /// The blended Gram targets for a content processing size, computed once per size and
  /// kept until the styles or the options that shape them change. With a content image
  /// (RGB), the style's colours are matched to it first (StyleOptions::color_match); such
  /// targets belong to that content and are not kept. With `tile_size`, the targets are
  /// the style's Gram matrices per position (sum F F^T / positions) at the scale the
  /// whole `size` gives it, computed in pieces of at most tile_size a side.
  const std::vector<torch::Tensor>& styleTargets(cv::Size size, const cv::Mat& content_rgb = {},
                                                 int tile_size = 0);
  /// The normalised image the optimisation starts from for StyleOptions::init, at `size`;
  /// undefined for Init::Content.
  torch::Tensor initialImage(cv::Size size) const;
  std::vector<int> requestedIndices() const;  ///< the content layer's, then styleIndices()
  std::vector<int> styleIndices() const;
  /// Float32 activations at `indices`, whatever the network's precision.
  std::vector<torch::Tensor> features(const torch::Tensor& image, const std::vector<int>& indices);

  /// What style targets were computed for: the content processing size, and the tile
  /// size (0: whole) they were computed in pieces of.
  using SizeKey = std::tuple<int, int, int>;
  torch::Device device_;
  torch::MemoryFormat memory_format_ = torch::MemoryFormat::Contiguous;
  torch::Dtype compute_dtype_ = torch::kFloat32;
  InputConvention convention_;
  std::shared_ptr<FeatureNetworkImpl> network_;
  StyleOptions options_;  // resolved for network_
  struct StyleSource {
    cv::Mat rgb;
    double weight = 1;  ///< normalised blend weight
    std::map<SizeKey, std::vector<torch::Tensor>> grams;  ///< per style layer, per size
  };
  std::vector<StyleSource> styles_;
  cv::Mat init_rgb_;
  /// The blend, one per options_.style_layers entry, per content processing size.
  std::map<SizeKey, std::vector<torch::Tensor>> style_targets_;
  std::vector<torch::Tensor> colour_matched_targets_;  ///< the current frame's, not kept
  bool tensor_cache_ = true;
};

/// Gram matrix of a [1,d,h,w] feature: F' F'^T with F' = [d, h*w] (not normalised).
torch::Tensor gramMatrix(const torch::Tensor& feature);

}  // namespace neuralstyle
