// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The process-wide switches a user sets in the environment, for the front ends (the
// plugin, the CLI) to read and hand to the core through its options. An application that
// embeds the element cannot pass options the element has no property for; the variables
// reach it instead. The library's classes never read the environment themselves.

namespace neuralstyle {

struct ProcessSwitches {
  /// NEURALSTYLE_TENSOR_CACHE: reuse large CPU buffers across steps, frames and training
  /// iterations (EngineOptions::tensor_cache, FeedForwardOptions::tensor_cache,
  /// TrainOptions::tensor_cache).
  bool tensor_cache = true;
  /// NEURALSTYLE_PROCESS_SETTINGS: let the Stylizer set LibTorch's process-wide thread
  /// count and generator (EngineOptions::process_settings).
  bool process_settings = true;
};

/// Reads both variables: unset, empty, 1, on, true or yes (any case) is on; 0, off, false
/// or no is off. Throws OptionsError naming a variable whose value is anything else.
ProcessSwitches processSwitchesFromEnvironment();

}  // namespace neuralstyle
