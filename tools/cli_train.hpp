// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// `neuralstyle train`: trains a feed-forward network (neuralstyle::Trainer) and writes it
// as ONNX and safetensors, with progress, a loss log, sample sheets and checkpoints.
#include <atomic>
#include <string>
#include <vector>

namespace neuralstyle::cli {

/// Runs `neuralstyle train ARGS...` (`arguments` without "train"). `interrupted` is set
/// by Ctrl-C: the run then writes a checkpoint and the model so far, and throws
/// CancelledError. Returns the exit status; throws what the core throws, and UsageError.
int runTrain(const std::vector<std::string>& arguments, const std::atomic<bool>& interrupted);

}  // namespace neuralstyle::cli
