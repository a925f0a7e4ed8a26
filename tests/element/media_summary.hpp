// SPDX-License-Identifier: LGPL-2.1-or-later
// What a media file holds, measured by decoding it whole with GStreamer: the video's
// frame count, size, rate and time span, and the audio's time span. The tests of
// pipelines/video.sh compare an output's summary with its input's.
#pragma once

#include <gst/gst.h>

#include <mutex>
#include <string>

namespace neuralstyle::element_test {

struct StreamSpan {
  bool present = false;
  guint64 buffers = 0;
  GstClockTime start = GST_CLOCK_TIME_NONE;  ///< earliest timestamp
  GstClockTime end = 0;                      ///< latest timestamp + duration
  double seconds() const { return present ? static_cast<double>(end - start) / GST_SECOND : 0.0; }
};

struct MediaSummary {
  std::string error;  ///< empty when the file decoded to its end
  StreamSpan video, audio;
  int width = 0, height = 0, rate_num = 0, rate_den = 1;
  double frameSeconds() const { return rate_num ? static_cast<double>(rate_den) / rate_num : 0.0; }
};

namespace media_summary_detail {

struct Collector {
  std::mutex mutex;
  MediaSummary summary;
  GstElement* pipeline = nullptr;
};

inline void recordBuffer(StreamSpan& span, GstBuffer* buffer) {
  span.present = true;
  ++span.buffers;
  const GstClockTime pts = GST_BUFFER_PTS(buffer), duration = GST_BUFFER_DURATION(buffer);
  if (!GST_CLOCK_TIME_IS_VALID(pts)) return;
  if (!GST_CLOCK_TIME_IS_VALID(span.start) || pts < span.start) span.start = pts;
  const GstClockTime end = pts + (GST_CLOCK_TIME_IS_VALID(duration) ? duration : 0);
  if (end > span.end) span.end = end;
}

inline void onVideoBuffer(GstElement*, GstBuffer* buffer, GstPad* pad, gpointer data) {
  auto* collector = static_cast<Collector*>(data);
  std::lock_guard<std::mutex> lock(collector->mutex);
  recordBuffer(collector->summary.video, buffer);
  if (collector->summary.width == 0) {
    if (GstCaps* caps = gst_pad_get_current_caps(pad)) {
      const GstStructure* format = gst_caps_get_structure(caps, 0);
      gst_structure_get_int(format, "width", &collector->summary.width);
      gst_structure_get_int(format, "height", &collector->summary.height);
      gst_structure_get_fraction(format, "framerate", &collector->summary.rate_num,
                                 &collector->summary.rate_den);
      gst_caps_unref(caps);
    }
  }
}

inline void onAudioBuffer(GstElement*, GstBuffer* buffer, GstPad*, gpointer data) {
  auto* collector = static_cast<Collector*>(data);
  std::lock_guard<std::mutex> lock(collector->mutex);
  recordBuffer(collector->summary.audio, buffer);
}

/// Links each raw stream decodebin exposes to a fakesink of its own that counts it.
inline void onPadAdded(GstElement*, GstPad* pad, gpointer data) {
  auto* collector = static_cast<Collector*>(data);
  GstCaps* caps = gst_pad_get_current_caps(pad);
  if (!caps) caps = gst_pad_query_caps(pad, nullptr);
  const std::string media = gst_structure_get_name(gst_caps_get_structure(caps, 0));
  gst_caps_unref(caps);
  const bool video = media.rfind("video/", 0) == 0;
  if (!video && media.rfind("audio/", 0) != 0) return;
  GstElement* sink = gst_element_factory_make("fakesink", nullptr);
  g_object_set(sink, "sync", FALSE, "signal-handoffs", TRUE, nullptr);
  g_signal_connect(sink, "handoff", G_CALLBACK(video ? onVideoBuffer : onAudioBuffer), collector);
  gst_bin_add(GST_BIN(collector->pipeline), sink);
  gst_element_sync_state_with_parent(sink);
  GstPad* sink_pad = gst_element_get_static_pad(sink, "sink");
  gst_pad_link(pad, sink_pad);
  gst_object_unref(sink_pad);
}

}  // namespace media_summary_detail

/// Decodes the whole of `path` (each raw stream into a counting sink) and summarises it.
inline MediaSummary summarizeMedia(const std::string& path, double timeout_seconds = 60) {
  using namespace media_summary_detail;
  Collector collector;
  collector.pipeline = gst_pipeline_new(nullptr);
  GstElement* source = gst_element_factory_make("filesrc", nullptr);
  GstElement* decoder = gst_element_factory_make("decodebin", nullptr);
  g_object_set(source, "location", path.c_str(), nullptr);
  gst_bin_add_many(GST_BIN(collector.pipeline), source, decoder, nullptr);
  gst_element_link(source, decoder);
  g_signal_connect(decoder, "pad-added", G_CALLBACK(onPadAdded), &collector);

  gst_element_set_state(collector.pipeline, GST_STATE_PLAYING);
  GstBus* bus = gst_element_get_bus(collector.pipeline);
  GstMessage* message = gst_bus_timed_pop_filtered(
      bus, static_cast<GstClockTime>(timeout_seconds * GST_SECOND),
      static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
  std::string error;
  if (!message) {
    error = "decoding " + path + " timed out";
  } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
    GError* gerror = nullptr;
    gst_message_parse_error(message, &gerror, nullptr);
    error = gerror ? gerror->message : "error";
    g_clear_error(&gerror);
  }
  if (message) gst_message_unref(message);
  gst_object_unref(bus);
  gst_element_set_state(collector.pipeline, GST_STATE_NULL);
  gst_object_unref(collector.pipeline);
  std::lock_guard<std::mutex> lock(collector.mutex);
  MediaSummary summary = collector.summary;
  summary.error = error;
  return summary;
}

}  // namespace neuralstyle::element_test
