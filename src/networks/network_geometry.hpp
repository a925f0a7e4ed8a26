// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// SqueezeNet 1.1's poolings as sizes, without tensors: the network's forward pass and the
// torch-free frame planner (minimumInputSide) share them.
#include <cstdint>

namespace neuralstyle::detail {

/// Layers (positions in featureLayerNames) that a 3x3 stride-2 pooling follows:
/// conv1, fire3 and fire5 (torchvision's features.2, .5 and .8).
inline bool squeezeNetPoolFollows(int layer) { return layer == 0 || layer == 2 || layer == 4; }

/// Output size of a 3x3 stride-2 pooling in ceil mode, as PyTorch computes it (0 if none):
/// ceil((size - 3) / 2) + 1, where the last window may hang over the edge but must start
/// inside the input. A 2-pixel side still gives one output.
inline int64_t squeezeNetPooledSize(int64_t size) {
  if (size < 2) return 0;
  int64_t out = (size - 2) / 2 + 1;
  if ((out - 1) * 2 >= size) --out;
  return out;
}

}  // namespace neuralstyle::detail
