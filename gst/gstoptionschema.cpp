// SPDX-License-Identifier: LGPL-2.1-or-later
/* The core's option tables as GObject properties (gstoptionschema.h). */
#include "gstoptionschema.h"

#include <cctype>
#include <string>

/* Properties compile without LibTorch's headers: the build stops here if an
 * include brings them back. */
#ifdef C10_MACROS_EXPORT_H_
#error "this file must not include LibTorch headers"
#endif

namespace gstneuralstyle
{

using neuralstyle::OptionType;

static gboolean
is_unsigned (const neuralstyle::OptionDescriptor & option)
{
  return option.type == OptionType::Integer && option.minimum >= 0;
}

GType
choice_enum_type (const gchar * prefix,
    const neuralstyle::OptionDescriptor & option)
{
  std::string name = prefix;
  bool capital = true;
  for (const char c : option.name) {
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
  GEnumValue *values = g_new0 (GEnumValue, option.choices.size () + 1);
  for (size_t i = 0; i < option.choices.size (); ++i)
    values[i] = {static_cast<gint> (i), option.choices[i].doc.c_str (),
        option.choices[i].name.c_str ()};
  return g_enum_register_static (name.c_str (), values);
}

GParamSpec *
param_spec_of (const neuralstyle::OptionDescriptor & option,
    const neuralstyle::OptionValue & fallback, const gchar * enum_prefix)
{
  const auto flags = static_cast<GParamFlags> (G_PARAM_READWRITE |
      G_PARAM_STATIC_STRINGS |
      (option.change == neuralstyle::OptionChange::BeforeStart ?
          GST_PARAM_MUTABLE_READY : GST_PARAM_MUTABLE_PLAYING));
  /* The schema's strings live as long as the process: static strings. */
  const gchar *name = option.name.c_str ();
  const gchar *nick = option.title.c_str ();
  const gchar *blurb = option.doc.c_str ();

  switch (option.type) {
    case OptionType::Integer:{
      const int64_t value = std::get<int64_t> (fallback);
      if (is_unsigned (option))
        return g_param_spec_uint (name, nick, blurb,
            static_cast<guint> (option.minimum),
            static_cast<guint> (option.maximum), static_cast<guint> (value),
            flags);
      return g_param_spec_int (name, nick, blurb,
          static_cast<gint> (option.minimum), static_cast<gint> (option.maximum),
          static_cast<gint> (value), flags);
    }
    case OptionType::Unsigned64:
      return g_param_spec_uint64 (name, nick, blurb, 0, G_MAXUINT64,
          std::get<uint64_t> (fallback), flags);
    case OptionType::Number:
      return g_param_spec_double (name, nick, blurb, option.minimum,
          option.maximum, std::get<double> (fallback), flags);
    case OptionType::Flag:
      return g_param_spec_boolean (name, nick, blurb, std::get<bool> (fallback),
          flags);
    case OptionType::Choice:
      return g_param_spec_enum (name, nick, blurb,
          choice_enum_type (enum_prefix, option),
          static_cast<gint> (std::get<int64_t> (fallback)), flags);
    case OptionType::Text:
      break;
  }
  const std::string & text = std::get<std::string> (fallback);
  return g_param_spec_string (name, nick, blurb,
      text.empty ()? NULL : g_intern_string (text.c_str ()), flags);
}

neuralstyle::OptionValue
option_value (const neuralstyle::OptionDescriptor & option, const GValue * value)
{
  switch (option.type) {
    case OptionType::Integer:
      return is_unsigned (option)? int64_t {g_value_get_uint (value)} :
          int64_t {g_value_get_int (value)};
    case OptionType::Unsigned64:
      return uint64_t {g_value_get_uint64 (value)};
    case OptionType::Number:
      return g_value_get_double (value);
    case OptionType::Flag:
      return g_value_get_boolean (value) != FALSE;
    case OptionType::Choice:
      return int64_t {g_value_get_enum (value)};
    case OptionType::Text:
      break;
  }
  const gchar *text = g_value_get_string (value);
  return std::string (text ? text : "");
}

void
set_gvalue (const neuralstyle::OptionDescriptor & option,
    const neuralstyle::OptionValue & option_value, GValue * value)
{
  switch (option.type) {
    case OptionType::Integer:
      if (is_unsigned (option))
        g_value_set_uint (value,
            static_cast<guint> (std::get<int64_t> (option_value)));
      else
        g_value_set_int (value,
            static_cast<gint> (std::get<int64_t> (option_value)));
      return;
    case OptionType::Unsigned64:
      g_value_set_uint64 (value, std::get<uint64_t> (option_value));
      return;
    case OptionType::Number:
      g_value_set_double (value, std::get<double> (option_value));
      return;
    case OptionType::Flag:
      g_value_set_boolean (value, std::get<bool> (option_value));
      return;
    case OptionType::Choice:
      g_value_set_enum (value, static_cast<gint> (std::get<int64_t> (option_value)));
      return;
    case OptionType::Text:
      break;
  }
  const std::string & text = std::get<std::string> (option_value);
  g_value_set_string (value, text.empty ()? NULL : text.c_str ());
}

}  // namespace gstneuralstyle
