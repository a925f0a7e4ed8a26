// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A feature network's weights (tensors) and the input convention they were trained with.
#include <array>
#include <string>
#include <vector>
#include <torch/types.h>

#include "neuralstyle/input_convention.hpp"
#include "neuralstyle/networks.hpp"
#include "neuralstyle/weights_location.hpp"

namespace neuralstyle {

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

}  // namespace neuralstyle
