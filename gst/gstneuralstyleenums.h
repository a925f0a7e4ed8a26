// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's own enum types (mode, in gstneuralstyle.h); those of the
 * core's choice options are made from the option schema (gstoptionschema.h). */
#ifndef __GST_NEURAL_STYLE_ENUMS_H__
#define __GST_NEURAL_STYLE_ENUMS_H__

#include "gstneuralstyle.h"

namespace gstneuralstyle
{

/* Registers an enum type once (thread-safe); `values` must be static. */
GType register_enum_once (gsize * type, const gchar * name,
    const GEnumValue * values);

/* The nick of an enum property's value, for messages ("cuda", "bfloat16"). */
const gchar *enum_nick (GType type, gint value);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_ENUMS_H__ */
