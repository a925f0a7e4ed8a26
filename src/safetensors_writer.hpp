// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Writes safetensors files (the format safetensors.hpp reads): the trainer's exports and
// checkpoints.
#include <map>
#include <string>
#include <utility>
#include <vector>
#include <torch/types.h>

namespace neuralstyle::detail {

/// Writes `tensors` (float32 or uint8, any device; stored in the order given) and
/// `metadata` to `path`, through a temporary file beside it that is renamed over `path`
/// at the end: an interrupted write never leaves a half-written file under that name.
/// Throws WeightsError naming the file if it cannot be written.
void writeSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata);

}  // namespace neuralstyle::detail
