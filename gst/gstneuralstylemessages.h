/* The element messages the element posts on the bus for each frame (see the
 * element documentation and README for their fields). */
#ifndef __GST_NEURAL_STYLE_MESSAGES_H__
#define __GST_NEURAL_STYLE_MESSAGES_H__

#include <gst/gst.h>

#include "neuralstyle/stylizer.hpp"

namespace gstneuralstyle
{

/* neuralstyle-progress: the losses of one step of a frame. */
void post_progress (GstElement * element, guint64 frame,
    const neuralstyle::Progress & progress, GstClockTime running_time,
    GstClockTime stream_time);

/* neuralstyle-frame-done: a frame is stylised and goes downstream. */
void post_frame_done (GstElement * element, guint64 frame,
    const neuralstyle::StylizeResult & result, GstClockTime running_time,
    GstClockTime stream_time);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_MESSAGES_H__ */
