// SPDX-License-Identifier: LGPL-2.1-or-later
// `neuralstyle`: stylise one image, a folder of images or a numbered frame sequence from
// the command line, with the options of the GStreamer element. The command line is
// checked whole (cli_options.cpp) before the weights are loaded; every failure ends as
// one line on stderr and an exit code from cli::ExitCode.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <numeric>
#include <optional>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <torch/version.h>
#include <vector>

#include "cli_feed_forward.hpp"
#include "cli_options.hpp"
#include "cli_train.hpp"
#include "cli_write_image.hpp"
#include "neuralstyle/environment.hpp"
#include "neuralstyle/neuralstyle.hpp"

namespace {

namespace cli = neuralstyle::cli;
namespace ns = neuralstyle;

static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
std::atomic<bool> g_interrupted{false};
// A progress bar is drawn on the current line: end it before anything else is printed.
bool g_bar_line_open = false;

void onInterrupt(int) { g_interrupted.store(true); }

void installInterruptHandler() {
  struct sigaction action {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESETHAND;  // a second Ctrl-C ends the process at once
  sigaction(SIGINT, &action, nullptr);
}

// The network a run will use when the command line alone says it (an explicit --network,
// or random weights, which are VGG19 for auto): layer names can be checked before loading.
std::optional<ns::Network> networkKnownUpFront(const cli::Options& options) {
  const ns::EngineOptions& engine = options.core.engine;
  if (engine.network != ns::Network::Auto) return engine.network;
  if (engine.weights == "random" || engine.weights.rfind("random:", 0) == 0) return ns::Network::VGG19;
  return std::nullopt;
}

ns::StyleOptions styleOptions(const cli::Options& options) {
  ns::StyleOptions style = options.core.style;
  // A frame that starts from the previous result has none when it is the first or
  // follows a scene cut: it starts from the content (the schema's init says so).
  if (options.init_image) style.init = ns::Init::Image;
  // Other networks' layer names are refused once the weights say which network it is.
  if (const auto network = networkKnownUpFront(options)) {
    const auto check = [&](const std::string& option, const std::string& layer) {
      try {
        ns::featureLayer(*network, layer);
      } catch (const ns::OptionsError& e) {
        throw cli::UsageError(option + ": " + e.what());
      }
    };
    if (options.gave("content-layer")) check("--content-layer", style.content_layer);
    for (const auto& layer : style.style_layers) check("--style-layer-weights", layer.layer);
  }
  // Losses are read (a device sync) only when they are shown or logged.
  style.progress_interval = !options.loss_log.empty() ? 1 : options.quiet ? 0 : options.progress_interval;
  // --save-every needs a report at each multiple of K over the frame (0 reports only the
  // last step). The parts of a multi-scale or tiled frame each restart the core's step
  // count, so a multiple of K over the frame need not be one within a part: there, every
  // step is reported.
  if (options.save_every)
    style.progress_interval = style.scales > 1 || style.tile_size > 0
                                  ? 1
                                  : std::gcd(style.progress_interval, *options.save_every);
  style.validate();
  return style;
}

// The coherence of a folder's or a pattern's frames: --init content, noise and
// --init-image start every frame as a still (the temporal term still applies unless
// --temporal-weight is 0).
ns::VideoOptions videoOptions(const cli::Options& options) {
  ns::VideoOptions video = options.core.video;
  if (options.init_image) video.start = ns::FrameStart::Independent;
  video.validate();
  return video;
}

ns::EngineOptions engineOptions(const cli::Options& options) {
  ns::EngineOptions engine = options.core.engine;
  if (engine.weights.empty()) engine.weights = ns::defaultWeightsLocation(engine.network);
  // The process-wide switches no flag carries (environment.hpp).
  const ns::ProcessSwitches switches = ns::processSwitchesFromEnvironment();
  engine.tensor_cache = switches.tensor_cache;
  engine.process_settings = switches.process_settings;
  if (engine.weights.empty())
    throw ns::WeightsError(
        "no weights found ($NEURALSTYLE_WEIGHTS is unset and no vgg19.safetensors or "
        "squeezenet1_1.safetensors is installed): run scripts/fetch_weights.sh, or pass --weights FILE, or --weights random "
        "for random features");
  return engine;
}

/// Progress on stderr: a redrawn bar on a terminal, plain lines otherwise.
class ProgressReporter {
 public:
  ProgressReporter(const cli::Options& options, int frames)
      : quiet_(options.quiet),
        terminal_(::isatty(STDERR_FILENO) == 1),
        interval_(options.progress_interval),
        frames_(frames) {}

  void beginFrame(int frame) { frame_ = frame; }

  void onStep(const ns::Progress& progress) {
    if (quiet_) return;
    // Counted over the frame's sizes and tiles.
    const int step = progress.total_step, steps = progress.total_steps;
    if (step != steps && (interval_ == 0 || step % interval_ != 0)) return;
    const double per_step = step > 0 ? progress.elapsed_seconds / step : 0;  // --steps 0 reports step 0
    const double remaining_steps = (steps - step) + double(frames_ - frame_) * steps;
    const std::string eta = cli::formatDuration(per_step * remaining_steps);
    char line[256];
    if (terminal_) {
      constexpr int kWidth = 24;
      const int filled = static_cast<int>(double(kWidth) * step / steps);
      const std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '-');
      std::snprintf(line, sizeof line, "\rframe %d/%d [%s] step %d/%d loss %.4g eta %s\033[K",
                    frame_, frames_, bar.c_str(), step, steps, progress.losses.total, eta.c_str());
      g_bar_line_open = true;
    } else {
      std::snprintf(line, sizeof line,
                    "frame %d/%d step %d/%d loss %.6g content %.6g style %.6g eta %s\n", frame_,
                    frames_, step, steps, progress.losses.total,
                    progress.losses.content, progress.losses.style, eta.c_str());
    }
    std::fputs(line, stderr);
    std::fflush(stderr);
  }

  /// `start`: how a frame of a sequence started (frameStart); empty for one image.
  /// `label`: "wrote", or why the frame is not written.
  void endFrame(const cli::Frame& frame, const ns::StylizeResult& result, const char* label,
                const std::string& start) {
    if (quiet_) return;
    endBarLine();
    std::fprintf(stderr, "frame %d/%d %s %s (%d steps, %.1f s, loss %.6g%s%s)\n", frame_, frames_,
                 label, frame.output.c_str(), result.steps, result.elapsed_seconds,
                 result.final_losses.total, start.empty() ? "" : "; ", start.c_str());
  }

  static void endBarLine() {
    if (!g_bar_line_open) return;
    std::fputs("\n", stderr);
    g_bar_line_open = false;
  }

 private:
  bool quiet_;
  bool terminal_;
  int interval_;
  int frames_;
  int frame_ = 0;
};

/// How a frame of a sequence started, for the progress line: "from the previous result
/// warped by flow", "scene cut (72% inconsistent): from the content", ...
std::string frameStart(const ns::VideoFrameResult& frame, bool had_previous, const cli::Options& options,
                       const ns::VideoOptions& video) {
  const std::string fresh = options.init_image                    ? "from the init image"
                            : options.core.style.init == ns::Init::Noise ? "from noise"
                                                                   : "from the content";
  // No flow: there was no previous frame, or one of another size (VideoStylizer drops it).
  if (!had_previous || frame.flow_seconds <= 0) return fresh;
  char flow[96];
  std::snprintf(flow, sizeof flow, "%.1f%% inconsistent, flow %.2f s", 100 * frame.inconsistent_share,
                frame.flow_seconds);
  if (frame.scene_cut) return "scene cut (" + std::string(flow) + "): " + fresh;
  if (frame.from_previous)
    return std::string("from the previous result") +
           (video.start == ns::FrameStart::PreviousWarped ? " warped by flow" : "") + ", " + flow;
  return fresh + ", " + flow;
}

/// --overlap's hand-over: `own` (a slice's frame, 8-bit) faded into `lead_in` (the next
/// slice's lead-in frame at the same position) by `share`; at 1 exactly `lead_in`, so that
/// the next slice continues from what this one writes.
cv::Mat handOver(const cv::Mat& own, const cv::Mat& lead_in, double share) {
  if (share >= 1) return lead_in.clone();
  cv::Mat blended;
  cv::addWeighted(own, 1 - share, lead_in, share, 0, blended);
  return blended;
}

/// --loss-log: one CSV row per step; a sequence's rows also name the frame and the
/// temporal term.
class LossLog {
 public:
  LossLog(const std::string& path, bool sequence) : sequence_(sequence) {
    if (path.empty()) return;
    file_.open(path, std::ios::out | std::ios::trunc);
    if (!file_) throw cli::InputError("cannot write the loss log '" + path + "'");
    file_ << (sequence_ ? "frame," : "") << "step,total,content,style" << (sequence_ ? ",temporal" : "")
          << "\n";
    path_ = path;
  }

  void add(int frame, const ns::Progress& progress) {
    if (!file_.is_open()) return;
    char row[160];
    std::snprintf(row, sizeof row, "%d,%.9g,%.9g,%.9g", progress.total_step, progress.losses.total,
                  progress.losses.content, progress.losses.style);
    if (sequence_) file_ << frame << ',';
    file_ << row;
    if (sequence_) {
      std::snprintf(row, sizeof row, ",%.9g", progress.losses.temporal);
      file_ << row;
    }
    file_ << '\n';
  }

  void flush() {
    if (!file_.is_open()) return;
    file_.flush();
    if (!file_) throw cli::InputError("cannot write the loss log '" + path_ + "'");
  }

 private:
  bool sequence_;
  std::ofstream file_;
  std::string path_;
};

// A frame's output as --resume reads it back: the file when it was written, else the
// image through the output's encoder (JPEG is lossy). The next frame starts from this,
// never from the unrounded result, so that a resumed run computes what an uninterrupted
// one computes.
cv::Mat asWritten(const cli::Frame& frame, const cv::Mat& rgb) {
  if (frame.write) return ns::readRgbImage(frame.output);
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  std::vector<uchar> bytes;
  if (!cv::imencode(std::filesystem::path(frame.output).extension().string(), bgr, bytes))
    throw cli::InputError("cannot encode '" + frame.output + "'");
  cv::Mat decoded = cv::imdecode(bytes, cv::IMREAD_COLOR);
  if (decoded.empty()) throw cli::InputError("cannot decode the encoded '" + frame.output + "'");
  cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
  return decoded;
}

/// --check: the slice's frames without a complete output on stdout.
int reportCheck(const cli::FramePlan& plan, const cli::Options& options) {
  for (const auto& frame : plan.incomplete) std::cout << frame.output << "\n";
  if (!options.quiet)
    std::fprintf(stderr, "%d frame%s complete, %zu missing or incomplete\n", plan.skipped,
                 plan.skipped == 1 ? "" : "s", plan.incomplete.size());
  return plan.incomplete.empty() ? cli::kExitOk : cli::kExitInput;
}

int run(const std::vector<std::string>& arguments) {
  if (!arguments.empty() && arguments.front() == "train") {
    installInterruptHandler();
    return cli::runTrain({arguments.begin() + 1, arguments.end()}, g_interrupted);
  }
  const cli::Command command = cli::parseArguments(arguments);
  if (command.action == cli::Action::Help) {
    std::cout << cli::helpText();
    return cli::kExitOk;
  }
  if (command.action == cli::Action::ListOptions) {
    std::cout << "The optimisation's options as the core defines them, once each: the\n"
                 "neuralstyle element's properties (NAME=VALUE), which the pipeline scripts\n"
                 "pass on. This tool's flags are in --help.\n\n"
              << neuralstyle::describeOptions(neuralstyle::optimisationOptions())
              << "The feed-forward networks' options, once each: the fastneuralstyle element's\n"
                 "properties, and the flags of --model (model-location is --model).\n\n"
              << neuralstyle::describeOptions(neuralstyle::feedForwardOptionSpecs());
    return cli::kExitOk;
  }
  if (command.action == cli::Action::Version) {
    std::cout << "neuralstyle " NEURALSTYLE_VERSION " (LibTorch " TORCH_VERSION
                 ", OpenCV " CV_VERSION ")\n";
    return cli::kExitOk;
  }
  const cli::Options& options = command.options;

  if (options.feedForward()) {
    const cli::FramePlan plan = cli::planFrames(options);
    if (options.check) return reportCheck(plan, options);
    cli::prepareOutputFolders(plan);
    installInterruptHandler();
    cli::runFeedForward(options, plan, g_interrupted);
    return cli::kExitOk;
  }
  // Everything that can be checked is checked before the weights are loaded.
  const ns::StyleOptions style_options = styleOptions(options);
  const ns::VideoOptions video_options = videoOptions(options);
  const cli::FramePlan plan = cli::planFrames(options);
  if (options.check) return reportCheck(plan, options);
  if (plan.frames.empty()) {
    if (!options.quiet)
      std::fprintf(stderr, "nothing to do: the output of all %d frame%s is complete\n", plan.skipped,
                   plan.skipped == 1 ? "" : "s");
    return cli::kExitOk;
  }
  std::vector<cv::Mat> styles;
  for (const auto& style : options.styles) styles.push_back(ns::readRgbImage(style));
  const cv::Mat init_image = options.init_image ? ns::readRgbImage(*options.init_image) : cv::Mat();
  cli::prepareOutputFolders(plan);
  LossLog loss_log(options.loss_log, plan.kind != cli::InputKind::Image);
  const ns::EngineOptions engine = engineOptions(options);
  ns::resolveDevice(engine.device);

  installInterruptHandler();
  ns::Stylizer stylizer(engine, style_options);
  stylizer.setStyles(styles, ns::PixelFormat::RGB, options.style_blend_weights.value_or(std::vector<double>{}));
  if (!init_image.empty()) stylizer.setInitImage(init_image, ns::PixelFormat::RGB);
  // A folder or a pattern is a sequence: each frame coherent with the one before.
  std::optional<ns::VideoStylizer> video;
  if (plan.kind != cli::InputKind::Image) video.emplace(stylizer, video_options);

  // --overlap's hand-over: the lead-in frames of the next slice stylised here too (up to
  // the last frame of this run that fades into them), by a chain of their own.
  size_t handover_needed = 0;
  for (const auto& frame : plan.frames)
    if (frame.handover > 0)
      while (handover_needed < plan.handover.size() &&
             plan.handover[handover_needed].position <= frame.position)
        ++handover_needed;
  std::optional<ns::VideoStylizer> lead_in;
  if (handover_needed > 0) lead_in.emplace(stylizer, video_options);
  size_t lead_in_next = 0;
  cv::Mat lead_in_image;  // the lead-in's image at the frame being written, as stylised

  const int frames = static_cast<int>(plan.frames.size() + handover_needed);
  ProgressReporter reporter(options, frames);
  if (!options.quiet)
    std::fprintf(stderr, "%d frame%s on %s%s with weights '%s'%s\n", frames, frames == 1 ? "" : "s",
                 stylizer.deviceName().c_str(),
                 stylizer.precision() == ns::Precision::BFloat16 ? " in bfloat16" : "",
                 engine.weights.c_str(),
                 plan.skipped ? (" (" + std::to_string(plan.skipped) + " already complete)").c_str() : "");
  // The core raises a --max-size too small for an image's shape to the smallest that works
  // (planFrame), as in the element; a warning says so once per image size (unless --quiet).
  cv::Size raised_for;
  const auto warn_if_raised = [&](const cv::Mat& content) {
    const ns::FramePlan frame_plan = stylizer.planFrame(content.size());
    if (!frame_plan.raised() || content.size() == raised_for || options.quiet) return;
    raised_for = content.size();
    std::fprintf(stderr,
                 "neuralstyle: warning: --max-size %d is too small for %dx%d images: %s needs %d "
                 "pixels on each side, so they are processed at %dx%d (max-size %d)\n",
                 frame_plan.requested_max_size, content.cols, content.rows,
                 ns::networkName(stylizer.network()).c_str(), frame_plan.minimum_side,
                 frame_plan.finalSize().width, frame_plan.finalSize().height, frame_plan.max_size);
  };
  int number = 0;  // of the frame being stylised, from 1, over the slice's and the lead-in's
  // What every frame starts with: the cancel check, its number, and the progress callback
  // (loss log, progress line, --save-every for a frame that is written).
  const auto begin_frame = [&](const cli::Frame& frame) -> ns::ProgressCallback {
    if (g_interrupted.load())
      throw ns::CancelledError("cancelled before frame " + std::to_string(number + 1) + " of " +
                               std::to_string(frames));
    const int logged = ++number;
    reporter.beginFrame(logged);
    return [&, logged, written = frame.write ? frame.output : std::string()](const ns::Progress& progress) {
      loss_log.add(logged, progress);
      reporter.onStep(progress);
      if (options.save_every && !written.empty() && progress.total_step > 0 &&
          progress.total_step % *options.save_every == 0)
        cli::writeImage(cli::intermediatePath(written, progress.total_step), progress.image());
    };
  };
  // One frame of a sequence through `chain`, which then continues from it as written.
  const auto stylise_in = [&](ns::VideoStylizer& chain, const cli::Frame& frame, const char* label,
                              double handover) {
    const auto on_progress = begin_frame(frame);
    const cv::Mat content = ns::readRgbImage(frame.content);
    warn_if_raised(content);
    if (!frame.previous_output.empty())  // --resume: the frame before is on disk
      chain.setLast(chain.frameFromImage(ns::readRgbImage(frame.previous_content),
                                         ns::readRgbImage(frame.previous_output), ns::PixelFormat::RGB));
    const bool had_previous = chain.hasPrevious();
    ns::VideoFrameResult result = chain.stylize(content, ns::PixelFormat::RGB, on_progress, &g_interrupted);
    std::string start = frameStart(result, had_previous, options, video_options);
    if (handover > 0) {
      result.stylized.image = handOver(result.stylized.image, lead_in_image, handover);
      start += "; " + std::to_string(static_cast<int>(std::lround(100 * handover))) +
               "% the next slice's lead-in";
    }
    if (frame.write) cli::writeImage(frame.output, result.stylized.image);
    chain.setLast(chain.frameFromImage(content, asWritten(frame, result.stylized.image), ns::PixelFormat::RGB));
    loss_log.flush();
    reporter.endFrame(frame, result.stylized, label, start);
    return result.stylized.image;
  };

  for (const cli::Frame& frame : plan.frames) {
    if (!video) {
      const auto on_progress = begin_frame(frame);
      const cv::Mat content = ns::readRgbImage(frame.content);
      warn_if_raised(content);
      const ns::StylizeResult result =
          stylizer.stylize(content, ns::PixelFormat::RGB, on_progress, &g_interrupted);
      cli::writeImage(frame.output, result.image);
      loss_log.flush();
      reporter.endFrame(frame, result, "wrote", "");
      continue;
    }
    if (frame.handover > 0)  // the lead-in's chain up to this frame, which fades into it
      while (lead_in_next < handover_needed && plan.handover[lead_in_next].position <= frame.position) {
        const cli::Frame& lead = plan.handover[lead_in_next++];
        const cv::Mat image = stylise_in(*lead_in, lead, "next slice's lead-in, not written:", 0);
        if (lead.position == frame.position) lead_in_image = image;
      }
    stylise_in(*video, frame, frame.write ? "wrote" : "overlap, not written:", frame.handover);
  }
  return cli::kExitOk;
}

std::string oneLine(const std::string& text) {
  std::string line;
  for (const char c : text) {
    const bool blank = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (blank && (line.empty() || line.back() == ' ')) continue;
    line += blank ? ' ' : c;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line.empty() ? "unknown error" : line;
}

int fail(int code, const std::string& message) {
  ProgressReporter::endBarLine();
  std::fprintf(stderr, "neuralstyle: error: %s\n", oneLine(message).c_str());
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // OpenCV would otherwise print its own warnings (e.g. for an unreadable file).
  cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const cli::UsageError& e) {
    return fail(cli::kExitUsage, e.what());
  } catch (const ns::OptionsError& e) {
    return fail(cli::kExitUsage, e.what());
  } catch (const cli::InputError& e) {
    return fail(cli::kExitInput, e.what());
  } catch (const ns::ImageError& e) {
    return fail(cli::kExitInput, e.what());
  } catch (const std::filesystem::filesystem_error& e) {
    return fail(cli::kExitInput, e.what());
  } catch (const ns::WeightsError& e) {
    return fail(cli::kExitWeights, e.what());
  } catch (const ns::DeviceError& e) {
    return fail(cli::kExitDevice, e.what());
  } catch (const ns::DivergedError& e) {
    return fail(cli::kExitDiverged, e.what());
  } catch (const ns::CancelledError& e) {
    return fail(cli::kExitInterrupted, std::string("interrupted (") + e.what() + ")");
  } catch (const std::exception& e) {
    return fail(cli::kExitFailure, ns::libtorchMessage(e).value_or(e.what()));
  }
}
