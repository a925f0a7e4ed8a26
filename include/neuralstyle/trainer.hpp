// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Training feed-forward style networks (Johnson et al. 2016) with the core's own losses:
// a TransformerNet of the pytorch/examples layout learns to give, in one pass, what the
// optimisation would converge to: content, Gram style and TV losses on VGG19 or
// SqueezeNet features, plus a temporal loss on synthetic motion that makes it steady on
// video. Its exports run in FeedForwardStylizer (ONNX through OpenCV, safetensors
// through LibTorch). Torch-free: the CLI and other front ends include it as it is.
#include <cstdint>
#include <memory>
#include <opencv2/core.hpp>
#include <optional>
#include <string>
#include <vector>

#include "neuralstyle/feed_forward.hpp"
#include "neuralstyle/networks.hpp"

namespace neuralstyle {

/// What a training run does. Every option is described once, in trainOptionSpecs().
struct TrainOptions {
  std::string style;               ///< the style image
  std::vector<std::string> data;   ///< folders (searched recursively) or files: images, videos
  std::string weights;             ///< the loss network's weights (loadWeights); empty = default location
  Network network = Network::Auto;  ///< which network the weights must hold
  int iterations = 10000;
  int batch_size = 4;
  int crop_size = 128;             ///< side of the square training crops, a multiple of 4
  int style_size = 256;            ///< longest side the style image is scaled to for its Grams
  int width = 16;                  ///< channels of the first layer (pytorch/examples: 32)
  int residual_blocks = 5;
  double learning_rate = 1e-3;     ///< Adam's
  double content_weight = 1.0;
  std::optional<double> style_weight;     ///< unset: the network's (trainingDefaults)
  std::string content_layer;              ///< empty: the network's
  std::vector<LayerWeight> style_layers;  ///< empty: the network's
  double tv_weight = 0.0;
  std::optional<double> temporal_weight;  ///< unset: the network's; 0: no temporal loss
  double held_out = 0.1;           ///< share of the data's sources kept out of training
  uint64_t seed = 0;
  int threads = 0;                 ///< CPU threads, 0 = all cores
  FeedForwardDevice device = FeedForwardDevice::Auto;  ///< Auto, Cpu or Cuda
  /// On the CPU, iterations reuse their large buffers (tensor_memory_cache.hpp; installs a
  /// CPU allocator for LibTorch process-wide). Not a flag: the CLI sets it from
  /// NEURALSTYLE_TENSOR_CACHE (environment.hpp).
  bool tensor_cache = true;

  /// Throws OptionsError naming the option and its range.
  void validate() const;
};

/// TrainOptions described once, as data (option_schema.hpp), in the order help shows
/// them: the CLI's `train` subcommand makes its flags, help and defaults from it.
const std::vector<OptionSpecOf<TrainOptions>>& trainOptionSpecs();

/// The loss settings training starts from per network (chosen by measurement:
/// docs/training.md). Its Gram matrices are normalised by positions (G = F F^T / (h w))
/// and the style loss is the mean over the batch, so the weights hold for any crop size
/// and batch.
struct TrainingDefaults {
  std::string content_layer;
  std::vector<LayerWeight> style_layers;
  double style_weight;
  double temporal_weight;
};
/// Throws OptionsError for Network::Auto.
const TrainingDefaults& trainingDefaults(Network network);

struct TrainLosses {
  double total = 0;
  double content = 0;   ///< weighted, as they add up to total
  double style = 0;
  double tv = 0;
  double temporal = 0;
};

/// Johnson et al.'s measure of a trained network on one image: how many L-BFGS steps
/// the optimisation, started from the content and run on the same losses (content,
/// style and TV, no temporal term), needs to reach the network's loss.
struct EquivalentSteps {
  double network_loss = 0;  ///< content + style + TV of the network's output
  int steps = -1;           ///< the first step at or below network_loss; -1: not within the limit
  std::vector<double> optimisation_losses;  ///< the optimised image's loss after 0 (the content), 1, 2, ... steps
};

/// What the data folders held.
struct TrainingDataSummary {
  int sources = 0;        ///< images and videos read
  int training_images = 0;  ///< images and video frames training draws crops from
  int held_out_images = 0;  ///< from the held-out sources
  std::vector<std::string> held_out_sources;  ///< the files held out, never trained on
  std::vector<std::string> skipped;  ///< files that could not be read, with the reason
};

/// Trains one network for one style. Not thread-safe.
class Trainer {
 public:
  /// Validates the options, loads the loss network, the style image and the data.
  /// Throws OptionsError, WeightsError, ImageError (style unreadable; data with no
  /// usable image, or too few to hold one out), DeviceError.
  explicit Trainer(const TrainOptions& options);
  ~Trainer();
  Trainer(Trainer&&) noexcept;
  Trainer& operator=(Trainer&&) noexcept;

  /// The options in force, unset values resolved for the network.
  const TrainOptions& options() const;
  const TrainingDataSummary& data() const;
  /// Iterations done (after resume(), the checkpoint's).
  int iteration() const;

  /// One iteration: a batch of random crops, the losses, one Adam step with the gradient
  /// clipped to a norm of 10. Returns that batch's losses (before the step). A batch
  /// whose gradient is beyond float range is not stepped on (skippedSteps()). Throws
  /// DivergedError if a loss is not finite, or after 50 such batches in a row.
  TrainLosses step();
  /// Iterations whose gradients were beyond float range, and so changed nothing.
  int skippedSteps() const;
  /// The losses of the network as it stands on the held-out images' centre crops
  /// (crop_size), without the temporal term: what the network does on images it never saw.
  TrainLosses evaluate();

  /// The network's output for an RGB 8-bit image of any size (processed at a size whose
  /// sides are multiples of 4, then resized back).
  cv::Mat stylize(const cv::Mat& rgb8);
  /// The network's output, as the exports compute it, for CV_32FC3 RGB in 0..255 whose
  /// sides are multiples of 4 (at least 8). Throws ImageError for another image.
  cv::Mat forward(const cv::Mat& rgb32f);
  /// Up to `rows` held-out images, each `side` pixels high: content | output.
  cv::Mat sampleSheet(int rows = 3, int side = 256);

  /// Everything resume() needs to continue bit for bit: weights, Adam's state, the data
  /// sampler's state, the iteration. Written atomically (safetensors).
  void saveCheckpoint(const std::string& path) const;
  /// Continues from a checkpoint. Throws WeightsError if it is not one, or is of another
  /// architecture (naming both).
  void resume(const std::string& path);

  /// Takes the network's weights from an export (exportSafetensors) or a checkpoint, to
  /// judge or fine-tune a trained network; Adam starts afresh. Throws WeightsError if the
  /// file holds no such network or one of another architecture (naming both).
  void loadModel(const std::string& path);
  /// The network against the optimisation on the RGB 8-bit image (its sides rounded to
  /// multiples of 4): L-BFGS as the optimisation path runs it (one iteration a step,
  /// history 100, rate 1), from the content, for at most `max_steps` steps.
  EquivalentSteps equivalentSteps(const cv::Mat& rgb8, int max_steps);
  /// The network in the pytorch/examples convention (1x3xHxW RGB 0..255 in and out),
  /// ONNX opset 9 written with ONNX's own classes, checked by onnx::checker, with
  /// metadata_props (style, its SHA-256, network, loss weights, iterations, convention).
  void exportOnnx(const std::string& path) const;
  /// The same weights and metadata as safetensors, for the LibTorch engine.
  void exportSafetensors(const std::string& path) const;

  /// One line: the architecture, the loss network, the device, the data.
  std::string describe() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralstyle
