// SPDX-License-Identifier: LGPL-2.1-or-later
/* The modes: which frames are optimised (every-frame, interval, keyframes)
 * and the others warped from the last optimised one; live mode hands over to
 * gstneuralstylelive.cpp. The temporal state (the video stylizer's last frame)
 * is forgotten at every discontinuity. */

#include "gstneuralstyleerrors.h"
#include "gstneuralstyleenums.h"
#include "gstneuralstyleformats.h"
#include "gstneuralstyleprivate.h"

#define GST_CAT_DEFAULT gst_neural_style_debug

namespace gstneuralstyle
{

void
reset_temporal_state (GstNeuralStyle * self)
{
  StreamState & stream = stream_state (self);

  /* While the worker runs it holds the processing state: it forgets at its
   * next job. */
  if (stream.live.running ())
    stream.live.discard ();
  else if (stream.processing)
    stream.processing->video->reset ();
  stream.force_key_unit = false;
}

/* A mode set while playing applies from this frame on, afresh. */
static void
switch_mode (GstNeuralStyle * self, GstNeuralStyleMode mode)
{
  StreamState & stream = stream_state (self);

  GST_INFO_OBJECT (self, "mode %s -> %s",
      enum_nick (GST_TYPE_NEURAL_STYLE_MODE, stream.active_mode),
      enum_nick (GST_TYPE_NEURAL_STYLE_MODE, mode));
  if (auto processing = stream.live.stop ())
    stream.processing = std::move (processing);
  stream.live_failed = false;
  stream.processing->video->reset ();
  stream.active_mode = mode;
}

/* Whether the frame is optimised (else warped from the last optimised one).
 * Nothing to warp from: optimised, whatever the mode. */
static bool
optimises (GstNeuralStyle * self, const Processing & processing,
    const Settings & settings, guint64 index, GstBuffer * buffer)
{
  /* Taken whatever the mode, so that an old request does not linger. */
  const bool forced = stream_state (self).force_key_unit.exchange (false);

  if (!processing.video->hasPrevious ())
    return true;
  switch (settings.mode) {
    case GST_NEURAL_STYLE_MODE_INTERVAL:
      return index % settings.interval == 0;
    case GST_NEURAL_STYLE_MODE_KEYFRAMES:
      return forced
          || !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    default:
      return true;
  }
}

GstFlowReturn
transform_frame (GstVideoFilter * filter,
    GstVideoFrame * in_frame, GstVideoFrame * out_frame)
{
  GstNeuralStyle *self = GST_NEURAL_STYLE (filter);
  StreamState & stream = stream_state (self);
  const FrameStamp frame = frame_stamp (self, stream.frame, in_frame->buffer);
  neuralstyle::PixelFormat format;

  if (!to_pixel_format (GST_VIDEO_FRAME_FORMAT (in_frame), &format))
    return GST_FLOW_NOT_NEGOTIATED;

  try {
    const Settings settings = snapshot_settings (self);
    if (settings.mode != stream.active_mode)
      switch_mode (self, settings.mode);
    const cv::Mat content (GST_VIDEO_FRAME_HEIGHT (in_frame),
        GST_VIDEO_FRAME_WIDTH (in_frame),
        CV_8UC (neuralstyle::channelCount (format)),
        GST_VIDEO_FRAME_PLANE_DATA (in_frame, 0),
        GST_VIDEO_FRAME_PLANE_STRIDE (in_frame, 0));

    if (settings.mode == GST_NEURAL_STYLE_MODE_LIVE)
      return live_transform (self, settings, content, format, frame, in_frame,
          out_frame);

    /* Not live: the processing state is this thread's. */
    Processing & processing = *stream.processing;
    if (!optimises (self, processing, settings, frame.index,
            in_frame->buffer)) {
      const neuralstyle::WarpedFrame warped =
          processing.video->warpLast (content, format);
      copy_into_frame (warped.image, out_frame);
      post_frame_warped (GST_ELEMENT (self), frame, warped,
          stream.last_stylised);
      return GST_FLOW_OK;
    }

    neuralstyle::VideoFrameResult result;
    const GstFlowReturn ret = stylise_frame (self, processing, settings,
        content, format,
        frame, in_frame->buffer, GST_VIDEO_FILTER (self)->out_info,
        current_output_caps (self).get (), stream.cancel.flag (), &result);
    if (ret != GST_FLOW_OK)
      return ret;
    copy_into_frame (result.stylized.image, out_frame);
    stream.last_stylised = frame.index;
    account_frame_time (self,
        result.flow_seconds + result.stylized.elapsed_seconds, false);
    return GST_FLOW_OK;
  } catch (...) {
    /* stylise_frame reports its own; this is the warp's or a copy's. */
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION (self, Stage::Streaming,
        "warp frame " + std::to_string (frame.index));
  }
  return GST_FLOW_ERROR;
}

}  // namespace gstneuralstyle
