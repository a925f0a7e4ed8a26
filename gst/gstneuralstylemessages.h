// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element messages the element posts on the bus for each frame (see the
 * element documentation and README for their fields). */
#ifndef __GST_NEURAL_STYLE_MESSAGES_H__
#define __GST_NEURAL_STYLE_MESSAGES_H__

#include <gst/gst.h>

#include "neuralstyle/stylizer.hpp"
#include "neuralstyle/video_stylizer.hpp"

namespace gstneuralstyle
{

/* The frame a message is about: its index among the frames the element received
 * since it started or since the last flush, and its buffer's running and stream
 * time (GST_CLOCK_TIME_NONE for a buffer without a timestamp). */
struct FrameStamp
{
  guint64 index;
  GstClockTime running_time;
  GstClockTime stream_time;
};

/* neuralstyle-progress: the losses of one step of a frame. */
void post_progress (GstElement * element, const FrameStamp & frame,
    const neuralstyle::Progress & progress);

/* neuralstyle-intermediate: the image as it stands at a progress report
 * (push-intermediate), as a GstSample of `buffer` (taken) with `caps`. */
void post_intermediate (GstElement * element, const FrameStamp & frame,
    const neuralstyle::Progress & progress, GstBuffer * buffer,
    GstCaps * caps);

/* neuralstyle-frame-done: a frame is stylised (and, but in live mode, goes
 * downstream). */
void post_frame_done (GstElement * element, const FrameStamp & frame,
    const neuralstyle::VideoFrameResult & result);

/* What neuralstyle-frame-warped's from-frame says when there was nothing to
 * warp from and the frame went out unchanged (live mode, before the first
 * stylised frame). */
constexpr guint64 kNoSourceFrame = G_MAXUINT64;

/* neuralstyle-frame-warped: a frame made by warping the stylised frame
 * `from_frame` onto it (interval, keyframes, live) goes downstream. */
void post_frame_warped (GstElement * element, const FrameStamp & frame,
    const neuralstyle::WarpedFrame & warped, guint64 from_frame);

/* neuralstyle-scene-cut: the frame is a new shot; it starts afresh. */
void post_scene_cut (GstElement * element, const FrameStamp & frame,
    double inconsistent_share);

/* neuralstyle-frame-cancelled: a flush or a state change stopped the frame's
 * optimisation; it is not pushed. */
void post_frame_cancelled (GstElement * element, const FrameStamp & frame);

/* neuralstyle-frame-dropped: QoS dropped the frame before its optimisation
 * (GstBaseTransform posts its own QOS message beside this one). */
void post_frame_dropped (GstElement * element, const FrameStamp & frame);

}  // namespace gstneuralstyle

#endif /* __GST_NEURAL_STYLE_MESSAGES_H__ */
