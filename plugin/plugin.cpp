// SPDX-License-Identifier: LGPL-2.1-or-later
/* Registers the neuralstyle plugin and its elements: neuralstyle (optimisation)
 * and fastneuralstyle (feed-forward networks). */
#include <gst/gst.h>

#include "gstfastneuralstyle.h"
#include "gstneuralstyle.h"

static gboolean
plugin_init (GstPlugin * plugin)
{
  gboolean registered = GST_ELEMENT_REGISTER (neuralstyle, plugin);
  registered |= GST_ELEMENT_REGISTER (fastneuralstyle, plugin);
  return registered;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR,
    GST_VERSION_MINOR,
    neuralstyle,
    "Neural style transfer: optimisation (Gatys et al.) and feed-forward networks (Johnson et al.)",
    plugin_init, VERSION, GST_LICENSE, GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
