// SPDX-License-Identifier: LGPL-2.1-or-later
// mode=live: the stream never waits for an optimisation. Every frame goes out at once,
// warped from the newest stylised frame (unchanged before the first), while a worker
// thread stylises the newest input; a flush forgets both; the latency is the warp's;
// EOS and state changes never wait for the worker's frame.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "element_harness.hpp"
#include "element_test_support.hpp"
#include "video_frames.hpp"

namespace neuralstyle::element_test {
namespace {

constexpr guint64 kNoSourceFrame = G_MAXUINT64;

struct LiveModeTest : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);
  std::string settings(const std::string& extra) const {
    return "style-location=" + style + " weights-location=random:3 max-size=32 device=cpu " +
           "progress-interval=0 " + extra;
  }
};

/// Waits (up to a minute) for the worker's neuralstyle-frame-done for `frame` on `bus`
/// (a frame it finished before a flush may still report); returns its from-previous.
bool waitForFrameDone(GstBus* bus, guint64 frame) {
  while (GstMessage* message = gst_bus_timed_pop_filtered(bus, 60 * GST_SECOND, GST_MESSAGE_ELEMENT)) {
    std::vector<ElementMessage> one;
    takeElementMessage(message, &one);
    gst_message_unref(message);
    if (one.empty() || one[0].name() != "neuralstyle-frame-done" || uint64Field(one[0], "frame") != frame)
      continue;
    gboolean from_previous = TRUE;
    EXPECT_TRUE(gst_structure_get_boolean(one[0].structure.get(), "from-previous", &from_previous));
    return from_previous;
  }
  ADD_FAILURE() << "frame " << frame << " was not stylised within a minute";
  return true;
}

/// The from-frame of the single frame-warped message waiting on `bus`.
guint64 warpedFrom(GstBus* bus) {
  guint64 from = 0;
  size_t warped = 0;
  for (const auto& message : popElementMessages(bus, "neuralstyle-frame-warped")) {
    from = uint64Field(message, "from-frame");
    ++warped;
  }
  EXPECT_EQ(warped, 1u);
  return from;
}

bool sameBytes(GstBuffer* a, GstBuffer* b) {
  GstMapInfo ma, mb;
  if (!gst_buffer_map(a, &ma, GST_MAP_READ)) return false;
  if (!gst_buffer_map(b, &mb, GST_MAP_READ)) {
    gst_buffer_unmap(a, &ma);
    return false;
  }
  const bool same = ma.size == mb.size && std::memcmp(ma.data, mb.data, ma.size) == 0;
  gst_buffer_unmap(a, &ma);
  gst_buffer_unmap(b, &mb);
  return same;
}

TEST_F(LiveModeTest, FramesGoOutUnchangedUntilOneIsStylisedThenWarpedFromTheNewest) {
  Harness harness(settings("mode=live steps=2 threads=1"));
  harness.setCaps("RGB", 32, 32);
  GstBuffer* first = videoFrame(32, 32, 0);
  gst_buffer_ref(first);
  GstBuffer* out = harness.process(first);
  ASSERT_NE(out, nullptr);
  EXPECT_TRUE(sameBytes(out, first)) << "before the first stylised frame the frame goes out as it came";
  EXPECT_EQ(GST_BUFFER_PTS(out), 0u);
  gst_buffer_unref(out);
  gst_buffer_unref(first);
  EXPECT_EQ(warpedFrom(harness.bus()), kNoSourceFrame);

  // The worker stylises frame 0; the frame after it is warped from it.
  EXPECT_FALSE(waitForFrameDone(harness.bus(), 0));
  harness.processAndDrop(videoFrame(32, 32, 1, Picture::Texture, 1));
  EXPECT_EQ(warpedFrom(harness.bus()), 0u);

  // A flush (a seek) forgets it: nothing to warp from.
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_start()));
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_segment(&segment)));
  popElementMessages(harness.bus());
  harness.processAndDrop(videoFrame(32, 32, 0));
  EXPECT_EQ(warpedFrom(harness.bus()), kNoSourceFrame);
  // And the worker starts afresh: its next frame does not start from before the flush.
  EXPECT_FALSE(waitForFrameDone(harness.bus(), 0)) << "the worker started from before the flush";
}

// The worker holds the stylizers while it runs: leaving live mode while playing takes them
// back, and the streaming thread optimises the next frames itself, afresh, and again
// hands them over when live mode comes back.
TEST_F(LiveModeTest, LeavingLiveModeWhilePlayingTakesTheStylizersBackFromTheWorker) {
  Harness harness(settings("mode=live steps=2 threads=1"));
  harness.setCaps("RGB", 32, 32);
  harness.processAndDrop(videoFrame(32, 32, 0));
  EXPECT_FALSE(waitForFrameDone(harness.bus(), 0));
  popElementMessages(harness.bus());

  g_object_set(harness.element(), "mode", 0 /* every-frame */, nullptr);
  harness.processAndDrop(videoFrame(32, 32, 1, Picture::Texture, 1));
  harness.processAndDrop(videoFrame(32, 32, 2, Picture::Texture, 2));
  const auto messages = popElementMessages(harness.bus());
  std::vector<guint64> done;
  std::vector<gboolean> from_previous;
  for (const auto& message : namedMessages(messages, "neuralstyle-frame-done")) {
    done.push_back(uint64Field(message, "frame"));
    gboolean value = TRUE;
    EXPECT_TRUE(gst_structure_get_boolean(message.structure.get(), "from-previous", &value));
    from_previous.push_back(value);
  }
  EXPECT_EQ(done, (std::vector<guint64>{1, 2})) << "the streaming thread optimises each frame";
  EXPECT_EQ(from_previous, (std::vector<gboolean>{FALSE, TRUE})) << "the new mode starts afresh";
  EXPECT_TRUE(namedMessages(messages, "neuralstyle-frame-warped").empty());

  g_object_set(harness.element(), "mode", 3 /* live */, nullptr);
  harness.processAndDrop(videoFrame(32, 32, 3, Picture::Texture, 3));
  EXPECT_EQ(warpedFrom(harness.bus()), kNoSourceFrame) << "live mode starts afresh too";
  EXPECT_FALSE(waitForFrameDone(harness.bus(), 3));
}

TEST_F(LiveModeTest, TheLatencyIsTheWarpsNotTheOptimisations) {
  // Steps that take a minute a frame; the warp of 64x64 pixels a millisecond or so.
  Harness harness(settings("steps=100000 max-size=64"));
  gst_harness_set_upstream_latency(harness.get(), 0);
  harness.setCaps("RGB", 64, 64);
  const GstClockTime every_frame = gst_harness_query_latency(harness.get());
  g_object_set(harness.element(), "mode", 3 /* live */, nullptr);
  const GstClockTime live = gst_harness_query_latency(harness.get());
  EXPECT_GT(live, 0u);
  EXPECT_LT(live * 1000, every_frame) << "live " << live << " ns, every-frame " << every_frame << " ns";
}

/// Buffers that passed a pad: their timestamps, in order.
struct PadLog {
  std::mutex mutex;
  std::vector<GstClockTime> pts;
  size_t count() {
    std::lock_guard<std::mutex> lock(mutex);
    return pts.size();
  }
};

GstPadProbeReturn recordBuffer(GstPad*, GstPadProbeInfo* info, gpointer data) {
  auto* log = static_cast<PadLog*>(data);
  std::lock_guard<std::mutex> lock(log->mutex);
  log->pts.push_back(GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)));
  return GST_PAD_PROBE_OK;
}

void recordPad(GstElement* pipeline, const char* element_name, const char* pad_name, PadLog* log) {
  GstElement* element = gst_bin_get_by_name(GST_BIN(pipeline), element_name);
  GstPad* pad = gst_element_get_static_pad(element, pad_name);
  gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, recordBuffer, log, nullptr);
  gst_object_unref(pad);
  gst_object_unref(element);
}

TEST_F(LiveModeTest, ALiveSourceGetsEveryFrameOutOnTimeAndSomeStylised) {
  // A live 10 fps source runs until the worker has stylised a frame and later frames went
  // out warped from it, and at least 2 s (however long the machine takes to optimise);
  // then EOS. The sink judges lateness as a video sink does (20 ms past its time plus
  // the latency): it would drop late frames and post QOS.
  constexpr size_t kMinimumFrames = 20;
  const std::string description =
      "videotestsrc is-live=true pattern=ball ! video/x-raw,format=RGB,width=32,height=32,framerate=10/1 ! "
      "neuralstyle name=ns " + settings("mode=live steps=3 threads=1") +
      " ! fakesink name=sink sync=true qos=true max-lateness=20000000";
  GError* error = nullptr;
  GstElement* pipeline = gst_parse_launch(description.c_str(), &error);
  ASSERT_NE(pipeline, nullptr) << (error ? error->message : "");
  PadLog in, out;
  recordPad(pipeline, "ns", "sink", &in);
  recordPad(pipeline, "sink", "sink", &out);

  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  std::vector<ElementMessage> messages;
  size_t qos_messages = 0, done = 0, really_warped = 0;
  bool eos = false, eos_sent = false;
  std::string failure;
  const gint64 deadline = g_get_monotonic_time() + 120 * G_USEC_PER_SEC;
  while (!eos && failure.empty()) {
    if (!eos_sent && done >= 1 && really_warped >= 1 && out.count() >= kMinimumFrames) {
      gst_element_send_event(pipeline, gst_event_new_eos());
      eos_sent = true;
    }
    if (g_get_monotonic_time() > deadline) {
      failure = "timed out: " + std::to_string(done) + " frames stylised, " + std::to_string(out.count()) + " out";
      break;
    }
    GstMessage* message = gst_bus_timed_pop(bus, 100 * GST_MSECOND);
    if (!message) continue;
    switch (GST_MESSAGE_TYPE(message)) {
      case GST_MESSAGE_EOS: eos = true; break;
      case GST_MESSAGE_QOS: ++qos_messages; break;
      case GST_MESSAGE_ERROR: {
        GError* gerror = nullptr;
        gchar* debug = nullptr;
        gst_message_parse_error(message, &gerror, &debug);
        failure = describeError(gerror, debug);
        g_clear_error(&gerror);
        g_free(debug);
        break;
      }
      default:
        if (takeElementMessage(message, &messages)) {
          const ElementMessage& last = messages.back();
          done += last.name() == "neuralstyle-frame-done";
          really_warped += last.name() == "neuralstyle-frame-warped" &&
                           uint64Field(last, "from-frame") != kNoSourceFrame;
        }
        break;
    }
    gst_message_unref(message);
  }
  GstElement* sink = gst_bin_get_by_name(GST_BIN(pipeline), "sink");
  GstStructure* stats = nullptr;
  g_object_get(sink, "stats", &stats, nullptr);
  guint64 rendered = 0, dropped = 0;
  if (stats) {
    gst_structure_get_uint64(stats, "rendered", &rendered);
    gst_structure_get_uint64(stats, "dropped", &dropped);
    gst_structure_free(stats);
  }
  gst_object_unref(sink);
  EXPECT_EQ(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  gst_object_unref(bus);
  gst_object_unref(pipeline);
  ASSERT_TRUE(eos) << failure;

  // Every frame in came out, in order, with its own timestamp: none dropped, none late.
  ASSERT_GE(in.pts.size(), kMinimumFrames);
  EXPECT_EQ(out.pts, in.pts);
  for (size_t i = 1; i < out.pts.size(); ++i)
    EXPECT_EQ(out.pts[i] - out.pts[i - 1], GST_SECOND / 10) << "frame " << i;
  EXPECT_EQ(rendered, out.pts.size());
  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(qos_messages, 0u) << "the sink found frames late";
  size_t warped = 0, frame_dropped = 0;
  for (const auto& message : messages) {
    if (message.name() == "neuralstyle-frame-warped") {
      EXPECT_EQ(uint64Field(message, "frame"), warped) << "one frame-warped for each frame, in order";
      ++warped;
    }
    frame_dropped += message.name() == "neuralstyle-frame-dropped";
  }
  EXPECT_EQ(warped, in.pts.size());
  EXPECT_EQ(frame_dropped, 0u);
}

TEST_F(LiveModeTest, EosAndStoppingDoNotWaitForTheWorkersFrame) {
  // Frames that would take hours: the stream still ends at once, and NULL is reached.
  const Outcome outcome =
      runPipeline("videotestsrc is-live=true num-buffers=3 ! video/x-raw,width=32,height=32,framerate=30/1 ! "
                  "neuralstyle " + settings("mode=live steps=100000000 threads=1") + " ! fakesink sync=true",
                  60);
  EXPECT_TRUE(outcome.eos) << outcome.error_text;
  EXPECT_FALSE(outcome.timed_out);
  EXPECT_TRUE(outcome.reached_null);
  EXPECT_EQ(outcome.count("neuralstyle-frame-warped"), 3u);
  EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 0u);
}

// push-intermediate in live mode: the worker posts each image with the output format its
// frame came with, not the element's of the moment, which new caps change while the worker
// still optimises a frame of the old size (ThreadSanitizer runs this: scripts/sanitize.sh).
TEST_F(LiveModeTest, IntermediateImagesKeepTheirFramesFormatAcrossACapsChange) {
  Harness harness(settings("mode=live steps=6 threads=1 push-intermediate=true progress-interval=1"));
  harness.setCaps("RGB", 32, 32);
  harness.processAndDrop(videoFrame(32, 32, 0));
  harness.setCaps("RGB", 48, 40);  // while the worker optimises frame 0
  harness.processAndDrop(videoFrame(48, 40, 1, Picture::Texture, 1));
  size_t intermediates = 0, of_the_new_size = 0;
  bool done = false;
  while (!done) {
    GstMessage* message = gst_bus_timed_pop_filtered(harness.bus(), 60 * GST_SECOND, GST_MESSAGE_ELEMENT);
    if (!message) break;
    std::vector<ElementMessage> one;
    takeElementMessage(message, &one);
    gst_message_unref(message);
    if (one.empty()) continue;
    if (one[0].name() == "neuralstyle-frame-done" && uint64Field(one[0], "frame") == 1) done = true;
    if (one[0].name() != "neuralstyle-intermediate") continue;
    ++intermediates;
    const GValue* value = gst_structure_get_value(one[0].structure.get(), "sample");
    ASSERT_NE(value, nullptr);
    GstSample* sample = gst_value_get_sample(value);
    GstVideoInfo info;
    ASSERT_TRUE(gst_video_info_from_caps(&info, gst_sample_get_caps(sample)));
    const guint64 frame = uint64Field(one[0], "frame");
    EXPECT_EQ(GST_VIDEO_INFO_WIDTH(&info), frame == 0 ? 32 : 48) << "frame " << frame;
    EXPECT_EQ(gst_buffer_get_size(gst_sample_get_buffer(sample)), GST_VIDEO_INFO_SIZE(&info))
        << "frame " << frame << ": the image fills its caps";
    if (frame == 1) ++of_the_new_size;
  }
  EXPECT_TRUE(done) << "frame 1 was not stylised within a minute";
  EXPECT_EQ(of_the_new_size, 6u) << "one image a step";
  EXPECT_GE(intermediates, of_the_new_size);
}

}  // namespace
}  // namespace neuralstyle::element_test
