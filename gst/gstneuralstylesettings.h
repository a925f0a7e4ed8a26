// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's properties: their defaults, their GParamSpecs, the values an
 * element holds (Settings) and their mapping to the core's StyleOptions. Nothing
 * here knows about an element instance, its lock or its state. */
#ifndef __GST_NEURAL_STYLE_SETTINGS_H__
#define __GST_NEURAL_STYLE_SETTINGS_H__

#include <string>
#include <vector>

#include "gstneuralstyle.h"

#include "neuralstyle/options.hpp"
#include "neuralstyle/video_stylizer.hpp"

#define DEFAULT_PROP_STYLE_LOCATION NULL
#define DEFAULT_PROP_WEIGHTS_LOCATION NULL
#define DEFAULT_PROP_STEPS 2000
/* 0 (learning rate), -1 (style weight) and NULL (layers): the network's own
 * defaults (neuralstyle::networkDefaults; VGG19's are the reference notebook's). */
#define DEFAULT_PROP_LEARNING_RATE 0.0
#define DEFAULT_PROP_OPTIMIZER GST_NEURAL_STYLE_OPTIMIZER_ADAM
#define DEFAULT_PROP_CONTENT_WEIGHT 1.0
#define DEFAULT_PROP_STYLE_WEIGHT -1.0
#define DEFAULT_PROP_STYLE_LAYER_WEIGHTS NULL
#define DEFAULT_PROP_CONTENT_LAYER NULL
#define DEFAULT_PROP_NETWORK GST_NEURAL_STYLE_NETWORK_AUTO
#define DEFAULT_PROP_MAX_SIZE 400
#define DEFAULT_PROP_POOLING GST_NEURAL_STYLE_POOLING_MAX
#define DEFAULT_PROP_DEVICE GST_NEURAL_STYLE_DEVICE_AUTO
#define DEFAULT_PROP_PRECISION GST_NEURAL_STYLE_PRECISION_FLOAT32
#define DEFAULT_PROP_CONVOLUTION GST_NEURAL_STYLE_CONVOLUTION_AUTO
#define DEFAULT_PROP_THREADS 0
#define DEFAULT_PROP_SEED 0
#define DEFAULT_PROP_PROGRESS_INTERVAL 10
#define DEFAULT_PROP_TV_WEIGHT 0.0
/* 0: the style stretched to the frame's processing size (the notebook's). */
#define DEFAULT_PROP_STYLE_SCALE 0.0
#define DEFAULT_PROP_GRAM_NORMALIZATION GST_NEURAL_STYLE_GRAM_NORMALIZATION_NONE
#define DEFAULT_PROP_PRESERVE_COLORS FALSE
#define DEFAULT_PROP_COLOR_MATCH GST_NEURAL_STYLE_COLOR_MATCH_NONE
#define DEFAULT_PROP_INIT GST_NEURAL_STYLE_INIT_PREVIOUS_WARPED
#define DEFAULT_PROP_INIT_LOCATION NULL
#define DEFAULT_PROP_SCALES 1
#define DEFAULT_PROP_COARSE_STEPS 0
#define DEFAULT_PROP_SCALE_FACTOR 2.0
#define DEFAULT_PROP_TILE_SIZE 0
#define DEFAULT_PROP_TILE_OVERLAP 32
#define DEFAULT_PROP_PUSH_INTERMEDIATE FALSE
/* temporal-weight, steps-per-frame and scene-cut-threshold default to the
 * core's neuralstyle::VideoOptions, whose defaults bench/flicker.py chose. */
#define DEFAULT_PROP_MODE GST_NEURAL_STYLE_MODE_EVERY_FRAME
#define DEFAULT_PROP_INTERVAL 10

enum
{
  PROP_0,
  PROP_STYLE_LOCATION,
  PROP_WEIGHTS_LOCATION,
  PROP_STEPS,
  PROP_LEARNING_RATE,
  PROP_OPTIMIZER,
  PROP_CONTENT_WEIGHT,
  PROP_STYLE_WEIGHT,
  PROP_STYLE_LAYER_WEIGHTS,
  PROP_CONTENT_LAYER,
  PROP_MAX_SIZE,
  PROP_POOLING,
  PROP_DEVICE,
  PROP_PRECISION,
  PROP_CONVOLUTION,
  PROP_THREADS,
  PROP_SEED,
  PROP_PROGRESS_INTERVAL,
  PROP_NETWORK,
  PROP_STYLE_LOCATIONS,
  PROP_STYLE_BLEND_WEIGHTS,
  PROP_TV_WEIGHT,
  PROP_STYLE_SCALE,
  PROP_GRAM_NORMALIZATION,
  PROP_PRESERVE_COLORS,
  PROP_COLOR_MATCH,
  PROP_INIT,
  PROP_INIT_LOCATION,
  PROP_SCALES,
  PROP_COARSE_STEPS,
  PROP_SCALE_FACTOR,
  PROP_TILE_SIZE,
  PROP_TILE_OVERLAP,
  PROP_PUSH_INTERMEDIATE,
  PROP_TEMPORAL_WEIGHT,
  PROP_STEPS_PER_FRAME,
  PROP_SCENE_CUT_THRESHOLD,
  PROP_MODE,
  PROP_INTERVAL,
};

namespace gstneuralstyle
{

/* Property values. The element guards them with its object lock; the streaming
 * thread works on a copy taken at the start of each frame. */
struct Settings
{
  /* style-location and style-locations are two views of this one list. */
  std::vector<std::string> style_locations;
  std::vector<gdouble> style_blend_weights;  /* empty: equal weights */
  std::string weights_location;
  guint steps = DEFAULT_PROP_STEPS;
  gdouble learning_rate = DEFAULT_PROP_LEARNING_RATE;
  GstNeuralStyleOptimizer optimizer = DEFAULT_PROP_OPTIMIZER;
  gdouble content_weight = DEFAULT_PROP_CONTENT_WEIGHT;
  gdouble style_weight = DEFAULT_PROP_STYLE_WEIGHT;
  std::string style_layer_weights;  /* empty: the network's */
  std::string content_layer;        /* empty: the network's */
  GstNeuralStyleNetwork network = DEFAULT_PROP_NETWORK;
  guint max_size = DEFAULT_PROP_MAX_SIZE;
  GstNeuralStylePooling pooling = DEFAULT_PROP_POOLING;
  GstNeuralStyleDevice device = DEFAULT_PROP_DEVICE;
  GstNeuralStylePrecision precision = DEFAULT_PROP_PRECISION;
  GstNeuralStyleConvolution convolution = DEFAULT_PROP_CONVOLUTION;
  guint threads = DEFAULT_PROP_THREADS;
  guint64 seed = DEFAULT_PROP_SEED;
  guint progress_interval = DEFAULT_PROP_PROGRESS_INTERVAL;
  gdouble tv_weight = DEFAULT_PROP_TV_WEIGHT;
  gdouble style_scale = DEFAULT_PROP_STYLE_SCALE;
  GstNeuralStyleGramNormalization gram_normalization =
      DEFAULT_PROP_GRAM_NORMALIZATION;
  gboolean preserve_colors = DEFAULT_PROP_PRESERVE_COLORS;
  GstNeuralStyleColorMatch color_match = DEFAULT_PROP_COLOR_MATCH;
  GstNeuralStyleInit init = DEFAULT_PROP_INIT;
  std::string init_location;        /* empty: start as `init` says */
  guint scales = DEFAULT_PROP_SCALES;
  guint coarse_steps = DEFAULT_PROP_COARSE_STEPS;  /* 0: steps */
  gdouble scale_factor = DEFAULT_PROP_SCALE_FACTOR;
  guint tile_size = DEFAULT_PROP_TILE_SIZE;
  guint tile_overlap = DEFAULT_PROP_TILE_OVERLAP;
  gboolean push_intermediate = DEFAULT_PROP_PUSH_INTERMEDIATE;
  /* -1: the network's */
  gdouble temporal_weight =
      neuralstyle::VideoOptions {}.temporal_weight.value_or (-1.0);
  gint steps_per_frame = neuralstyle::VideoOptions {}.steps_per_frame;
  gdouble scene_cut_threshold = neuralstyle::VideoOptions {}.scene_cut_threshold;
  GstNeuralStyleMode mode = DEFAULT_PROP_MODE;
  guint interval = DEFAULT_PROP_INTERVAL;
};

/* Installs every property on the element's class. */
void install_properties (GObjectClass * klass);

/* Properties that shape the engine (weights, device, ...): they apply when the
 * element starts, so they can only change in the NULL or READY state. */
gboolean is_engine_property (guint prop_id);

/* Stores `value` in the field of `prop_id` (FALSE for an unknown id). noexcept:
 * running out of memory aborts, as g_malloc does, instead of letting
 * std::bad_alloc unwind through GObject with the object lock held. */
gboolean set_setting (Settings & settings, guint prop_id,
    const GValue * value) noexcept;

/* Reads the field of `prop_id` into `value` (FALSE for an unknown id). */
gboolean get_setting (const Settings & settings, guint prop_id, GValue * value);

/* Why settings cannot become StyleOptions: `summary` names the property for the
 * user, `detail` is the core's reason. */
struct InvalidSettings
{
  std::string summary;
  std::string detail;
};

/* Why `locations` cannot be the style images, for the user (naming the first
 * one at fault); empty when they can as far as the file system tells (reading
 * the pictures is the frame's job). */
std::string style_locations_problem (const std::vector<std::string> & locations);

/* Why `location` cannot be the init image; empty when it can as far as the
 * file system tells, or when it is empty (no init image). */
std::string init_location_problem (const std::string & location);

/* Maps the settings to the core's options and validates them with the core;
 * FALSE and `why` for a value the core refuses, or for style-blend-weights
 * that do not give one weight to each style image. Layer names are checked against
 * `network` (the one the element runs on); with Auto, before the weights say
 * which network it is, the stylizer checks them when it is made. */
gboolean make_style_options (const Settings & settings,
    neuralstyle::Network network, neuralstyle::StyleOptions * options,
    InvalidSettings * why);

/* The video settings (init, temporal-weight, steps-per-frame,
 * scene-cut-threshold) as the core's VideoOptions, validated by the core;
 * FALSE and `why` for a value it refuses. */
gboolean make_video_options (const Settings & settings,
    neuralstyle::VideoOptions * options, InvalidSettings * why);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_SETTINGS_H__ */
