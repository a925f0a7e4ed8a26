// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What is behind a Stylizer (its pimpl), and the seams its work is split along:
//   stylizer_setup.cpp    the device, the threads, the network moved to its device;
//   style_targets.cpp     the style images and their blended Gram targets;
//   stylizer_objective.*  the loss of an image (content, style, TV, temporal);
//   stylizer_optimise.cpp the optimiser loop at one size;
//   stylizer_tiles.cpp    one size, whole or in tiles;
//   stylizer_frame.cpp    a frame: its sizes coarse to fine, and the tensor entry point;
//   stylizer.cpp          the public Stylizer, forwarding here.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <tuple>
#include <vector>
#include <opencv2/core.hpp>
#include <torch/optim/optimizer.h>
#include <torch/types.h>

#include "neuralstyle/feature_network.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/stylizer_tensor.hpp"
#include "neuralstyle/weights.hpp"

namespace neuralstyle::detail {

using Clock = std::chrono::steady_clock;

inline double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// A FrameGuide's temporal term at one size (or tile).
struct TemporalTerm {
  torch::Tensor target, mask;
  double weight = 0;
  bool active() const { return target.defined() && weight > 0; }
};

/// What a frame's progress reports carry across sizes and tiles.
struct FrameProgress {
  ProgressCallback callback;
  Clock::time_point start = Clock::now();
  int done = 0;  ///< steps finished in earlier sizes and tiles
  int total = 0;
  int scale = 1, scales = 1;
  double flow_seconds = 0;
  /// The optimised image so far at the current size (normalised), for Progress::image.
  std::function<cv::Mat(const torch::Tensor& image_at_size)> to_output;
};

/// A new value each call, in the whole process.
uint64_t nextOptionsStamp();

/// Called at each reporting step with the image being optimised.
using StepReport = std::function<void(Progress&, const torch::Tensor& image)>;

class StylizerEngine {
 public:
  /// Throws OptionsError for a convolution the device or precision cannot run.
  StylizerEngine(const NetworkWeights& weights, torch::Device device, const StyleOptions& options,
                 Precision precision, Convolution convolution);

  const StyleOptions& options() const { return options_; }
  void setOptions(const StyleOptions& options);
  /// Unique to these options of this engine, in the process (PreparedFrame::options_stamp).
  uint64_t optionsStamp() const { return options_stamp_; }

  void setStyles(const std::vector<cv::Mat>& images, PixelFormat format,
                 std::vector<double> blend_weights);
  bool hasStyle() const { return !styles_.empty(); }
  std::vector<double> styleBlendWeights() const;
  cv::Size styleProcessingSize(size_t index, cv::Size content_size) const;
  void setInitImage(const cv::Mat& image, PixelFormat format);
  int64_t minimumSide() const;

  /// A frame at each of its plan's sizes (stylizer_frame.cpp).
  StylizeResult stylize(const PreparedFrame& frame, const FrameGuide& guide,
                        const ProgressCallback& on_progress, const std::atomic<bool>* cancel,
                        torch::Tensor* processed);
  torch::Tensor stylizeTensor(const torch::Tensor& content, const ProgressCallback& on_progress,
                              const std::atomic<bool>* cancel, Losses* final_losses,
                              const torch::Tensor& initial);

  torch::Device device() const { return device_; }
  bool bfloat16() const { return compute_dtype_ == torch::kBFloat16; }
  const InputConvention& convention() const { return convention_; }
  const std::shared_ptr<FeatureNetworkImpl>& network() const { return network_; }
  bool reusesTensorMemory() const { return tensor_cache_ && device_.is_cpu(); }
  void setTensorCache(bool enabled) { tensor_cache_ = enabled; }

 private:
  /// The optimisation at one size, whole or in tiles (StyleOptions::tile_size), from
  /// `initial` (normalised, the content's size; undefined: the content).
  torch::Tensor stylizeAtSize(const torch::Tensor& content, const torch::Tensor& initial,
                              int steps, FrameProgress& progress, const std::atomic<bool>* cancel,
                              Losses* final_losses, const TemporalTerm& temporal);
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
  uint64_t options_stamp_ = nextOptionsStamp();
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

/// How the tensor-level interface reaches a Stylizer's engine.
struct StylizerAccess {
  static StylizerEngine& engine(Stylizer& stylizer) { return *stylizer.engine_; }
  static const StylizerEngine& engine(const Stylizer& stylizer) { return *stylizer.engine_; }
};

}  // namespace neuralstyle::detail
