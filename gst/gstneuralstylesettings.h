// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's properties: the core's options, installed from the core's
 * option schema (neuralstyle/option_schema.hpp), and the element's own; the
 * values an element holds (Settings). Nothing here knows about an element
 * instance, its lock or its state. */
#ifndef __GST_NEURAL_STYLE_SETTINGS_H__
#define __GST_NEURAL_STYLE_SETTINGS_H__

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gstneuralstyle.h"

#include "neuralstyle/option_schema.hpp"

/* The element's own properties. The core's options have the ids 1 to N, in
 * the order of neuralstyle::optimisationOptions(). */
enum
{
  PROP_STYLE_LOCATION = 1000,
  PROP_STYLE_LOCATIONS,
  PROP_STYLE_BLEND_WEIGHTS,
  PROP_INIT_LOCATION,
  PROP_PUSH_INTERMEDIATE,
  PROP_MODE,
  PROP_INTERVAL,
};

namespace gstneuralstyle
{

/* A value the core refused the form of when it was set (a malformed
 * style-layer-weights list): start() reports it, as it reports any other value
 * that cannot work. */
struct RefusedValue
{
  std::string text;
  std::string reason;
};

/* The core's options the property values make, judged by the core. */
struct PreparedOptions
{
  neuralstyle::StyleOptions style;
  neuralstyle::VideoOptions video;
};

/* Property values. The element guards them with its object lock; the streaming
 * thread works on a copy taken at the start of each frame. */
struct Settings
{
  neuralstyle::OptionSet options;
  std::map<std::string, RefusedValue> refused;  /* by property name */
  /* style-location and style-locations are two views of this one list. */
  std::vector<std::string> style_locations;
  std::vector<gdouble> style_blend_weights;  /* empty: equal weights */
  std::string init_location;        /* empty: start as `init` says */
  gboolean push_intermediate = FALSE;
  GstNeuralStyleMode mode = GST_NEURAL_STYLE_MODE_EVERY_FRAME;
  guint interval = 10;
  /* Counts the values set, so that the frame path hands the core new options
   * only when one changed. */
  guint64 generation = 0;
  /* The options these values make, validated when they were set (while the
   * element runs) or when it started; empty in NULL and READY after a change,
   * until start() judges the values. The frame path builds no options. */
  std::optional<PreparedOptions> prepared;
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

/* An option's value as text, for messages ("cuda", "bfloat16"). */
std::string option_text (const Settings & settings, const char *name);

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

/* Makes settings->prepared: the values as the core's StyleOptions and
 * VideoOptions, validated by the core. FALSE, `why` and no prepared options
 * for a value the core refuses, or for style-blend-weights that do not give
 * one weight to each style image. Layer names are checked against `network`
 * (the one the element runs on); with Auto, before the weights say which
 * network it is, the stylizer checks them when it is made. */
gboolean prepare_options (Settings * settings, neuralstyle::Network network,
    InvalidSettings * why);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_SETTINGS_H__ */
