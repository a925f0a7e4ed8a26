// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The tile transforms of the portable Winograd F(4x4, 3x3), compiled once per instruction
// set (winograd_f43_transforms.inc) and chosen at run time. Internal to the core.
#include <cstdint>

#include "cpu_features.hpp"

namespace neuralstyle::detail {

/// An image's geometry for the transforms, and its 4x4 output tiles.
struct WinogradTileGrid {
  int64_t height, width, channels;  // of the image being read or written
  int64_t tiles_y, tiles_x, tiles;  // 4x4 output tiles per image (tiles = tiles_y * tiles_x)
  int64_t pad;                      // the convolution's zero padding (0 or 1)
};

struct WinogradF43Kernels {
  /// V[36][count][C] = B^T d B for tiles [first, first + count) of a channels-last image.
  void (*transform_input)(const float* image, const WinogradTileGrid& grid, int64_t first,
                          int64_t count, float* v);
  /// A^T m A (+ bias, ReLU) from M[36][count][slice] into output channels
  /// [k_first, k_first + slice) of a channels-last image.
  void (*transform_output)(const float* m, const WinogradTileGrid& grid, int64_t k_first,
                           int64_t slice, const float* bias, bool relu, int64_t first,
                           int64_t count, float* image);
  CpuIsa isa;
};

/// The transforms compiled for the best instruction set `isa` allows.
const WinogradF43Kernels& winogradF43Kernels(CpuIsa isa);

}  // namespace neuralstyle::detail
