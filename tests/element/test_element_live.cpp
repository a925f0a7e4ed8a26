// SPDX-License-Identifier: LGPL-2.1-or-later
// The element while it plays: every property changeable in PLAYING takes effect at the
// next frame, and a value that cannot work is refused when it is set, with a warning,
// never ending the stream. Then what `frame` counts: frames received since start or the
// last flush, each answered by frame-done, frame-cancelled or frame-dropped (QoS). And
// the cancel reasons, which no ordering of events can lose.
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "element_harness.hpp"
#include "damaged_images.hpp"
#include "element_test_support.hpp"
#include "call_counts.hpp"  // the core's internal counters (src/)
#include "gstneuralstylecancel.h"

namespace neuralstyle::element_test {
namespace {

constexpr GstClockTime kFrameDuration = 33 * GST_MSECOND;

/// An RGB frame with horizontal and vertical gradients, stamped as frame `index` of a
/// 30 fps stream.
GstBuffer* gradientFrame(int width, int height, int index) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, static_cast<gsize>(width) * height * 3, nullptr);
  GstMapInfo map;
  EXPECT_TRUE(gst_buffer_map(buffer, &map, GST_MAP_WRITE));
  // RGB rows of 3 * width bytes need no padding only when that is a multiple of 4.
  EXPECT_EQ(width * 3 % 4, 0) << "choose a width whose RGB rows need no padding";
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      guint8* pixel = map.data + (static_cast<gsize>(y) * width + x) * 3;
      pixel[0] = static_cast<guint8>(255 * x / width);
      pixel[1] = static_cast<guint8>(255 * y / height);
      pixel[2] = static_cast<guint8>(128 + (x + y) % 64);
    }
  gst_buffer_unmap(buffer, &map);
  GST_BUFFER_PTS(buffer) = index * kFrameDuration;
  GST_BUFFER_DURATION(buffer) = kFrameDuration;
  return buffer;
}

/// What waits on a bus: element messages and the texts of warnings, each in order.
struct BusLog {
  std::vector<ElementMessage> messages;
  std::vector<std::string> warnings;
};

BusLog popBus(GstBus* bus) {
  BusLog log;
  while (GstMessage* message = gst_bus_pop(bus)) {
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_WARNING) {
      GError* error = nullptr;
      gchar* debug = nullptr;
      gst_message_parse_warning(message, &error, &debug);
      log.warnings.push_back(describeError(error, debug));
      g_clear_error(&error);
      g_free(debug);
    } else {
      takeElementMessage(message, &log.messages);
    }
    gst_message_unref(message);
  }
  return log;
}

std::vector<std::string> popWarnings(GstBus* bus) { return popBus(bus).warnings; }

bool relativelyClose(double a, double b, double tolerance) {
  return std::abs(a - b) <= tolerance * std::max(std::abs(a), std::abs(b)) + 1e-12;
}

/// What a frame reported on the bus, and its output.
struct FrameReport {
  std::vector<std::string> warnings;
  guint steps = 0;
  size_t progress_messages = 0;
  size_t intermediate_messages = 0;
  double total_loss = 0;
  double content_loss = 0;
  double style_loss = 0;
  guint64 output_sum = 0;  ///< of the output frame's bytes
  bool operator!=(const FrameReport& other) const {
    return steps != other.steps || progress_messages != other.progress_messages ||
           intermediate_messages != other.intermediate_messages || output_sum != other.output_sum ||
           !relativelyClose(total_loss, other.total_loss, 1e-3) ||
           !relativelyClose(content_loss, other.content_loss, 1e-3);
  }
};

guint64 byteSum(GstBuffer* buffer) {
  GstMapInfo map;
  guint64 sum = 0;
  if (!gst_buffer_map(buffer, &map, GST_MAP_READ)) return 0;
  for (gsize i = 0; i < map.size; ++i) sum += map.data[i];
  gst_buffer_unmap(buffer, &map);
  return sum;
}

/// The frame's value of a property, as a GValue of the property's type.
struct PropertyValue {
  GValue value = G_VALUE_INIT;
  PropertyValue(GObject* object, const char* property) {
    GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), property);
    g_value_init(&value, G_PARAM_SPEC_VALUE_TYPE(spec));
    g_object_get_property(object, property, &value);
  }
  ~PropertyValue() { g_value_unset(&value); }
  PropertyValue(const PropertyValue&) = delete;
  PropertyValue& operator=(const PropertyValue&) = delete;
  std::string text() const {
    gchar* contents = g_strdup_value_contents(&value);
    std::string result = contents;
    g_free(contents);
    return result;
  }
};

bool sameValue(GObject* object, const char* property, const PropertyValue& a, const PropertyValue& b) {
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), property);
  return g_param_values_cmp(spec, &a.value, &b.value) == 0;
}

struct LiveTest : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);
  std::string other_style = writeStyle(dir, "other.png", {250, 250, 250}, {0, 0, 0});
  /// Each frame on its own (init=content, no temporal term), so that two frames with
  /// the same settings give the same result; the video properties are tested against
  /// that (and in test_element_video.cpp).
  std::string settings(const std::string& extra) const {
    return "style-location=" + style + " " + fastSettings() + " init=content temporal-weight=0 " + extra;
  }

  /// Pushes one frame (32x32 unless said) and reads what it reported; fails the test
  /// unless it was stylised and pushed.
  static FrameReport processFrame(Harness& harness, int index, int width = 32, int height = 32) {
    FrameReport report;
    if (GstBuffer* out = harness.process(gradientFrame(width, height, index))) {
      report.output_sum = byteSum(out);
      gst_buffer_unref(out);
    }
    BusLog log = popBus(harness.bus());
    report.warnings = log.warnings;
    for (const auto& message : log.messages) {
      if (message.name() == "neuralstyle-progress") ++report.progress_messages;
      if (message.name() == "neuralstyle-intermediate") ++report.intermediate_messages;
      if (message.name() != "neuralstyle-frame-done") continue;
      report.steps = uintField(message, "steps");
      report.total_loss = doubleField(message, "total-loss");
      report.content_loss = doubleField(message, "content-loss");
      report.style_loss = doubleField(message, "style-loss");
    }
    EXPECT_GT(report.total_loss, 0.0) << "no frame-done for frame " << index;
    return report;
  }
};

// --- property changes while playing ------------------------------------------------------

struct LiveChange {
  const char* property;
  std::string value;  ///< as gst-launch would write it
  /// Set first (in order) where the property has an effect only with them.
  std::vector<std::pair<const char*, std::string>> prepare = {};
  int width = 32, height = 32;  ///< of the frames
};

TEST_F(LiveTest, EveryPropertyChangeableWhilePlayingTakesEffectAtTheNextFrame) {
  // Two steps, so that the content loss (zero at step 1) counts in the last total.
  const std::string baseline = "steps=2 progress-interval=0 learning-rate=0.02 max-size=32";
  const std::vector<LiveChange> changes = {
      {"style-location", other_style},
      {"steps", "3"},
      {"learning-rate", "0.2"},
      {"optimizer", "lbfgs"},
      {"content-weight", "1e9"},
      {"style-weight", "10"},
      {"style-layer-weights", "conv1_1=1,conv3_1=0.5"},
      {"content-layer", "conv1_1"},
      {"max-size", "20"},
      {"pooling", "average"},
      {"progress-interval", "1"},
      {"style-locations", "<" + other_style + ">"},
      {"style-blend-weights", "<0.2, 0.8>", {{"style-locations", "<" + style + ", " + other_style + ">"}}},
      {"tv-weight", "1e6"},
      {"style-scale", "2"},
      {"gram-normalization", "positions"},
      {"preserve-colors", "true"},
      {"color-match", "histogram"},
      {"init", "noise"},
      {"init-location", other_style},
      {"scales", "2"},
      {"scale-factor", "1.5", {{"scales", "2"}}},
      {"coarse-steps", "1", {{"scales", "2"}}},
      {"tile-size", "72", {{"max-size", "80"}}, 80, 64},
      // 128 wide: 3 tiles of 72 overlap by 32 or more, 2 by 8 or more.
      {"tile-overlap", "8", {{"max-size", "128"}, {"tile-size", "72"}}, 128, 64},
      {"push-intermediate", "true"},
      // With a previous frame: the temporal term, then the steps of a frame that starts
      // from the previous result.
      {"temporal-weight", "1e4"},
      {"steps-per-frame", "1", {{"init", "previous-warped"}}},
  };
  // Whose effect is not a different frame-done, tested where it shows: mode and
  // interval (VideoTest.AModeSetWhilePlayingAppliesFromTheNextFrameAfresh: warped
  // frames), scene-cut-threshold (VideoTest.ACutToAnotherPictureIsASceneCutThatStartsAfresh:
  // these frames never differ enough to be cuts).
  const std::set<std::string> tested_elsewhere = {"mode", "interval", "scene-cut-threshold"};

  // The list above is the element's list: a new live property needs a case here.
  std::set<std::string> tested, live;
  for (const auto& change : changes) tested.insert(change.property);
  tested.insert(tested_elsewhere.begin(), tested_elsewhere.end());
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr);
  guint count = 0;
  GParamSpec** specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(element), &count);
  for (guint i = 0; i < count; ++i)
    if (specs[i]->owner_type == G_OBJECT_TYPE(element) && (specs[i]->flags & GST_PARAM_MUTABLE_PLAYING))
      live.insert(g_param_spec_get_name(specs[i]));
  g_free(specs);
  gst_object_unref(element);
  EXPECT_EQ(tested, live);

  // One element for all: each change is set, checked at the next frame against the
  // frame before it (after its preparations), and undone.
  Harness harness(settings(baseline));
  harness.setCaps("RGB", 32, 32);
  int index = 0;
  const FrameReport before = processFrame(harness, index++);
  GObject* object = G_OBJECT(harness.element());
  for (const auto& change : changes) {
    SCOPED_TRACE(std::string(change.property) + "=" + change.value);
    std::vector<std::unique_ptr<PropertyValue>> undo;  // baseline values, in setting order
    std::vector<const char*> undo_names;
    for (const auto& [property, value] : change.prepare) {
      undo.push_back(std::make_unique<PropertyValue>(object, property));
      undo_names.push_back(property);
      gst_util_set_object_arg(object, property, value.c_str());
    }
    undo.push_back(std::make_unique<PropertyValue>(object, change.property));
    undo_names.push_back(change.property);
    if (change.width != 32) harness.setCaps("RGB", change.width, change.height);
    // Without preparations the frame before is the first one (every change is undone).
    const FrameReport reference = change.prepare.empty() && change.width == 32
                                      ? before
                                      : processFrame(harness, index++, change.width, change.height);
    gst_util_set_object_arg(object, change.property, change.value.c_str());
    EXPECT_TRUE(popWarnings(harness.bus()).empty());
    const FrameReport after = processFrame(harness, index++, change.width, change.height);
    EXPECT_TRUE(after != reference) << "the new value did not reach the frame";
    EXPECT_TRUE(after.warnings.empty()) << after.warnings.front();
    for (size_t i = undo.size(); i-- > 0;) g_object_set_property(object, undo_names[i], &undo[i]->value);
    if (change.width != 32) harness.setCaps("RGB", 32, 32);
  }
  // Undone, every change is gone again.
  EXPECT_FALSE(processFrame(harness, index) != before);
}

TEST_F(LiveTest, ValuesThatCannotWorkAreRefusedWhenSetAndTheStreamGoesOn) {
  // (GLib itself refuses numbers out of a property's range, NaN included.)
  const std::vector<LiveChange> refused = {
      {"content-layer", "conv9_9"},
      {"style-layer-weights", "conv1_1=1,pool2=3"},
      {"style-layer-weights", "conv1_1=-1"},
      {"style-location", dir.file("missing.png")},
      {"style-location", ""},
      {"style-locations", "<" + style + ", " + dir.file("missing.png") + ">"},
      {"style-locations", "<>"},
      {"style-blend-weights", "<1, 2>"},
      {"init-location", dir.file("missing.png")},
      {"scale-factor", "1"},
      {"tile-size", "10"},
      {"scene-cut-threshold", "0"},
  };
  Harness harness(settings("steps=1 progress-interval=0"));
  harness.setCaps("RGB", 32, 32);
  const FrameReport first = processFrame(harness, 0);
  GObject* object = G_OBJECT(harness.element());
  int index = 1;
  for (const auto& change : refused) {
    SCOPED_TRACE(std::string(change.property) + "=" + change.value);
    const PropertyValue before(object, change.property);
    gst_util_set_object_arg(object, change.property, change.value.c_str());
    const PropertyValue after(object, change.property);
    EXPECT_TRUE(sameValue(object, change.property, before, after))
        << "reads back " << after.text() << " instead of the value in force, " << before.text();
    const auto warnings = popWarnings(harness.bus());
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find(change.property), std::string::npos) << warnings[0];
    EXPECT_NE(warnings[0].find("ignored"), std::string::npos) << warnings[0];
    // The frame after the refusal is stylised as before it.
    const FrameReport next = processFrame(harness, index++);
    EXPECT_FALSE(next != first);
    EXPECT_TRUE(next.warnings.empty()) << next.warnings.front();
  }
  EXPECT_EQ(gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_ERROR), nullptr);
}

/// Counts the element's "options ... applied" debug lines while it lives: the frame path
/// logs one each time it makes (and validates) the core's options.
class AppliedOptionsCounter {
 public:
  AppliedOptionsCounter() {
    gst_debug_set_active(TRUE);
    gst_debug_remove_log_function(gst_debug_log_default);  // no DEBUG lines on stderr
    gst_debug_set_threshold_for_name("neuralstyle", GST_LEVEL_DEBUG);
    gst_debug_add_log_function(&AppliedOptionsCounter::log, this, nullptr);
  }
  ~AppliedOptionsCounter() {
    gst_debug_remove_log_function(&AppliedOptionsCounter::log);
    gst_debug_unset_threshold_for_name("neuralstyle");
    gst_debug_add_log_function(gst_debug_log_default, nullptr, nullptr);
  }
  AppliedOptionsCounter(const AppliedOptionsCounter&) = delete;
  AppliedOptionsCounter& operator=(const AppliedOptionsCounter&) = delete;
  int count() const { return count_; }

 private:
  static void log(GstDebugCategory* category, GstDebugLevel, const gchar*, const gchar*, gint, GObject*,
                  GstDebugMessage* message, gpointer self) {
    const gchar* text = gst_debug_message_get(message);
    if (std::string(gst_debug_category_get_name(category)) == "neuralstyle" && text &&
        std::string(text).find("applied for") != std::string::npos)
      ++static_cast<AppliedOptionsCounter*>(self)->count_;
  }
  std::atomic<int> count_{0};
};

TEST_F(LiveTest, TheCoresOptionsAreMadeOncePerChangeNotAtEveryFrame) {
  AppliedOptionsCounter applied;
  Harness harness(settings("steps=1 progress-interval=0"));
  harness.setCaps("RGB", 32, 32);
  for (int index = 0; index < 3; ++index) processFrame(harness, index);
  EXPECT_EQ(applied.count(), 1) << "three frames with the same settings";
  g_object_set(harness.element(), "steps", 2u, nullptr);
  EXPECT_EQ(processFrame(harness, 3).steps, 2u);
  EXPECT_EQ(applied.count(), 2) << "a property changed";
  processFrame(harness, 4);
  EXPECT_EQ(applied.count(), 2);
  harness.setCaps("RGB", 64, 32);
  processFrame(harness, 5, 64, 32);
  EXPECT_EQ(applied.count(), 3) << "another frame size plans another processing size";
  processFrame(harness, 6, 64, 32);
  EXPECT_EQ(applied.count(), 3);
}

TEST_F(LiveTest, AStreamsFramesValidateNoOptionsAValueIsJudgedWhenSet) {
  Harness harness(settings("steps=1 progress-interval=0"));
  harness.setCaps("RGB", 32, 32);
  const auto frame = [] { return gst_buffer_new_allocate(nullptr, 32 * 32 * 3, nullptr); };
  const auto& validations = detail::callCounts().option_validations;
  harness.processAndDrop(frame());

  const long before = validations;
  for (int i = 0; i < 3; ++i) harness.processAndDrop(frame());
  EXPECT_EQ(validations - before, 0) << "frames with the settings unchanged";

  const long before_set = validations;
  g_object_set(harness.element(), "steps", 2u, nullptr);
  EXPECT_GT(validations - before_set, 0) << "the new value is judged when it is set";
  const long after_set = validations;
  harness.processAndDrop(frame());
  // The core's setters check what they are handed (StyleOptions, VideoOptions), once.
  EXPECT_LE(validations - after_set, 2);
  const long settled = validations;
  for (int i = 0; i < 3; ++i) harness.processAndDrop(frame());
  EXPECT_EQ(validations - settled, 0) << "frames after the change";
}

TEST_F(LiveTest, ValuesSetBeforeStartAreKeptAsSetForStartToJudge) {
  // Outside PAUSED and PLAYING a value is kept as set; start reports a bad one as an
  // error naming it (ElementErrors.UnknownLayersAreSettingsErrorsNamingTheProperty).
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr);
  g_object_set(element, "content-layer", "conv9_9", nullptr);
  gchar* layer = nullptr;
  g_object_get(element, "content-layer", &layer, nullptr);
  EXPECT_STREQ(layer, "conv9_9");
  g_free(layer);
  gst_object_unref(element);
}

TEST_F(LiveTest, AStyleImageThatCannotBeReadAtTheNextFrameKeepsThePreviousStyle) {
  // A JPEG cut short: OpenCV alone would return it with its missing half grey.
  const std::string corrupt = dir.file("truncated.jpg");
  test::damaged::truncatedJpeg(corrupt);
  Harness harness(settings("steps=1 progress-interval=0"));
  harness.setCaps("RGB", 32, 32);
  const FrameReport first = processFrame(harness, 0);

  // The file exists, so the value is accepted when set; reading it fails at the frame.
  g_object_set(harness.element(), "style-location", corrupt.c_str(), nullptr);
  EXPECT_TRUE(popWarnings(harness.bus()).empty());
  const FrameReport next = processFrame(harness, 1);
  EXPECT_PRED3(relativelyClose, next.style_loss, first.style_loss, 1e-5) << "the previous style was not kept";
  const auto& warnings = next.warnings;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find(corrupt), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("Premature end of JPEG file"), std::string::npos) << warnings[0];
  gchar* location = nullptr;
  g_object_get(harness.element(), "style-location", &location, nullptr);
  EXPECT_EQ(std::string(location ? location : ""), style) << "style-location must read back the style in force";
  g_free(location);

  // Once only: the next frame neither retries the file nor warns again.
  EXPECT_TRUE(processFrame(harness, 2).warnings.empty());
}

TEST_F(LiveTest, MaxSizeTooSmallForTheFrameIsRaisedWithAWarningNotAnError) {
  // The case: 40x16 frames, then max-size=32 (32x13 would be too small).
  Harness harness(settings("steps=1 progress-interval=0"));
  harness.setCaps("RGB", 40, 16);
  harness.processAndDrop(gradientFrame(40, 16, 0));
  EXPECT_TRUE(popWarnings(harness.bus()).empty());

  g_object_set(harness.element(), "max-size", 32u, nullptr);
  guint max_size = 0;
  g_object_get(harness.element(), "max-size", &max_size, nullptr);
  EXPECT_EQ(max_size, 32u);
  for (int index = 1; index <= 2; ++index) {
    SCOPED_TRACE("frame " + std::to_string(index));
    GstBuffer* out = harness.process(gradientFrame(40, 16, index));
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(gst_buffer_get_size(out), 40u * 16 * 3);
    gst_buffer_unref(out);
    const BusLog log = popBus(harness.bus());
    size_t done = 0;
    for (const auto& message : log.messages) done += message.name() == "neuralstyle-frame-done";
    EXPECT_EQ(done, 1u);
    const auto& warnings = log.warnings;
    // Once for the combination of frame size and max-size, not at every frame.
    ASSERT_EQ(warnings.size(), index == 1 ? 1u : 0u);
    if (index == 1) {
      EXPECT_NE(warnings[0].find("max-size 32"), std::string::npos) << warnings[0];
      EXPECT_NE(warnings[0].find("39x16"), std::string::npos) << warnings[0];
    }
  }
  EXPECT_EQ(gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_ERROR), nullptr);
}

TEST_F(LiveTest, TheLatencyEstimateFollowsMaxSize) {
  Harness harness(settings("steps=2 max-size=64"));
  gst_harness_set_upstream_latency(harness.get(), 0);
  harness.setCaps("RGB", 64, 64);
  const GstClockTime at_64 = gst_harness_query_latency(harness.get());
  g_object_set(harness.element(), "max-size", 16u, nullptr);
  const GstClockTime at_16 = gst_harness_query_latency(harness.get());
  ASSERT_GT(at_64, 0u);
  // Before any frame is measured the estimate is proportional to the processed pixels.
  EXPECT_PRED3(relativelyClose, static_cast<double>(at_16), at_64 * (16.0 * 16) / (64 * 64), 1e-6);
}

// --- frame numbering ----------------------------------------------------------------------

TEST_F(LiveTest, FramesAreNumberedFromZeroSinceStartOrTheLastFlush) {
  Harness harness(settings("steps=1 progress-interval=0"));
  harness.setCaps("RGB", 32, 32);
  for (int index = 0; index < 2; ++index) harness.processAndDrop(gradientFrame(32, 32, index));
  auto done = popElementMessages(harness.bus(), "neuralstyle-frame-done");
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(uint64Field(done[0], "frame"), 0u);
  EXPECT_EQ(uint64Field(done[1], "frame"), 1u);

  // Frame 2 runs long; a flush cancels it between two steps.
  g_object_set(harness.element(), "steps", 100000u, "progress-interval", 1u, nullptr);
  GstFlowReturn long_frame = GST_FLOW_OK;
  std::thread pusher([&] { long_frame = gst_harness_push(harness.get(), gradientFrame(32, 32, 2)); });
  GstMessage* progress = gst_bus_timed_pop_filtered(harness.bus(), 60 * GST_SECOND, GST_MESSAGE_ELEMENT);
  EXPECT_NE(progress, nullptr) << "the long frame never started";
  if (progress) gst_message_unref(progress);
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_start()));
  pusher.join();
  EXPECT_EQ(long_frame, GST_FLOW_FLUSHING);
  const auto cancelled = popElementMessages(harness.bus(), "neuralstyle-frame-cancelled");
  ASSERT_EQ(cancelled.size(), 1u);
  EXPECT_EQ(uint64Field(cancelled[0], "frame"), 2u);
  EXPECT_EQ(uint64Field(cancelled[0], "running-time"), 2 * kFrameDuration);
  EXPECT_EQ(uint64Field(cancelled[0], "stream-time"), 2 * kFrameDuration);

  // After the flush the count starts again, as a flushing seek's new segment does.
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  EXPECT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_segment(&segment)));
  g_object_set(harness.element(), "steps", 1u, "progress-interval", 0u, nullptr);
  GstBuffer* untimed = gradientFrame(32, 32, 0);
  GST_BUFFER_PTS(untimed) = GST_CLOCK_TIME_NONE;
  harness.processAndDrop(untimed);
  done = popElementMessages(harness.bus(), "neuralstyle-frame-done");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(uint64Field(done[0], "frame"), 0u);
  // A frame without a timestamp has no running or stream time.
  EXPECT_EQ(uint64Field(done[0], "running-time"), GST_CLOCK_TIME_NONE);
  EXPECT_EQ(uint64Field(done[0], "stream-time"), GST_CLOCK_TIME_NONE);
}

TEST_F(LiveTest, FramesDroppedForQosAreReportedUnderTheirNumber) {
  Harness harness(settings("steps=1 progress-interval=0"));
  harness.setCaps("RGB", 32, 32);
  gboolean qos = FALSE;
  g_object_get(harness.element(), "qos", &qos, nullptr);
  ASSERT_TRUE(qos) << "QoS is on by default, as in every GstVideoFilter";
  harness.processAndDrop(gradientFrame(32, 32, 0));

  // Downstream says it is 100 ms late at running time 0: frames up to 100 ms are late.
  ASSERT_TRUE(gst_harness_push_upstream_event(
      harness.get(), gst_event_new_qos(GST_QOS_TYPE_UNDERFLOW, 1.5, 100 * GST_MSECOND, 0)));
  for (int index = 1; index <= 3; ++index)
    EXPECT_EQ(gst_harness_push(harness.get(), gradientFrame(32, 32, index)), GST_FLOW_OK);
  harness.processAndDrop(gradientFrame(32, 32, 4));

  // Every frame received is accounted for, in order: 0 done, 1-3 dropped, 4 done.
  std::vector<std::pair<std::string, guint64>> accounted;
  for (const auto& message : popElementMessages(harness.bus())) {
    if (message.name() == "neuralstyle-progress") continue;
    accounted.emplace_back(message.name(), uint64Field(message, "frame"));
    if (message.name() == "neuralstyle-frame-dropped")
      EXPECT_EQ(uint64Field(message, "running-time"), accounted.back().second * kFrameDuration);
  }
  const std::vector<std::pair<std::string, guint64>> expected = {
      {"neuralstyle-frame-done", 0},    {"neuralstyle-frame-dropped", 1},
      {"neuralstyle-frame-dropped", 2}, {"neuralstyle-frame-dropped", 3},
      {"neuralstyle-frame-done", 4}};
  EXPECT_EQ(accounted, expected);
}

// --- cancel reasons ------------------------------------------------------------------------

using gstneuralstyle::CancelReasons;

TEST(CancelReasons, AFlushEndingCannotClearAStopRequestedMeanwhile) {
  // The ordering that a single flag lost: flush-start, PAUSED to READY asks to stop
  // before the pads are flushing, then flush-stop arrives.
  CancelReasons cancel;
  EXPECT_FALSE(cancel.cancelled());
  cancel.raise(CancelReasons::kFlushing);
  cancel.raise(CancelReasons::kStopping);
  cancel.clear(CancelReasons::kFlushing);
  EXPECT_TRUE(cancel.cancelled());
  EXPECT_TRUE(cancel.flag()->load()) << "the flag the core polls must agree";
  // Only a fresh start clears a stop.
  cancel.clear_all();
  EXPECT_FALSE(cancel.flag()->load());
}

TEST(CancelReasons, EachReasonHoldsUntilItsOwnCounterpartInAnyOrder) {
  CancelReasons cancel;
  cancel.raise(CancelReasons::kStopping);
  cancel.raise(CancelReasons::kFlushing);
  cancel.clear(CancelReasons::kFlushing);
  EXPECT_TRUE(cancel.cancelled());
  cancel.clear(CancelReasons::kStopping);
  EXPECT_FALSE(cancel.cancelled());
  cancel.raise(CancelReasons::kFlushing);
  cancel.clear(CancelReasons::kStopping);
  EXPECT_TRUE(cancel.cancelled()) << "clearing a reason that does not hold cleared another";
  cancel.clear(CancelReasons::kFlushing);
  EXPECT_FALSE(cancel.cancelled());
}

}  // namespace
}  // namespace neuralstyle::element_test
