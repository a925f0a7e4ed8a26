#pragma once
// VGG19 `features` weights and the input convention they were trained with.
#include <array>
#include <string>
#include <vector>
#include <torch/types.h>

namespace neuralstyle {

enum class ChannelOrder { RGB, BGR };

/// How pixels must be prepared for a given set of weights:
/// value = (pixel_in_[0,1] * scale - mean[c]) / std[c], channels in `order`.
struct InputConvention {
  ChannelOrder order = ChannelOrder::RGB;
  float scale = 1.0f;
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  std::string name = "torchvision (RGB, [0,1], ImageNet mean/std)";

  static InputConvention torchvision();
  /// The original VGG_ILSVRC_19_layers Caffe model: BGR, [0,255], mean subtraction.
  static InputConvention caffe();
};

/// The 16 convolutions of VGG19's feature extractor, in network order, as float32
/// tensors on the CPU: weight [out,in,3,3], bias [out].
struct Vgg19Weights {
  std::vector<torch::Tensor> conv_weights;
  std::vector<torch::Tensor> conv_biases;
  InputConvention convention;
  std::string source;  ///< where they came from, for messages ("random:7", a path)
};

/// torchvision's vgg19().features indices of the 16 convolutions (0, 2, 5, ... 34).
const std::array<int, 16>& vgg19ConvIndices();
/// Expected [out, in] channel counts of each of the 16 convolutions.
const std::array<std::array<int, 2>, 16>& vgg19ConvChannels();

/// Loads weights from a location:
///  - "random" or "random:SEED": seeded random VGG19 (explicit choice only);
///  - "*.safetensors": keys "N.weight"/"N.bias" or "features.N.weight"/... (F32/F16/BF16);
///  - "*.onnx": through OpenCV's ONNX importer, convolutions in network order;
///  - "*.caffemodel" or "*.prototxt": Caffe pair through OpenCV; the other file of the
///    pair is found beside it (STEM.prototxt, STEM_deploy.prototxt / STEM.caffemodel).
/// Throws WeightsError naming the file and the layer on any problem.
Vgg19Weights loadWeights(const std::string& location);

/// Seeded random VGG19 weights (Kaiming-normal filters, small non-zero biases).
Vgg19Weights randomWeights(uint64_t seed);

/// Checks count and shapes; throws WeightsError naming `source` and the layer.
void validateWeights(const Vgg19Weights& weights);

/// The weights location used when none is given: $NEURALSTYLE_WEIGHTS, else the first
/// existing of $XDG_DATA_HOME/neuralstyle/vgg19.safetensors (~/.local/share/...) and
/// <install prefix>/share/neuralstyle/vgg19.safetensors. Empty if none exists.
std::string defaultWeightsLocation();

}  // namespace neuralstyle
