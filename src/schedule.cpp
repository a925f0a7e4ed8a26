// SPDX-License-Identifier: LGPL-2.1-or-later
#include "schedule.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace neuralstyle::detail {

std::vector<cv::Size> scaleSchedule(cv::Size final_size, int scales, double factor,
                                    int minimum_side) {
  std::vector<cv::Size> sizes{final_size};
  for (int i = 1; i < scales; ++i) {
    const double shrink = std::pow(factor, i);
    const cv::Size size(static_cast<int>(std::lround(final_size.width / shrink)),
                        static_cast<int>(std::lround(final_size.height / shrink)));
    if (std::min(size.width, size.height) < minimum_side) break;
    sizes.insert(sizes.begin(), size);
  }
  return sizes;
}

bool needsTiles(cv::Size size, int tile_size) {
  return tile_size > 0 && (size.width > tile_size || size.height > tile_size);
}

namespace {

/// Start positions of tiles of length `tile` along a side of length `side`: as few as
/// overlap by at least `overlap`, spread evenly from one border to the other. The offset
/// grid starts halfway between those (plus both borders).
std::vector<int> tileStarts(int side, int tile, int overlap, bool offset) {
  if (side <= tile) return {0};
  const int count = 1 + (side - tile + (tile - overlap) - 1) / (tile - overlap);
  std::vector<int> starts;
  for (int i = 0; i < count; ++i)
    starts.push_back(static_cast<int>(std::lround(static_cast<double>(side - tile) * i / (count - 1))));
  if (!offset) return starts;
  std::vector<int> shifted{0};
  for (int i = 0; i + 1 < count; ++i) shifted.push_back((starts[i] + starts[i + 1]) / 2);
  shifted.push_back(side - tile);
  shifted.erase(std::unique(shifted.begin(), shifted.end()), shifted.end());
  return shifted;
}

}  // namespace

std::vector<cv::Rect> tileGrid(cv::Size size, int tile_size, int overlap, bool offset) {
  const int width = std::min(tile_size, size.width), height = std::min(tile_size, size.height);
  std::vector<cv::Rect> grid;
  for (int y : tileStarts(size.height, height, overlap, offset))
    for (int x : tileStarts(size.width, width, overlap, offset))
      grid.emplace_back(x, y, width, height);
  return grid;
}

std::vector<cv::Rect> pieceGrid(cv::Size size, int tile_size) {
  const auto bounds = [tile_size](int side) {
    const int count = (side + tile_size - 1) / tile_size;
    std::vector<int> edges;
    for (int i = 0; i <= count; ++i) edges.push_back(static_cast<int>(static_cast<int64_t>(side) * i / count));
    return edges;
  };
  const auto xs = bounds(size.width), ys = bounds(size.height);
  std::vector<cv::Rect> pieces;
  for (size_t j = 0; j + 1 < ys.size(); ++j)
    for (size_t i = 0; i + 1 < xs.size(); ++i)
      pieces.emplace_back(xs[i], ys[j], xs[i + 1] - xs[i], ys[j + 1] - ys[j]);
  return pieces;
}

}  // namespace neuralstyle::detail
