// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Umbrella header of the neuralstyle core (no GStreamer here, by design).
#include "neuralstyle/errors.hpp"
#include "neuralstyle/feature_network.hpp"
#include "neuralstyle/feed_forward.hpp"
#include "neuralstyle/image.hpp"
#include "neuralstyle/networks.hpp"
#include "neuralstyle/option_schema.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/squeezenet.hpp"
#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/temporal.hpp"
#include "neuralstyle/video_stylizer.hpp"
#include "neuralstyle/vgg19.hpp"
#include "neuralstyle/weights.hpp"
