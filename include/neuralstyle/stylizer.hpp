// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The reference notebook's Gatys et al. style transfer: one style, many content frames.
// Torch-free: the tensor-level interface (normalised tensors, the device, the feature
// network, frame guides for video) is in stylizer_tensor.hpp.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>
#include <opencv2/core.hpp>

#include "neuralstyle/frame_plan.hpp"
#include "neuralstyle/image.hpp"
#include "neuralstyle/input_convention.hpp"
#include "neuralstyle/options.hpp"

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
};

/// A frame converted to RGB and planned once (Stylizer::prepareFrame): what the
/// VideoStylizer, which needs the RGB frame for its flow too, hands to Stylizer::stylize.
struct PreparedFrame {
  cv::Mat content;  ///< as the caller gave it (a fourth channel is kept through)
  PixelFormat format = PixelFormat::RGB;
  cv::Mat rgb;      ///< toRgb(content, format)
  FramePlan plan;
  /// Which options of which Stylizer planned it: stylize() refuses a frame planned with
  /// options no longer in force (or by another Stylizer).
  uint64_t options_stamp = 0;
};

/// Sets LibTorch's intra-op thread count (0 = all cores). Throws OptionsError.
void configureThreads(int threads);

struct NetworkWeights;
namespace detail {
class StylizerEngine;
struct StylizerAccess;
}  // namespace detail

class Stylizer {
 public:
  /// Loads the weights and moves the network to the device. Throws WeightsError,
  /// DeviceError, OptionsError.
  Stylizer(const EngineOptions& engine, StyleOptions options = {});
  /// `device` Auto: CUDA if available, else the CPU.
  Stylizer(const NetworkWeights& weights, DeviceKind device, StyleOptions options = {},
           Precision precision = Precision::Float32,
           Convolution convolution = Convolution::Auto);
  ~Stylizer();
  Stylizer(Stylizer&&) noexcept;
  Stylizer& operator=(Stylizer&&) noexcept;

  /// The options in force, with every unset value resolved to the network's default.
  const StyleOptions& options() const;
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
  bool hasStyle() const;
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
  StylizeResult stylize(const cv::Mat& content, PixelFormat format,
                        const ProgressCallback& on_progress = {},
                        const std::atomic<bool>* cancel = nullptr);
  /// The same for a frame this Stylizer's prepareFrame made, with the options still in
  /// force (else OptionsError), so that a caller that needs the RGB frame too converts it
  /// once.
  StylizeResult stylize(const PreparedFrame& frame, const ProgressCallback& on_progress = {},
                        const std::atomic<bool>* cancel = nullptr);

  Network network() const;
  /// Where it runs: CPU or CUDA (never Auto).
  DeviceKind device() const;
  /// "cpu", "cuda", ... for messages.
  std::string deviceName() const;
  Precision precision() const;
  Convolution convolution() const;
  const InputConvention& convention() const;
  /// Whether frames reuse large CPU buffers (EngineOptions::tensor_cache, true for a
  /// Stylizer made from weights, and the device is the CPU).
  bool reusesTensorMemory() const;

 private:
  friend struct detail::StylizerAccess;  // the tensor-level interface (stylizer_tensor.hpp)
  std::unique_ptr<detail::StylizerEngine> engine_;
};

}  // namespace neuralstyle
