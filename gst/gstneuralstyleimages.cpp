// SPDX-License-Identifier: LGPL-2.1-or-later
/* The images the element reads from files: the style images (style-location,
 * style-locations, with style-blend-weights) and the init image
 * (init-location). Checked and read when the element starts, where a problem
 * is an error; read again at the frame after they change while playing, where
 * a problem is a warning and the images in force stay. */
#include <stdexcept>

#include "gstneuralstyleprivate.h"
#include "neuralstyle/image.hpp"

#define GST_CAT_DEFAULT gst_neural_style_debug

namespace gstneuralstyle
{

namespace
{

/* Why the image at `location` could not be read: the file, then the core's
 * reason. */
struct UnreadableImage:std::runtime_error
{
  UnreadableImage (const std::string & location, const std::string & why)
  :std::runtime_error (why), location (location)
  {
  }
  std::string location;
};

cv::Mat
read_image (const std::string & location)
{
  try {
    return neuralstyle::readRgbImage (location);
  } catch (const std::exception & e) {
    throw UnreadableImage (location, e.what ());
  }
}

/* Reads the style images into the stylizer; throws UnreadableImage, or what
 * setStyles throws. */
void
read_styles (GstNeuralStyle * self, Processing & processing,
    const std::vector<std::string> & locations,
    const std::vector<gdouble> & weights)
{
  std::vector<cv::Mat> images;

  for (const auto & location : locations)
    images.push_back (read_image (location));
  processing.stylizer->setStyles (images, neuralstyle::PixelFormat::RGB,
      weights);
  processing.loaded_styles = locations;
  processing.loaded_blend_weights = weights;
  for (const auto & location : locations)
    GST_INFO_OBJECT (self, "style image %s", location.c_str ());
}

void
read_init (GstNeuralStyle * self, Processing & processing,
    const std::string & location)
{
  processing.stylizer->setInitImage (read_image (location),
      neuralstyle::PixelFormat::RGB);
  processing.loaded_init = location;
  GST_INFO_OBJECT (self, "init image %s", location.c_str ());
}

/* The style images' locations joined for a message: "a.png", "b.png". */
std::string
quoted_list (const std::vector<std::string> & locations)
{
  std::string text;
  for (const auto & location : locations)
    text += (text.empty ()? "\"" : ", \"") + location + "\"";
  return text.empty ()? "none" : text;
}

}  // namespace

gboolean
check_image_locations (GstNeuralStyle * self, const Settings & settings)
{
  std::string problem = style_locations_problem (settings.style_locations);

  if (problem.empty ())
    problem = init_location_problem (settings.init_location);
  if (problem.empty ())
    return TRUE;
  GST_ELEMENT_ERROR (self, RESOURCE, NOT_FOUND, ("%s", problem.c_str ()),
      (NULL));
  return FALSE;
}

gboolean
load_first_images (GstNeuralStyle * self, Processing & processing,
    const Settings & settings)
{
  if (!check_image_locations (self, settings))
    return FALSE;
  const bool init = !settings.init_location.empty ();
  try {
    read_styles (self, processing, settings.style_locations,
        settings.style_blend_weights);
    if (init)
      read_init (self, processing, settings.init_location);
  } catch (const UnreadableImage & e) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not read the %s image \"%s\".",
            e.location == settings.init_location && init ? "init" : "style",
            e.location.c_str ()), ("%s", e.what ()));
    return FALSE;
  } catch (const std::exception & e) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS,
        ("Could not use the style images %s.",
            quoted_list (settings.style_locations).c_str ()),
        ("%s", e.what ()));
    return FALSE;
  }
  return TRUE;
}

/* Puts the styles in force back into the properties, unless the application
 * set other values meanwhile. */
static void
restore_styles (GstNeuralStyle * self, const Processing & processing,
    const Settings & refused)
{
  ObjectLock lock (self);
  Settings & settings = configuration (self).settings;
  if (settings.style_locations == refused.style_locations
      && settings.style_blend_weights == refused.style_blend_weights) {
    settings.style_locations = processing.loaded_styles;
    settings.style_blend_weights = processing.loaded_blend_weights;
  }
}

void
change_styles (GstNeuralStyle * self, Processing & processing,
    const Settings & settings)
{
  try {
    const std::string problem =
        style_locations_problem (settings.style_locations);
    if (!problem.empty ())
      throw UnreadableImage (settings.style_locations.empty ()? "" :
          settings.style_locations.front (), problem);
    read_styles (self, processing, settings.style_locations,
        settings.style_blend_weights);
    return;
  } catch (const UnreadableImage & e) {
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
        ("Could not read the style image \"%s\"; the new style images are "
            "ignored and %s stay in force.", e.location.c_str (),
            quoted_list (processing.loaded_styles).c_str ()),
        ("%s", e.what ()));
  } catch (const std::exception & e) {
    GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
        ("Could not use the style images %s; %s stay in force.",
            quoted_list (settings.style_locations).c_str (),
            quoted_list (processing.loaded_styles).c_str ()),
        ("%s", e.what ()));
  }
  restore_styles (self, processing, settings);
}

std::string
change_init (GstNeuralStyle * self, Processing & processing,
    const std::string & location)
{
  try {
    const std::string problem = init_location_problem (location);
    if (!problem.empty ())
      throw std::runtime_error (problem);
    read_init (self, processing, location);
    return location;
  } catch (const std::exception & e) {
    const std::string & kept = processing.loaded_init;
    GST_ELEMENT_WARNING (self, RESOURCE, OPEN_READ,
        ("Could not read the init image \"%s\"; the new init-location is "
            "ignored and %s stays in force.", location.c_str (),
            kept.empty ()? "the init property" : ("\"" + kept + "\"").c_str ()),
        ("%s", e.what ()));
  }
  ObjectLock lock (self);
  std::string & setting = configuration (self).settings.init_location;
  if (setting == location)
    setting = processing.loaded_init;
  return processing.loaded_init;
}

}  // namespace gstneuralstyle
