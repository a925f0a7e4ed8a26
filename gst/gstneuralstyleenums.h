// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's enum properties: their GTypes (declared in gstneuralstyle.h) and
 * their mapping to the core's enums; GStreamer's video formats mapped to the core's
 * pixel formats. */
#ifndef __GST_NEURAL_STYLE_ENUMS_H__
#define __GST_NEURAL_STYLE_ENUMS_H__

#include "gstneuralstyle.h"

#include "neuralstyle/image.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/video_stylizer.hpp"

namespace gstneuralstyle
{

/* Registers an enum type once (thread-safe); `values` must be static. Both
 * elements' enum types go through it. */
GType register_enum_once (gsize * type, const gchar * name,
    const GEnumValue * values);

/* The nick of an enum property's value, for messages ("cuda", "bfloat16"). */
const gchar *enum_nick (GType type, gint value);

neuralstyle::Network to_network (GstNeuralStyleNetwork network);
neuralstyle::Optimizer to_optimizer (GstNeuralStyleOptimizer optimizer);
neuralstyle::Pooling to_pooling (GstNeuralStylePooling pooling);
neuralstyle::DeviceKind to_device_kind (GstNeuralStyleDevice device);
neuralstyle::Precision to_precision (GstNeuralStylePrecision precision);
neuralstyle::Convolution to_convolution (GstNeuralStyleConvolution convolution);
/* content and noise; previous and previous-warped start the first frame (and
 * one after a scene cut) from the content. */
neuralstyle::Init to_init (GstNeuralStyleInit init);
/* Independent for content and noise. */
neuralstyle::FrameStart to_frame_start (GstNeuralStyleInit init);
neuralstyle::ColorMatch to_color_match (GstNeuralStyleColorMatch match);
neuralstyle::GramNormalization to_gram_normalization (
    GstNeuralStyleGramNormalization normalization);

/* FALSE for a format the element does not take. RGBx and friends keep their
 * padding byte exactly as alpha is kept. */
gboolean to_pixel_format (GstVideoFormat format,
    neuralstyle::PixelFormat * pixel_format);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_ENUMS_H__ */
