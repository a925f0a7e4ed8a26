// SPDX-License-Identifier: LGPL-2.1-or-later
/* The element's per-frame bus messages. */
#include "gstneuralstylemessages.h"

namespace gstneuralstyle
{

/* A message named `name` with the fields every frame message has. */
static GstStructure *
frame_structure (const gchar * name, const FrameStamp & frame)
{
  return gst_structure_new (name,
      "frame", G_TYPE_UINT64, frame.index,
      "running-time", G_TYPE_UINT64, static_cast<guint64> (frame.running_time),
      "stream-time", G_TYPE_UINT64, static_cast<guint64> (frame.stream_time),
      NULL);
}

static void
post (GstElement * element, GstStructure * structure)
{
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), structure));
}

/* Where a progress report stands: within the size (and tile), over the frame,
 * which size and which tile. */
static void
set_position (GstStructure * s, const neuralstyle::Progress & progress)
{
  gst_structure_set (s,
      "step", G_TYPE_UINT, static_cast<guint> (progress.step),
      "steps", G_TYPE_UINT, static_cast<guint> (progress.steps),
      "total-step", G_TYPE_UINT, static_cast<guint> (progress.total_step),
      "total-steps", G_TYPE_UINT, static_cast<guint> (progress.total_steps),
      "scale", G_TYPE_UINT, static_cast<guint> (progress.scale),
      "scales", G_TYPE_UINT, static_cast<guint> (progress.scales),
      "tile", G_TYPE_UINT, static_cast<guint> (progress.tile),
      "tiles", G_TYPE_UINT, static_cast<guint> (progress.tiles),
      "width", G_TYPE_INT, progress.size.width,
      "height", G_TYPE_INT, progress.size.height, NULL);
}

void
post_progress (GstElement * element, const FrameStamp & frame,
    const neuralstyle::Progress & progress)
{
  GstStructure *s = frame_structure ("neuralstyle-progress", frame);
  set_position (s, progress);
  gst_structure_set (s,
      "total-loss", G_TYPE_DOUBLE, progress.losses.total,
      "content-loss", G_TYPE_DOUBLE, progress.losses.content,
      "style-loss", G_TYPE_DOUBLE, progress.losses.style,
      "tv-loss", G_TYPE_DOUBLE, progress.losses.tv,
      "elapsed", G_TYPE_DOUBLE, progress.elapsed_seconds,
      "flow-seconds", G_TYPE_DOUBLE, progress.flow_seconds, NULL);
  post (element, s);
}

void
post_intermediate (GstElement * element, const FrameStamp & frame,
    const neuralstyle::Progress & progress, GstBuffer * buffer,
    GstCaps * caps)
{
  GstSample *sample = gst_sample_new (buffer, caps, NULL, NULL);
  GstStructure *s = frame_structure ("neuralstyle-intermediate", frame);

  gst_buffer_unref (buffer);
  set_position (s, progress);
  gst_structure_set (s, "sample", GST_TYPE_SAMPLE, sample, NULL);
  gst_sample_unref (sample);
  post (element, s);
}

void
post_frame_done (GstElement * element, const FrameStamp & frame,
    const neuralstyle::VideoFrameResult & video)
{
  const neuralstyle::StylizeResult & result = video.stylized;
  GstStructure *s = frame_structure ("neuralstyle-frame-done", frame);
  gst_structure_set (s,
      "steps", G_TYPE_UINT, static_cast<guint> (result.steps),
      "elapsed", G_TYPE_DOUBLE, result.elapsed_seconds,
      "total-loss", G_TYPE_DOUBLE, result.final_losses.total,
      "content-loss", G_TYPE_DOUBLE, result.final_losses.content,
      "style-loss", G_TYPE_DOUBLE, result.final_losses.style,
      "tv-loss", G_TYPE_DOUBLE, result.final_losses.tv,
      "temporal-loss", G_TYPE_DOUBLE, result.final_losses.temporal,
      "from-previous", G_TYPE_BOOLEAN, video.from_previous,
      "scene-cut", G_TYPE_BOOLEAN, video.scene_cut,
      "flow-seconds", G_TYPE_DOUBLE, video.flow_seconds, NULL);
  post (element, s);
}

void
post_frame_warped (GstElement * element, const FrameStamp & frame,
    const neuralstyle::WarpedFrame & warped, guint64 from_frame)
{
  GstStructure *s = frame_structure ("neuralstyle-frame-warped", frame);
  gst_structure_set (s,
      "from-frame", G_TYPE_UINT64, from_frame,
      "flow-seconds", G_TYPE_DOUBLE, warped.flow_seconds,
      "inconsistent-share", G_TYPE_DOUBLE, warped.inconsistent_share, NULL);
  post (element, s);
}

void
post_scene_cut (GstElement * element, const FrameStamp & frame,
    double inconsistent_share)
{
  GstStructure *s = frame_structure ("neuralstyle-scene-cut", frame);
  gst_structure_set (s,
      "inconsistent-share", G_TYPE_DOUBLE, inconsistent_share, NULL);
  post (element, s);
}

void
post_frame_cancelled (GstElement * element, const FrameStamp & frame)
{
  post (element, frame_structure ("neuralstyle-frame-cancelled", frame));
}

void
post_frame_dropped (GstElement * element, const FrameStamp & frame)
{
  post (element, frame_structure ("neuralstyle-frame-dropped", frame));
}

}  // namespace gstneuralstyle
