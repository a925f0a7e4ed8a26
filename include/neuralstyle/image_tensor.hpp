// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// RGB images to and from the network's input tensors, per the weights' input convention.
#include <opencv2/core.hpp>
#include <torch/types.h>

#include "neuralstyle/image.hpp"
#include "neuralstyle/input_convention.hpp"

namespace neuralstyle {

/// RGB 8-bit image -> normalised [1,3,H,W] float tensor on `device`, per `convention`.
torch::Tensor rgbToTensor(const cv::Mat& rgb, const InputConvention& convention,
                          const torch::Device& device);

/// Inverse of rgbToTensor: de-normalise, clamp to [0,1], scale and round to 8-bit RGB.
cv::Mat tensorToRgb(const torch::Tensor& tensor, const InputConvention& convention);

}  // namespace neuralstyle
