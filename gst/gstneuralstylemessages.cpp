/* The element's per-frame bus messages. */
#include "gstneuralstylemessages.h"

namespace gstneuralstyle
{

void
post_progress (GstElement * element, guint64 frame,
    const neuralstyle::Progress & progress, GstClockTime running_time,
    GstClockTime stream_time)
{
  GstStructure *s = gst_structure_new ("neuralstyle-progress",
      "frame", G_TYPE_UINT64, frame,
      "step", G_TYPE_UINT, static_cast<guint> (progress.step),
      "steps", G_TYPE_UINT, static_cast<guint> (progress.steps),
      "total-loss", G_TYPE_DOUBLE, progress.losses.total,
      "content-loss", G_TYPE_DOUBLE, progress.losses.content,
      "style-loss", G_TYPE_DOUBLE, progress.losses.style,
      "elapsed", G_TYPE_DOUBLE, progress.elapsed_seconds,
      "running-time", G_TYPE_UINT64, static_cast<guint64> (running_time),
      "stream-time", G_TYPE_UINT64, static_cast<guint64> (stream_time),
      NULL);
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), s));
}

void
post_frame_done (GstElement * element, guint64 frame,
    const neuralstyle::StylizeResult & result, GstClockTime running_time,
    GstClockTime stream_time)
{
  GstStructure *s = gst_structure_new ("neuralstyle-frame-done",
      "frame", G_TYPE_UINT64, frame,
      "steps", G_TYPE_UINT, static_cast<guint> (result.steps),
      "elapsed", G_TYPE_DOUBLE, result.elapsed_seconds,
      "total-loss", G_TYPE_DOUBLE, result.final_losses.total,
      "content-loss", G_TYPE_DOUBLE, result.final_losses.content,
      "style-loss", G_TYPE_DOUBLE, result.final_losses.style,
      "running-time", G_TYPE_UINT64, static_cast<guint64> (running_time),
      "stream-time", G_TYPE_UINT64, static_cast<guint64> (stream_time),
      NULL);
  gst_element_post_message (element,
      gst_message_new_element (GST_OBJECT (element), s));
}

}  // namespace gstneuralstyle
