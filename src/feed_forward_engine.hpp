// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The seam between FeedForwardStylizer (sizes, blending, colours, time) and what runs
// the network. Each engine takes the frame at the processing size and returns the
// network's raw output; everything else is the stylizer's, so both engines share it.
#include <map>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "neuralstyle/feed_forward.hpp"

namespace neuralstyle::detail {

/// The size a frame is processed at (feed_forward.cpp says how and why).
cv::Size feedForwardProcessingSize(cv::Size frame, int max_size);

/// What a model's input and output pixels are, from the "convention" entry of its
/// metadata (ONNX metadata_props, safetensors __metadata__): "rgb-0-255", the
/// pytorch/examples convention and the default, or "bgr-0-255". Throws WeightsError
/// naming `path` for another value.
struct ModelConvention {
  bool bgr = false;
  static ModelConvention fromMetadata(const std::map<std::string, std::string>& metadata,
                                      const std::string& path);
};

class FeedForwardNetwork {
 public:
  virtual ~FeedForwardNetwork() = default;
  /// `pixels`: CV_32FC3 in 0..255 in the model's channel order (convention()), sides
  /// multiples of 4. Returns the network's output as CV_32FC3 of the same size and
  /// order, unclamped.
  virtual cv::Mat run(const cv::Mat& pixels) = 0;
  /// The model's pixel convention.
  virtual ModelConvention convention() const = 0;
  /// Engine, backend and target in words.
  virtual std::string describe() const = 0;
};

/// An ONNX model through cv::dnn, after the ONNX gate (OnnxRequirement::FeedForward).
/// Throws WeightsError naming `path` and the reason, DeviceError for an unusable device.
std::unique_ptr<FeedForwardNetwork> openOpenCvNetwork(const std::string& path,
                                                      FeedForwardDevice device, int threads);

/// A TransformerNet from safetensors weights, in LibTorch. Throws WeightsError naming
/// `path` and the key at fault, DeviceError for an unusable device.
std::unique_ptr<FeedForwardNetwork> openLibTorchNetwork(const std::string& path,
                                                        FeedForwardDevice device, int threads,
                                                        bool tensor_cache);

}  // namespace neuralstyle::detail
