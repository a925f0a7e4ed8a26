// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// On/off switches read from the environment (processSwitchesFromEnvironment, for the
// front ends: the core's classes take their settings as options).
#include <string>

namespace neuralstyle::detail {

/// Whether `variable` leaves its feature on: unset, empty, 1, on, true or yes (any case)
/// is on; 0, off, false or no is off. Anything else throws OptionsError naming the
/// variable and its value.
bool switchedOnByEnvironment(const std::string& variable);

}  // namespace neuralstyle::detail
