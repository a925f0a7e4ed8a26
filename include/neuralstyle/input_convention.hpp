// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// How a network's input pixels are prepared: what weights were trained with. Torch-free.
#include <array>
#include <string>

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

}  // namespace neuralstyle
