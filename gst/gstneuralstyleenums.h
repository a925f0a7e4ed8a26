// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's enum types: those of the core's choice options, made from the
 * option schema, and its own (mode, in gstneuralstyle.h). */
#ifndef __GST_NEURAL_STYLE_ENUMS_H__
#define __GST_NEURAL_STYLE_ENUMS_H__

#include "gstneuralstyle.h"

#include "neuralstyle/option_schema.hpp"

namespace gstneuralstyle
{

/* Registers an enum type once (thread-safe); `values` must be static. Both
 * elements' enum types go through it. */
GType register_enum_once (gsize * type, const gchar * name,
    const GEnumValue * values);

/* The enum type of a Choice option: "GstNeuralStyle" and the option's name in
 * camel case (GstNeuralStyleGramNormalization), one value a choice, its nick
 * the choice's name. Registered on first use. */
GType choice_enum_type (const neuralstyle::OptionSpec & spec);

/* The nick of an enum property's value, for messages ("cuda", "bfloat16"). */
const gchar *enum_nick (GType type, gint value);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_ENUMS_H__ */
