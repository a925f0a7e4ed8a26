// SPDX-License-Identifier: LGPL-2.1-or-later
/* The core's option tables (neuralstyle/option_schema.hpp) as GObject
 * properties, for both elements: an option's GParamSpec, and its values to and
 * from GValues. Nothing here knows an element. */
#ifndef __GST_OPTION_SCHEMA_H__
#define __GST_OPTION_SCHEMA_H__

#include <gst/gst.h>

#include "neuralstyle/option_schema.hpp"

namespace gstneuralstyle
{

/* The enum type of a Choice option: `prefix` and the option's name in camel
 * case ("GstNeuralStyle" + "gram-normalization" = GstNeuralStyleGramNormalization),
 * one value a choice, its nick the choice's name. Registered on first use. */
GType choice_enum_type (const gchar * prefix,
    const neuralstyle::OptionDescriptor & option);

/* The property of `option`, its default `fallback`: integers that cannot be
 * negative are unsigned (as GStreamer's elements have them), BeforeStart
 * options may change in NULL or READY only, the others while PLAYING too.
 * Choice options get the enum type choice_enum_type (enum_prefix, option). */
GParamSpec *param_spec_of (const neuralstyle::OptionDescriptor & option,
    const neuralstyle::OptionValue & fallback, const gchar * enum_prefix);

/* The GValue of `option`'s property as the schema's value (the GParamSpec has
 * checked the range). */
neuralstyle::OptionValue option_value (const neuralstyle::OptionDescriptor & option,
    const GValue * value);

/* The schema's value into the GValue of `option`'s property. */
void set_gvalue (const neuralstyle::OptionDescriptor & option,
    const neuralstyle::OptionValue & option_value, GValue * value);

}  // namespace gstneuralstyle

#endif /* __GST_OPTION_SCHEMA_H__ */
