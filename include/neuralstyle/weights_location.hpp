// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Where weights are looked for when none are named. Torch-free: the element and the CLI
// name the location without compiling LibTorch's headers.
#include <string>

#include "neuralstyle/networks.hpp"

namespace neuralstyle {

/// The weights location used when none is given: $NEURALSTYLE_WEIGHTS, else the first
/// existing of $XDG_DATA_HOME/neuralstyle/vgg19.safetensors (~/.local/share/...),
/// <install prefix>/share/neuralstyle/vgg19.safetensors, then the same two places for
/// squeezenet1_1.safetensors; `network` other than Auto looks for that network's file
/// only. Empty if none exists.
std::string defaultWeightsLocation(Network network = Network::Auto);

}  // namespace neuralstyle
