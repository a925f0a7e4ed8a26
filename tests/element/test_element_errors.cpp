// SPDX-License-Identifier: LGPL-2.1-or-later
// The neuralstyle element given bad input: every failure is a bus ERROR with a clear
// text, the pipeline reaches NULL and nothing crashes. Plus state-change churn,
// cancellation of a long frame, and two elements in one pipeline.
#include <gst/check/gstharness.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "damaged_images.hpp"
#include "element_test_support.hpp"

namespace neuralstyle::element_test {
namespace {

struct ElementErrors : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);

  /// One 32x32 frame through neuralstyle with `settings` (nothing else added).
  static Outcome runOneFrame(const std::string& settings, const std::string& caps = "width=32,height=32") {
    return runPipeline("videotestsrc num-buffers=1 ! video/x-raw," + caps + " ! neuralstyle " + settings +
                       " ! fakesink");
  }
  std::string fast(const std::string& extra = "") const {
    return "style-location=" + style + " " + fastSettings() + " steps=1 " + extra;
  }
  /// Settings of a second element: another style, one step.
  std::string otherStyle() const {
    return "style-location=" + writeStyle(dir, "other.png", {0, 255, 0}, {255, 0, 255}) + " " +
           fastSettings() + " steps=1";
  }
  /// Runs two 32x32 frames into `elements`, which holds neuralstyle elements named first
  /// and second: each must stylise both frames, and the pipeline end cleanly.
  static void expectTwoElementsStyleEveryFrame(const std::string& elements) {
    const Outcome outcome =
        runPipeline("videotestsrc num-buffers=2 ! video/x-raw,width=32,height=32 ! " + elements);
    ASSERT_TRUE(outcome.eos) << outcome.error_text;
    size_t first = 0, second = 0;
    for (const auto& message : outcome.messages)
      if (message.name() == "neuralstyle-frame-done") (message.source == "first" ? first : second)++;
    EXPECT_EQ(first, 2u);
    EXPECT_EQ(second, 2u);
    EXPECT_TRUE(outcome.reached_null);
  }
};

void expectError(const Outcome& outcome, GQuark domain, int code, const std::string& needle) {
  ASSERT_TRUE(outcome.error) << "expected an error; eos=" << outcome.eos << " timed_out=" << outcome.timed_out;
  EXPECT_EQ(gquarkName(outcome.error_domain), gquarkName(domain));
  EXPECT_EQ(outcome.error_code, code) << outcome.error_text;
  EXPECT_NE(outcome.error_text.find(needle), std::string::npos)
      << "'" << needle << "' not in: " << outcome.error_text;
  EXPECT_TRUE(outcome.reached_null);
  EXPECT_FALSE(outcome.timed_out);
}

TEST_F(ElementErrors, NoStyleLocationIsNotFoundAtStart) {
  expectError(runOneFrame(fastSettings()), GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND,
              "style-location");
}

TEST_F(ElementErrors, MissingStyleFileIsNotFoundAndNamed) {
  const std::string missing = dir.file("no-such-style.png");
  expectError(runOneFrame("style-location=" + missing + " " + fastSettings()), GST_RESOURCE_ERROR,
              GST_RESOURCE_ERROR_NOT_FOUND, missing);
}

TEST_F(ElementErrors, CorruptStyleFileCannotBeRead) {
  const std::string corrupt = dir.file("corrupt.png");
  std::ofstream(corrupt, std::ios::binary) << std::string("\x89PNG\r\n\x1a\n\x13\x37garbage-bytes", 22);
  expectError(runOneFrame("style-location=" + corrupt + " " + fastSettings()), GST_RESOURCE_ERROR,
              GST_RESOURCE_ERROR_OPEN_READ, corrupt);
}

/// A damaged style image (tests/common/damaged_images.hpp) and what the error says.
struct DamagedStyle {
  const char* name;
  void (*write)(const std::string&);
  const char* says;
};

void PrintTo(const DamagedStyle& style, std::ostream* out) { *out << style.name; }

class DamagedStyleImage : public ElementErrors, public testing::WithParamInterface<DamagedStyle> {};

TEST_P(DamagedStyleImage, IsAnOpenReadErrorNamingTheFileAndWhy) {
  const std::string damaged = dir.file(std::string(GetParam().name) + ".img");
  GetParam().write(damaged);
  const Outcome outcome = runOneFrame("style-location=" + damaged + " " + fastSettings());
  expectError(outcome, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, damaged);
  EXPECT_NE(outcome.error_text.find(GetParam().says), std::string::npos) << outcome.error_text;
  EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Files, DamagedStyleImage,
    testing::Values(
        DamagedStyle{"TruncatedJpeg", [](const std::string& p) { test::damaged::truncatedJpeg(p); },
                     "corrupt or truncated JPEG: Premature end of JPEG file"},
        DamagedStyle{"PngWithBadCrc", test::damaged::pngWithBadCrc, "corrupt or truncated PNG: IDAT: CRC error"},
        DamagedStyle{"PngWithTruncatedIdat", test::damaged::pngWithTruncatedIdat,
                     "corrupt or truncated PNG: Not enough image data"},
        DamagedStyle{"EmptyFile", test::damaged::emptyFile, "is empty (0 bytes)"}),
    [](const auto& info) { return std::string(info.param.name); });

TEST_F(ElementErrors, MissingWeightsFileIsNotFoundAndNamed) {
  const std::string missing = dir.file("vgg19.safetensors");
  expectError(runOneFrame("style-location=" + style + " weights-location=" + missing),
              GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, missing);
}

TEST_F(ElementErrors, TruncatedWeightsFileCannotBeRead) {
  const std::string truncated = dir.file("truncated.safetensors");
  const std::string header =
      R"({"0.weight":{"dtype":"F32","shape":[64,3,3,3],"data_offsets":[0,6912]}})";
  std::ofstream out(truncated, std::ios::binary);
  const uint64_t length = header.size();
  out.write(reinterpret_cast<const char*>(&length), sizeof length);
  out << header << std::string(100, '\0');  // 100 of the 6912 bytes
  out.close();
  expectError(runOneFrame("style-location=" + style + " weights-location=" + truncated),
              GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, truncated);
}

TEST_F(ElementErrors, MalformedRandomWeightsAreASettingsError) {
  expectError(runOneFrame("style-location=" + style + " weights-location=random:seven"),
              GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS, "random:seven");
}

TEST_F(ElementErrors, OutOfRangeRandomSeedIsASettingsError) {
  expectError(runOneFrame("style-location=" + style + " weights-location=random:99999999999999999999"),
              GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS, "random:99999999999999999999");
}

// ONNX files that crashed OpenCV's importer (tests/data/hostile/README.md) are refused
// before it sees them: a read error naming the file, and no crash.
TEST_F(ElementErrors, HostileOnnxWeightsCannotBeRead) {
  const std::string hostile = std::string(g_getenv("NEURALSTYLE_SOURCE_DIR")) + "/tests/data/hostile/";
  for (const auto* name : {"F1_onnx_segv_dims_4096x4096x3x3_raw216B.onnx",
                           "F1b_onnx_heap_overflow_read_dims_2x6x3x3_raw144B.onnx",
                           "F9_onnx_null_deref.onnx"}) {
    SCOPED_TRACE(name);
    const Outcome outcome = runOneFrame("style-location=" + style + " weights-location=" + hostile + name);
    expectError(outcome, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ, hostile + name);
    EXPECT_NE(outcome.error_text.find("refused before import"), std::string::npos) << outcome.error_text;
  }
}

TEST_F(ElementErrors, NoWeightsAnywhereSaysHowToGetThem) {
  const std::string installed = std::string(NEURALSTYLE_DATA_DIR) + "/vgg19.safetensors";
  if (g_file_test(installed.c_str(), G_FILE_TEST_EXISTS)) GTEST_SKIP() << installed << " is installed";
  const std::string saved_weights = g_getenv("NEURALSTYLE_WEIGHTS") ? g_getenv("NEURALSTYLE_WEIGHTS") : "";
  const std::string saved_xdg = g_getenv("XDG_DATA_HOME") ? g_getenv("XDG_DATA_HOME") : "";
  g_unsetenv("NEURALSTYLE_WEIGHTS");
  g_setenv("XDG_DATA_HOME", dir.path().c_str(), TRUE);
  const Outcome outcome = runOneFrame("style-location=" + style);
  if (!saved_weights.empty()) g_setenv("NEURALSTYLE_WEIGHTS", saved_weights.c_str(), TRUE);
  if (saved_xdg.empty())
    g_unsetenv("XDG_DATA_HOME");
  else
    g_setenv("XDG_DATA_HOME", saved_xdg.c_str(), TRUE);
  expectError(outcome, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_NOT_FOUND, "weights-location=random");
  EXPECT_NE(outcome.error_text.find("NEURALSTYLE_WEIGHTS"), std::string::npos) << outcome.error_text;
}

TEST_F(ElementErrors, UnknownLayersAreSettingsErrorsNamingTheProperty) {
  expectError(runOneFrame(fast("content-layer=conv9_9")), GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS,
              "content-layer");
  expectError(runOneFrame(fast("style-layer-weights=conv1_1=1,pool2=3")), GST_LIBRARY_ERROR,
              GST_LIBRARY_ERROR_SETTINGS, "style-layer-weights");
}

TEST_F(ElementErrors, AnUnknownTensorCacheSettingIsASettingsError) {
  g_setenv("NEURALSTYLE_TENSOR_CACHE", "maybe", TRUE);
  const Outcome outcome = runOneFrame(fast());
  g_unsetenv("NEURALSTYLE_TENSOR_CACHE");
  expectError(outcome, GST_LIBRARY_ERROR, GST_LIBRARY_ERROR_SETTINGS, "NEURALSTYLE_TENSOR_CACHE='maybe'");
}

TEST_F(ElementErrors, UnsupportedFormatsDoNotLink) {
  for (const char* format : {"I420", "RGB16", "NV12", "GRAY16_LE"}) {
    SCOPED_TRACE(format);
    const Outcome outcome = runOneFrame(fast(), std::string("format=") + format + ",width=32,height=32");
    ASSERT_TRUE(outcome.error);
    EXPECT_FALSE(outcome.parsed);
    EXPECT_EQ(outcome.error_domain, GST_PARSE_ERROR);
    EXPECT_EQ(outcome.error_code, GST_PARSE_ERROR_LINK);
    EXPECT_NE(outcome.error_text.find("neuralstyle"), std::string::npos) << outcome.error_text;
  }
}

TEST_F(ElementErrors, UnsupportedCapsAreRefusedWhenPushed) {
  GstHarness* harness = gst_harness_new_parse(("neuralstyle name=ns " + fast()).c_str());
  GstCaps* caps = gst_caps_from_string("video/x-raw,format=I420,width=32,height=32,framerate=1/1");
  gst_harness_push_event(harness, gst_event_new_caps(caps));
  gst_caps_unref(caps);
  GstSegment segment;
  gst_segment_init(&segment, GST_FORMAT_TIME);
  gst_harness_push_event(harness, gst_event_new_segment(&segment));
  EXPECT_EQ(gst_harness_push(harness, gst_buffer_new_allocate(nullptr, 32 * 32 * 3 / 2, nullptr)),
            GST_FLOW_NOT_NEGOTIATED);
  GstElement* element = gst_bin_get_by_name(GST_BIN(harness->element), "ns");
  GstPad* sink = gst_element_get_static_pad(element, "sink");
  GstCaps* negotiated = gst_pad_get_current_caps(sink);
  EXPECT_EQ(negotiated, nullptr) << "I420 was accepted";
  if (negotiated) gst_caps_unref(negotiated);
  gst_object_unref(sink);
  gst_object_unref(element);
  gst_harness_teardown(harness);
}

TEST_F(ElementErrors, FramesTooThinForMaxSizeAreProcessedLargerWithAWarning) {
  // 16x64 at max-size 16 would be processed at 4x16; VGG19 needs 16 pixels a side, so
  // the frame is processed at 16x62 instead: a warning, not an error.
  const Outcome outcome = runOneFrame(fast("max-size=16"), "width=16,height=64");
  EXPECT_TRUE(outcome.eos) << outcome.error_text;
  EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 1u);
  ASSERT_EQ(outcome.warnings.size(), 1u);
  EXPECT_NE(outcome.warnings[0].find("max-size 16"), std::string::npos) << outcome.warnings[0];
  EXPECT_NE(outcome.warnings[0].find("16x62"), std::string::npos) << outcome.warnings[0];
}

TEST_F(ElementErrors, StyleFileGoneBeforeTheNextFrameKeepsThePreviousStyle) {
  GstHarness* harness = gst_harness_new_parse(("neuralstyle name=ns " + fast("steps=0")).c_str());
  GstBus* bus = gst_bus_new();
  gst_element_set_bus(harness->element, bus);
  gst_harness_set_src_caps_str(harness, "video/x-raw,format=RGB,width=32,height=32,framerate=1/1");
  const auto frame = [] { return gst_buffer_new_allocate(nullptr, 32 * 32 * 3, nullptr); };
  GstBuffer* first = gst_harness_push_and_pull(harness, frame());
  ASSERT_NE(first, nullptr);
  gst_buffer_unref(first);

  // It exists when set, so it is accepted; it is gone when the next frame reads it.
  const std::string gone = writeStyle(dir, "gone.png");
  GstElement* element = gst_bin_get_by_name(GST_BIN(harness->element), "ns");
  g_object_set(element, "style-location", gone.c_str(), nullptr);
  std::remove(gone.c_str());
  GstBuffer* second = gst_harness_push_and_pull(harness, frame());
  EXPECT_NE(second, nullptr) << "the stream ended";
  if (second) gst_buffer_unref(second);
  GstMessage* message = gst_bus_pop_filtered(
      bus, static_cast<GstMessageType>(GST_MESSAGE_WARNING | GST_MESSAGE_ERROR));
  ASSERT_NE(message, nullptr);
  ASSERT_EQ(GST_MESSAGE_TYPE(message), GST_MESSAGE_WARNING) << "the stream ended with an error";
  GError* error = nullptr;
  gst_message_parse_warning(message, &error, nullptr);
  EXPECT_TRUE(g_error_matches(error, GST_RESOURCE_ERROR, GST_RESOURCE_ERROR_OPEN_READ));
  EXPECT_NE(std::string(error->message).find(gone), std::string::npos) << error->message;
  g_clear_error(&error);
  gst_message_unref(message);
  gchar* location = nullptr;
  g_object_get(element, "style-location", &location, nullptr);
  EXPECT_STREQ(location, style.c_str()) << "style-location must read back the style in force";
  g_free(location);
  gst_object_unref(element);
  gst_harness_teardown(harness);
  gst_object_unref(bus);
}

TEST_F(ElementErrors, GstLaunchExitsNonZeroAndPrintsTheError) {
  const std::string missing = dir.file("missing-style.png");
  const std::string command = "gst-launch-1.0 videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! "
                              "neuralstyle style-location=" + missing + " weights-location=random:1 ! fakesink 2>&1";
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  char chunk[4096];
  while (size_t n = fread(chunk, 1, sizeof chunk, pipe)) output.append(chunk, n);
  const int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 0) << output;
  EXPECT_NE(output.find(missing), std::string::npos) << output;
}

// --- lifecycle -----------------------------------------------------------------------------

TEST_F(ElementErrors, SurvivesTwentyTimesNullToPlayingToNull) {
  GstElement* pipeline = gst_parse_launch(
      ("videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! neuralstyle " + fast() +
       " ! fakesink").c_str(),
      nullptr);
  ASSERT_NE(pipeline, nullptr);
  GstBus* bus = gst_element_get_bus(pipeline);
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    ASSERT_NE(gst_element_set_state(pipeline, GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    // Every other round stops before the frame is done, to exercise cancellation.
    if (round % 2 == 0) {
      GstMessage* message = gst_bus_timed_pop_filtered(
          bus, 30 * GST_SECOND, static_cast<GstMessageType>(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
      ASSERT_NE(message, nullptr);
      EXPECT_EQ(GST_MESSAGE_TYPE(message), GST_MESSAGE_EOS);
      gst_message_unref(message);
    }
    ASSERT_EQ(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
    gst_bus_set_flushing(bus, TRUE);  // drop this round's messages
    gst_bus_set_flushing(bus, FALSE);
  }
  gst_object_unref(bus);
  gst_object_unref(pipeline);
}

TEST_F(ElementErrors, ShutdownCancelsALongFrameBetweenSteps) {
  GstElement* pipeline = gst_parse_launch(
      ("videotestsrc num-buffers=1 ! video/x-raw,width=32,height=32 ! neuralstyle " +
       fast("steps=100000 progress-interval=1") + " ! fakesink").c_str(),
      nullptr);
  ASSERT_NE(pipeline, nullptr);
  GstBus* bus = gst_element_get_bus(pipeline);
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstMessage* message = gst_bus_timed_pop_filtered(bus, 30 * GST_SECOND, GST_MESSAGE_ELEMENT);
  ASSERT_NE(message, nullptr) << "no progress message";
  gst_message_unref(message);

  // A flushing seek restarts the frame; going to NULL cancels it.
  const gint64 seek_start = g_get_monotonic_time();
  EXPECT_TRUE(gst_element_seek_simple(pipeline, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH, 0));
  EXPECT_LT((g_get_monotonic_time() - seek_start) / 1e6, 10.0);
  // The flush is over, so the cancelled frame has said so: frame 0, not pushed.
  bool cancelled = false;
  while (GstMessage* element_message = gst_bus_pop_filtered(bus, GST_MESSAGE_ELEMENT)) {
    const GstStructure* structure = gst_message_get_structure(element_message);
    guint64 frame = 1;
    if (gst_structure_has_name(structure, "neuralstyle-frame-cancelled")) {
      cancelled = true;
      EXPECT_TRUE(gst_structure_get_uint64(structure, "frame", &frame));
      EXPECT_EQ(frame, 0u);
    }
    gst_message_unref(element_message);
  }
  EXPECT_TRUE(cancelled) << "no neuralstyle-frame-cancelled after the flushing seek";
  const gint64 stop_start = g_get_monotonic_time();
  EXPECT_EQ(gst_element_set_state(pipeline, GST_STATE_NULL), GST_STATE_CHANGE_SUCCESS);
  EXPECT_LT((g_get_monotonic_time() - stop_start) / 1e6, 10.0);
  EXPECT_EQ(gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR), nullptr) << "cancelling is not an error";
  gst_object_unref(bus);
  gst_object_unref(pipeline);
}

TEST_F(ElementErrors, TwoElementsInOnePipelineEachStyleEveryFrame) {
  expectTwoElementsStyleEveryFrame("neuralstyle name=first " + fast() + " ! neuralstyle name=second " +
                                   otherStyle() + " ! fakesink");
}

TEST_F(ElementErrors, TwoElementsUnderATeeStartTheirFirstFramesTogether) {
  // Each branch has its own streaming thread (the queues), so both elements get the same
  // first frame at once, and the first frame of each installs the process-wide CPU
  // allocator concurrently while the other already runs LibTorch (see docs/element.md, Process-wide
  // settings). Run under the sanitizer build as well (docs/building.md).
  expectTwoElementsStyleEveryFrame("tee name=split split. ! queue ! neuralstyle name=first " + fast() +
                                   " ! fakesink split. ! queue ! neuralstyle name=second " + otherStyle() +
                                   " ! fakesink");
}

}  // namespace
}  // namespace neuralstyle::element_test

namespace neuralstyle::element_test {
namespace {

// SqueezeNet 1.1: recognised from its weights, run with its own default layers; a
// request for the other network, or the other network's layer names, is a clear error.
struct ElementNetworks : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);
  const std::string squeezenet = std::string(std::getenv("NEURALSTYLE_TESTDATA")) +
                                 "/squeezenet1_1.safetensors";
  std::string settings(const std::string& extra) const {
    return "style-location=" + style + " weights-location=" + squeezenet +
           " threads=2 max-size=48 device=cpu steps=2 " + extra;
  }
  static Outcome runOneFrame(const std::string& settings) {
    return runPipeline("videotestsrc num-buffers=1 ! video/x-raw,width=40,height=32 ! neuralstyle " +
                       settings + " ! fakesink");
  }
};

TEST_F(ElementNetworks, SqueezeNetWeightsRunWithTheNetworksDefaults) {
  const Outcome outcome = runOneFrame(settings("network=auto"));
  ASSERT_TRUE(outcome.eos) << outcome.error_text;
  EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 1u);
  const Outcome explicit_network = runOneFrame(settings("network=squeezenet1_1 content-layer=fire3"));
  ASSERT_TRUE(explicit_network.eos) << explicit_network.error_text;
}

TEST_F(ElementNetworks, AskingForTheOtherNetworkIsAnErrorNamingBoth) {
  const Outcome outcome = runOneFrame(settings("network=vgg19"));
  ASSERT_TRUE(outcome.error);
  EXPECT_NE(outcome.error_text.find("hold squeezenet1_1, but network vgg19"), std::string::npos)
      << outcome.error_text;
  EXPECT_NE(outcome.error_text.find(squeezenet), std::string::npos) << outcome.error_text;
}

TEST_F(ElementNetworks, LayersOfTheOtherNetworkAreASettingsError) {
  const Outcome outcome = runOneFrame(settings("content-layer=conv4_2"));
  ASSERT_TRUE(outcome.error);
  EXPECT_EQ(outcome.error_domain, GST_LIBRARY_ERROR);
  EXPECT_EQ(outcome.error_code, GST_LIBRARY_ERROR_SETTINGS);
  EXPECT_NE(outcome.error_text.find("unknown squeezenet1_1 layer 'conv4_2'"), std::string::npos)
      << outcome.error_text;
  // Known up front: network=squeezenet1_1 names the property at fault before any loading.
  const Outcome named = runOneFrame(settings("network=squeezenet1_1 style-layer-weights=conv1_1=1"));
  ASSERT_TRUE(named.error);
  EXPECT_NE(named.error_text.find("Invalid style-layer-weights"), std::string::npos) << named.error_text;
}

TEST_F(ElementNetworks, RandomSqueezeNetWeightsAreChosenByTheNetwork) {
  const Outcome outcome = runOneFrame("style-location=" + style +
                                      " weights-location=random:2 network=squeezenet1_1"
                                      " threads=2 max-size=48 device=cpu steps=1");
  ASSERT_TRUE(outcome.eos) << outcome.error_text;
  EXPECT_EQ(outcome.count("neuralstyle-frame-done"), 1u);
}

}  // namespace
}  // namespace neuralstyle::element_test
