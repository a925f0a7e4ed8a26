// SPDX-License-Identifier: LGPL-2.1-or-later
// Cases of the bad-input matrix (tests/BAD_INPUT_MATRIX.md) that the other element suites
// do not cover: every numeric and enum property at and past the ends of its range, caps
// that change between frames, EOS before any buffer, and the frame accounting (N frames
// in, the same N out with the same timestamps) across caps changes, flushes and EOS.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "address_limit.hpp"
#include "element_harness.hpp"
#include "element_test_support.hpp"

namespace neuralstyle::element_test {
namespace {

constexpr GstClockTime kFrameDuration = 40 * GST_MSECOND;

/// A grey frame of the negotiated size and format, stamped as frame `index`.
GstBuffer* greyFrame(const GstVideoInfo& info, int index) {
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  gst_buffer_memset(buffer, 0, 128, GST_VIDEO_INFO_SIZE(&info));
  GST_BUFFER_PTS(buffer) = index * kFrameDuration;
  GST_BUFFER_DURATION(buffer) = kFrameDuration;
  return buffer;
}

// --- properties at and past their limits ----------------------------------------------------

/// Counts GLib-GObject's warnings ("value ... is invalid or out of range for property")
/// while it lives, instead of printing them.
class GObjectWarnings {
 public:
  GObjectWarnings()
      : handler_(g_log_set_handler("GLib-GObject", G_LOG_LEVEL_WARNING, &GObjectWarnings::count, &count_)) {}
  ~GObjectWarnings() { g_log_remove_handler("GLib-GObject", handler_); }
  GObjectWarnings(const GObjectWarnings&) = delete;
  GObjectWarnings& operator=(const GObjectWarnings&) = delete;
  int take() { return std::exchange(count_, 0); }

 private:
  static void count(const gchar*, GLogLevelFlags, const gchar*, gpointer counter) {
    ++*static_cast<int*>(counter);
  }
  int count_ = 0;
  guint handler_;
};

/// Sets `property` from `value` and says whether GLib refused it: a warning, and the
/// property still reads `kept`.
template <typename T>
bool refused(GObject* object, GObjectWarnings& warnings, const char* property, GType type, T value) {
  GValue in = G_VALUE_INIT, out = G_VALUE_INIT, before = G_VALUE_INIT;
  g_value_init(&in, type);
  g_value_init(&out, type);
  g_value_init(&before, type);
  g_object_get_property(object, property, &before);
  if constexpr (std::is_same_v<T, guint>) g_value_set_uint(&in, value);
  if constexpr (std::is_same_v<T, gdouble>) g_value_set_double(&in, value);
  if constexpr (std::is_same_v<T, gint>) {
    if (type == G_TYPE_INT) g_value_set_int(&in, value);
    else g_value_set_enum(&in, value);
  }
  g_object_set_property(object, property, &in);
  g_object_get_property(object, property, &out);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), property);
  const bool kept = g_param_values_cmp(spec, &before, &out) == 0;
  g_value_unset(&in);
  g_value_unset(&out);
  g_value_unset(&before);
  return kept && warnings.take() == 1;
}

template <typename T>
bool accepted(GObject* object, GObjectWarnings& warnings, const char* property, GType type, T value) {
  GValue in = G_VALUE_INIT, out = G_VALUE_INIT;
  g_value_init(&in, type);
  g_value_init(&out, type);
  if constexpr (std::is_same_v<T, guint>) g_value_set_uint(&in, value);
  if constexpr (std::is_same_v<T, gdouble>) g_value_set_double(&in, value);
  if constexpr (std::is_same_v<T, guint64>) g_value_set_uint64(&in, value);
  if constexpr (std::is_same_v<T, gint>) g_value_set_int(&in, value);
  g_object_set_property(object, property, &in);
  g_object_get_property(object, property, &out);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(object), property);
  const bool same = g_param_values_cmp(spec, &in, &out) == 0;
  g_value_unset(&in);
  g_value_unset(&out);
  return same && warnings.take() == 0;
}

TEST(ElementLimits, EveryRangedPropertyTakesItsEndsAndRefusesWhatLiesPastThem) {
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr);
  GObject* object = G_OBJECT(element);
  GObjectWarnings warnings;
  guint count = 0, checked = 0;
  GParamSpec** specs = g_object_class_list_properties(G_OBJECT_GET_CLASS(object), &count);
  for (guint i = 0; i < count; ++i) {
    GParamSpec* spec = specs[i];
    if (spec->owner_type != G_OBJECT_TYPE(object) || !(spec->flags & G_PARAM_WRITABLE)) continue;
    const char* name = g_param_spec_get_name(spec);
    const GType type = G_PARAM_SPEC_VALUE_TYPE(spec);
    SCOPED_TRACE(name);
    if (G_IS_PARAM_SPEC_UINT(spec)) {
      const auto* range = G_PARAM_SPEC_UINT(spec);
      EXPECT_TRUE(accepted(object, warnings, name, type, range->maximum));
      EXPECT_TRUE(accepted(object, warnings, name, type, range->minimum));
      if (range->maximum < G_MAXUINT) EXPECT_TRUE(refused(object, warnings, name, type, range->maximum + 1));
      if (range->minimum > 0) EXPECT_TRUE(refused(object, warnings, name, type, range->minimum - 1));
      ++checked;
    } else if (G_IS_PARAM_SPEC_INT(spec)) {
      const auto* range = G_PARAM_SPEC_INT(spec);
      EXPECT_TRUE(accepted(object, warnings, name, type, range->maximum));
      EXPECT_TRUE(accepted(object, warnings, name, type, range->minimum));
      if (range->maximum < G_MAXINT) EXPECT_TRUE(refused(object, warnings, name, type, range->maximum + 1));
      if (range->minimum > G_MININT) EXPECT_TRUE(refused(object, warnings, name, type, range->minimum - 1));
      ++checked;
    } else if (G_IS_PARAM_SPEC_DOUBLE(spec)) {
      const auto* range = G_PARAM_SPEC_DOUBLE(spec);
      EXPECT_TRUE(accepted(object, warnings, name, type, range->maximum));
      EXPECT_TRUE(accepted(object, warnings, name, type, range->minimum));
      EXPECT_TRUE(refused(object, warnings, name, type,
                          range->maximum < G_MAXDOUBLE ? range->maximum * 2 + 1
                                                       : std::numeric_limits<double>::infinity()));
      EXPECT_TRUE(refused(object, warnings, name, type, range->minimum - 1));
      EXPECT_TRUE(refused(object, warnings, name, type, std::numeric_limits<double>::quiet_NaN()));
      ++checked;
    } else if (G_IS_PARAM_SPEC_UINT64(spec)) {
      const auto* range = G_PARAM_SPEC_UINT64(spec);
      EXPECT_TRUE(accepted(object, warnings, name, type, range->maximum));
      EXPECT_TRUE(accepted(object, warnings, name, type, range->minimum));
      ++checked;
    } else if (G_IS_PARAM_SPEC_ENUM(spec)) {
      EXPECT_TRUE(refused(object, warnings, name, type, gint{12345}));
      ++checked;
    }
  }
  g_free(specs);
  gst_object_unref(element);
  // steps, max-size, threads, progress-interval, learning-rate, content-weight,
  // style-weight, seed, optimizer, pooling, device, precision, network, convolution;
  // tv-weight, style-scale, scales, coarse-steps, scale-factor, tile-size,
  // tile-overlap, gram-normalization, color-match, init; temporal-weight,
  // steps-per-frame (an int: -1 = half of steps), scene-cut-threshold, mode, interval.
  EXPECT_EQ(checked, 29u);
}

/// A property at the end of its range, and what one 32x32 frame then does.
struct AtTheLimit {
  const char* name;
  std::string settings;
  bool stylised;             ///< true: frame-done and EOS; false: the error below
  std::string error_needle;  ///< part of the error's text
};

void PrintTo(const AtTheLimit& limit, std::ostream* out) { *out << limit.name; }

class PropertyAtItsLimit : public testing::TestWithParam<AtTheLimit> {};

TEST_P(PropertyAtItsLimit, StylisesTheFrameOrEndsWithAClearError) {
  TempDir dir;
  const Outcome outcome = runPipeline("videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! "
                                      "neuralstyle style-location=" + writeStyle(dir) + " " +
                                      fastSettings() + " " + GetParam().settings + " ! fakesink");
  EXPECT_FALSE(outcome.timed_out);
  EXPECT_TRUE(outcome.reached_null);
  if (GetParam().stylised) {
    EXPECT_TRUE(outcome.eos) << outcome.error_text;
    EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 1u);
  } else {
    ASSERT_TRUE(outcome.error);
    EXPECT_NE(outcome.error_text.find(GetParam().error_needle), std::string::npos) << outcome.error_text;
    EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ends, PropertyAtItsLimit,
    testing::Values(
        AtTheLimit{"StepsZero", "steps=0", true, ""},
        AtTheLimit{"MaxSizeSmallest", "steps=1 max-size=16", true, ""},
        AtTheLimit{"MaxSizeLargest", "steps=1 max-size=2147483647", true, ""},
        AtTheLimit{"ThreadsOne", "steps=1 threads=1", true, ""},
        AtTheLimit{"SeedLargest", "steps=1 seed=18446744073709551615", true, ""},
        AtTheLimit{"ProgressIntervalLargest", "steps=2 progress-interval=2147483647", true, ""},
        AtTheLimit{"BothLossWeightsZero", "steps=2 content-weight=0 style-weight=0", true, ""},
        AtTheLimit{"StyleWeightNetworkDefault", "steps=1 style-weight=-1", true, ""},
        AtTheLimit{"LearningRateLargestWithLbfgs", "steps=2 optimizer=lbfgs learning-rate=10", true, ""},
        AtTheLimit{"StyleScaleLargest", "steps=1 style-scale=8", true, ""},
        // The coarser sizes would fall below VGG19's 16 pixels: they are left out.
        AtTheLimit{"ScalesLargest", "steps=1 scales=8", true, ""},
        AtTheLimit{"ScaleFactorLargest", "steps=1 scales=2 scale-factor=4", true, ""},
        AtTheLimit{"TileSizeLargest", "steps=1 tile-size=16384", true, ""},
        // Without tiles the overlap has nothing to do.
        AtTheLimit{"TileOverlapLargestWithoutTiles", "steps=1 tile-overlap=8192", true, ""},
        // The total loss overflows to infinity: the documented divergence error.
        AtTheLimit{"TvWeightLargest", "steps=2 tv-weight=1.7976931348623157e308", false, "diverged"},
        AtTheLimit{"StyleWeightLargest", "steps=2 style-weight=1.7976931348623157e308", false, "diverged"},
        AtTheLimit{"ContentWeightLargest", "steps=3 content-weight=1.7976931348623157e308", false,
                   "diverged"}),
    [](const auto& info) { return std::string(info.param.name); });

// --- stream events --------------------------------------------------------------------------

TEST(ElementStream, EosBeforeAnyBufferEndsTheStreamCleanly) {
  TempDir dir;
  const Outcome outcome =
      runPipeline("videotestsrc num-buffers=0 ! video/x-raw,width=32,height=32 ! neuralstyle style-location=" +
                  writeStyle(dir) + " " + fastSettings() + " ! fakesink");
  EXPECT_TRUE(outcome.eos) << outcome.error_text;
  EXPECT_FALSE(outcome.error);
  EXPECT_TRUE(outcome.warnings.empty());
  EXPECT_TRUE(outcome.messages.empty()) << "no frame, so no frame message";
  EXPECT_TRUE(outcome.reached_null);
}

TEST(ElementStream, EosBeforeCapsReachesDownstream) {
  TempDir dir;
  Harness harness("style-location=" + writeStyle(dir) + " " + fastSettings());
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_stream_start("eos-before-caps")));
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_eos()));
  bool eos = false;
  while (GstEvent* event = gst_harness_try_pull_event(harness.get())) {
    eos |= GST_EVENT_TYPE(event) == GST_EVENT_EOS;
    gst_event_unref(event);
  }
  EXPECT_TRUE(eos);
  EXPECT_EQ(gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_ERROR), nullptr);
}

/// Pulls one stylised buffer and checks it is frame `index` of the current caps.
void expectFrame(Harness& harness, const GstVideoInfo& info, int index) {
  GstBuffer* out = gst_harness_pull(harness.get());
  ASSERT_NE(out, nullptr) << "frame " << index;
  EXPECT_EQ(GST_BUFFER_PTS(out), index * kFrameDuration) << "frame " << index;
  EXPECT_EQ(GST_BUFFER_DURATION(out), kFrameDuration) << "frame " << index;
  EXPECT_EQ(gst_buffer_get_size(out), GST_VIDEO_INFO_SIZE(&info)) << "frame " << index;
  gst_buffer_unref(out);
}

TEST(ElementStream, EveryFrameComesOutOnceAcrossCapsChangesFlushesAndEos) {
  TempDir dir;
  Harness harness("style-location=" + writeStyle(dir) + " " + fastSettings() + " steps=1");
  int index = 0;
  // 2 frames RGB 32x32, then new caps: 2 frames BGRx 40x24 (odd aspect, other format),
  // then GRAY8 36x20.
  for (const auto& [format, width, height] :
       std::vector<std::tuple<std::string, int, int>>{{"RGB", 32, 32}, {"BGRx", 40, 24}, {"GRAY8", 36, 20}}) {
    SCOPED_TRACE(format);
    const GstVideoInfo info = harness.setCaps(format, width, height);
    for (int i = 0; i < 2; ++i, ++index) {
      ASSERT_EQ(gst_harness_push(harness.get(), greyFrame(info, index)), GST_FLOW_OK);
      expectFrame(harness, info, index);
    }
  }
  // A flush between frames loses nothing: the frames after it come out as well.
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_segment(&segment)));
  const GstVideoInfo last = harness.setCaps("RGB", 32, 32);
  for (int i = 0; i < 2; ++i, ++index) {
    ASSERT_EQ(gst_harness_push(harness.get(), greyFrame(last, index)), GST_FLOW_OK);
    expectFrame(harness, last, index);
  }
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_eos()));
  EXPECT_EQ(gst_harness_buffers_received(harness.get()), static_cast<guint>(index));
  EXPECT_EQ(gst_harness_buffers_in_queue(harness.get()), 0u);
  EXPECT_EQ(popElementMessages(harness.bus(), "neuralstyle-frame-done").size(), static_cast<size_t>(index));
  EXPECT_EQ(gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_ERROR), nullptr);
}

// --- resources ----------------------------------------------------------------------------

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

TEST(ElementAddressLimit, AFrameTooLargeForTheAddressSpaceIsAnErrorNotACrash) {
  if (kSanitized) GTEST_SKIP() << "a sanitizer's shadow memory needs terabytes of address space";
  // gst-launch-1.0 with LibTorch loaded reserves about 1.5 GB; a 2048x2048 frame's VGG19
  // features need several GB more. 3 GB leaves GStreamer its buffers but not the tensors.
  TempDir dir;
  const test::LimitedRun run = test::runWithAddressLimit(
      {"gst-launch-1.0", "-q", "videotestsrc", "num-buffers=1", "!", "video/x-raw,width=2048,height=2048",
       "!", "neuralstyle", "style-location=" + writeStyle(dir), "weights-location=random:3", "device=cpu",
       "threads=2", "steps=1", "max-size=2048", "convolution=direct", "!", "fakesink"},
      3ull << 30, dir.file("stderr.txt"));
  EXPECT_TRUE(run.exited) << "killed by signal " << run.signal << "; stderr: " << run.err;
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_NE(run.err.find("ERROR"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("frame 0"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace neuralstyle::element_test
