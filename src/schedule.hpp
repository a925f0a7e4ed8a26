// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Where a frame is optimised: the sizes of a multi-scale run and the tiles of a tiled one.
// Pure geometry, no tensors, so that it is tested on its own.
#include <vector>
#include <opencv2/core.hpp>

namespace neuralstyle::detail {

/// The processing sizes from coarsest to finest for StyleOptions::scales and scale_factor:
/// the last is `final_size`, each earlier one `factor` times smaller (aspect kept, rounded).
/// A size whose shorter side would fall below `minimum_side` is left out, so there may
/// be fewer than `scales` (never fewer than one).
std::vector<cv::Size> scaleSchedule(cv::Size final_size, int scales, double factor,
                                    int minimum_side);

/// Whether an image of `size` is optimised in tiles (tile_size 0: never).
bool needsTiles(cv::Size size, int tile_size);

/// The tiles of one pass over an image of `size`: each is min(tile_size, side) on a side,
/// so every tile has the same size (the style targets are computed once for it), they
/// cover the image, and neighbours overlap by at least `overlap`. With `offset`, the grid
/// is shifted by half a tile step, so that the seams of the other pass fall inside tiles.
std::vector<cv::Rect> tileGrid(cv::Size size, int tile_size, int overlap, bool offset);

/// A partition of an image of `size` into near-equal pieces of at most `tile_size` a side
/// (so none is a thin sliver: each is more than half the tile on a side that is cut).
std::vector<cv::Rect> pieceGrid(cv::Size size, int tile_size);

}  // namespace neuralstyle::detail
