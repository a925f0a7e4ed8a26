// SPDX-License-Identifier: LGPL-2.1-or-later
// The quality controls through the element (docs/element.md): each property's
// default and round trip, its effect on a frame, and the errors for values that cannot
// work. Small frames, random weights, a few steps.
#include <gst/check/gstharness.h>
#include <gst/video/video.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "chroma.hpp"
#include "damaged_images.hpp"
#include "element_harness.hpp"
#include "element_test_support.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/video_stylizer.hpp"

namespace neuralstyle::element_test {
namespace {

/// A colourful RGB content picture: hue across, brightness down.
cv::Mat contentPicture(cv::Size size) {
  cv::Mat hsv(size, CV_8UC3);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      hsv.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(170 * x / size.width), 200,
                                          static_cast<uchar>(90 + 150 * y / size.height));
  cv::Mat rgb;
  cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
  return rgb;
}

/// An RGB buffer of `rgb` (its width times 3 must be a multiple of 4: no row padding).
GstBuffer* bufferOf(const cv::Mat& rgb, int index = 0) {
  EXPECT_EQ(rgb.cols * 3 % 4, 0);
  const gsize size = rgb.total() * rgb.elemSize();
  GstBuffer* buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
  gst_buffer_fill(buffer, 0, rgb.data, size);
  GST_BUFFER_PTS(buffer) = index * 40 * GST_MSECOND;
  GST_BUFFER_DURATION(buffer) = 40 * GST_MSECOND;
  return buffer;
}

/// The RGB picture of a buffer of `size` (taken).
cv::Mat pictureOf(GstBuffer* buffer, cv::Size size) {
  cv::Mat rgb(size, CV_8UC3);
  EXPECT_EQ(gst_buffer_get_size(buffer), rgb.total() * rgb.elemSize());
  gst_buffer_extract(buffer, 0, rgb.data, rgb.total() * rgb.elemSize());
  gst_buffer_unref(buffer);
  return rgb;
}

struct QualityTest : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);
  std::string other_style = writeStyle(dir, "other.png", {250, 250, 250}, {0, 0, 0});
  cv::Size size{48, 32};
  cv::Mat content = contentPicture(size);

  std::string settings(const std::string& extra) const {
    return "style-location=" + style + " " + fastSettings() + " " + extra;
  }
  /// One frame of `content` through an element with `element_settings` (complete: no
  /// style is added); the output picture and what the bus said.
  struct Run {
    cv::Mat output;
    std::vector<ElementMessage> messages;
    std::vector<ElementMessage> named(const std::string& name) const { return namedMessages(messages, name); }
    double done(const char* field) const {
      const auto frame_done = named("neuralstyle-frame-done");
      EXPECT_EQ(frame_done.size(), 1u);
      return frame_done.empty() ? NAN : doubleField(frame_done[0], field);
    }
  };
  Run runFrame(const std::string& element_settings, const cv::Mat& picture) const {
    Harness harness(element_settings);
    harness.setCaps("RGB", picture.cols, picture.rows);
    Run run;
    if (GstBuffer* out = harness.process(bufferOf(picture))) run.output = pictureOf(out, picture.size());
    run.messages = popElementMessages(harness.bus());
    return run;
  }
  Run runFrame(const std::string& extra) const { return runFrame(settings(extra), content); }
};

GParamSpec* findProperty(GstElement* element, const char* name) {
  return g_object_class_find_property(G_OBJECT_GET_CLASS(element), name);
}

// --- properties ------------------------------------------------------------------------

TEST(QualityProperties, DefaultsAreTheCoreDefaultsAndEveryOneIsDocumented) {
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr);
  const StyleOptions core;
  gdouble tv_weight = -1, style_scale = -1, scale_factor = -1;
  guint scales = 0, coarse_steps = 1, tile_size = 1, tile_overlap = 0;
  gboolean preserve_colors = TRUE, push_intermediate = TRUE;
  gint init = -1, color_match = -1, gram = -1;
  gchar* init_location = reinterpret_cast<gchar*>(1);
  g_object_get(element, "tv-weight", &tv_weight, "style-scale", &style_scale, "scale-factor",
               &scale_factor, "scales", &scales, "coarse-steps", &coarse_steps, "tile-size", &tile_size,
               "tile-overlap", &tile_overlap,
               "preserve-colors", &preserve_colors, "push-intermediate", &push_intermediate, "init",
               &init, "color-match", &color_match, "gram-normalization", &gram, "init-location",
               &init_location, nullptr);
  EXPECT_DOUBLE_EQ(tv_weight, core.tv_weight);
  EXPECT_FALSE(core.style_scale);
  EXPECT_DOUBLE_EQ(style_scale, 0.0) << "0 stands for the core's unset style scale";
  EXPECT_DOUBLE_EQ(scale_factor, core.scale_factor);
  EXPECT_EQ(scales, static_cast<guint>(core.scales));
  EXPECT_EQ(coarse_steps, static_cast<guint>(core.coarse_steps));
  EXPECT_EQ(tile_size, static_cast<guint>(core.tile_size));
  EXPECT_EQ(tile_overlap, static_cast<guint>(core.tile_overlap));
  EXPECT_EQ(preserve_colors, core.preserve_colors ? TRUE : FALSE);
  EXPECT_FALSE(push_intermediate);
  EXPECT_EQ(init_location, nullptr);
  const std::map<std::string, std::pair<gint, std::string>> enums = {
      // The element's init names both where a still starts (core.init, content: the
      // first frame's) and where a frame with a previous one starts (the video's).
      {"init", {init, toString(VideoOptions{}.start)}},
      {"color-match", {color_match, toString(core.color_match)}},
      {"gram-normalization", {gram, toString(core.gram_normalization)}}};
  for (const auto& [property, value] : enums) {
    SCOPED_TRACE(property);
    GParamSpec* spec = findProperty(element, property.c_str());
    ASSERT_NE(spec, nullptr);
    GEnumValue* nick = g_enum_get_value(G_PARAM_SPEC_ENUM(spec)->enum_class, value.first);
    ASSERT_NE(nick, nullptr);
    EXPECT_EQ(nick->value_nick, value.second) << "the default is not the core's";
  }
  // Every nick the README names.
  const std::map<std::string, std::vector<const char*>> nicks = {
      {"init", {"content", "noise", "previous", "previous-warped"}},
      {"color-match", {"none", "histogram", "mean-std"}},
      {"gram-normalization", {"none", "positions"}}};
  for (const auto& [property, names] : nicks)
    for (const char* name : names)
      EXPECT_NE(g_enum_get_value_by_nick(G_PARAM_SPEC_ENUM(findProperty(element, property.c_str()))->enum_class,
                                         name),
                nullptr)
          << property << " " << name;
  for (const char* property : {"tv-weight", "style-locations", "style-blend-weights", "style-scale",
                               "gram-normalization", "preserve-colors", "color-match", "init",
                               "init-location", "scales", "coarse-steps", "scale-factor", "tile-size",
                               "tile-overlap",
                               "push-intermediate", "temporal-weight", "steps-per-frame",
                               "scene-cut-threshold", "mode", "interval"}) {
    SCOPED_TRACE(property);
    GParamSpec* spec = findProperty(element, property);
    ASSERT_NE(spec, nullptr);
    EXPECT_TRUE(spec->flags & GST_PARAM_MUTABLE_PLAYING);
    EXPECT_GT(std::string(g_param_spec_get_blurb(spec)).size(), 40u) << "a real blurb";
  }
  gst_object_unref(element);
}

TEST(QualityProperties, RoundTripAsGstLaunchWritesThem) {
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr);
  GObject* object = G_OBJECT(element);
  const std::vector<std::pair<const char*, const char*>> values = {
      {"tv-weight", "0.5"},          {"style-scale", "2"},          {"gram-normalization", "positions"},
      {"preserve-colors", "true"},   {"color-match", "mean-std"},   {"init", "noise"},
      {"init-location", "/x/i.png"}, {"scales", "3"},               {"scale-factor", "1.5"},
      {"coarse-steps", "5"},
      {"tile-size", "256"},          {"tile-overlap", "16"},        {"push-intermediate", "true"},
      {"style-locations", "< /x/a.png, /x/b.png >"},
      {"style-blend-weights", "< 0.7, 0.3 >"}};
  for (const auto& [property, text] : values) {
    SCOPED_TRACE(property);
    gst_util_set_object_arg(object, property, text);
    GParamSpec* spec = findProperty(element, property);
    GValue expected = G_VALUE_INIT, actual = G_VALUE_INIT;
    g_value_init(&expected, G_PARAM_SPEC_VALUE_TYPE(spec));
    g_value_init(&actual, G_PARAM_SPEC_VALUE_TYPE(spec));
    ASSERT_TRUE(gst_value_deserialize_with_pspec(&expected, text, spec));
    g_object_get_property(object, property, &actual);
    gchar* read = gst_value_serialize(&actual);
    EXPECT_EQ(gst_value_compare(&expected, &actual), GST_VALUE_EQUAL) << "read back " << read;
    EXPECT_EQ(g_param_values_cmp(spec, &actual, g_param_spec_get_default_value(spec)) != 0, true)
        << "the test value is the default: it proves nothing";
    g_free(read);
    g_value_unset(&expected);
    g_value_unset(&actual);
  }
  gst_object_unref(element);
}

TEST(QualityProperties, StyleLocationAndStyleLocationsAreOneListTheLastSetWins) {
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr);
  const auto locations = [&] {
    GValue value = G_VALUE_INIT;
    g_value_init(&value, GST_TYPE_ARRAY);
    g_object_get_property(G_OBJECT(element), "style-locations", &value);
    std::vector<std::string> list;
    for (guint i = 0; i < gst_value_array_get_size(&value); ++i)
      list.push_back(g_value_get_string(gst_value_array_get_value(&value, i)));
    g_value_unset(&value);
    return list;
  };
  const auto location = [&] {
    gchar* text = nullptr;
    g_object_get(element, "style-location", &text, nullptr);
    std::string result = text ? text : "(null)";
    g_free(text);
    return result;
  };
  EXPECT_TRUE(locations().empty());
  EXPECT_EQ(location(), "(null)");
  gst_util_set_object_arg(G_OBJECT(element), "style-locations", "<a.png, b.png>");
  EXPECT_EQ(locations(), (std::vector<std::string>{"a.png", "b.png"}));
  EXPECT_EQ(location(), "a.png") << "style-location reads back the first";
  g_object_set(element, "style-location", "c.png", nullptr);
  EXPECT_EQ(locations(), std::vector<std::string>{"c.png"});
  g_object_set(element, "style-location", nullptr, nullptr);
  EXPECT_TRUE(locations().empty());
  gst_object_unref(element);
}

TEST(QualityProperties, GLibRefusesValuesOutOfTheirRanges) {
  GstElement* element = gst_element_factory_make("neuralstyle", nullptr);
  ASSERT_NE(element, nullptr);
  for (const auto& [property, text] : std::vector<std::pair<const char*, const char*>>{
           {"scales", "9"}, {"scales", "0"}, {"style-scale", "9"}, {"scale-factor", "5"},
           {"tile-size", "20000"}, {"tv-weight", "-1"}, {"style-blend-weights", "<0.5, -1>"}}) {
    SCOPED_TRACE(std::string(property) + "=" + text);
    GParamSpec* spec = findProperty(element, property);
    GValue value = G_VALUE_INIT;
    g_value_init(&value, G_PARAM_SPEC_VALUE_TYPE(spec));
    ASSERT_TRUE(gst_value_deserialize_with_pspec(&value, text, spec));
    EXPECT_TRUE(g_param_value_validate(spec, &value)) << "accepted";
    g_value_unset(&value);
  }
  gst_object_unref(element);
}

// --- effects on a frame ----------------------------------------------------------------

TEST_F(QualityTest, BlendWeightsOneAndZeroGiveExactlyTheFirstStyleAlone) {
  const Run single = runFrame("steps=3 learning-rate=0.05");
  const Run blend = runFrame("style-locations=\"<" + style + ", " + other_style + ">\" " + fastSettings() +
                                 " steps=3 learning-rate=0.05 style-blend-weights=\"<1, 0>\"",
                             content);
  const Run other = runFrame("style-locations=\"<" + other_style + ", " + style + ">\" " + fastSettings() +
                                 " steps=3 learning-rate=0.05 style-blend-weights=\"<1, 0>\"",
                             content);
  ASSERT_FALSE(single.output.empty());
  ASSERT_FALSE(blend.output.empty());
  ASSERT_FALSE(other.output.empty());
  EXPECT_EQ(cv::norm(single.output, blend.output, cv::NORM_INF), 0.0);
  EXPECT_EQ(single.done("total-loss"), blend.done("total-loss"));
  EXPECT_GT(cv::norm(single.output, other.output, cv::NORM_INF), 0.0) << "the weights did not choose";
}

TEST_F(QualityTest, HalfAndHalfBlendLiesBetweenTheTwoStyles) {
  const auto styleLoss = [&](const std::string& weights) {
    return runFrame("style-locations=\"<" + style + ", " + other_style + ">\" " + fastSettings() +
                        " steps=1 style-blend-weights=\"" + weights + "\"",
                    content)
        .done("style-loss");
  };
  const double first = styleLoss("<1, 0>"), second = styleLoss("<0, 1>"), half = styleLoss("<0.5, 0.5>");
  EXPECT_NE(first, second);
  EXPECT_NE(half, first);
  EXPECT_NE(half, second);
  EXPECT_DOUBLE_EQ(styleLoss("<1, 1>"), half) << "weights are normalised";
}

TEST_F(QualityTest, PreserveColorsKeepsTheContentsChromaWithinOneLevel) {
  using test::chroma;
  const Run plain = runFrame("steps=4 learning-rate=0.1");
  const Run kept = runFrame("steps=4 learning-rate=0.1 preserve-colors=true");
  ASSERT_FALSE(plain.output.empty());
  ASSERT_FALSE(kept.output.empty());
  EXPECT_GT(cv::norm(chroma(plain.output), chroma(content), cv::NORM_INF), 1.0)
      << "the style changed no colour: the test proves nothing";
  EXPECT_LE(cv::norm(chroma(kept.output), chroma(content), cv::NORM_INF), 1.0);
  EXPECT_GT(cv::norm(kept.output, content, cv::NORM_INF), 1.0) << "the luminance was not stylised";
}

TEST_F(QualityTest, TvWeightAddsItsWeightedTermToTheTotal) {
  const Run without = runFrame("steps=1");
  const Run with = runFrame("steps=1 tv-weight=1000");
  EXPECT_EQ(without.done("tv-loss"), 0.0);
  const double tv = with.done("tv-loss");
  ASSERT_GT(tv, 0.0);
  EXPECT_NEAR(with.done("total-loss"), with.done("content-loss") + 1e6 * with.done("style-loss") + 1000 * tv,
              1e-4 * with.done("total-loss"));
}

TEST_F(QualityTest, GramNormalizationByPositionsShrinksTheStyleLoss) {
  const double none = runFrame("steps=1").done("style-loss");
  const double positions = runFrame("steps=1 gram-normalization=positions").done("style-loss");
  ASSERT_GT(positions, 0.0);
  // conv1_1 alone has 48*32 positions: (h w)^2 > 2e6.
  EXPECT_LT(positions, none * 1e-3);
}

TEST_F(QualityTest, StyleScaleAndColorMatchChangeTheStyleTargets) {
  const double stretched = runFrame("steps=1").done("style-loss");
  for (const char* extra : {"style-scale=2", "style-scale=0.5", "color-match=histogram", "color-match=mean-std"}) {
    SCOPED_TRACE(extra);
    const double changed = runFrame(std::string("steps=1 ") + extra).done("style-loss");
    ASSERT_GT(changed, 0.0);
    EXPECT_GT(std::abs(changed - stretched), 1e-3 * stretched);
  }
}

TEST_F(QualityTest, NoiseInitIsDrawnFromTheSeed) {
  // At step 1 the content loss measures the start's distance from the frame: 0 for the
  // frame itself.
  const auto firstContentLoss = [&](const std::string& extra) {
    const auto progress = runFrame("steps=1 progress-interval=1 " + extra).named("neuralstyle-progress");
    EXPECT_EQ(progress.size(), 1u);
    return progress.empty() ? NAN : doubleField(progress[0], "content-loss");
  };
  EXPECT_EQ(firstContentLoss(""), 0.0);
  const double noise = firstContentLoss("init=noise seed=5");
  EXPECT_GT(noise, 0.0);
  EXPECT_EQ(firstContentLoss("init=noise seed=5"), noise);
  EXPECT_NE(firstContentLoss("init=noise seed=6"), noise) << "seed did not reach the noise";
}

TEST_F(QualityTest, InitLocationStartsFromThatImageAndWinsOverInit) {
  cv::Mat bgr;
  cv::cvtColor(content, bgr, cv::COLOR_RGB2BGR);
  const std::string same = dir.file("same.png");
  ASSERT_TRUE(cv::imwrite(same, bgr));
  const auto firstContentLoss = [&](const std::string& extra) {
    const auto progress = runFrame("steps=1 progress-interval=1 " + extra).named("neuralstyle-progress");
    EXPECT_EQ(progress.size(), 1u);
    return progress.empty() ? NAN : doubleField(progress[0], "content-loss");
  };
  EXPECT_GT(firstContentLoss("init-location=" + other_style), 0.0);
  EXPECT_LT(firstContentLoss("init=noise init-location=" + same), 1e-9)
      << "the frame's own picture as the init image starts where init=content does";
}

TEST_F(QualityTest, ScalesRunCoarseToFineWithTheirSizesInTheProgress) {
  const cv::Mat large = contentPicture({64, 48});
  const Run run = runFrame(settings("steps=2 progress-interval=1 scales=2 scale-factor=2"), large);
  const auto progress = run.named("neuralstyle-progress");
  ASSERT_EQ(progress.size(), 4u);
  const int expected_width[] = {32, 32, 64, 64};
  for (int i = 0; i < 4; ++i) {
    SCOPED_TRACE("report " + std::to_string(i));
    EXPECT_EQ(uintField(progress[i], "scale"), i < 2 ? 1u : 2u);
    EXPECT_EQ(uintField(progress[i], "scales"), 2u);
    EXPECT_EQ(uintField(progress[i], "step"), i % 2 == 0 ? 1u : 2u);
    EXPECT_EQ(uintField(progress[i], "total-step"), static_cast<guint>(i + 1));
    EXPECT_EQ(uintField(progress[i], "total-steps"), 4u);
    gint width = 0, height = 0;
    EXPECT_TRUE(gst_structure_get_int(progress[i].structure.get(), "width", &width));
    EXPECT_TRUE(gst_structure_get_int(progress[i].structure.get(), "height", &height));
    EXPECT_EQ(width, expected_width[i]);
    EXPECT_EQ(height, expected_width[i] * 3 / 4);
  }
  ASSERT_FALSE(run.output.empty());
  EXPECT_EQ(run.output.size(), large.size());

  // coarse-steps: 1 step at the coarse size, then 2 at the last.
  const auto coarse = runFrame(settings("steps=2 progress-interval=1 scales=2 coarse-steps=1"), large)
                          .named("neuralstyle-progress");
  ASSERT_EQ(coarse.size(), 3u);
  const guint coarse_scale[] = {1, 2, 2}, coarse_step[] = {1, 1, 2};
  for (int i = 0; i < 3; ++i) {
    SCOPED_TRACE("coarse-steps report " + std::to_string(i));
    EXPECT_EQ(uintField(coarse[i], "scale"), coarse_scale[i]);
    EXPECT_EQ(uintField(coarse[i], "step"), coarse_step[i]);
    EXPECT_EQ(uintField(coarse[i], "total-step"), static_cast<guint>(i + 1));
    EXPECT_EQ(uintField(coarse[i], "total-steps"), 3u);
  }
}

TEST_F(QualityTest, TilesShowInTheProgressAndTheFrameKeepsItsSize) {
  const cv::Mat large = contentPicture({80, 64});
  const Run run =
      runFrame("style-location=" + style + " weights-location=random:3 threads=2 device=cpu max-size=80 "
               "steps=2 progress-interval=1 tile-size=64 tile-overlap=8",
               large);
  const auto progress = run.named("neuralstyle-progress");
  ASSERT_FALSE(progress.empty());
  guint most_tiles = 0;
  for (const auto& report : progress) {
    const guint tile = uintField(report, "tile"), tiles = uintField(report, "tiles");
    EXPECT_GE(tile, 1u);
    EXPECT_LE(tile, tiles);
    most_tiles = std::max(most_tiles, tiles);
  }
  EXPECT_GE(most_tiles, 2u) << "an 80x64 image in 64-pixel tiles needs more than one";
  EXPECT_EQ(uintField(progress.back(), "total-step"), uintField(progress.back(), "total-steps"));
  ASSERT_FALSE(run.output.empty());
  EXPECT_EQ(run.output.size(), large.size());
}

TEST_F(QualityTest, PushIntermediatePostsSamplesOfTheOutputAtEachProgressReport) {
  // A learning rate at which two steps move pixels by more than a level.
  Harness harness(settings("steps=4 learning-rate=0.05 progress-interval=2 push-intermediate=true"));
  harness.setCaps("RGB", size.width, size.height);
  GstBuffer* out = harness.process(bufferOf(content, 3));
  ASSERT_NE(out, nullptr);
  const cv::Mat output = pictureOf(out, size);
  EXPECT_EQ(gst_harness_buffers_received(harness.get()), 1u) << "one buffer in, one out";
  GstCaps* output_caps = gst_pad_get_current_caps(harness.get()->sinkpad);
  ASSERT_NE(output_caps, nullptr);

  const auto intermediate = popElementMessages(harness.bus(), "neuralstyle-intermediate");
  ASSERT_EQ(intermediate.size(), 2u);
  for (size_t i = 0; i < intermediate.size(); ++i) {
    SCOPED_TRACE("message " + std::to_string(i));
    EXPECT_EQ(intermediate[i].source, "ns");
    EXPECT_EQ(uintField(intermediate[i], "step"), 2u * (i + 1));
    EXPECT_EQ(uintField(intermediate[i], "total-step"), 2u * (i + 1));
    EXPECT_EQ(uintField(intermediate[i], "total-steps"), 4u);
    EXPECT_EQ(uint64Field(intermediate[i], "frame"), 0u);
    const GValue* value = gst_structure_get_value(intermediate[i].structure.get(), "sample");
    ASSERT_NE(value, nullptr);
    ASSERT_TRUE(GST_VALUE_HOLDS_SAMPLE(value));
    GstSample* sample = gst_value_get_sample(value);
    EXPECT_TRUE(gst_caps_is_equal(gst_sample_get_caps(sample), output_caps));
    GstBuffer* buffer = gst_sample_get_buffer(sample);
    EXPECT_EQ(GST_BUFFER_PTS(buffer), 3 * 40 * GST_MSECOND) << "stamped as its frame";
    const cv::Mat picture = pictureOf(gst_buffer_ref(buffer), size);
    EXPECT_GT(cv::norm(picture, content, cv::NORM_INF), 0.0) << "not the optimised image";
    if (i + 1 == intermediate.size())
      EXPECT_LE(cv::norm(picture, output, cv::NORM_INF), 8.0) << "the last one is near the output";
  }
  gst_caps_unref(output_caps);

  // Off (the default), nothing is posted.
  Harness quiet(settings("steps=4 progress-interval=2"));
  quiet.setCaps("RGB", size.width, size.height);
  quiet.processAndDrop(bufferOf(content));
  EXPECT_TRUE(popElementMessages(quiet.bus(), "neuralstyle-intermediate").empty());
}

// --- errors ----------------------------------------------------------------------------

struct QualityErrors : QualityTest {
  static void expectError(const Outcome& outcome, GQuark domain, int code, const std::string& needle) {
    ASSERT_TRUE(outcome.error) << "expected an error; eos=" << outcome.eos;
    EXPECT_EQ(gquarkName(outcome.error_domain), gquarkName(domain));
    EXPECT_EQ(outcome.error_code, code) << outcome.error_text;
    EXPECT_NE(outcome.error_text.find(needle), std::string::npos) << "'" << needle << "' not in "
                                                                  << outcome.error_text;
    EXPECT_TRUE(outcome.reached_null);
  }
  static Outcome runOne(const std::string& element_settings) {
    return runPipeline("videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! neuralstyle " +
                       element_settings + " steps=1 ! fakesink");
  }
};

TEST_F(QualityErrors, AStyleLocationsLaunchLineWorksWithIntegerWeights) {
  const Outcome outcome = runOne("style-locations=\"<" + style + ", " + other_style + ">\" " + fastSettings() +
                                 " style-blend-weights=\"<1, 0>\"");
  EXPECT_TRUE(outcome.eos) << outcome.error_text;
  EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 1u);
}

TEST_F(QualityErrors, BlendWeightsThatDoNotMatchTheStylesAreASettingsError) {
  expectError(runOne("style-locations=\"<" + style + ", " + other_style + ">\" " + fastSettings() +
                     " style-blend-weights=\"<0.2, 0.3, 0.5>\""),
              GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS, "style-blend-weights has 3 weight(s) for 2");
  expectError(runOne(settings("style-blend-weights=\"<0.5, 0.5>\"")), GST_LIBRARY_ERROR,
              GST_LIBRARY_ERROR_SETTINGS, "for 1 style image(s)");
  expectError(runOne(settings("style-blend-weights=\"<0>\"")), GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
              "all 0");
}

TEST_F(QualityErrors, AMissingOrDamagedStyleAmongSeveralIsNamed) {
  const std::string missing = dir.file("missing.png");
  expectError(runOne("style-locations=\"<" + style + ", " + missing + ">\" " + fastSettings()),
              GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, missing);
  const std::string damaged = dir.file("damaged.png");
  test::damaged::pngWithBadCrc(damaged);
  const Outcome outcome = runOne("style-locations=\"<" + style + ", " + damaged + ">\" " + fastSettings());
  expectError(outcome, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
              "Could not read the style image \"" + damaged + "\"");
  EXPECT_NE(outcome.error_text.find("CRC error"), std::string::npos) << outcome.error_text;
}

TEST_F(QualityErrors, AMissingOrDamagedInitImageIsNamed) {
  const std::string missing = dir.file("missing-init.png");
  expectError(runOne(settings("init-location=" + missing)), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
              "Init image \"" + missing + "\" does not exist");
  const std::string damaged = dir.file("damaged-init.jpg");
  test::damaged::truncatedJpeg(damaged);
  const Outcome outcome = runOne(settings("init-location=" + damaged));
  expectError(outcome, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ,
              "Could not read the init image \"" + damaged + "\"");
  EXPECT_NE(outcome.error_text.find("Premature end of JPEG file"), std::string::npos) << outcome.error_text;
}

TEST_F(QualityErrors, ValuesTheCoreRefusesAreSettingsErrors) {
  for (const char* extra : {"scale-factor=1", "tile-size=10", "tile-size=64 tile-overlap=33"}) {
    SCOPED_TRACE(extra);
    expectError(runOne(settings(extra)), GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
                std::string(extra).find("factor") != std::string::npos ? "scale factor"
                : std::string(extra).find("overlap") != std::string::npos ? "tile overlap"
                                                                            : "tile size");
  }
}

}  // namespace
}  // namespace neuralstyle::element_test
