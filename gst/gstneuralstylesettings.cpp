// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's properties: the core's options from the core's option schema,
 * and the element's own. */
#include "gstneuralstylesettings.h"

#include <cmath>

#include "gstneuralstyleenums.h"
#include "gstoptionschema.h"

/* Settings compile without LibTorch's headers: the build stops here if an
 * include brings them back. */
#ifdef C10_MACROS_EXPORT_H_
#error "this file must not include LibTorch headers"
#endif

namespace gstneuralstyle
{

static const std::vector<neuralstyle::OptionSpec> &
schema (void)
{
  return neuralstyle::optimisationOptions ();
}

/* The core's option behind `prop_id`, or NULL for the element's own. */
static const neuralstyle::OptionSpec *
option_of (guint prop_id)
{
  return prop_id >= 1 && prop_id <= schema ().size ()?
      &schema ()[prop_id - 1] : NULL;
}

void
install_properties (GObjectClass * gobject_class)
{
  const auto playing = static_cast<GParamFlags> (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_PLAYING);
  const Settings defaults;

  for (size_t i = 0; i < schema ().size (); ++i)
    g_object_class_install_property (gobject_class, static_cast<guint> (i + 1),
        param_spec_of (schema ()[i], schema ()[i].defaultValue (),
            "GstNeuralStyle"));
  g_object_class_install_property (gobject_class, PROP_STYLE_LOCATION,
      g_param_spec_string ("style-location", "Style image location",
          "Image whose style is transferred (any format OpenCV reads, e.g. "
          "PNG or JPEG). Required, unless style-locations is set. Setting it "
          "sets style-locations to this one image; it reads back the first of "
          "style-locations. A new location set while playing is used from the "
          "next frame on", NULL, playing));
  g_object_class_install_property (gobject_class, PROP_STYLE_LOCATIONS,
      gst_param_spec_array ("style-locations", "Style image locations",
          "Several style images, blended: the style targets are the sum of "
          "each image's Gram matrices weighted by style-blend-weights "
          "(gst-launch: style-locations=\"<a.jpg, b.jpg>\"). The same list as "
          "style-location: whichever is set last wins",
          g_param_spec_string ("style-location", "Style image location",
              "A style image", NULL, static_cast<GParamFlags> (
                  G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS)), playing));
  g_object_class_install_property (gobject_class, PROP_STYLE_BLEND_WEIGHTS,
      gst_param_spec_array ("style-blend-weights", "Style blend weights",
          "One weight >= 0 for each of style-locations (gst-launch: "
          "style-blend-weights=\"<0.7, 0.3>\"), normalised to sum 1; empty: "
          "equal weights. A count that differs from the style images' is "
          "refused (to change both while playing, empty this first)",
          g_param_spec_double ("style-blend-weight", "Style blend weight",
              "The weight of one style image", 0.0, G_MAXDOUBLE, 1.0,
              static_cast<GParamFlags> (G_PARAM_READWRITE |
                  G_PARAM_STATIC_STRINGS)), playing));
  g_object_class_install_property (gobject_class, PROP_INIT_LOCATION,
      g_param_spec_string ("init-location", "Init image location",
          "An image to start each frame's optimisation from (resized to the "
          "processing size) instead of what init says; unset: init",
          NULL, playing));
  g_object_class_install_property (gobject_class, PROP_PUSH_INTERMEDIATE,
      g_param_spec_boolean ("push-intermediate", "Post intermediate images",
          "At every progress message, also post a neuralstyle-intermediate "
          "element message whose \"sample\" holds the image as it stands (a "
          "GstSample with the output caps); no extra buffers are pushed",
          defaults.push_intermediate, playing));
  g_object_class_install_property (gobject_class, PROP_MODE,
      g_param_spec_enum ("mode", "Mode",
          "Which frames are optimised: every-frame; interval (every "
          "interval-th frame, the others are the last optimised frame warped "
          "onto them); keyframes (buffers without the DELTA_UNIT flag and "
          "the frame after a force-key-unit event; the others warped); live "
          "(never blocks: each frame goes out at once, warped from the newest "
          "optimised frame, while a worker thread optimises the newest "
          "input). A change while playing applies from the next frame, which "
          "starts afresh", GST_TYPE_NEURAL_STYLE_MODE, defaults.mode,
          playing));
  g_object_class_install_property (gobject_class, PROP_INTERVAL,
      g_param_spec_uint ("interval", "Interval",
          "With mode=interval: frames 0, N, 2N, ... (counted since the start "
          "or the last flush) are optimised", 1, G_MAXINT,
          defaults.interval, playing));
}

gboolean
is_engine_property (guint prop_id)
{
  const neuralstyle::OptionSpec *spec = option_of (prop_id);
  return spec && spec->change == neuralstyle::OptionChange::BeforeStart;
}

static void
set_string (std::string & target, const GValue * value) noexcept
{
  const gchar *text = g_value_get_string (value);
  target = text ? text : "";
}

/* The strings of a GstValueArray (its param spec made them strings; NULL
 * entries are kept as empty strings, which the checks refuse). */
static void
set_strings (std::vector<std::string> & target, const GValue * value) noexcept
{
  target.clear ();
  for (guint i = 0; i < gst_value_array_get_size (value); ++i) {
    const GValue *item = gst_value_array_get_value (value, i);
    const gchar *text = G_VALUE_HOLDS_STRING (item) ?
        g_value_get_string (item) : NULL;
    target.push_back (text ? text : "");
  }
}

static void
set_doubles (std::vector<gdouble> & target, const GValue * value) noexcept
{
  target.clear ();
  for (guint i = 0; i < gst_value_array_get_size (value); ++i) {
    const GValue *item = gst_value_array_get_value (value, i);
    target.push_back (G_VALUE_HOLDS_DOUBLE (item) ?
        g_value_get_double (item) : NAN);
  }
}

static void
set_option (Settings & settings, const neuralstyle::OptionSpec & spec,
    const GValue * value) noexcept
{
  const neuralstyle::OptionValue option = option_value (spec, value);
  try {
    spec.set (settings.options, option);
    settings.refused.erase (spec.name);
  } catch (const std::exception & e) {
    settings.refused[spec.name] =
        {neuralstyle::formatOptionValue (spec, option), e.what ()};
  }
}

static void
get_option (const Settings & settings, const neuralstyle::OptionSpec & spec,
    GValue * value)
{
  const auto refused = settings.refused.find (spec.name);
  if (refused != settings.refused.end ()) {
    g_value_set_string (value, refused->second.text.c_str ());
    return;
  }
  set_gvalue (spec, spec.get (settings.options), value);
}

static gboolean
set_own_setting (Settings & settings, guint prop_id, const GValue * value)
    noexcept
{
  switch (prop_id) {
    case PROP_STYLE_LOCATION:{
      /* NULL and "" both unset it, as before style-locations existed. */
      const gchar *location = g_value_get_string (value);
      settings.style_locations.clear ();
      if (location && *location)
        settings.style_locations.push_back (location);
      break;
    }
    case PROP_STYLE_LOCATIONS:
      set_strings (settings.style_locations, value);
      break;
    case PROP_STYLE_BLEND_WEIGHTS:
      set_doubles (settings.style_blend_weights, value);
      break;
    case PROP_INIT_LOCATION:
      set_string (settings.init_location, value);
      break;
    case PROP_PUSH_INTERMEDIATE:
      settings.push_intermediate = g_value_get_boolean (value);
      break;
    case PROP_MODE:
      settings.mode = static_cast<GstNeuralStyleMode> (g_value_get_enum (value));
      break;
    case PROP_INTERVAL:
      settings.interval = g_value_get_uint (value);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

gboolean
set_setting (Settings & settings, guint prop_id, const GValue * value) noexcept
{
  if (const neuralstyle::OptionSpec * spec = option_of (prop_id))
    set_option (settings, *spec, value);
  else if (!set_own_setting (settings, prop_id, value))
    return FALSE;
  ++settings.generation;
  settings.prepared.reset ();
  return TRUE;
}

gboolean
get_setting (const Settings & settings, guint prop_id, GValue * value)
{
  if (const neuralstyle::OptionSpec * spec = option_of (prop_id)) {
    get_option (settings, *spec, value);
    return TRUE;
  }
  switch (prop_id) {
    case PROP_STYLE_LOCATION:
      g_value_set_string (value, settings.style_locations.empty ()? NULL :
          settings.style_locations.front ().c_str ());
      break;
    case PROP_STYLE_LOCATIONS:
      for (const auto & location : settings.style_locations) {
        GValue item = G_VALUE_INIT;
        g_value_init (&item, G_TYPE_STRING);
        g_value_set_string (&item, location.c_str ());
        gst_value_array_append_and_take_value (value, &item);
      }
      break;
    case PROP_STYLE_BLEND_WEIGHTS:
      for (const gdouble weight : settings.style_blend_weights) {
        GValue item = G_VALUE_INIT;
        g_value_init (&item, G_TYPE_DOUBLE);
        g_value_set_double (&item, weight);
        gst_value_array_append_and_take_value (value, &item);
      }
      break;
    case PROP_INIT_LOCATION:
      g_value_set_string (value, settings.init_location.empty ()? NULL :
          settings.init_location.c_str ());
      break;
    case PROP_PUSH_INTERMEDIATE:
      g_value_set_boolean (value, settings.push_intermediate);
      break;
    case PROP_MODE:
      g_value_set_enum (value, settings.mode);
      break;
    case PROP_INTERVAL:
      g_value_set_uint (value, settings.interval);
      break;
    default:
      return FALSE;
  }
  return TRUE;
}

std::string
option_text (const Settings & settings, const char *name)
{
  const neuralstyle::OptionSpec *spec = neuralstyle::findOption (schema (), name);
  return spec ? neuralstyle::formatOptionValue (*spec,
      spec->get (settings.options)) : std::string ("?");
}

std::string
style_locations_problem (const std::vector<std::string> & locations)
{
  if (locations.empty ())
    return "No style image set: set the style-location (or style-locations) "
        "property.";
  for (const auto & location : locations) {
    if (location.empty ())
      return "A style image location in style-locations is empty.";
    if (!g_file_test (location.c_str (), G_FILE_TEST_EXISTS))
      return "Style image \"" + location + "\" does not exist.";
  }
  return std::string ();
}

std::string
init_location_problem (const std::string & location)
{
  if (!location.empty ()
      && !g_file_test (location.c_str (), G_FILE_TEST_EXISTS))
    return "Init image \"" + location + "\" does not exist.";
  return std::string ();
}

/* One weight per style image, or none; the core judges the values. */
static gboolean
blend_weights_fit (const Settings & settings, InvalidSettings * why)
{
  const size_t weights = settings.style_blend_weights.size ();
  const size_t styles = settings.style_locations.size ();

  if (weights == 0 || weights == styles)
    return TRUE;
  *why = {"style-blend-weights has " + std::to_string (weights) +
        " weight(s) for " + std::to_string (styles) + " style image(s): give "
        "one weight to each image of style-locations, or none for equal "
        "weights.", ""};
  return FALSE;
}

static gboolean
blend_weights_valid (const Settings & settings, InvalidSettings * why)
{
  double sum = 0;
  for (const gdouble weight : settings.style_blend_weights)
    sum += weight;
  if (settings.style_blend_weights.empty () || sum > 0)
    return TRUE;
  *why = {"style-blend-weights are all 0: give at least one style image a "
        "weight.", ""};
  return FALSE;
}

static gboolean
make_style_options (const Settings & settings, neuralstyle::Network network,
    neuralstyle::StyleOptions * options, InvalidSettings * why)
{
  if (!settings.refused.empty ()) {
    const auto & [name, refused] = *settings.refused.begin ();
    *why = {"Invalid " + name + " \"" + refused.text + "\".", refused.reason};
    return FALSE;
  }
  *options = settings.options.style;
  if (!settings.init_location.empty ())
    options->init = neuralstyle::Init::Image;
  if (!blend_weights_fit (settings, why) || !blend_weights_valid (settings, why))
    return FALSE;
  if (network != neuralstyle::Network::Auto) {
    try {
      for (const auto & layer : options->style_layers)
        neuralstyle::featureLayer (network, layer.layer);
    } catch (const std::exception & e) {
      *why = {"Invalid style-layer-weights \"" + option_text (settings,
              "style-layer-weights") + "\".", e.what ()};
      return FALSE;
    }
    try {
      if (!options->content_layer.empty ())
        neuralstyle::featureLayer (network, options->content_layer);
    } catch (const std::exception & e) {
      *why = {"Invalid content-layer \"" + options->content_layer + "\".",
        e.what ()};
      return FALSE;
    }
  }
  try {
    options->validate ();
  } catch (const std::exception & e) {
    *why = {"Invalid neuralstyle settings.", e.what ()};
    return FALSE;
  }
  return TRUE;
}

static gboolean
make_video_options (const Settings & settings,
    neuralstyle::VideoOptions * options, InvalidSettings * why)
{
  *options = settings.options.video;
  try {
    options->validate ();
  } catch (const std::exception & e) {
    *why = {"Invalid neuralstyle video settings (temporal-weight, "
          "steps-per-frame, scene-cut-threshold).", e.what ()};
    return FALSE;
  }
  return TRUE;
}

gboolean
prepare_options (Settings * settings, neuralstyle::Network network,
    InvalidSettings * why)
{
  PreparedOptions prepared;

  settings->prepared.reset ();
  if (!make_style_options (*settings, network, &prepared.style, why)
      || !make_video_options (*settings, &prepared.video, why))
    return FALSE;
  settings->prepared = std::move (prepared);
  return TRUE;
}

}  // namespace gstneuralstyle
