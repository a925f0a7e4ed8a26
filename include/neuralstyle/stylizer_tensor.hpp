// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The tensor-level interface of a Stylizer, for code that works on normalised tensors:
// the VideoStylizer, benchmarks and tests. Images are normalised [1,3,H,W] float tensors
// in the weights' input convention (image_tensor.hpp converts them).
#include <atomic>
#include <memory>
#include <torch/types.h>

#include "neuralstyle/feature_network.hpp"
#include "neuralstyle/stylizer.hpp"

namespace neuralstyle {

/// Chooses the torch device: Auto = CUDA if available, else CPU. Throws DeviceError.
torch::Device resolveDevice(DeviceKind kind);

/// Gram matrix of a [1,d,h,w] feature: F' F'^T with F' = [d, h*w] (not normalised).
torch::Tensor gramMatrix(const torch::Tensor& feature);

/// What a video frame's optimisation is guided by (VideoStylizer makes it; a still needs
/// none). Tensors are normalised [1,3,H,W] (the mask [1,1,H,W]) at any size: they are
/// resized bilinearly to each processing size.
struct FrameGuide {
  /// Where the optimisation starts; undefined: StyleOptions::init.
  torch::Tensor initial;
  /// The temporal term temporal_weight * sum(c * (x - w)^2) / (H W): x the image being
  /// optimised, w this target (the previous result warped to this frame), c the
  /// per-pixel weight `temporal_mask` (1 where the flow is consistent, else 0), summed
  /// over channels and pixels, over the number of pixels H W. Undefined: no term.
  torch::Tensor temporal_target;
  torch::Tensor temporal_mask;
  double temporal_weight = 0;
  /// Steps at the final size instead of StyleOptions::steps; -1: those.
  int steps = -1;
  /// Optimise at the final size only (a start that already holds the coarse structure).
  bool final_size_only = false;
  /// Reported in every Progress of the frame.
  double flow_seconds = 0;
};

/// The device `stylizer` runs on.
torch::Device torchDevice(const Stylizer& stylizer);
/// The feature network `stylizer` computes its losses with (shared, on its device).
std::shared_ptr<FeatureNetworkImpl> featureNetwork(const Stylizer& stylizer);

/// Stylizer::stylize of a prepared frame, guided by `guide`: started from its image and
/// held by its temporal term. `processed`, if given, receives the result at the final
/// processing size, normalised [1,3,H,W] float on the stylizer's device, before the
/// conversion to 8 bits: what a next video frame starts from. Throws as stylize() does,
/// and ImageError or OptionsError for a malformed guide.
StylizeResult stylizeGuided(Stylizer& stylizer, const PreparedFrame& frame, const FrameGuide& guide,
                            const ProgressCallback& on_progress = {},
                            const std::atomic<bool>* cancel = nullptr,
                            torch::Tensor* processed = nullptr);

/// Optimises already normalised [1,3,H,W] content (on any device) at its own size and
/// returns the image (normalised, on the stylizer's device). It starts from `initial`
/// when given (normalised, the content's size), else from the content.
/// StyleOptions::init, scales, tile_size and preserve_colors are applied by stylize(),
/// not here.
torch::Tensor stylizeTensor(Stylizer& stylizer, const torch::Tensor& content,
                            const ProgressCallback& on_progress = {},
                            const std::atomic<bool>* cancel = nullptr,
                            Losses* final_losses = nullptr, const torch::Tensor& initial = {});

}  // namespace neuralstyle
