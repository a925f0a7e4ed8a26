// SPDX-License-Identifier: LGPL-2.1-or-later
// The fastneuralstyle element in GstHarness, on the small random TransformerNet of the
// generate_transformer_net fixture (pytorch/examples' layout, exported by torch 1.13 at
// ONNX opsets 9 and 11, and its safetensors): torch eager's output to one level, every
// format at an odd size with a padded stride, strength 0, the model changed while
// playing, the temporal blend and its reset on a flush, messages, latency and errors.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "element_harness.hpp"
#include "element_test_support.hpp"
#include "neuralstyle/feed_forward.hpp"
#include "neuralstyle/image.hpp"

namespace neuralstyle::element_test {
namespace {

namespace fs = std::filesystem;

std::string testData(const std::string& name) {
  const char* dir = std::getenv("NEURALSTYLE_TESTDATA");
  EXPECT_NE(dir, nullptr) << "NEURALSTYLE_TESTDATA is not set";
  return std::string(dir ? dir : ".") + "/" + name;
}

cv::Mat readRgb(const std::string& path) {
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  EXPECT_FALSE(bgr.empty()) << path << " is missing: did the generate_transformer_net fixture run?";
  cv::Mat rgb;
  if (!bgr.empty()) cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

const std::string kOpset9 = "transformer_net_opset9.onnx";
const std::string kOpset11 = "transformer_net_opset11.onnx";
const std::string kSafetensors = "transformer_net.safetensors";

/// `rgb` in `info`'s format, rows `stride` bytes apart (0: the format's own stride),
/// with a video meta giving the stride; alpha bytes are a pattern of their own.
GstBuffer* frameBuffer(const cv::Mat& rgb, const GstVideoInfo& info, int stride = 0, int index = 0) {
  PixelFormat format = PixelFormat::RGB;
  const std::string name = gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info));
  for (const auto& [text, value] : std::vector<std::pair<std::string, PixelFormat>>{
           {"GRAY8", PixelFormat::Gray}, {"RGB", PixelFormat::RGB}, {"BGR", PixelFormat::BGR},
           {"RGBA", PixelFormat::RGBA}, {"RGBx", PixelFormat::RGBA}, {"BGRA", PixelFormat::BGRA},
           {"BGRx", PixelFormat::BGRA}, {"ARGB", PixelFormat::ARGB}, {"xRGB", PixelFormat::ARGB},
           {"ABGR", PixelFormat::ABGR}, {"xBGR", PixelFormat::ABGR}})
    if (name == text) format = value;
  cv::Mat alpha_source(rgb.size(), CV_8UC4);
  for (int y = 0; y < rgb.rows; ++y)
    for (int x = 0; x < rgb.cols; ++x) alpha_source.at<cv::Vec4b>(y, x) = cv::Vec4b::all(static_cast<uchar>(x * 7 + y));
  const cv::Mat pixels = fromRgb(rgb, format, channelCount(format) == 4 ? alpha_source : cv::Mat());
  const int row_bytes = static_cast<int>(pixels.cols * pixels.elemSize());
  if (stride == 0) stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0);
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, static_cast<gsize>(stride) * pixels.rows, nullptr);
  GstMapInfo map;
  EXPECT_TRUE(gst_buffer_map(buffer, &map, GST_MAP_WRITE));
  for (int y = 0; y < pixels.rows; ++y) memcpy(map.data + static_cast<gsize>(y) * stride, pixels.ptr(y), row_bytes);
  gst_buffer_unmap(buffer, &map);
  gsize offsets[GST_VIDEO_MAX_PLANES] = {0};
  gint strides[GST_VIDEO_MAX_PLANES] = {stride};
  gst_buffer_add_video_meta_full(buffer, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(&info),
                                 GST_VIDEO_INFO_WIDTH(&info), GST_VIDEO_INFO_HEIGHT(&info), 1, offsets,
                                 strides);
  GST_BUFFER_PTS(buffer) = index * 40 * GST_MSECOND;
  GST_BUFFER_DURATION(buffer) = 40 * GST_MSECOND;
  return buffer;
}

/// The buffer's pixels as a cv::Mat in its format (a copy, rows packed).
cv::Mat framePixels(GstBuffer* buffer, const GstVideoInfo& info) {
  GstVideoFrame frame;
  EXPECT_TRUE(gst_video_frame_map(&frame, const_cast<GstVideoInfo*>(&info), buffer, GST_MAP_READ));
  const cv::Mat view(GST_VIDEO_FRAME_HEIGHT(&frame), GST_VIDEO_FRAME_WIDTH(&frame),
                     CV_8UC(GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, 0)), GST_VIDEO_FRAME_PLANE_DATA(&frame, 0),
                     GST_VIDEO_FRAME_PLANE_STRIDE(&frame, 0));
  cv::Mat copy = view.clone();
  gst_video_frame_unmap(&frame);
  return copy;
}

/// Frame `index` (RGB) through the harness; the output's pixels, or an empty Mat (and a
/// failure the harness reported) if none came.
cv::Mat pushAndPull(Harness& harness, const GstVideoInfo& info, const cv::Mat& rgb, int index = 0) {
  GstBuffer* out = harness.process(frameBuffer(rgb, info, 0, index));
  if (!out) return {};
  cv::Mat pixels = framePixels(out, info);
  gst_buffer_unref(out);
  return pixels;
}

double maxDifference(const cv::Mat& a, const cv::Mat& b) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.type(), b.type());
  if (a.size() != b.size() || a.type() != b.type()) return 1e9;
  return cv::norm(a, b, cv::NORM_INF);
}

struct FastElementTest : testing::Test {
  cv::Mat input = readRgb(testData("transformer_input_63x47.png"));
  cv::Mat expected = readRgb(testData("transformer_expected_63x47_max0.png"));

  static std::string model(const std::string& file) { return "model-location=" + testData(file); }

  /// One frame through a fresh element; the result as RGB.
  cv::Mat stylise(const std::string& settings, const cv::Mat& rgb) {
    Harness harness(settings, "fastneuralstyle");
    const GstVideoInfo info = harness.setCaps("RGB", rgb.cols, rgb.rows);
    return pushAndPull(harness, info, rgb);
  }
};

// The properties are the core's feed-forward option table, entry for entry: name, doc,
// type, range, choices, default, when they may change; and each stores what it is set to.
TEST(FastElementProperties, AreTheCoresFeedForwardOptionTable) {
  GstElement* element = gst_element_factory_make("fastneuralstyle", nullptr);
  ASSERT_NE(element, nullptr) << "is GST_PLUGIN_PATH set to the folder of libgstneuralstyle.so?";
  GObjectClass* klass = G_OBJECT_GET_CLASS(element);
  for (const auto& spec : feedForwardOptionSpecs()) {
    SCOPED_TRACE(spec.name);
    GParamSpec* property = g_object_class_find_property(klass, spec.name.c_str());
    ASSERT_NE(property, nullptr);
    EXPECT_EQ(std::string(g_param_spec_get_blurb(property)), spec.doc);
    EXPECT_EQ((property->flags & GST_PARAM_MUTABLE_PLAYING) != 0, spec.change == OptionChange::AnyTime);
    EXPECT_EQ((property->flags & GST_PARAM_MUTABLE_READY) != 0, spec.change == OptionChange::BeforeStart);
    GValue value = G_VALUE_INIT;
    g_value_init(&value, G_PARAM_SPEC_VALUE_TYPE(property));
    g_object_get_property(G_OBJECT(element), spec.name.c_str(), &value);
    // A value other than the default, at an end of the range: set as gst-launch sets it.
    std::string other;
    switch (spec.type) {
      case OptionType::Integer:
        EXPECT_EQ(G_PARAM_SPEC_UINT(property)->maximum, static_cast<guint>(spec.maximum));
        EXPECT_EQ(g_value_get_uint(&value), static_cast<guint>(std::get<int64_t>(spec.defaultValue())));
        other = formatOptionValue(spec, static_cast<int64_t>(spec.maximum));
        break;
      case OptionType::Number:
        EXPECT_EQ(G_PARAM_SPEC_DOUBLE(property)->minimum, spec.minimum);
        EXPECT_EQ(G_PARAM_SPEC_DOUBLE(property)->maximum, spec.maximum);
        EXPECT_EQ(g_value_get_double(&value), std::get<double>(spec.defaultValue()));
        other = formatOptionValue(spec, spec.minimum == std::get<double>(spec.defaultValue()) ? spec.maximum
                                                                                                : spec.minimum);
        break;
      case OptionType::Flag:
        EXPECT_EQ(g_value_get_boolean(&value) != FALSE, std::get<bool>(spec.defaultValue()));
        other = std::get<bool>(spec.defaultValue()) ? "false" : "true";
        break;
      case OptionType::Choice: {
        GEnumClass* choices = G_PARAM_SPEC_ENUM(property)->enum_class;
        ASSERT_EQ(choices->n_values, spec.choices.size());
        for (size_t i = 0; i < spec.choices.size(); ++i)
          EXPECT_EQ(choices->values[i].value_nick, spec.choices[i].name);
        EXPECT_EQ(g_value_get_enum(&value), std::get<int64_t>(spec.defaultValue()));
        other = spec.choices.back().name;
        break;
      }
      case OptionType::Text:
      case OptionType::Unsigned64:
        EXPECT_EQ(g_value_get_string(&value), nullptr);
        other = "elsewhere.onnx";
        break;
    }
    g_value_unset(&value);
    gst_util_set_object_arg(G_OBJECT(element), spec.name.c_str(), other.c_str());
    g_value_init(&value, G_PARAM_SPEC_VALUE_TYPE(property));
    g_object_get_property(G_OBJECT(element), spec.name.c_str(), &value);
    gchar* read_back = gst_value_serialize(&value);
    ASSERT_NE(read_back, nullptr);
    EXPECT_EQ(parseOptionValue(spec, read_back), parseOptionValue(spec, other)) << read_back << " for " << other;
    g_free(read_back);
    g_value_unset(&value);
  }
  gst_object_unref(element);
}

TEST_F(FastElementTest, MatchesTorchEagerToOneLevelWithEveryEngineAndOpset) {
  for (const std::string settings : {model(kOpset9), model(kOpset11), model(kOpset9) + " engine=opencv",
                                     model(kSafetensors), model(kSafetensors) + " engine=libtorch"}) {
    SCOPED_TRACE(settings);
    const cv::Mat result = stylise(settings, input);
    ASSERT_FALSE(result.empty());
    EXPECT_LE(maxDifference(result, expected), 1.0);
  }
}

TEST_F(FastElementTest, MaxSizeProcessesSmallerAndGivesBackTheFrameSize) {
  const cv::Mat expected40 = readRgb(testData("transformer_expected_63x47_max40.png"));
  const cv::Mat result = stylise(model(kOpset11) + " max-size=40", input);
  ASSERT_FALSE(result.empty());
  EXPECT_LE(maxDifference(result, expected40), 1.0);
}

class FastElementFormats : public FastElementTest, public testing::WithParamInterface<const char*> {};

/// Every format at the odd size with a padded stride: the same picture as RGB gives, in
/// the format's channel order, with the alpha or padding byte passed through.
TEST_P(FastElementFormats, KeepTheirChannelOrderAlphaAndStride) {
  Harness harness(model(kOpset11), "fastneuralstyle");
  const GstVideoInfo info = harness.setCaps(GetParam(), input.cols, input.rows);
  GstBuffer* in = frameBuffer(input, info, GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) + 13);
  const cv::Mat in_pixels = [&] {
    GstMapInfo map;
    gst_buffer_map(in, &map, GST_MAP_READ);
    const int stride = GST_VIDEO_INFO_PLANE_STRIDE(&info, 0) + 13;
    cv::Mat view(input.rows, input.cols, CV_8UC(GST_VIDEO_INFO_COMP_PSTRIDE(&info, 0)), map.data, stride);
    cv::Mat copy = view.clone();
    gst_buffer_unmap(in, &map);
    return copy;
  }();
  GstBuffer* out = harness.process(in);
  ASSERT_NE(out, nullptr);
  const cv::Mat out_pixels = framePixels(out, info);
  gst_buffer_unref(out);
  ASSERT_EQ(out_pixels.size(), input.size());
  ASSERT_EQ(out_pixels.channels(), in_pixels.channels());
  if (std::string(GetParam()) == "GRAY8") {
    // Gray in: the network sees gray RGB; gray out is that output's luma.
    Harness rgb_harness(model(kOpset11), "fastneuralstyle");
    cv::Mat gray_rgb;
    cv::cvtColor(in_pixels, gray_rgb, cv::COLOR_GRAY2RGB);
    const cv::Mat reference = stylise(model(kOpset11), gray_rgb);
    cv::Mat reference_gray;
    cv::cvtColor(reference, reference_gray, cv::COLOR_RGB2GRAY);
    EXPECT_LE(maxDifference(out_pixels, reference_gray), 1.0);
    return;
  }
  // Back to RGB: the picture of the RGB path; the fourth byte: the input's.
  const std::string name = GetParam();
  cv::Mat out_rgb, out_alpha, in_alpha;
  const int alpha_channel = name.front() == 'A' || name.front() == 'x' ? 0 : 3;
  if (out_pixels.channels() == 4) {
    cv::extractChannel(out_pixels, out_alpha, alpha_channel);
    cv::extractChannel(in_pixels, in_alpha, alpha_channel);
    EXPECT_EQ(cv::norm(out_alpha, in_alpha, cv::NORM_INF), 0.0);
  }
  std::vector<cv::Mat> channels;
  cv::split(out_pixels, channels);
  const std::string order = name.substr(name.size() == 4 && alpha_channel == 0 ? 1 : 0, 3);
  std::vector<cv::Mat> rgb(3);
  for (int c = 0; c < 3; ++c)
    rgb["RGB"[0] == order[c] ? 0 : order[c] == 'G' ? 1 : 2] = channels[(alpha_channel == 0 && out_pixels.channels() == 4) + c];
  cv::merge(rgb, out_rgb);
  EXPECT_LE(maxDifference(out_rgb, expected), 1.0);
}

INSTANTIATE_TEST_SUITE_P(AllCapsFormats, FastElementFormats,
                         testing::Values("RGB", "BGR", "RGBx", "BGRx", "xRGB", "xBGR", "RGBA", "BGRA",
                                         "ARGB", "ABGR", "GRAY8"),
                         [](const testing::TestParamInfo<const char*>& info) { return std::string(info.param); });

TEST_F(FastElementTest, StrengthZeroReturnsTheFrame) {
  const cv::Mat result = stylise(model(kOpset11) + " strength=0", input);
  ASSERT_FALSE(result.empty());
  EXPECT_EQ(maxDifference(result, input), 0.0);
}

TEST_F(FastElementTest, KeepsEveryFrameAndItsTimestampsWhenTheModelChangesWhilePlaying) {
  Harness harness(model(kOpset9), "fastneuralstyle");
  const GstVideoInfo info = harness.setCaps("RGB", input.cols, input.rows);
  constexpr int kFrames = 6;
  for (int i = 0; i < kFrames; ++i) {
    if (i == 2) g_object_set(harness.element(), "model-location", testData(kOpset11).c_str(), nullptr);
    // A model that cannot be loaded: a WARNING, and the one before stays.
    if (i == 4) g_object_set(harness.element(), "model-location", testData("no-such-model.onnx").c_str(), nullptr);
    GstBuffer* out = harness.process(frameBuffer(input, info, 0, i));
    ASSERT_NE(out, nullptr) << "frame " << i;
    EXPECT_EQ(GST_BUFFER_PTS(out), i * 40 * GST_MSECOND);
    EXPECT_LE(maxDifference(framePixels(out, info), expected), 1.0) << "frame " << i;
    gst_buffer_unref(out);
  }
  EXPECT_EQ(gst_harness_buffers_received(harness.get()), static_cast<guint>(kFrames));
  GstMessage* warning = gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_WARNING);
  ASSERT_NE(warning, nullptr) << "no WARNING for the model that cannot be loaded";
  GError* error = nullptr;
  gst_message_parse_warning(warning, &error, nullptr);
  EXPECT_NE(std::string(error->message).find("no-such-model.onnx"), std::string::npos) << error->message;
  g_clear_error(&error);
  gst_message_unref(warning);
  EXPECT_EQ(gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_ERROR), nullptr);
}

TEST_F(FastElementTest, PostsAFrameMessageWithTheInferenceTimeAndAnswersTheLatencyQuery) {
  Harness harness(model(kOpset11), "fastneuralstyle");
  const GstVideoInfo info = harness.setCaps("RGB", input.cols, input.rows);
  for (int i = 0; i < 2; ++i) harness.processAndDrop(frameBuffer(input, info, 0, i));
  const auto frames = popElementMessages(harness.bus(), "fastneuralstyle-frame");
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(uint64Field(frames[1], "frame"), 1u);
  EXPECT_GT(doubleField(frames[1], "inference-time"), 0.0);
  EXPECT_EQ(uint64Field(frames[1], "running-time"), 40 * GST_MSECOND);
  // The latency query adds the longest inference time measured so far.
  GstQuery* query = gst_query_new_latency();
  GstPad* src = gst_element_get_static_pad(harness.element(), "src");
  ASSERT_TRUE(gst_pad_query(src, query));
  gboolean live;
  GstClockTime min = 0, max = 0;
  gst_query_parse_latency(query, &live, &min, &max);
  const double longest = std::max(doubleField(frames[0], "inference-time"), doubleField(frames[1], "inference-time"));
  EXPECT_NEAR(static_cast<double>(min) / GST_SECOND, longest, 1e-6);
  gst_object_unref(src);
  gst_query_unref(query);
}

/// On a scene that only brightens a little (under the photometric tolerance), a frame
/// is blended with the one before; after a flush it is not.
TEST_F(FastElementTest, TemporalBlendMixesInThePreviousOutputUntilAFlush) {
  const cv::Mat brighter = input + cv::Scalar::all(6);
  const cv::Mat alone = stylise(model(kOpset11), brighter);
  Harness harness(model(kOpset11) + " temporal-blend=0.8", "fastneuralstyle");
  const GstVideoInfo info = harness.setCaps("RGB", input.cols, input.rows);
  harness.processAndDrop(frameBuffer(input, info, 0, 0));
  const cv::Mat blended_rgb = pushAndPull(harness, info, brighter, 1);
  ASSERT_FALSE(blended_rgb.empty());
  EXPECT_GT(maxDifference(blended_rgb, alone), 2.0) << "the previous output was not blended in";
  // Blended towards the first frame's output.
  EXPECT_LT(cv::norm(blended_rgb, expected, cv::NORM_L1), cv::norm(alone, expected, cv::NORM_L1));

  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_start()));
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_flush_stop(TRUE)));
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  ASSERT_TRUE(gst_harness_push_event(harness.get(), gst_event_new_segment(&segment)));
  const cv::Mat after = pushAndPull(harness, info, brighter, 2);
  ASSERT_FALSE(after.empty());
  EXPECT_LE(maxDifference(after, alone), 1.0);
}

/// A setting changed while playing is taken without loading the model again, so the
/// blend goes on across the change.
TEST_F(FastElementTest, ASettingChangedWhilePlayingKeepsTheBlendGoing) {
  const cv::Mat brighter = input + cv::Scalar::all(6);
  const cv::Mat alone = stylise(model(kOpset11), brighter);
  Harness harness(model(kOpset11) + " temporal-blend=0.8", "fastneuralstyle");
  const GstVideoInfo info = harness.setCaps("RGB", input.cols, input.rows);
  harness.processAndDrop(frameBuffer(input, info, 0, 0));
  g_object_set(harness.element(), "temporal-blend", 0.5, nullptr);
  const cv::Mat out = pushAndPull(harness, info, brighter, 1);
  ASSERT_FALSE(out.empty());
  EXPECT_GT(maxDifference(out, alone), 2.0) << "the previous output was forgotten";
  EXPECT_EQ(gst_bus_pop_filtered(harness.bus(), GST_MESSAGE_WARNING), nullptr);
}

/// A static scene with the blend on stays the network's output (nothing drifts).
TEST_F(FastElementTest, TemporalBlendOnAStaticSceneStaysTheNetworksOutput) {
  Harness harness(model(kOpset11) + " temporal-blend=0.9", "fastneuralstyle");
  const GstVideoInfo info = harness.setCaps("RGB", input.cols, input.rows);
  for (int i = 0; i < 5; ++i) {
    const cv::Mat out = pushAndPull(harness, info, input, i);
    ASSERT_FALSE(out.empty());
    EXPECT_LE(maxDifference(out, expected), 1.0) << "frame " << i;
  }
}

// --- errors ---------------------------------------------------------------------------

/// The error a pipeline with the element ends with.
std::string startError(const std::string& settings) {
  const Outcome outcome = runPipeline(
      "videotestsrc num-buffers=2 ! video/x-raw,format=RGB,width=32,height=24 ! fastneuralstyle " +
      settings + " ! fakesink");
  EXPECT_FALSE(outcome.eos) << settings;
  return outcome.error_text;
}

TEST_F(FastElementTest, WithoutAModelTheErrorSaysWhatToSet) {
  EXPECT_NE(startError("").find("model-location"), std::string::npos);
}

TEST_F(FastElementTest, AMissingOrUnreadableModelIsNamedWithTheReason) {
  const std::string missing = startError(model("no-such-model.onnx"));
  EXPECT_NE(missing.find("no-such-model.onnx"), std::string::npos) << missing;
  TempDir dir;
  const std::string text_file = dir.file("not-a-model.onnx");
  { std::ofstream(text_file) << "this is not ONNX"; }
  const std::string refused = startError("model-location=" + text_file);
  EXPECT_NE(refused.find("not-a-model.onnx"), std::string::npos) << refused;
}

TEST_F(FastElementTest, HostileOnnxFilesGiveAClearErrorNotACrash) {
  const char* source = std::getenv("NEURALSTYLE_SOURCE_DIR");
  ASSERT_NE(source, nullptr) << "NEURALSTYLE_SOURCE_DIR is not set";
  const auto shared = fs::path(source) / ".." / "shared" / "hostile-inputs";
  int tried = 0;
  if (fs::exists(shared))
    for (const auto& entry : fs::directory_iterator(shared)) {
      if (entry.path().extension() != ".onnx") continue;
      ++tried;
      const std::string error = startError("model-location=" + entry.path().string());
      EXPECT_NE(error.find(entry.path().filename().string()), std::string::npos) << error;
    }
  // The core's own crafted files (test_feed_forward) cover the new operators; here the
  // element must turn a refused file into an error message, at least with the corpus.
  EXPECT_GT(tried, 0) << "no hostile ONNX corpus at " << shared;
}

TEST_F(FastElementTest, CudaOnAnOpenCvWithoutItIsAnErrorThatSaysSo) {
  const std::string error = startError(model(kOpset11) + " engine=opencv device=cuda");
  EXPECT_NE(error.find("CUDA"), std::string::npos) << error;
}

}  // namespace
}  // namespace neuralstyle::element_test
