// SPDX-License-Identifier: LGPL-2.1-or-later
/* GStreamer's video formats as the core's pixel formats, for both elements. */
#ifndef __GST_NEURAL_STYLE_FORMATS_H__
#define __GST_NEURAL_STYLE_FORMATS_H__

#include <gst/video/video.h>

#include "neuralstyle/image.hpp"

namespace gstneuralstyle
{

/* FALSE for a format the elements do not take. RGBx and friends keep their
 * padding byte exactly as alpha is kept. */
gboolean to_pixel_format (GstVideoFormat format,
    neuralstyle::PixelFormat * pixel_format);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_FORMATS_H__ */
