// SPDX-License-Identifier: LGPL-2.1-or-later
/* neuralstyle: Gatys et al. neural style transfer as a GStreamer video filter. */
#ifndef __GST_NEURAL_STYLE_H__
#define __GST_NEURAL_STYLE_H__

#include <gst/gst.h>
#include <gst/video/video.h>
#include <gst/video/gstvideofilter.h>

G_BEGIN_DECLS

/* The enum properties that are core options (optimizer, device, ...) get their
 * types from the core's option schema (gstneuralstyleenums.h); mode is the
 * element's own. */

/**
 * GstNeuralStyleMode:
 * @GST_NEURAL_STYLE_MODE_EVERY_FRAME: every frame is optimised
 * @GST_NEURAL_STYLE_MODE_INTERVAL: every #GstNeuralStyle:interval-th frame is
 *   optimised, the others are the last optimised one warped onto them
 * @GST_NEURAL_STYLE_MODE_KEYFRAMES: key units (buffers without
 *   GST_BUFFER_FLAG_DELTA_UNIT, and the frame after a force-key-unit event)
 *   are optimised, the others warped
 * @GST_NEURAL_STYLE_MODE_LIVE: never blocks the stream: each frame goes out at
 *   once, warped from the newest optimised frame, while a worker thread
 *   optimises the newest input frame
 *
 * Which frames are optimised, and what the others are.
 */
typedef enum {
  GST_NEURAL_STYLE_MODE_EVERY_FRAME,
  GST_NEURAL_STYLE_MODE_INTERVAL,
  GST_NEURAL_STYLE_MODE_KEYFRAMES,
  GST_NEURAL_STYLE_MODE_LIVE,
} GstNeuralStyleMode;

#define GST_TYPE_NEURAL_STYLE_MODE (gst_neural_style_mode_get_type ())
GType gst_neural_style_mode_get_type (void);

#define GST_TYPE_NEURAL_STYLE (gst_neural_style_get_type ())
G_DECLARE_FINAL_TYPE (GstNeuralStyle, gst_neural_style, GST, NEURAL_STYLE,
    GstVideoFilter)

GST_ELEMENT_REGISTER_DECLARE (neuralstyle);

G_END_DECLS

#endif /* __GST_NEURAL_STYLE_H__ */
