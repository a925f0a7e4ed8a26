// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Feed-forward style transfer (Johnson et al. 2016): one pass of a trained network
// (pytorch/examples' TransformerNet, or any ONNX model of its convention) per frame,
// instead of an optimisation. Torch-free on purpose: programs that only run ONNX models
// through OpenCV include this header without LibTorch's.
//
// Model convention (pytorch/examples, the ONNX model zoo's fast-neural-style): input
// 1x3xHxW float32 RGB in 0..255, output the same; values outside 0..255 are clamped
// when the result is converted to 8 bits.
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "neuralstyle/option_schema.hpp"

namespace neuralstyle {

/// What runs the network.
enum class FeedForwardEngine {
  Auto,      ///< by the model file: OpenCV for .onnx, LibTorch for .safetensors
  OpenCV,    ///< cv::dnn on an ONNX file (after the core's ONNX gate)
  LibTorch,  ///< the core's TransformerNet module on safetensors weights
};
/// "auto", "opencv", "libtorch".
std::string toString(FeedForwardEngine engine);
/// Inverse of toString; throws OptionsError naming the accepted values.
FeedForwardEngine parseFeedForwardEngine(const std::string& name);

/// Where the network runs.
enum class FeedForwardDevice {
  Auto,    ///< CUDA where the engine has it, else the CPU
  Cpu,
  OpenCL,  ///< OpenCV engine only: cv::dnn's OpenCL target
  Cuda,
};
/// "auto", "cpu", "opencl", "cuda".
std::string toString(FeedForwardDevice device);
/// Inverse of toString; throws OptionsError naming the accepted values.
FeedForwardDevice parseFeedForwardDevice(const std::string& name);

struct FeedForwardOptions {
  std::string model;  ///< .onnx (OpenCV engine) or .safetensors (LibTorch engine)
  FeedForwardEngine engine = FeedForwardEngine::Auto;
  FeedForwardDevice device = FeedForwardDevice::Auto;
  /// Longest side of the processing size, at most; 0 = the frame's own size. Each side
  /// is then rounded to a multiple of 4 (the network halves the size twice), at least 8.
  int max_size = 0;
  /// 0..1: the stylised result blended with the frame (1: the network's output alone).
  double strength = 1.0;
  /// Keep the frame's colours: the result's luminance with the frame's chroma
  /// (keepContentColors of color.hpp).
  bool preserve_colors = false;
  /// [0, 1): weight of the previous output, warped onto this frame by optical flow,
  /// where the flow is consistent (frameConsistency of temporal.hpp). 0 = off.
  double temporal_blend = 0.0;
  /// Threads of the engine's library (process-wide, as OpenCV's and LibTorch's thread
  /// counts are); 0 = all cores (Debian's LibTorch would otherwise run on one).
  int threads = 0;
  /// The LibTorch engine on the CPU reuses a frame's large buffers from frame to frame
  /// (tensor_memory_cache.hpp; the first frame installs a CPU allocator for LibTorch
  /// process-wide). false leaves LibTorch's allocator alone. Not a property: the element
  /// and the CLI set it from NEURALSTYLE_TENSOR_CACHE (environment.hpp).
  bool tensor_cache = true;

  /// Throws OptionsError naming the option and its range.
  void validate() const;
};

/// FeedForwardOptions described once, as data (option_schema.hpp): the fastneuralstyle
/// element's properties and the CLI's --model options are made from this table.
const std::vector<OptionSpecOf<FeedForwardOptions>>& feedForwardOptionSpecs();

/// Stylises frames with one feed-forward network. Not thread-safe: one stylizer per
/// stream (the temporal blend keeps the previous frame).
class FeedForwardStylizer {
 public:
  /// Validates the options and loads the model. Throws OptionsError for bad options,
  /// WeightsError naming the file and the reason for a missing, refused or unloadable
  /// model, DeviceError for a device this build cannot use.
  explicit FeedForwardStylizer(const FeedForwardOptions& options);
  ~FeedForwardStylizer();
  FeedForwardStylizer(FeedForwardStylizer&&) noexcept;
  FeedForwardStylizer& operator=(FeedForwardStylizer&&) noexcept;

  /// `rgb8`: CV_8UC3 RGB, any size of at least 1x1. Returns CV_8UC3 RGB of the same
  /// size. Throws ImageError for another type or an empty image.
  cv::Mat stylize(const cv::Mat& rgb8);
  /// Forgets the previous frame (flush, seek, caps change): the next frame is not blended.
  void resetTemporal();

  /// Whether adjust() can take `options`: they name the same model, engine, device and
  /// threads, so the loaded network serves them.
  bool canAdjustTo(const FeedForwardOptions& options) const;
  /// Takes new per-frame options (max_size, strength, preserve_colors, temporal_blend)
  /// from the next frame on, without loading the network again; the temporal blend goes
  /// on unless the processing size changes. Throws OptionsError for invalid options or
  /// ones canAdjustTo() refuses.
  void adjust(const FeedForwardOptions& options);

  /// The engine actually used (never Auto).
  FeedForwardEngine engine() const;
  /// Engine, backend and target in words, for logs and bus messages.
  std::string describe() const;
  const FeedForwardOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neuralstyle
