// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A feature network's weights and the input convention they were trained with.
#include <array>
#include <string>
#include <vector>
#include <torch/types.h>

#include "neuralstyle/networks.hpp"

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

/// The weighted convolutions of a network's feature extractor, in the order of
/// convSpecs(network), as float32 tensors on the CPU: weight [out,in,k,k], bias [out].
struct NetworkWeights {
  Network network = Network::VGG19;  ///< never Auto
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
///  - "random" or "random:SEED": seeded random weights of `network` (VGG19 for Auto;
///    explicit choice only);
///  - "*.safetensors": torchvision's keys, "N.weight"/"N.bias" or "features.N.weight"/...
///    (SqueezeNet: "features.3.squeeze.weight", ...), F32/F16/BF16, with or without the
///    classifier. The network is recognised from the names and shapes;
///  - "*.onnx": VGG19 through OpenCV's ONNX importer, convolutions in network order;
///  - "*.caffemodel" or "*.prototxt": a VGG19 Caffe pair through OpenCV; the other file
///    of the pair is found beside it (STEM.prototxt, STEM_deploy.prototxt / STEM.caffemodel).
/// `network` other than Auto must match what the file holds. Throws WeightsError naming
/// the file and the layer on any problem, OptionsError for a malformed random seed.
NetworkWeights loadWeights(const std::string& location, Network network = Network::Auto);

/// Seeded random weights (Kaiming-normal filters, small non-zero biases). Auto = VGG19.
NetworkWeights randomWeights(uint64_t seed, Network network = Network::VGG19);

/// Checks count and shapes against convSpecs(weights.network); throws WeightsError
/// naming `source` and the layer.
void validateWeights(const NetworkWeights& weights);

/// The weights location used when none is given: $NEURALSTYLE_WEIGHTS, else the first
/// existing of $XDG_DATA_HOME/neuralstyle/vgg19.safetensors (~/.local/share/...),
/// <install prefix>/share/neuralstyle/vgg19.safetensors, then the same two places for
/// squeezenet1_1.safetensors; `network` other than Auto looks for that network's file
/// only. Empty if none exists.
std::string defaultWeightsLocation(Network network = Network::Auto);

}  // namespace neuralstyle
