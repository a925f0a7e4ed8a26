// SPDX-License-Identifier: LGPL-2.1-or-later
// One processing size of a frame: the optimiser on the whole image, or, with
// StyleOptions::tile_size, tile by tile in two passes whose seams fall inside each other's
// tiles, with the style at the scale the whole image gives it.
#include <algorithm>
#include <torch/torch.h>

#include "neuralstyle/image_tensor.hpp"
#include "schedule.hpp"
#include "stylizer_engine.hpp"

namespace neuralstyle::detail {
namespace {

torch::Tensor crop(const torch::Tensor& image, const cv::Rect& rect) {
  return image.narrow(2, rect.y, rect.height).narrow(3, rect.x, rect.width);
}

}  // namespace

torch::Tensor StylizerEngine::stylizeAtSize(const torch::Tensor& content, const torch::Tensor& initial,
                                      int steps, FrameProgress& frame, const std::atomic<bool>* cancel,
                                      Losses* final_losses, const TemporalTerm& temporal) {
  const cv::Size size(static_cast<int>(content.size(3)), static_cast<int>(content.size(2)));
  const cv::Mat content_rgb =
      options_.color_match == ColorMatch::None ? cv::Mat() : tensorToRgb(content, convention_);
  const auto report = [&](Progress& progress, int tile, int tiles,
                          const std::function<torch::Tensor()>& whole_image) {
    progress.total_step = frame.done + progress.step;
    progress.total_steps = frame.total;
    progress.scale = frame.scale;
    progress.scales = frame.scales;
    progress.tile = tile;
    progress.tiles = tiles;
    progress.size = size;
    progress.elapsed_seconds = secondsSince(frame.start);
    progress.flow_seconds = frame.flow_seconds;
    if (frame.to_output) progress.image = [&] { return frame.to_output(whole_image()); };
    frame.callback(progress);
  };

  if (!needsTiles(size, options_.tile_size)) {
    auto result = optimise(content, initial, steps, styleTargets(size, content_rgb),
                           [&](Progress& progress, const torch::Tensor& image) {
                             if (frame.callback) report(progress, 0, 0, [&] { return image; });
                           },
                           cancel, final_losses, 1.0, {}, temporal);
    frame.done += steps;
    return result;
  }

  // Tiled: every tile has the same size, so the style targets are computed once for it
  // (colour-matched to the whole frame). Within a pass, each tile starts from the image
  // as the tiles before it left it and optimises only the pixels they did not write:
  // what they wrote is fixed context that the tile's texture continues, and every pixel
  // gets the steps once. The second pass runs in reverse order on a grid offset by half
  // a tile, so its seams fall inside the first pass's tiles, and vice versa. Measured on
  // a 512 px photograph with 256 px tiles (docs/library.md, Tiling): alpha-blending the overlaps
  // instead, or averaging overlapping tiles, gave pixels in the overlaps extra steps or
  // a blur of two textures, both visible as a grid.
  torch::NoGradGuard no_grad;
  const int tile_size = options_.tile_size, overlap = options_.tile_overlap;
  // The style keeps the scale the whole image gives it (tiling saves memory; it does
  // not change the look): its Gram matrices per position, times a tile's positions.
  const auto first_tile = tileGrid(size, tile_size, overlap, false).front();
  const auto& per_position = styleTargets(size, content_rgb, tile_size);
  std::vector<torch::Tensor> targets;
  {
    const auto indices = styleIndices();
    const auto tile_features = features(crop(content, first_tile).contiguous(memory_format_), indices);
    for (size_t l = 0; l < indices.size(); ++l)
      targets.push_back(options_.gram_normalization == GramNormalization::Positions
                            ? per_position[l]
                            : per_position[l] * static_cast<double>(tile_features[l].size(2) *
                                                                    tile_features[l].size(3)));
  }
  // The reference notebook's style loss grows with the positions (P) of the image and the normalised
  // one shrinks with them, while the content loss is a mean: weigh a tile's style loss
  // as the whole image's would be, so the balance of the two does not change.
  const double area_ratio = static_cast<double>(size.area()) / first_tile.area();
  const double style_balance =
      options_.gram_normalization == GramNormalization::Positions ? 1.0 / area_ratio : area_ratio;
  auto image = (initial.defined() ? initial : content).to(device_, torch::kFloat32).contiguous().clone();
  const int first_pass_steps = (steps + 1) / 2;
  for (int pass = 0; pass < 2; ++pass) {
    const int pass_steps = pass == 0 ? first_pass_steps : steps - first_pass_steps;
    if (pass_steps == 0 && pass == 1) continue;  // (pass 0 with 0 steps still reports losses)
    auto grid = tileGrid(size, tile_size, overlap, pass == 1);
    if (pass == 1) std::reverse(grid.begin(), grid.end());
    cv::Mat covered = cv::Mat::zeros(size, CV_8U);
    for (size_t t = 0; t < grid.size(); ++t) {
      const auto& rect = grid[t];
      cv::Mat unwritten;
      cv::compare(covered(rect), 0, unwritten, cv::CMP_EQ);
      unwritten.convertTo(unwritten, CV_32F, 1.0 / 255);
      const auto mask = torch::from_blob(unwritten.data, {1, 1, rect.height, rect.width}, torch::kFloat32)
                            .to(device_, /*non_blocking=*/false, /*copy=*/true);
      torch::Tensor result;
      {
        torch::AutoGradMode enable_grad(true);
        result = optimise(crop(content, rect), crop(image, rect), pass_steps, targets,
                          [&](Progress& progress, const torch::Tensor& tile_image) {
                            if (!frame.callback) return;
                            report(progress, static_cast<int>(t) + 1, static_cast<int>(grid.size()),
                                   [&] {
                                     auto whole = image.clone();
                                     crop(whole, rect).copy_(tile_image.detach());
                                     return whole;
                                   });
                          },
                          cancel, final_losses, style_balance, mask,
                          temporal.active() ? TemporalTerm{crop(temporal.target, rect),
                                                           crop(temporal.mask, rect), temporal.weight}
                                            : TemporalTerm{});
      }
      frame.done += pass_steps;
      crop(image, rect).copy_(result);  // (unchanged where the mask kept it)
      covered(rect).setTo(1);
    }
  }
  return image;
}

}  // namespace neuralstyle::detail
