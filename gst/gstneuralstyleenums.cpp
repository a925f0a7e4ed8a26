// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's enum types. */
#include "gstneuralstyleenums.h"


/* Settings compile without LibTorch's headers: the build stops here if an
 * include brings them back. */
#ifdef C10_MACROS_EXPORT_H_
#error "this file must not include LibTorch headers"
#endif

using gstneuralstyle::register_enum_once;

GType
gstneuralstyle::register_enum_once (gsize * type, const gchar * name,
    const GEnumValue * values)
{
  if (g_once_init_enter (type))
    g_once_init_leave (type, g_enum_register_static (name, values));
  return static_cast<GType> (*type);
}

GType
gst_neural_style_mode_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    {GST_NEURAL_STYLE_MODE_EVERY_FRAME, "Every frame is optimised",
        "every-frame"},
    {GST_NEURAL_STYLE_MODE_INTERVAL,
        "Every interval-th frame is optimised, the others are the last "
          "optimised frame warped onto them", "interval"},
    {GST_NEURAL_STYLE_MODE_KEYFRAMES,
        "Key units (no DELTA_UNIT flag, or after a force-key-unit event) are "
          "optimised, the others warped", "keyframes"},
    {GST_NEURAL_STYLE_MODE_LIVE,
        "Never blocks: each frame goes out at once, warped from the newest "
          "optimised frame, while a worker thread optimises the newest input",
        "live"},
    {0, NULL, NULL},
  };
  return register_enum_once (&type, "GstNeuralStyleMode", values);
}

namespace gstneuralstyle
{

const gchar *
enum_nick (GType type, gint value)
{
  GEnumValue *found =
      g_enum_get_value (G_ENUM_CLASS (g_type_class_peek (type)), value);
  return found ? found->value_nick : "?";
}

}  // namespace gstneuralstyle
