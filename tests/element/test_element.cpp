// SPDX-License-Identifier: LGPL-2.1-or-later
// The neuralstyle element in a GstHarness: every caps format and stride, timestamps,
// bus messages, live property changes, latency, and parity with the core's Stylizer.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <torch/cuda.h>
#include <vector>

#include "element_harness.hpp"
#include "element_test_support.hpp"
#include "neuralstyle/feature_network.hpp"
#include "neuralstyle/image.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/stylizer.hpp"

namespace neuralstyle::element_test {
namespace {

/// Where R, G, B and the fourth (alpha or padding) byte sit in a pixel, from GStreamer's
/// own format table rather than from the element's mapping.
struct ByteLayout {
  int pixel_stride;
  int r, g, b;
  int extra;  // -1 for three-byte and gray formats
  bool gray;
};

ByteLayout byteLayout(GstVideoFormat format) {
  const GstVideoFormatInfo* info = gst_video_format_get_info(format);
  ByteLayout layout{};
  layout.pixel_stride = GST_VIDEO_FORMAT_INFO_PSTRIDE(info, 0);
  layout.gray = GST_VIDEO_FORMAT_INFO_IS_GRAY(info);
  layout.r = GST_VIDEO_FORMAT_INFO_POFFSET(info, 0);
  layout.g = layout.gray ? layout.r : GST_VIDEO_FORMAT_INFO_POFFSET(info, 1);
  layout.b = layout.gray ? layout.r : GST_VIDEO_FORMAT_INFO_POFFSET(info, 2);
  layout.extra = -1;
  if (layout.pixel_stride == 4)
    for (int byte = 0; byte < 4; ++byte)
      if (byte != layout.r && byte != layout.g && byte != layout.b) layout.extra = byte;
  return layout;
}

/// Test picture: a red left half and a blue right half, with a gentle vertical green
/// ramp; gray formats get a dark left and a bright right half.
cv::Vec3b pictureRgb(int x, int y, int width) {
  const bool left = x < width / 2;
  const auto ramp = static_cast<uchar>(40 + 2 * y);
  return left ? cv::Vec3b(220, ramp, 40) : cv::Vec3b(30, ramp, 210);
}
uchar pictureGray(int x, int y, int width) {
  return static_cast<uchar>(x < width / 2 ? 50 + y : 200 - y);
}
uchar extraByte(int x, int y) { return static_cast<uchar>((x * 13 + y * 7 + 5) & 255); }

/// A buffer holding the test picture in `info`'s format. With `stride` > 0 the rows are
/// that far apart (announced by a GstVideoMeta) and the padding is filled with junk.
GstBuffer* makePictureBuffer(const GstVideoInfo& info, int stride = 0) {
  const ByteLayout layout = byteLayout(GST_VIDEO_INFO_FORMAT(&info));
  const int width = GST_VIDEO_INFO_WIDTH(&info), height = GST_VIDEO_INFO_HEIGHT(&info);
  GstVideoInfo layout_info = info;
  GstBuffer* buffer;
  if (stride > 0) {
    buffer = gst_buffer_new_allocate(nullptr, static_cast<gsize>(stride) * height, nullptr);
    gst_buffer_memset(buffer, 0, 0xAB, gst_buffer_get_size(buffer));
    gsize offsets[GST_VIDEO_MAX_PLANES] = {0};
    gint strides[GST_VIDEO_MAX_PLANES] = {stride};
    gst_buffer_add_video_meta_full(buffer, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&info),
                                   width, height, 1, offsets, strides);
    GST_VIDEO_INFO_PLANE_STRIDE(&layout_info, 0) = stride;
    layout_info.size = gst_buffer_get_size(buffer);
  } else {
    buffer = gst_buffer_new_allocate(nullptr, GST_VIDEO_INFO_SIZE(&info), nullptr);
  }
  GstVideoFrame frame;
  EXPECT_TRUE(gst_video_frame_map(&frame, &layout_info, buffer, GST_MAP_WRITE));
  auto* rows = static_cast<guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const int row_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      guint8* pixel = rows + y * row_stride + x * layout.pixel_stride;
      if (layout.gray) {
        pixel[0] = pictureGray(x, y, width);
        continue;
      }
      const cv::Vec3b rgb = pictureRgb(x, y, width);
      pixel[layout.r] = rgb[0];
      pixel[layout.g] = rgb[1];
      pixel[layout.b] = rgb[2];
      if (layout.extra >= 0) pixel[layout.extra] = extraByte(x, y);
    }
  gst_video_frame_unmap(&frame);
  return buffer;
}

/// Checks every pixel of `buffer` against the test picture: colour bytes within
/// `tolerance` (only where `checked(x, y)`), the fourth byte exactly.
void expectPicture(GstBuffer* buffer, const GstVideoInfo& info, int tolerance,
                   const std::function<bool(int, int)>& checked = {}) {
  ASSERT_NE(buffer, nullptr);
  const ByteLayout layout = byteLayout(GST_VIDEO_INFO_FORMAT(&info));
  const int width = GST_VIDEO_INFO_WIDTH(&info), height = GST_VIDEO_INFO_HEIGHT(&info);
  GstVideoFrame frame;
  ASSERT_TRUE(gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ));
  const auto* rows = static_cast<const guint8*>(GST_VIDEO_FRAME_PLANE_DATA(&frame, 0));
  const int row_stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0);
  int worst = 0, worst_x = 0, worst_y = 0, extra_mismatches = 0;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      const guint8* pixel = rows + y * row_stride + x * layout.pixel_stride;
      if (layout.extra >= 0 && pixel[layout.extra] != extraByte(x, y)) ++extra_mismatches;
      if (checked && !checked(x, y)) continue;
      int difference;
      if (layout.gray) {
        difference = std::abs(pixel[0] - pictureGray(x, y, width));
      } else {
        const cv::Vec3b rgb = pictureRgb(x, y, width);
        difference = std::max({std::abs(pixel[layout.r] - rgb[0]), std::abs(pixel[layout.g] - rgb[1]),
                               std::abs(pixel[layout.b] - rgb[2])});
      }
      if (difference > worst) worst = difference, worst_x = x, worst_y = y;
    }
  gst_video_frame_unmap(&frame);
  EXPECT_LE(worst, tolerance) << "largest colour difference at (" << worst_x << ", " << worst_y
                              << ") of a " << width << "x" << height << " "
                              << gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info)) << " frame";
  EXPECT_EQ(extra_mismatches, 0) << "alpha/padding bytes changed";
}

GstBuffer* stamped(GstBuffer* buffer, int index) {
  GST_BUFFER_PTS(buffer) = index * 33 * GST_MSECOND;
  GST_BUFFER_DTS(buffer) = index * 33 * GST_MSECOND;
  GST_BUFFER_DURATION(buffer) = 33 * GST_MSECOND;
  GST_BUFFER_OFFSET(buffer) = index;
  GST_BUFFER_OFFSET_END(buffer) = index + 1;
  return buffer;
}

struct ElementTest : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);
  /// Each frame on its own (no start from the previous one, no temporal term), so that
  /// frames with the same settings give the same result (video: test_element_video.cpp).
  std::string settings(const std::string& extra) const {
    return "style-location=" + style + " " + fastSettings() + " init=content temporal-weight=0 " + extra;
  }
};

// --- formats, sizes, strides ----------------------------------------------------------

class FormatRoundTrip : public ElementTest, public testing::WithParamInterface<const char*> {};

TEST_P(FormatRoundTrip, KeepsChannelOrderAlphaAndTimestampsAtEvenAndOddSizes) {
  Harness harness(settings("steps=0"));
  int index = 0;
  for (const cv::Size size : {cv::Size(48, 32), cv::Size(37, 29)}) {
    SCOPED_TRACE(std::string(GetParam()) + " " + std::to_string(size.width) + "x" +
                 std::to_string(size.height));
    const GstVideoInfo info = harness.setCaps(GetParam(), size.width, size.height);
    GstBuffer* out = harness.process(stamped(makePictureBuffer(info), index));
    ASSERT_NE(out, nullptr);
    expectPicture(out, info, 2);
    EXPECT_EQ(GST_BUFFER_PTS(out), index * 33 * GST_MSECOND);
    EXPECT_EQ(GST_BUFFER_DURATION(out), 33 * GST_MSECOND);
    gst_buffer_unref(out);
    ++index;
  }
}

INSTANTIATE_TEST_SUITE_P(AllCapsFormats, FormatRoundTrip,
                         testing::Values("RGB", "BGR", "RGBx", "BGRx", "xRGB", "xBGR", "RGBA",
                                         "BGRA", "ARGB", "ABGR", "GRAY8"),
                         [](const testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

TEST_F(ElementTest, HonoursAPaddedInputStrideFromTheVideoMeta) {
  Harness harness(settings("steps=0"));
  for (const char* format : {"RGB", "ABGR", "GRAY8"}) {
    SCOPED_TRACE(format);
    const GstVideoInfo info = harness.setCaps(format, 37, 29);
    const int padded = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) + 13;
    GstBuffer* out = harness.process(makePictureBuffer(info, padded));
    ASSERT_NE(out, nullptr);
    expectPicture(out, info, 2);
    gst_buffer_unref(out);
  }
}

TEST_F(ElementTest, ProcessesAtMaxSizeAndGivesBackTheFrameSize) {
  Harness harness(settings("steps=0 max-size=24"));
  const GstVideoInfo info = harness.setCaps("BGRA", 48, 32);
  GstBuffer* out = harness.process(makePictureBuffer(info));
  ASSERT_NE(out, nullptr);
  // Scaled to 24x16 and back: away from the red/blue border the halves stay put; the
  // green ramp comes back within a few levels.
  expectPicture(out, info, 6, [](int x, int) { return std::abs(x - 24) > 4; });
  gst_buffer_unref(out);
}

TEST_F(ElementTest, KeepsEveryFrameWithItsTimestampsDurationsAndOffsets) {
  Harness harness(settings("steps=1"));
  const GstVideoInfo info = harness.setCaps("RGB", 32, 32);
  constexpr int kFrames = 3;
  for (int i = 0; i < kFrames; ++i) {
    GstBuffer* in = stamped(makePictureBuffer(info), i);
    if (i == 0) GST_BUFFER_FLAG_SET(in, GST_BUFFER_FLAG_DISCONT);
    ASSERT_EQ(gst_harness_push(harness.get(), in), GST_FLOW_OK);
  }
  for (int i = 0; i < kFrames; ++i) {
    GstBuffer* out = gst_harness_pull(harness.get());
    ASSERT_NE(out, nullptr);
    EXPECT_EQ(GST_BUFFER_PTS(out), i * 33 * GST_MSECOND);
    EXPECT_EQ(GST_BUFFER_DTS(out), i * 33 * GST_MSECOND);
    EXPECT_EQ(GST_BUFFER_DURATION(out), 33 * GST_MSECOND);
    EXPECT_EQ(GST_BUFFER_OFFSET(out), static_cast<guint64>(i));
    EXPECT_EQ(GST_BUFFER_OFFSET_END(out), static_cast<guint64>(i + 1));
    EXPECT_EQ(GST_BUFFER_FLAG_IS_SET(out, GST_BUFFER_FLAG_DISCONT), i == 0);
    gst_buffer_unref(out);
  }
  EXPECT_EQ(gst_harness_buffers_received(harness.get()), static_cast<guint>(kFrames));
  EXPECT_EQ(popElementMessages(harness.bus(), "neuralstyle-frame-done").size(), size_t{kFrames});
}

// --- bus messages ------------------------------------------------------------------------

TEST_F(ElementTest, PostsProgressAndFrameDoneWithRunningAndStreamTime) {
  Harness harness(settings("steps=3 progress-interval=2"));
  const GstVideoInfo info = harness.setCaps("RGBx", 32, 32);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  segment.start = 1 * GST_SECOND;
  segment.time = 5 * GST_SECOND;
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_segment(&segment)));
  for (int i = 0; i < 2; ++i) {
    GstBuffer* in = makePictureBuffer(info);
    GST_BUFFER_PTS(in) = 1500 * GST_MSECOND + i * GST_SECOND;
    harness.processAndDrop(in);
  }

  const auto messages = popElementMessages(harness.bus());
  // Interval 2 of 3 steps: steps 2 and 3 (the last always), then frame-done; per frame.
  ASSERT_EQ(messages.size(), 6u);
  for (int frame = 0; frame < 2; ++frame) {
    const GstClockTime running = 500 * GST_MSECOND + frame * GST_SECOND;
    const GstClockTime stream = 5500 * GST_MSECOND + frame * GST_SECOND;
    const int first = 3 * frame;
    for (int k = 0; k < 2; ++k) {
      const ElementMessage& progress = messages[first + k];
      EXPECT_EQ(progress.name(), "neuralstyle-progress");
      EXPECT_EQ(progress.source, "ns");
      EXPECT_EQ(uint64Field(progress, "frame"), static_cast<guint64>(frame));
      EXPECT_EQ(uintField(progress, "step"), k == 0 ? 2u : 3u);
      EXPECT_EQ(uintField(progress, "steps"), 3u);
      const double total = doubleField(progress, "total-loss");
      const double content = doubleField(progress, "content-loss");
      const double style_loss = doubleField(progress, "style-loss");
      EXPECT_NEAR(total, content + 1e6 * style_loss, 1e-4 * total);
      EXPECT_GE(doubleField(progress, "elapsed"), 0.0);
      EXPECT_EQ(uint64Field(progress, "running-time"), running);
      EXPECT_EQ(uint64Field(progress, "stream-time"), stream);
    }
    const ElementMessage& done = messages[first + 2];
    EXPECT_EQ(done.name(), "neuralstyle-frame-done");
    EXPECT_EQ(uint64Field(done, "frame"), static_cast<guint64>(frame));
    EXPECT_EQ(uintField(done, "steps"), 3u);
    EXPECT_DOUBLE_EQ(doubleField(done, "total-loss"), doubleField(messages[first + 1], "total-loss"));
    EXPECT_GE(doubleField(done, "elapsed"), doubleField(messages[first + 1], "elapsed"));
    EXPECT_EQ(uint64Field(done, "running-time"), running);
    EXPECT_EQ(uint64Field(done, "stream-time"), stream);
  }
}

TEST_F(ElementTest, ProgressIntervalZeroReportsOnlyTheLastStep) {
  Harness harness(settings("steps=3 progress-interval=0"));
  const GstVideoInfo info = harness.setCaps("RGB", 32, 32);
  harness.processAndDrop(makePictureBuffer(info));
  const auto progress = popElementMessages(harness.bus(), "neuralstyle-progress");
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(uintField(progress[0], "step"), 3u);
}

bool relativelyClose(double a, double b, double tolerance = 1e-4) {
  return std::abs(a - b) <= tolerance * std::max(std::abs(a), std::abs(b)) + 1e-12;
}

struct OptimizerCase {
  const char* nick;
  Optimizer optimizer;
  double learning_rate;
};

class CoreParity : public ElementTest, public testing::WithParamInterface<OptimizerCase> {};

TEST_P(CoreParity, LossesEqualTheCoreStylizerOnTheSameFrame) {
  const OptimizerCase& optimizer = GetParam();
  Harness harness(settings("steps=3 progress-interval=1 optimizer=" + std::string(optimizer.nick) +
                           " learning-rate=" + std::to_string(optimizer.learning_rate)));
  const GstVideoInfo info = harness.setCaps("RGB", 40, 24);
  harness.processAndDrop(makePictureBuffer(info));
  const auto progress = popElementMessages(harness.bus(), "neuralstyle-progress");
  ASSERT_EQ(progress.size(), 3u);

  EngineOptions engine;
  engine.weights = "random:3";
  engine.device = DeviceKind::CPU;
  engine.threads = 2;
  StyleOptions options;
  options.steps = 3;
  options.optimizer = optimizer.optimizer;
  options.learning_rate = optimizer.learning_rate;
  options.max_size = 64;
  options.progress_interval = 1;
  Stylizer stylizer(engine, options);
  stylizer.setStyle(readRgbImage(style), PixelFormat::RGB);
  cv::Mat content(24, 40, CV_8UC3);
  for (int y = 0; y < content.rows; ++y)
    for (int x = 0; x < content.cols; ++x) content.at<cv::Vec3b>(y, x) = pictureRgb(x, y, content.cols);
  std::vector<Progress> expected;
  stylizer.stylize(content, PixelFormat::RGB, [&](const Progress& p) { expected.push_back(p); });

  ASSERT_EQ(expected.size(), 3u);
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("step " + std::to_string(i + 1));
    EXPECT_EQ(uintField(progress[i], "step"), static_cast<guint>(expected[i].step));
    EXPECT_PRED3(relativelyClose, doubleField(progress[i], "total-loss"), expected[i].losses.total, 1e-4);
    EXPECT_PRED3(relativelyClose, doubleField(progress[i], "content-loss"), expected[i].losses.content, 1e-4);
    EXPECT_PRED3(relativelyClose, doubleField(progress[i], "style-loss"), expected[i].losses.style, 1e-4);
  }
  EXPECT_GT(expected[0].losses.style, 0.0);
  EXPECT_LT(expected[2].losses.total, expected[0].losses.total) << "the optimiser did not descend";
}

INSTANTIATE_TEST_SUITE_P(Optimizers, CoreParity,
                         testing::Values(OptimizerCase{"adam", Optimizer::Adam, 0.05},
                                         OptimizerCase{"lbfgs", Optimizer::LBFGS, 1.0}),
                         [](const testing::TestParamInfo<OptimizerCase>& info) { return std::string(info.param.nick); });

// --- properties --------------------------------------------------------------------------

TEST(ElementProperties, DefaultsAreTheCoreDefaults) {
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr) << "is GST_PLUGIN_PATH set to the folder of libgstneuralstyle.so?";
  guint steps = 0, max_size = 0, threads = 1, progress_interval = 0;
  gdouble learning_rate = 0, content_weight = 0, style_weight = 0;
  gchar *layers = nullptr, *content_layer = nullptr, *style = nullptr, *weights = nullptr;
  guint64 seed = 1;
  gint device = -1, optimizer = -1, precision = -1, convolution = -1, pooling = -1, network = -1;
  g_object_get(element, "network", &network, "convolution", &convolution, "pooling", &pooling, "steps", &steps, "max-size", &max_size, "threads", &threads,
               "progress-interval", &progress_interval, "learning-rate", &learning_rate,
               "content-weight", &content_weight, "style-weight", &style_weight,
               "style-layer-weights", &layers, "content-layer", &content_layer,
               "style-location", &style, "weights-location", &weights, "seed", &seed,
               "device", &device, "optimizer", &optimizer, "precision", &precision, nullptr);
  const StyleOptions defaults;
  EXPECT_EQ(steps, static_cast<guint>(defaults.steps));
  EXPECT_EQ(max_size, static_cast<guint>(defaults.max_size));
  // Unset in the core: the network's own defaults. The element says so with 0, -1 and NULL.
  EXPECT_FALSE(defaults.learning_rate || defaults.style_weight);
  EXPECT_TRUE(defaults.content_layer.empty() && defaults.style_layers.empty());
  EXPECT_DOUBLE_EQ(learning_rate, 0.0);
  EXPECT_DOUBLE_EQ(content_weight, defaults.content_weight);
  EXPECT_DOUBLE_EQ(style_weight, -1.0);
  EXPECT_EQ(content_layer, nullptr);
  EXPECT_EQ(layers, nullptr);
  EXPECT_EQ(network, 0);  // auto
  EXPECT_EQ(EngineOptions().network, Network::Auto);
  GParamSpec* network_spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "network");
  ASSERT_NE(network_spec, nullptr);
  EXPECT_TRUE(network_spec->flags & GST_PARAM_MUTABLE_READY);
  GEnumClass* networks = G_PARAM_SPEC_ENUM(network_spec)->enum_class;
  for (const char* nick : {"auto", "vgg19", "squeezenet1_1"})
    EXPECT_NE(g_enum_get_value_by_nick(networks, nick), nullptr) << nick;
  EXPECT_EQ(style, nullptr);
  EXPECT_EQ(weights, nullptr);
  EXPECT_EQ(threads, 0u);
  EXPECT_EQ(seed, 0u);
  EXPECT_EQ(device, 0);     // auto
  EXPECT_EQ(optimizer, 0);  // adam
  EXPECT_EQ(precision, 0);  // float32, the core's default
  EXPECT_EQ(EngineOptions().precision, Precision::Float32);
  GParamSpec* precision_spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "precision");
  ASSERT_NE(precision_spec, nullptr);
  EXPECT_EQ(G_PARAM_SPEC_VALUE_TYPE(precision_spec), g_type_from_name("GstNeuralStylePrecision"));
  EXPECT_TRUE(precision_spec->flags & GST_PARAM_MUTABLE_READY);
  GEnumClass* precisions = G_PARAM_SPEC_ENUM(precision_spec)->enum_class;
  GEnumValue* float32 = g_enum_get_value_by_nick(precisions, "float32");
  ASSERT_NE(float32, nullptr);
  EXPECT_EQ(float32->value, precision);
  EXPECT_NE(g_enum_get_value_by_nick(precisions, "bfloat16"), nullptr);
  EXPECT_EQ(EngineOptions().convolution, Convolution::Auto);
  EXPECT_EQ(defaults.pooling, Pooling::Max);
  GParamSpec* pooling_spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "pooling");
  ASSERT_NE(pooling_spec, nullptr);
  EXPECT_TRUE(pooling_spec->flags & GST_PARAM_MUTABLE_PLAYING);
  GEnumClass* poolings = G_PARAM_SPEC_ENUM(pooling_spec)->enum_class;
  ASSERT_NE(g_enum_get_value_by_nick(poolings, "max"), nullptr);
  EXPECT_EQ(g_enum_get_value_by_nick(poolings, "max")->value, pooling);
  EXPECT_NE(g_enum_get_value_by_nick(poolings, "average"), nullptr);
  GParamSpec* convolution_spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "convolution");
  ASSERT_NE(convolution_spec, nullptr);
  EXPECT_TRUE(convolution_spec->flags & GST_PARAM_MUTABLE_READY);
  GEnumClass* convolutions = G_PARAM_SPEC_ENUM(convolution_spec)->enum_class;
  ASSERT_NE(g_enum_get_value_by_nick(convolutions, "auto"), nullptr);
  EXPECT_EQ(g_enum_get_value_by_nick(convolutions, "auto")->value, convolution);
  EXPECT_NE(g_enum_get_value_by_nick(convolutions, "direct"), nullptr);
  EXPECT_NE(g_enum_get_value_by_nick(convolutions, "winograd"), nullptr);
  GParamSpec* spec = g_object_class_find_property(G_OBJECT_GET_CLASS(element), "optimizer");
  GEnumValue* adam = g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(spec)->enum_class, "adam");
  ASSERT_NE(adam, nullptr);
  EXPECT_EQ(adam->value, optimizer);
  EXPECT_NE(g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(spec)->enum_class, "lbfgs"), nullptr);
  g_free(layers);
  g_free(content_layer);
  gst_object_unref(element);
}

TEST_F(ElementTest, OptimisationSettingsAndStyleChangeAtTheNextFrame) {
  Harness harness(settings("steps=1"));
  const std::string other_style = writeStyle(dir, "other.png", {250, 250, 250}, {0, 0, 0});
  const GstVideoInfo info = harness.setCaps("RGB", 32, 32);
  const auto frameDone = [&]() {
    harness.processAndDrop(makePictureBuffer(info));
    auto done = popElementMessages(harness.bus(), "neuralstyle-frame-done");
    EXPECT_EQ(done.size(), 1u);
    return std::make_pair(uintField(done.at(0), "steps"), doubleField(done.at(0), "style-loss"));
  };
  const auto first = frameDone();
  EXPECT_EQ(first.first, 1u);

  g_object_set(harness.element(), "steps", 2u, nullptr);
  EXPECT_EQ(frameDone().first, 2u);

  g_object_set(harness.element(), "steps", 1u, "style-location", other_style.c_str(), nullptr);
  const auto other = frameDone();
  EXPECT_EQ(other.first, 1u);
  EXPECT_FALSE(relativelyClose(other.second, first.second, 1e-3)) << "the new style was not used";

  g_object_set(harness.element(), "style-location", style.c_str(), nullptr);
  EXPECT_PRED3(relativelyClose, frameDone().second, first.second, 1e-5);
}

TEST_F(ElementTest, PoolingReachesTheNetworkAndMayChangeWhilePlaying) {
  Harness harness(settings("steps=1"));
  const GstVideoInfo info = harness.setCaps("RGB", 32, 32);
  const auto styleLoss = [&]() {
    harness.processAndDrop(makePictureBuffer(info));
    auto done = popElementMessages(harness.bus(), "neuralstyle-frame-done");
    EXPECT_EQ(done.size(), 1u);
    return done.empty() ? 0.0 : doubleField(done.at(0), "style-loss");
  };
  const double max_pooling = styleLoss();
  GEnumClass* poolings = G_ENUM_CLASS(g_type_class_peek(g_type_from_name("GstNeuralStylePooling")));
  ASSERT_NE(poolings, nullptr);
  g_object_set(harness.element(), "pooling", g_enum_get_value_by_nick(poolings, "average")->value, nullptr);
  const double average_pooling = styleLoss();
  ASSERT_GT(average_pooling, 0.0);
  EXPECT_FALSE(relativelyClose(average_pooling, max_pooling, 1e-3)) << "pooling did not reach the network";
  g_object_set(harness.element(), "pooling", g_enum_get_value_by_nick(poolings, "max")->value, nullptr);
  EXPECT_PRED3(relativelyClose, styleLoss(), max_pooling, 1e-5);
}

TEST_F(ElementTest, EngineSettingsAreRefusedWhilePlaying) {
  Harness harness(settings("steps=0 precision=bfloat16 convolution=direct"));
  g_object_set(harness.element(), "threads", 1u, "weights-location", "random:9", "device", 0,
               "precision", 0, "convolution", 0, nullptr);
  guint threads = 0;
  gchar* weights = nullptr;
  gint device = -1, precision = -1, convolution = -1;
  g_object_get(harness.element(), "threads", &threads, "weights-location", &weights, "device", &device,
               "precision", &precision, "convolution", &convolution, nullptr);
  EXPECT_EQ(threads, 2u);
  EXPECT_STREQ(weights, "random:3");
  EXPECT_EQ(device, 1);       // cpu
  EXPECT_EQ(precision, 1);    // bfloat16
  EXPECT_EQ(convolution, 1);  // direct
  g_free(weights);
  int warnings = 0;
  while (GstMessage* message = gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_WARNING)) {
    GError* error = nullptr;
    gst_message_parse_warning(message, &error, nullptr);
    EXPECT_NE(std::string(error->message).find("NULL or READY"), std::string::npos) << error->message;
    g_clear_error(&error);
    gst_message_unref(message);
    ++warnings;
  }
  EXPECT_EQ(warnings, 5);
}

TEST_F(ElementTest, Bfloat16PrecisionStaysWithinAFewPerCentOfFloat32) {
  // The frame-done total loss of one 40x24 frame, 2 steps, with random:3 weights.
  const auto totalLoss = [&](const std::string& extra) {
    Harness harness(settings("steps=2 " + extra));
    const GstVideoInfo info = harness.setCaps("RGB", 40, 24);
    GstBuffer* out = harness.process(makePictureBuffer(info));
    EXPECT_NE(out, nullptr);
    if (out) {
      EXPECT_EQ(gst_buffer_get_size(out), GST_VIDEO_INFO_SIZE(&info));
      gst_buffer_unref(out);
    }
    const auto done = popElementMessages(harness.bus(), "neuralstyle-frame-done");
    EXPECT_EQ(done.size(), 1u);
    if (done.empty()) return 0.0;
    EXPECT_EQ(uintField(done[0], "steps"), 2u);
    return doubleField(done[0], "total-loss");
  };
  const double float32 = totalLoss("");
  const double bfloat16 = totalLoss("precision=bfloat16");
  ASSERT_GT(float32, 0.0);
  ASSERT_TRUE(std::isfinite(bfloat16));
  EXPECT_NE(bfloat16, float32) << "precision=bfloat16 did not reach the network";
  EXPECT_PRED3(relativelyClose, bfloat16, float32, 0.05);
}

TEST_F(ElementTest, WinogradConvolutionsKeepTheLossesOfDirectOnes) {
  if (!winogradConvolutionAvailable()) GTEST_SKIP() << "no Winograd kernels on this CPU/build";
  // The frame-done losses of one 40x24 frame, 2 steps, with random:3 weights.
  const auto losses = [&](const std::string& extra) {
    Harness harness(settings("steps=2 learning-rate=0.05 " + extra));
    const GstVideoInfo info = harness.setCaps("RGB", 40, 24);
    harness.processAndDrop(makePictureBuffer(info));
    const auto done = popElementMessages(harness.bus(), "neuralstyle-frame-done");
    EXPECT_EQ(done.size(), 1u);
    if (done.empty()) return std::make_pair(0.0, 0.0);
    return std::make_pair(doubleField(done[0], "total-loss"), doubleField(done[0], "content-loss"));
  };
  const auto direct = losses("convolution=direct");
  const auto winograd = losses("convolution=winograd");
  ASSERT_GT(direct.first, 0.0);
  ASSERT_GT(direct.second, 0.0);
  EXPECT_PRED3(relativelyClose, winograd.first, direct.first, 1e-5);
  // The content loss is still tiny after 2 steps: compared on the total's scale, as the
  // notebook parity test does.
  EXPECT_LE(std::abs(winograd.second - direct.second), 1e-5 * direct.first);
  EXPECT_NE(winograd, direct) << "convolution=winograd did not reach the network";
}

TEST_F(ElementTest, WinogradInBfloat16IsAClearSettingsError) {
  const std::string description = "videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! "
                                  "neuralstyle style-location=" + style +
                                  " weights-location=random:3 steps=1 max-size=64 "
                                  "precision=bfloat16 convolution=winograd ! fakesink";
  const Outcome outcome = runPipeline(description);
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error_domain, GST_LIBRARY_ERROR) << gquarkName(outcome.error_domain);
  EXPECT_EQ(outcome.error_code, GST_LIBRARY_ERROR_SETTINGS);
  EXPECT_NE(outcome.error_text.find("Winograd"), std::string::npos) << outcome.error_text;
  EXPECT_TRUE(outcome.reached_null);
}

TEST_F(ElementTest, LatencyIsUpstreamPlusAnEstimateThenTheMeasuredFrameTime) {
  Harness harness(settings("steps=2"));
  gst_harness_set_upstream_latency(harness.get(), 10 * GST_MSECOND);
  const GstVideoInfo info = harness.setCaps("RGB", 32, 32);
  EXPECT_GT(gst_harness_query_latency(harness.get()), 10 * GST_MSECOND);

  harness.processAndDrop(makePictureBuffer(info));
  const auto done = popElementMessages(harness.bus(), "neuralstyle-frame-done");
  ASSERT_EQ(done.size(), 1u);
  const double frame_seconds = doubleField(done[0], "elapsed");
  const double ours = (gst_harness_query_latency(harness.get()) - 10 * GST_MSECOND) / 1e9;
  EXPECT_NEAR(ours, frame_seconds, 1e-6);
}

TEST_F(ElementTest, CudaWorksWhereAvailableAndIsAClearErrorElsewhere) {
  const std::string description = "videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! "
                                  "neuralstyle style-location=" + style +
                                  " weights-location=random:3 steps=1 max-size=64 device=cuda ! fakesink";
  const Outcome outcome = runPipeline(description);
  if (torch::cuda::is_available()) {
    EXPECT_TRUE(outcome.eos) << outcome.error_text;
    EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 1u);
  } else {
    ASSERT_TRUE(outcome.error);
    EXPECT_EQ(outcome.error_domain, GST_LIBRARY_ERROR) << gquarkName(outcome.error_domain);
    EXPECT_EQ(outcome.error_code, GST_LIBRARY_ERROR_INIT);
    EXPECT_NE(outcome.error_text.find("cuda"), std::string::npos) << outcome.error_text;
  }
  EXPECT_TRUE(outcome.reached_null);
}

}  // namespace
}  // namespace neuralstyle::element_test
