// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The content a network trains on: the images of the data folders and frames of their
// videos, split by source into training and held-out images, and random crops of them.
#include <opencv2/core.hpp>
#include <random>
#include <string>
#include <vector>
#include <torch/types.h>

#include "neuralstyle/trainer.hpp"

namespace neuralstyle::detail {

class TrainingData {
 public:
  /// Reads every image and video under `locations` (folders recursively, or files).
  /// A video gives up to kFramesPerVideo frames, evenly spaced. Images are kept with
  /// their shorter side at most 2 x crop_size (a crop's scale is drawn up to that).
  /// `held_out` of the sources (at least one), chosen by a hash of their file names (the
  /// same files split the same way wherever they are), never reach batch().
  /// Files that cannot be read are skipped and listed in summary(); throws ImageError
  /// if no image is left, or too few to hold one out.
  TrainingData(const std::vector<std::string>& locations, double held_out, int crop_size);

  static constexpr int kFramesPerVideo = 60;
  /// Crops whose pixel values deviate less than this (0..255, every channel) are drawn
  /// again, up to 8 times.
  static constexpr double kMinimumDeviation = 4.0;

  /// [batch,3,crop,crop] float RGB in 0..255 on the CPU: per image a source drawn at
  /// random, a square of a random side between crop_size and its shorter side, at a
  /// random place, scaled to crop_size, flipped left-right half the time; nearly flat
  /// crops are drawn again.
  torch::Tensor batch(std::mt19937_64& random, int batch_size) const;
  /// The held-out images' centre squares scaled to crop_size, [N,3,crop,crop] 0..255.
  torch::Tensor heldOutCrops() const;
  const std::vector<cv::Mat>& heldOut() const { return held_out_; }  ///< RGB 8-bit
  const TrainingDataSummary& summary() const { return summary_; }

 private:
  int crop_size_;
  std::vector<cv::Mat> training_;  ///< RGB 8-bit
  std::vector<cv::Mat> held_out_;
  TrainingDataSummary summary_;
};

/// RGB 8-bit images of one size -> [N,3,H,W] float 0..255.
torch::Tensor imagesToTensor(const std::vector<cv::Mat>& rgb8);

}  // namespace neuralstyle::detail
