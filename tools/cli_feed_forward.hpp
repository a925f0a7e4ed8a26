// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// `neuralstyle --model`: the planned frames through a feed-forward network, one pass a
// frame (neuralstyle::FeedForwardStylizer), with the numbering, slices and --resume of
// the optimisation's runs.
#include <atomic>

#include "cli_options.hpp"

namespace neuralstyle::cli {

/// Stylises and writes `plan`'s frames (their output folders prepared). A folder or a
/// pattern is one sequence: --temporal-blend carries from frame to frame, from the
/// slice's first planned frame (--overlap's lead-in frames are stylised, not written).
/// Progress goes to stderr unless --quiet. Throws the core's errors, InputError for an
/// output that cannot be written, and CancelledError once `interrupted` is set.
void runFeedForward(const Options& options, const FramePlan& plan, const std::atomic<bool>& interrupted);

}  // namespace neuralstyle::cli
