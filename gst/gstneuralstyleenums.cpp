// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's enum types. */
#include "gstneuralstyleenums.h"

#include <cctype>
#include <string>

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

GType
choice_enum_type (const neuralstyle::OptionSpec & spec)
{
  std::string name = "GstNeuralStyle";
  bool capital = true;
  for (const char c : spec.name) {
    if (c == '-' || c == '_') {
      capital = true;
      continue;
    }
    name += capital ? static_cast<char> (std::toupper (c)) : c;
    capital = false;
  }
  /* Types are registered from class_init, which GLib serialises. */
  const GType existing = g_type_from_name (name.c_str ());
  if (existing)
    return existing;
  /* GLib keeps these for the life of the type, which is the process's. The
   * strings are the schema's, which lives as long. */
  GEnumValue *values = g_new0 (GEnumValue, spec.choices.size () + 1);
  for (size_t i = 0; i < spec.choices.size (); ++i)
    values[i] = {static_cast<gint> (i), spec.choices[i].doc.c_str (),
        spec.choices[i].name.c_str ()};
  return g_enum_register_static (name.c_str (), values);
}

const gchar *
enum_nick (GType type, gint value)
{
  GEnumValue *found =
      g_enum_get_value (G_ENUM_CLASS (g_type_class_peek (type)), value);
  return found ? found->value_nick : "?";
}

}  // namespace gstneuralstyle
