// SPDX-License-Identifier: LGPL-2.1-or-later
/* The frame path: the settings of the moment, the style image, the
 * optimisation of one frame, the frame out and the messages about it. */
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "gstneuralstyleenums.h"
#include "gstneuralstyleerrors.h"
#include "gstneuralstyleprivate.h"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/image.hpp"

#define GST_CAT_DEFAULT gst_neural_style_debug

namespace gstneuralstyle
{

Settings
snapshot_settings (GstNeuralStyle * self)
{
  ObjectLock lock (self);
  return configuration (self).settings;
}

/* The frame's running or stream time; GST_CLOCK_TIME_NONE without a timestamp
 * or outside a TIME segment. */
static GstClockTime
buffer_time (GstNeuralStyle * self, GstClockTime pts, bool running)
{
  const GstSegment *segment = &GST_BASE_TRANSFORM (self)->segment;
  if (!GST_CLOCK_TIME_IS_VALID (pts) || segment->format != GST_FORMAT_TIME)
    return GST_CLOCK_TIME_NONE;
  return running ? gst_segment_to_running_time (segment, GST_FORMAT_TIME, pts)
      : gst_segment_to_stream_time (segment, GST_FORMAT_TIME, pts);
}

FrameStamp
frame_stamp (GstNeuralStyle * self, guint64 index, GstBuffer * buffer)
{
  const GstClockTime pts = GST_BUFFER_PTS (buffer);
  return FrameStamp {index, buffer_time (self, pts, true),
      buffer_time (self, pts, false)};
}

neuralstyle::FramePlan
plan_frame (GstNeuralStyle * self, cv::Size frame_size)
{
  neuralstyle::StyleOptions options;
  neuralstyle::Network network;
  {
    ObjectLock lock (self);
    const Settings & settings = configuration (self).settings;
    options = settings.prepared ? settings.prepared->style :
        settings.options.style;
    network = configuration (self).network;
  }
  return neuralstyle::planFrame (frame_size, options, network);
}

/* Warns once for each frame size and max-size when `plan` raised max-size for
 * the frames' shape. */
static void
warn_if_raised (GstNeuralStyle * self, Processing & processing,
    const neuralstyle::FramePlan & plan)
{
  const guint max_size = static_cast<guint> (plan.requested_max_size);

  if (!plan.raised () || (plan.frame == processing.raised_for_size
          && max_size == processing.raised_for_max_size))
    return;
  processing.raised_for_size = plan.frame;
  processing.raised_for_max_size = max_size;
  GST_ELEMENT_WARNING (self, LIBRARY, SETTINGS,
      ("max-size %u is too small for %dx%d frames: %s needs %d pixels on each "
          "side, so they are processed at %dx%d (max-size %d).", max_size,
          plan.frame.width, plan.frame.height, neuralstyle::networkName
          (processing.stylizer->network ()).c_str (), plan.minimum_side,
          plan.finalSize ().width, plan.finalSize ().height, plan.max_size),
      (NULL));
}

/* Records a frame's processing time; tells a live pipeline when frames take
 * longer than the latency it was given. In live mode the time is that of the
 * warp, the streaming thread's work. */
void
account_frame_time (GstNeuralStyle * self, double seconds, bool live)
{
  const GstClockTime time = static_cast<GstClockTime> (seconds * GST_SECOND);
  bool latency_grew = false;

  GST_OBJECT_LOCK (self);
  LatencyModel & latency = configuration (self).latency;
  GstClockTime & slowest = live ? latency.slowest_warp : latency.slowest_frame;
  slowest = std::max (slowest, time);
  latency_grew = latency.upstream_live && time > latency.reported;
  GST_OBJECT_UNLOCK (self);

  if (latency_grew)
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_latency (GST_OBJECT (self)));
}

void
copy_into_frame (const cv::Mat & image, GstVideoFrame * frame)
{
  guint8 *rows = static_cast<guint8 *> (GST_VIDEO_FRAME_PLANE_DATA (frame, 0));
  const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);
  const size_t row_bytes = image.cols * image.elemSize ();

  for (int y = 0; y < image.rows; ++y)
    memcpy (rows + static_cast<gsize> (y) * stride, image.ptr (y), row_bytes);
}

std::shared_ptr<GstCaps>
current_output_caps (GstNeuralStyle * self)
{
  GstCaps *caps =
      gst_pad_get_current_caps (GST_BASE_TRANSFORM_SRC_PAD (self));
  if (!caps)
    caps = gst_video_info_to_caps (&GST_VIDEO_FILTER (self)->out_info);
  return std::shared_ptr<GstCaps> (caps, gst_caps_unref);
}

/* push-intermediate: the image of a progress report as a sample with the
 * output caps, stamped as the frame it belongs to, on the bus. A message and
 * not a buffer: one buffer in gives exactly one buffer out (see the README). */
static void
post_intermediate_image (GstNeuralStyle * self, const FrameStamp & frame,
    const neuralstyle::Progress & progress, GstBuffer * input,
    const GstVideoInfo & out_info, GstCaps * caps)
{
  const GstVideoInfo *info = &out_info;
  const cv::Mat image = progress.image ();
  g_return_if_fail (image.cols == GST_VIDEO_INFO_WIDTH (info)
      && image.rows == GST_VIDEO_INFO_HEIGHT (info)
      && static_cast<gint> (image.elemSize ()) ==
      GST_VIDEO_INFO_COMP_PSTRIDE (info, 0));

  GstBuffer *buffer = gst_buffer_new_allocate (NULL, GST_VIDEO_INFO_SIZE (info),
      NULL);
  GstVideoFrame out;
  if (!gst_video_frame_map (&out, info, buffer, GST_MAP_WRITE)) {
    gst_buffer_unref (buffer);
    return;
  }
  copy_into_frame (image, &out);
  gst_video_frame_unmap (&out);
  gst_buffer_copy_into (buffer, input, GST_BUFFER_COPY_TIMESTAMPS, 0, -1);
  post_intermediate (GST_ELEMENT (self), frame, progress, buffer, caps);
}

/* Brings the stylizer and the video stylizer up to `settings` for frames of
 * `frame_size`: style and init images changed while playing, and the options
 * set_property (or start) prepared, handed over only when the settings, the
 * frame size or the init image in force changed since the last frame. FALSE
 * when the settings cannot work (the error is posted). */
static gboolean
apply_settings (GstNeuralStyle * self, Processing & processing,
    Settings settings, cv::Size frame_size)
{
  if (settings.style_locations != processing.loaded_styles
      || settings.style_blend_weights != processing.loaded_blend_weights)
    change_styles (self, processing, settings);
  /* The init image in force decides whether the frame starts from one. */
  const bool init_location_set = !settings.init_location.empty ();
  if (init_location_set && settings.init_location != processing.loaded_init)
    settings.init_location = change_init (self, processing,
        settings.init_location);
  const AppliedSettings applying {settings.generation, frame_size,
    !settings.init_location.empty ()};
  if (processing.applied == applying)
    return TRUE;
  InvalidSettings why;
  /* Unprepared only after a race: a value set while the element started, or
   * one another thread's value undid. Judged now, then. */
  if (!settings.prepared && !prepare_options (&settings,
          processing.stylizer->network (), &why)) {
    GST_ELEMENT_ERROR (self, LIBRARY, SETTINGS, ("%s", why.summary.c_str ()),
        ("%s", why.detail.c_str ()));
    return FALSE;
  }
  neuralstyle::StyleOptions options = settings.prepared->style;
  if (init_location_set && settings.init_location.empty ())
    options.init = settings.options.style.init;  /* the init image failed */
  processing.stylizer->setOptions (options);
  processing.video->setOptions (settings.prepared->video);
  warn_if_raised (self, processing,
      processing.stylizer->planFrame (frame_size));
  processing.applied = applying;
  GST_DEBUG_OBJECT (self, "options of settings generation %" G_GUINT64_FORMAT
      " applied for %dx%d frames", applying.generation, frame_size.width,
      frame_size.height);
  return TRUE;
}

GstFlowReturn
stylise_frame (GstNeuralStyle * self, Processing & processing,
    const Settings & settings,
    const cv::Mat & content, neuralstyle::PixelFormat format,
    const FrameStamp & frame, GstBuffer * timing,
    const GstVideoInfo & out_info, GstCaps * out_caps,
    const std::atomic<bool> * cancel, neuralstyle::VideoFrameResult * result,
    bool post_done)
{
  const guint64 index = frame.index;

  try {
    if (!apply_settings (self, processing, settings, content.size ()))
      return GST_FLOW_ERROR;
    GST_LOG_OBJECT (self, "frame %" G_GUINT64_FORMAT " at %" GST_TIME_FORMAT
        ", %d steps", index, GST_TIME_ARGS (GST_BUFFER_PTS (timing)),
        settings.options.style.steps);
    *result = processing.video->stylize (content, format,
        [&](const neuralstyle::Progress & progress) {
          post_progress (GST_ELEMENT (self), frame, progress);
          if (settings.push_intermediate && progress.image)
            post_intermediate_image (self, frame, progress, timing, out_info,
                out_caps);
        }, cancel);
    if (result->scene_cut)
      post_scene_cut (GST_ELEMENT (self), frame, result->inconsistent_share);
    if (post_done)
      post_frame_done (GST_ELEMENT (self), frame, *result);
    return GST_FLOW_OK;
  } catch (const neuralstyle::CancelledError & e) {
    GST_DEBUG_OBJECT (self, "frame %" G_GUINT64_FORMAT ": %s", index,
        e.what ());
    post_frame_cancelled (GST_ELEMENT (self), frame);
    return GST_FLOW_FLUSHING;
  } catch (...) {
    GST_NEURAL_STYLE_POST_CURRENT_EXCEPTION (self, Stage::Streaming,
        "stylise frame " + std::to_string (index));
  }
  return GST_FLOW_ERROR;
}

}  // namespace gstneuralstyle
