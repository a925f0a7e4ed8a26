#pragma once
// Umbrella header of the neuralstyle core (no GStreamer here, by design).
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/vgg19.hpp"
#include "neuralstyle/weights.hpp"
