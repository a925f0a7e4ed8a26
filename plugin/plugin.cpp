// SPDX-License-Identifier: LGPL-2.1-or-later
/* Registers the neuralstyle plugin and its one element. */
#include <gst/gst.h>

#include "gstneuralstyle.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  return GST_ELEMENT_REGISTER (neuralstyle, plugin);
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR,
    GST_VERSION_MINOR,
    neuralstyle,
    "Neural style transfer (Gatys et al.) on VGG19 features with LibTorch",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
