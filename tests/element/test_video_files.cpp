// SPDX-License-Identifier: LGPL-2.1-or-later
// pipelines/video.sh on real encoded files: clips that GStreamer encodes here in the
// codecs and containers users bring (H.264/MP4, VP8/WebM, MJPEG/AVI, Matroska, each with
// an audio track), opencv-doc's Megamind.avi (XVID + AC-3), a GStreamer that lacks a
// decoder or an encoder, and a machine without weights.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "element_test_support.hpp"
#include "media_summary.hpp"
#include "pipeline_test_support.hpp"

namespace neuralstyle::element_test {
namespace {

const std::string kMegamind = "/usr/share/doc/opencv-doc/examples/data/Megamind.avi";
const std::string kStarryNight = "/usr/share/doc/opencv-doc/examples/data/starry_night.jpg";
constexpr int kFrames = 6;  // of each generated clip, at 10 frames a second

bool haveElement(const char* name) {
  GstElementFactory* factory = gst_element_factory_find(name);
  if (factory) gst_object_unref(factory);
  return factory != nullptr;
}

struct Clip {
  const char* name;     ///< file name: its extension picks the muxer
  const char* video;    ///< encoder chain
  const char* audio;    ///< encoder chain (caps for raw PCM)
  const char* muxer;
};

// The inputs: every container video.sh writes, each with an audio track.
const Clip kClips[] = {
    {"mjpeg-pcm.avi", "jpegenc", "audioconvert ! audio/x-raw,format=S16LE", "avimux"},
    {"vp8-vorbis.webm", "vp8enc deadline=1", "vorbisenc", "webmmux"},
    // (x264enc without B-frames: with them, mp4mux starts the video at 0.2 s, the audio at 0.)
    {"h264-aac.mp4", "x264enc bframes=0 ! h264parse", "avenc_aac", "mp4mux"},
    {"mjpeg-vorbis.mkv", "jpegenc", "vorbisenc", "matroskamux"},
};

struct VideoFiles : testing::Test {
  TempDir dir;
  std::string style = writeStyle(dir);

  static void SetUpTestSuite() {
    for (const char* element : {"x264enc", "avenc_aac", "avdec_mpeg4", "vp8enc", "vorbisenc"})
      ASSERT_TRUE(haveElement(element))
          << element << " is missing: scripts/setup.sh installs gstreamer1.0-libav, "
                        "gstreamer1.0-plugins-good and gstreamer1.0-plugins-ugly";
  }

  std::string options() const {
    return "--style " + shellQuoted(style) +
           " --weights random:2 --steps 2 --max-size 32 --threads 2 --learning-rate 0.5 --quiet";
  }

  /// A clip of kFrames frames (a moving ball) and the same time of a sine tone.
  std::string makeClip(const Clip& clip) const {
    const std::string path = dir.file(clip.name);
    const Outcome made = runPipeline(
        std::string("videotestsrc num-buffers=") + std::to_string(kFrames) +
        " pattern=ball ! video/x-raw,width=48,height=32,framerate=10/1 ! " + clip.video + " ! " +
        clip.muxer + " name=mux ! filesink location=" + gstQuoted(path) +
        " audiotestsrc num-buffers=" + std::to_string(kFrames) +
        " samplesperbuffer=4410 ! audio/x-raw,rate=44100,channels=1 ! " + clip.audio + " ! mux.");
    EXPECT_TRUE(made.eos) << clip.name << ": " << made.error_text;
    return path;
  }

  CommandResult stylise(const std::string& input, const std::string& output,
                        const std::string& extra = "", const std::string& environment = "") const {
    // A hang fails the test instead of the whole run.
    return run("timeout 300 env " + environment + " " + script("video.sh") + " " + options() + " " +
               extra + " " + shellQuoted(input) + " " + shellQuoted(output));
  }

  /// A folder of GStreamer's system plugins without the ones named, and the environment
  /// that makes GStreamer (and the scripts' probes) see only those, with a registry of
  /// its own: a machine where a codec's package is not installed.
  std::string withoutPlugins(std::initializer_list<const char*> left_out) const {
    const fs::path system = "/usr/lib/x86_64-linux-gnu/gstreamer-1.0";
    const fs::path folder = dir.path() / "plugins";
    fs::create_directories(folder);
    for (const auto& entry : fs::directory_iterator(system)) {
      const std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".so") continue;
      if (std::find_if(left_out.begin(), left_out.end(),
                       [&](const char* out) { return name == out; }) != left_out.end())
        continue;
      fs::create_symlink(entry.path(), folder / name);
    }
    return "GST_PLUGIN_SYSTEM_PATH_1_0=" + shellQuoted(folder.string()) +
           " GST_REGISTRY_1_0=" + shellQuoted(dir.file("restricted-registry.bin"));
  }
};

void expectSameTimeline(const MediaSummary& in, const MediaSummary& out) {
  const double frame = in.frameSeconds();
  ASSERT_TRUE(out.error.empty()) << out.error;
  EXPECT_EQ(out.video.buffers, in.video.buffers);
  EXPECT_EQ(out.width, in.width);
  EXPECT_EQ(out.height, in.height);
  EXPECT_EQ(out.rate_num * in.rate_den, in.rate_num * out.rate_den)
      << out.rate_num << "/" << out.rate_den << " vs " << in.rate_num << "/" << in.rate_den;
  EXPECT_EQ(out.video.start, in.video.start) << "the first frame's timestamp moved";
  EXPECT_NEAR(out.video.seconds(), in.video.seconds(), frame);
}

TEST_F(VideoFiles, EveryCodecAndContainerKeepsFramesTimestampsAndAudio) {
  // Each input goes out in another container, so every muxer and encoder runs once.
  const std::pair<int, const char*> runs[] = {
      {0, "out.mkv"}, {1, "out.mp4"}, {2, "out.webm"}, {3, "out.avi"}};
  for (const auto& [clip_index, output_name] : runs) {
    const Clip& clip = kClips[clip_index];
    SCOPED_TRACE(std::string(clip.name) + " -> " + output_name);
    const std::string input = makeClip(clip);
    const MediaSummary in = summarizeMedia(input);
    ASSERT_TRUE(in.error.empty()) << in.error;
    ASSERT_EQ(in.video.buffers, static_cast<guint64>(kFrames));
    ASSERT_TRUE(in.audio.present);

    const std::string output = dir.file(output_name);
    const CommandResult result = stylise(input, output);
    ASSERT_EQ(result.status, 0) << result.output;
    const MediaSummary out = summarizeMedia(output);
    expectSameTimeline(in, out);
    ASSERT_TRUE(out.audio.present) << "the audio was lost";
    EXPECT_NEAR(out.audio.seconds(), in.audio.seconds(), in.frameSeconds());
    EXPECT_NEAR(out.audio.seconds(), out.video.seconds(), in.frameSeconds()) << "audio and video drift";
  }
}

TEST_F(VideoFiles, NoAudioLeavesTheAudioOut) {
  const std::string input = makeClip(kClips[1]);
  const std::string output = dir.file("silent.mkv");
  const CommandResult result = stylise(input, output, "--no-audio");
  ASSERT_EQ(result.status, 0) << result.output;
  const MediaSummary out = summarizeMedia(output);
  expectSameTimeline(summarizeMedia(input), out);
  EXPECT_FALSE(out.audio.present);
}

TEST_F(VideoFiles, FramesStylisesTheStartOnlyWithTheAudioUnderIt) {
  const std::string input = makeClip(kClips[0]);
  const std::string output = dir.file("start.mkv");
  const CommandResult result = stylise(input, output, "--frames 3");
  ASSERT_EQ(result.status, 0) << result.output;
  const MediaSummary out = summarizeMedia(output);
  ASSERT_TRUE(out.error.empty()) << out.error;
  EXPECT_EQ(out.video.buffers, 3u);
  EXPECT_EQ(out.video.start, 0u);
  ASSERT_TRUE(out.audio.present);
  EXPECT_NEAR(out.audio.seconds(), 0.3, 0.1);

  const CommandResult seconds = stylise(input, dir.file("start2.mkv"), "--duration 0.2");
  ASSERT_EQ(seconds.status, 0) << seconds.output;
  EXPECT_EQ(summarizeMedia(dir.file("start2.mkv")).video.buffers, 2u);

  for (const char* bad : {"--frames 0", "--frames x", "--duration 0", "--duration -1"}) {
    const CommandResult refused = stylise(input, dir.file("bad.mkv"), bad);
    EXPECT_NE(refused.status, 0) << bad;
    EXPECT_NE(refused.output.find(std::string(bad).substr(0, std::string(bad).find(' '))),
              std::string::npos)
        << refused.output;
  }
}

TEST_F(VideoFiles, MegamindFromOpencvDocDecodesAndRuns) {
  const std::string output = dir.file("megamind.mkv");
  const CommandResult result = stylise(kMegamind, output, "--frames 10");
  ASSERT_EQ(result.status, 0) << result.output;
  const MediaSummary out = summarizeMedia(output);
  ASSERT_TRUE(out.error.empty()) << out.error;
  EXPECT_EQ(out.width, 720);
  EXPECT_EQ(out.height, 528);
  // Ten frames' time at 2997/125 frames a second. (This XVID file's decoder gives a few
  // frames the timestamp of their neighbour, so the buffers in that time are 10 or 11.)
  const double frame = 125.0 / 2997.0;
  EXPECT_NEAR(out.video.seconds(), 10 * frame, frame);
  EXPECT_GE(out.video.buffers, 10u);
  ASSERT_TRUE(out.audio.present) << "Megamind.avi's AC-3 audio was lost";
  EXPECT_NEAR(out.audio.seconds(), out.video.seconds(), frame);
}

TEST_F(VideoFiles, AMissingDecoderIsNamedWithItsDebianPackage) {
  const CommandResult result = stylise(kMegamind, dir.file("out.avi"), "",
                                       withoutPlugins({"libgstlibav.so"}));
  EXPECT_NE(result.status, 0);
  EXPECT_NE(result.output.find("MPEG-4"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("gstreamer1.0-libav"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("not-linked"), std::string::npos) << result.output;
}

TEST_F(VideoFiles, AMissingAudioDecoderIsNamedAndNoAudioGoesOn) {
  const std::string input = makeClip(kClips[1]);  // VP8 + Vorbis
  const std::string restricted = withoutPlugins({"libgstvorbis.so", "libgstlibav.so"});
  const CommandResult refused = stylise(input, dir.file("out.mkv"), "", restricted);
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.output.find("Vorbis"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("--no-audio"), std::string::npos) << refused.output;

  const CommandResult silent = stylise(input, dir.file("out.mkv"), "--no-audio", restricted);
  ASSERT_EQ(silent.status, 0) << silent.output;
  const MediaSummary out = summarizeMedia(dir.file("out.mkv"));
  EXPECT_EQ(out.video.buffers, static_cast<guint64>(kFrames));
  EXPECT_FALSE(out.audio.present);
}

TEST_F(VideoFiles, AMissingEncoderIsNamedBeforeAnythingRuns) {
  const std::string input = makeClip(kClips[0]);
  const CommandResult result = stylise(input, dir.file("out.webm"), "", withoutPlugins({"libgstvpx.so"}));
  EXPECT_NE(result.status, 0);
  EXPECT_NE(result.output.find("vp8enc"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("gstreamer1.0-plugins-good"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(dir.file("out.webm")));
}

/// A machine without weights: the element's own message, which names the cause and the
/// fix, reaches the user on both of video.sh's paths (gst-launch-1.0, and gst_run.py for
/// --frames, where the element fails before the main loop runs) and on still.sh's.
TEST_F(VideoFiles, WithoutWeightsTheElementsMessageAndItsFixAreShown) {
  const std::string input = makeClip(kClips[0]);
  fs::create_directories(dir.path() / "home");
  const std::string environment = "-u NEURALSTYLE_WEIGHTS -u XDG_DATA_HOME HOME=" +
                                  shellQuoted(dir.file("home"));
  const std::string style_option = "--style " + shellQuoted(style) + " --steps 2 --max-size 32 ";
  const std::string runs[] = {
      script("video.sh") + " --frames 1 " + style_option + shellQuoted(input) + " " +
          shellQuoted(dir.file("frames1.avi")),
      script("video.sh") + " " + style_option + shellQuoted(input) + " " +
          shellQuoted(dir.file("whole.avi")),
      script("still.sh") + " " + style_option + shellQuoted(kStarryNight) + " " +
          shellQuoted(dir.file("still.png")),
  };
  for (const std::string& command : runs) {
    const CommandResult result = run("timeout 300 env " + environment + " " + command);
    EXPECT_NE(result.status, 0) << command;
    EXPECT_NE(result.output.find("No weights found"), std::string::npos) << command << "\n" << result.output;
    EXPECT_NE(result.output.find("scripts/fetch_weights.sh"), std::string::npos) << command << "\n" << result.output;
    EXPECT_EQ(result.output.find("the pipeline could not start"), std::string::npos) << result.output;
  }
}

}  // namespace
}  // namespace neuralstyle::element_test
