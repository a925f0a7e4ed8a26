// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Format readers behind loadWeights(); each returns unvalidated weights.
#include <string>

#include "neuralstyle/weights.hpp"

namespace neuralstyle::detail {

/// `network` Auto recognises the network from the tensors' names and shapes.
NetworkWeights readSafetensors(const std::string& path, Network network);
NetworkWeights readOnnx(const std::string& path);
NetworkWeights readCaffe(const std::string& prototxt, const std::string& caffemodel);

/// "conv4_2 (index 21)" for VGG19, "convolution '3.expand3x3'" for SqueezeNet: how
/// messages name the conv-th convolution of convSpecs(network).
std::string convLabel(Network network, size_t conv);

}  // namespace neuralstyle::detail
