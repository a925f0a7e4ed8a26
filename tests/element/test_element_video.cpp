// SPDX-License-Identifier: LGPL-2.1-or-later
// The element on video: coherent frames by default (init=previous-warped), the video
// properties' defaults and ranges, the interval and keyframes modes (N frames in, N
// out, the right ones optimised, the others warped), scene cuts, and the temporal
// state forgotten at a flush, new caps, EOS and a mode change.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "element_harness.hpp"
#include "element_test_support.hpp"
#include "neuralstyle/video_stylizer.hpp"
#include "video_frames.hpp"

namespace neuralstyle::element_test {
namespace {

constexpr int kWidth = 32, kHeight = 32;

bool boolField(const ElementMessage& message, const char* field) {
  gboolean value = FALSE;
  EXPECT_TRUE(gst_structure_get_boolean(message.structure.get(), field, &value)) << field;
  return value;
}

/// The frame messages the element posted, in order: name and frame index.
using FrameEvents = std::vector<std::pair<std::string, guint64>>;

FrameEvents frameEvents(const std::vector<ElementMessage>& messages) {
  FrameEvents events;
  for (const auto& message : messages)
    if (message.name() != "neuralstyle-progress") events.emplace_back(message.name(), uint64Field(message, "frame"));
  return events;
}

struct VideoTest : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);
  std::string settings(const std::string& extra) const {
    return "style-location=" + style + " " + fastSettings() + " steps=2 progress-interval=0 " + extra;
  }

  /// Pushes frames `first` .. `first + count - 1` (their indices stamp them) and checks
  /// that each comes out, at once, with its timestamps; returns the element messages.
  static std::vector<ElementMessage> pushFrames(Harness& harness, int first, int count,
                                                Picture picture = Picture::Texture, bool delta_units = false) {
    for (int index = first; index < first + count; ++index) {
      GstBuffer* in = videoFrame(kWidth, kHeight, index, picture, index);
      if (delta_units) GST_BUFFER_FLAG_SET(in, GST_BUFFER_FLAG_DELTA_UNIT);
      GstBuffer* out = harness.process(in);
      if (!out) break;
      EXPECT_EQ(GST_BUFFER_PTS(out), index * kVideoFrameDuration);
      EXPECT_EQ(GST_BUFFER_DURATION(out), kVideoFrameDuration);
      EXPECT_EQ(gst_buffer_get_size(out), static_cast<gsize>(kWidth) * kHeight * 3);
      gst_buffer_unref(out);
    }
    EXPECT_EQ(gst_harness_buffers_in_queue(harness.get()), 0u) << "one buffer out for each in";
    return popElementMessages(harness.bus());
  }
  static std::vector<ElementMessage> named(const std::vector<ElementMessage>& messages, const std::string& name) {
    return namedMessages(messages, name);
  }
  static void flush(Harness& harness) {
    EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_start()));
    EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_stop(TRUE)));
    GstSegment segment;
    gst_segment_init(&segment, GST_FORMAT_TIME);
    EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_segment(&segment)));
  }
};

// --- properties ------------------------------------------------------------------------

TEST_F(VideoTest, VideoPropertiesDefaultToTheCoresVideoOptions) {
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr);
  gdouble temporal_weight = 12345, scene_cut_threshold = -1;
  gint steps_per_frame = 12345;
  guint interval = 0;
  gint init = -1, mode = -1;
  g_object_get(element, "temporal-weight", &temporal_weight, "steps-per-frame", &steps_per_frame,
               "scene-cut-threshold", &scene_cut_threshold, "init", &init, "mode", &mode, "interval",
               &interval, nullptr);
  const VideoOptions core;
  EXPECT_EQ(temporal_weight, core.temporal_weight.value_or(-1.0)) << "-1: the network's";
  EXPECT_EQ(steps_per_frame, core.steps_per_frame);
  EXPECT_EQ(scene_cut_threshold, core.scene_cut_threshold);
  EXPECT_EQ(core.start, FrameStart::PreviousWarped);
  GEnumClass* inits = G_ENUM_CLASS(g_type_class_ref(g_type_from_name("GstNeuralStyleInit")));
  EXPECT_STREQ(g_enum_get_value(inits, init)->value_nick, "previous-warped");
  for (const char* nick : {"content", "noise", "previous", "previous-warped"})
    EXPECT_NE(g_enum_get_value_by_nick(inits, nick), nullptr) << nick;
  g_type_class_unref(inits);
  GEnumClass* modes = G_ENUM_CLASS(g_type_class_ref(g_type_from_name("GstNeuralStyleMode")));
  EXPECT_STREQ(g_enum_get_value(modes, mode)->value_nick, "every-frame");
  for (const char* nick : {"every-frame", "interval", "keyframes", "live"})
    EXPECT_NE(g_enum_get_value_by_nick(modes, nick), nullptr) << nick;
  g_type_class_unref(modes);
  EXPECT_EQ(interval, 10u);
  // GLib's ranges: interval >= 1, the threshold a share of pixels, the weight >= 0.
  GObjectClass* klass = G_OBJECT_GET_CLASS(element);
  EXPECT_EQ(G_PARAM_SPEC_UINT(g_object_class_find_property(klass, "interval"))->minimum, 1u);
  EXPECT_EQ(G_PARAM_SPEC_DOUBLE(g_object_class_find_property(klass, "scene-cut-threshold"))->maximum, 1.0);
  EXPECT_EQ(G_PARAM_SPEC_DOUBLE(g_object_class_find_property(klass, "temporal-weight"))->minimum, -1.0);
  EXPECT_EQ(G_PARAM_SPEC_INT(g_object_class_find_property(klass, "steps-per-frame"))->minimum, -1);
  gst_object_unref(element);
}

TEST_F(VideoTest, AZeroSceneCutThresholdIsRefusedWhilePlayingAndAnErrorAtStart) {
  {
    Harness harness(settings(""));
    harness.setCaps("RGB", kWidth, kHeight);
    pushFrames(harness, 0, 1);
    g_object_set(harness.element(), "scene-cut-threshold", 0.0, nullptr);
    gdouble threshold = 0;
    g_object_get(harness.element(), "scene-cut-threshold", &threshold, nullptr);
    EXPECT_EQ(threshold, VideoOptions{}.scene_cut_threshold) << "the value in force stays";
    GstMessage* warning = gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_WARNING);
    ASSERT_NE(warning, nullptr);
    GError* error = nullptr;
    gchar* debug = nullptr;
    gst_message_parse_warning(warning, &error, &debug);
    const std::string text = describeError(error, debug);
    EXPECT_NE(text.find("scene-cut-threshold"), std::string::npos) << text;
    EXPECT_NE(text.find("ignored"), std::string::npos) << text;
    g_clear_error(&error);
    g_free(debug);
    gst_message_unref(warning);
    EXPECT_EQ(named(pushFrames(harness, 1, 1), "neuralstyle-frame-done").size(), 1u) << "the stream goes on";
  }
  const Outcome outcome = runPipeline("videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! neuralstyle " +
                                      settings("scene-cut-threshold=0") + " ! fakesink");
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error_domain, GST_LIBRARY_ERROR);
  EXPECT_EQ(outcome.error_code, GST_LIBRARY_ERROR_SETTINGS);
  EXPECT_NE(outcome.error_text.find("scene-cut-threshold"), std::string::npos) << outcome.error_text;
}

// --- every frame, coherent -------------------------------------------------------------

TEST_F(VideoTest, ByDefaultTheSecondFrameStartsFromThePreviousResultWithItsOwnSteps) {
  Harness harness(settings("steps=3 steps-per-frame=1"));
  harness.setCaps("RGB", kWidth, kHeight);
  const auto messages = pushFrames(harness, 0, 3);
  const auto done = named(messages, "neuralstyle-frame-done");
  ASSERT_EQ(done.size(), 3u);
  EXPECT_FALSE(boolField(done[0], "from-previous")) << "the first frame starts from the content";
  EXPECT_EQ(uintField(done[0], "steps"), 3u);
  for (size_t i = 1; i < done.size(); ++i) {
    EXPECT_TRUE(boolField(done[i], "from-previous")) << "frame " << i;
    EXPECT_FALSE(boolField(done[i], "scene-cut"));
    EXPECT_EQ(uintField(done[i], "steps"), 1u) << "steps-per-frame";
    EXPECT_GT(doubleField(done[i], "flow-seconds"), 0.0);
    EXPECT_GE(doubleField(done[i], "temporal-loss"), 0.0);
  }
  EXPECT_EQ(doubleField(done[0], "flow-seconds"), 0.0) << "no flow without a previous frame";
  EXPECT_TRUE(named(messages, "neuralstyle-scene-cut").empty());
  EXPECT_TRUE(named(messages, "neuralstyle-frame-warped").empty()) << "every frame is optimised";
}

TEST_F(VideoTest, InitContentOptimisesEveryFrameOnItsOwn) {
  Harness harness(settings("init=content steps=3 steps-per-frame=1"));
  harness.setCaps("RGB", kWidth, kHeight);
  for (const auto& message : named(pushFrames(harness, 0, 2), "neuralstyle-frame-done")) {
    EXPECT_FALSE(boolField(message, "from-previous"));
    EXPECT_EQ(uintField(message, "steps"), 3u) << "steps-per-frame is for frames from the previous one";
  }
}

TEST_F(VideoTest, ProgressMessagesCarryTheFlowTime) {
  Harness harness(settings("progress-interval=1"));
  harness.setCaps("RGB", kWidth, kHeight);
  const auto progress = named(pushFrames(harness, 0, 2), "neuralstyle-progress");
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(doubleField(progress.front(), "flow-seconds"), 0.0);
  EXPECT_EQ(uint64Field(progress.back(), "frame"), 1u);
  EXPECT_GT(doubleField(progress.back(), "flow-seconds"), 0.0);
}

TEST_F(VideoTest, ACutToAnotherPictureIsASceneCutThatStartsAfresh) {
  Harness harness(settings(""));
  harness.setCaps("RGB", kWidth, kHeight);
  pushFrames(harness, 0, 1, Picture::Texture);
  const auto messages = pushFrames(harness, 1, 1, Picture::Checker);
  const auto cuts = named(messages, "neuralstyle-scene-cut");
  ASSERT_EQ(cuts.size(), 1u);
  EXPECT_EQ(uint64Field(cuts[0], "frame"), 1u);
  EXPECT_GT(doubleField(cuts[0], "inconsistent-share"), VideoOptions{}.scene_cut_threshold);
  const auto done = named(messages, "neuralstyle-frame-done");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(boolField(done[0], "scene-cut"));
  EXPECT_FALSE(boolField(done[0], "from-previous"));

  // With the threshold at 1 nothing is a cut.
  g_object_set(harness.element(), "scene-cut-threshold", 1.0, nullptr);
  const auto uncut = pushFrames(harness, 2, 1, Picture::Texture);
  EXPECT_TRUE(named(uncut, "neuralstyle-scene-cut").empty());
  ASSERT_EQ(named(uncut, "neuralstyle-frame-done").size(), 1u);
  EXPECT_TRUE(boolField(named(uncut, "neuralstyle-frame-done")[0], "from-previous"));
}

// --- the temporal state is forgotten at every discontinuity -----------------------------

TEST_F(VideoTest, AFlushForgetsThePreviousFrame) {
  Harness harness(settings(""));
  harness.setCaps("RGB", kWidth, kHeight);
  ASSERT_TRUE(boolField(named(pushFrames(harness, 0, 2), "neuralstyle-frame-done")[1], "from-previous"));
  flush(harness);  // what a flushing seek does
  const auto done = named(pushFrames(harness, 0, 2), "neuralstyle-frame-done");
  ASSERT_EQ(done.size(), 2u);
  EXPECT_FALSE(boolField(done[0], "from-previous")) << "a seek must not warp from before it";
  EXPECT_TRUE(boolField(done[1], "from-previous"));
}

TEST_F(VideoTest, NewCapsForgetThePreviousFrameEvenAtTheSameSize) {
  Harness harness(settings(""));
  harness.setCaps("RGB", kWidth, kHeight);
  pushFrames(harness, 0, 1);
  harness.setCaps("BGR", kWidth, kHeight);
  const auto done = named(pushFrames(harness, 1, 1), "neuralstyle-frame-done");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(boolField(done[0], "from-previous"));
}

TEST_F(VideoTest, EosForgetsThePreviousFrame) {
  Harness harness(settings(""));
  harness.setCaps("RGB", kWidth, kHeight);
  pushFrames(harness, 0, 1);
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_eos()));
  // A new stream after EOS (stream-start clears it).
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_stream_start("again")));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_segment(&segment)));
  const auto done = named(pushFrames(harness, 1, 1), "neuralstyle-frame-done");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_FALSE(boolField(done[0], "from-previous"));
}

// --- interval and keyframes -------------------------------------------------------------

TEST_F(VideoTest, IntervalModeOptimisesEveryNthFrameAndWarpsTheOthersFromIt) {
  Harness harness(settings("mode=interval interval=3"));
  harness.setCaps("RGB", kWidth, kHeight);
  const auto messages = pushFrames(harness, 0, 7);
  const FrameEvents expected = {
      {"neuralstyle-frame-done", 0},   {"neuralstyle-frame-warped", 1}, {"neuralstyle-frame-warped", 2},
      {"neuralstyle-frame-done", 3},   {"neuralstyle-frame-warped", 4}, {"neuralstyle-frame-warped", 5},
      {"neuralstyle-frame-done", 6}};
  EXPECT_EQ(frameEvents(messages), expected);
  // One hop from the last optimised frame, never chained through the warped ones.
  const std::vector<guint64> sources = {0, 0, 3, 3};
  const auto warped = named(messages, "neuralstyle-frame-warped");
  ASSERT_EQ(warped.size(), sources.size());
  for (size_t i = 0; i < warped.size(); ++i) {
    EXPECT_EQ(uint64Field(warped[i], "from-frame"), sources[i]);
    EXPECT_GT(doubleField(warped[i], "flow-seconds"), 0.0);
    const double share = doubleField(warped[i], "inconsistent-share");
    EXPECT_GE(share, 0.0);
    EXPECT_LT(share, 0.5) << "a texture moved by a pixel is mostly consistent";
    EXPECT_EQ(uint64Field(warped[i], "running-time"), uint64Field(warped[i], "frame") * kVideoFrameDuration);
  }
}

TEST_F(VideoTest, IntervalModeCountsAgainAfterAFlush) {
  Harness harness(settings("mode=interval interval=4"));
  harness.setCaps("RGB", kWidth, kHeight);
  pushFrames(harness, 0, 2);
  flush(harness);
  const FrameEvents expected = {{"neuralstyle-frame-done", 0}, {"neuralstyle-frame-warped", 1}};
  EXPECT_EQ(frameEvents(pushFrames(harness, 0, 2)), expected);
}

TEST_F(VideoTest, KeyframesModeOptimisesKeyUnitsAndFramesAfterForceKeyUnitEvents) {
  Harness harness(settings("mode=keyframes"));
  harness.setCaps("RGB", kWidth, kHeight);
  // Frame 0 is a delta unit, but there is nothing to warp from: optimised.
  auto messages = pushFrames(harness, 0, 1, Picture::Texture, /*delta_units=*/true);
  FrameEvents events = frameEvents(messages);
  messages = pushFrames(harness, 1, 2, Picture::Texture, /*delta_units=*/true);
  for (auto& event : frameEvents(messages)) events.push_back(event);
  messages = pushFrames(harness, 3, 1);  // a key unit
  for (auto& event : frameEvents(messages)) events.push_back(event);
  // Downstream force-key-unit (from upstream of the element): the next frame is a key.
  ASSERT_TRUE(gst_harness_push_event(
      harness.get(), gst_video_event_new_downstream_force_key_unit(GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
                                                                   GST_CLOCK_TIME_NONE, FALSE, 1)));
  messages = pushFrames(harness, 4, 2, Picture::Texture, /*delta_units=*/true);
  for (auto& event : frameEvents(messages)) events.push_back(event);
  // Upstream force-key-unit (an encoder asking): likewise.
  ASSERT_TRUE(gst_harness_push_upstream_event(
      harness.get(), gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, FALSE, 1)));
  messages = pushFrames(harness, 6, 2, Picture::Texture, /*delta_units=*/true);
  for (auto& event : frameEvents(messages)) events.push_back(event);
  const FrameEvents expected = {
      {"neuralstyle-frame-done", 0},   {"neuralstyle-frame-warped", 1}, {"neuralstyle-frame-warped", 2},
      {"neuralstyle-frame-done", 3},   {"neuralstyle-frame-done", 4},   {"neuralstyle-frame-warped", 5},
      {"neuralstyle-frame-done", 6},   {"neuralstyle-frame-warped", 7}};
  EXPECT_EQ(events, expected);
}

TEST_F(VideoTest, AModeSetWhilePlayingAppliesFromTheNextFrameAfresh) {
  Harness harness(settings("interval=2"));
  harness.setCaps("RGB", kWidth, kHeight);
  pushFrames(harness, 0, 3);
  g_object_set(harness.element(), "mode", 1 /* interval */, nullptr);
  EXPECT_EQ(gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_WARNING), nullptr);
  const auto messages = pushFrames(harness, 3, 3);
  // Frame 3 is not a multiple of 2, but the new mode starts afresh: optimised.
  const FrameEvents expected = {
      {"neuralstyle-frame-done", 3}, {"neuralstyle-frame-done", 4}, {"neuralstyle-frame-warped", 5}};
  EXPECT_EQ(frameEvents(messages), expected);
  EXPECT_FALSE(boolField(named(messages, "neuralstyle-frame-done")[0], "from-previous"));

  // interval too applies from the next frame: 6 and 9 of 6..9 with interval=3.
  g_object_set(harness.element(), "interval", 3u, nullptr);
  const FrameEvents every_third = {{"neuralstyle-frame-done", 6},
                                   {"neuralstyle-frame-warped", 7},
                                   {"neuralstyle-frame-warped", 8},
                                   {"neuralstyle-frame-done", 9}};
  EXPECT_EQ(frameEvents(pushFrames(harness, 6, 4)), every_third);
}

}  // namespace
}  // namespace neuralstyle::element_test
