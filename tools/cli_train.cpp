// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_train.hpp"

#include <CLI/CLI.hpp>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>

#include "cli_options.hpp"
#include "neuralstyle/environment.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/trainer.hpp"

namespace neuralstyle::cli {
namespace {

namespace fs = std::filesystem;

// What the front end adds to the core's TrainOptions: where things are written, how
// often, and how progress is shown.
struct TrainRun {
  TrainOptions options;
  std::string output;             ///< MODEL.onnx; MODEL.safetensors beside it
  std::string checkpoint;         ///< empty: MODEL.checkpoint.safetensors
  int checkpoint_interval = 500;
  bool resume = false;
  int sample_interval = 500;      ///< 0: none
  std::string samples;            ///< empty: MODEL.samples/
  std::string loss_log;           ///< CSV; empty: none
  int progress_interval = 10;
  bool quiet = false;
};

struct HelpRequested {};
struct ListOptionsRequested {};

int toCount(const std::string& name, const std::string& text) {
  try {
    size_t used = 0;
    const long value = std::stol(text, &used);
    if (used == text.size() && value >= 0 && value <= 100'000'000) return static_cast<int>(value);
  } catch (const std::exception&) {
  }
  throw UsageError(name + " must be an integer between 0 and 100000000, got '" + text + "'");
}

TrainRun parse(const std::vector<std::string>& arguments) {
  TrainRun run;
  CLI::App app("Trains a feed-forward style network (Johnson et al.) for one style\n"
               "with the losses of the optimisation, and writes it as ONNX (OpenCV)\n"
               "and safetensors (LibTorch) for the fastneuralstyle element and --model.",
               "neuralstyle train");
  app.set_help_flag();
  app.get_formatter()->column_width(30);
  for (const auto& spec : trainOptionSpecs()) {
    const std::string fallback = formatOptionValue(spec, spec.defaultValue());
    const bool shows_default = spec.type != OptionType::Flag && !fallback.empty() && !spec.repeatable;
    auto* option = app.add_option_function<std::vector<std::string>>(
        "--" + spec.name,
        [&run, &spec](const std::vector<std::string>& values) {
          if (!spec.repeatable && values.size() > 1)
            throw UsageError("train: --" + spec.name + " is given more than once");
          for (const std::string& value : values) {
            try {
              spec.set(run.options, parseOptionValue(spec, value));
            } catch (const OptionsError& e) {
              const std::string message = e.what();  // usually "NAME must be ..."
              throw UsageError("train: --" + (message.rfind(spec.name, 0) == 0 ? message : spec.name + ": " + message));
            }
          }
        },
        spec.doc + (shows_default ? " (default " + fallback + ")" : ""));
    option->type_name(spec.placeholder)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)->expected(1)->allow_extra_args(false);
  }
  app.add_option("--output", run.output, "the model to write: MODEL.onnx, and MODEL.safetensors beside it")
      ->type_name("MODEL.onnx");
  app.add_option("--checkpoint", run.checkpoint, "checkpoint file (default MODEL.checkpoint.safetensors)")
      ->type_name("FILE");
  app.add_option_function<std::string>("--checkpoint-interval",
      [&run](const std::string& v) { run.checkpoint_interval = toCount("--checkpoint-interval", v); },
      "write the checkpoint every N iterations, and at the end (default 500; 0 = at the end only)")
      ->type_name("N");
  app.add_flag("--resume", run.resume, "continue from the checkpoint, as if never stopped");
  app.add_option_function<std::string>("--sample-interval",
      [&run](const std::string& v) { run.sample_interval = toCount("--sample-interval", v); },
      "write a sheet of held-out images | output every N iterations (default 500; 0 = none)")
      ->type_name("N");
  app.add_option("--samples", run.samples, "folder of the sample sheets (default MODEL.samples)")->type_name("DIR");
  app.add_option("--loss-log", run.loss_log, "CSV of the losses, one line an iteration")->type_name("FILE");
  app.add_option_function<std::string>("--progress-interval",
      [&run](const std::string& v) { run.progress_interval = toCount("--progress-interval", v); },
      "report every N iterations (default 10)")->type_name("N");
  app.add_flag("--quiet", run.quiet, "no progress, only errors");
  app.add_flag_callback("-h,--help", [] { throw HelpRequested{}; }, "show this help and exit");
  app.add_flag_callback("--list-options", [] { throw ListOptionsRequested{}; },
                        "describe the training options as the core defines them (range, default) and exit")
      ->trigger_on_parse();

  std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());
  try {
    app.parse(reversed);
  } catch (const HelpRequested&) {
    std::fputs(app.help().c_str(), stdout);
    throw;
  } catch (const ListOptionsRequested&) {
    std::fputs(describeOptions(trainOptionSpecs()).c_str(), stdout);
    throw HelpRequested{};  // done: exit 0
  } catch (const CLI::ParseError& e) {
    throw UsageError(std::string("train: ") + e.what());
  }
  if (run.options.style.empty()) throw UsageError("train: --style is required");
  if (run.options.data.empty()) throw UsageError("train: --data is required");
  if (run.output.empty()) throw UsageError("train: --output is required");
  if (fs::path(run.output).extension() != ".onnx")
    throw UsageError("train: --output must name an .onnx file (MODEL.safetensors is written beside it), got '" +
                     run.output + "'");
  const fs::path stem = fs::path(run.output).replace_extension();
  if (run.checkpoint.empty()) run.checkpoint = stem.string() + ".checkpoint.safetensors";
  if (run.samples.empty()) run.samples = stem.string() + ".samples";
  try {
    run.options.validate();
  } catch (const OptionsError& e) {
    throw UsageError(std::string("train: --") + e.what());
  }
  return run;
}

class Progress {
 public:
  Progress(const TrainRun& run, int first, int last)
      : quiet_(run.quiet), interval_(run.progress_interval), first_(first), last_(last),
        terminal_(isatty(STDERR_FILENO)), start_(std::chrono::steady_clock::now()) {}

  void report(int iteration, const TrainLosses& losses) {
    if (quiet_ || (interval_ == 0 && iteration != last_) || (interval_ > 0 && iteration % interval_ != 0 && iteration != last_))
      return;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double per_iteration = elapsed / std::max(1, iteration - first_);
    const double eta = per_iteration * (last_ - iteration);
    char line[256];
    std::snprintf(line, sizeof line,
                  "iteration %d/%d loss %.4g (content %.3g style %.3g tv %.3g temporal %.3g) %.3f s/it ETA %s",
                  iteration, last_, losses.total, losses.content, losses.style, losses.tv, losses.temporal,
                  per_iteration, formatDuration(eta).c_str());
    if (terminal_) {
      const int width = 20, filled = width * iteration / std::max(1, last_);
      std::fprintf(stderr, "\r[%s%s] %s\033[K", std::string(filled, '#').c_str(),
                   std::string(width - filled, '-').c_str(), line);
      if (iteration == last_) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "%s\n", line);
    }
  }

  void say(const std::string& text) const {
    if (quiet_) return;
    std::fprintf(stderr, "%s%s\n", terminal_ ? "\r\033[K" : "", text.c_str());
  }

 private:
  bool quiet_;
  int interval_, first_, last_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
};

class LossLog {
 public:
  LossLog(const std::string& path, bool append) {
    if (path.empty()) return;
    const bool fresh = !append || !fs::exists(path) || fs::file_size(path) == 0;
    file_.emplace(path, append ? std::ios::app : std::ios::trunc);
    if (!*file_) throw InputError("--loss-log: cannot write '" + path + "'");
    if (fresh) *file_ << "iteration,total,content,style,tv,temporal\n";
  }
  void write(int iteration, const TrainLosses& l) {
    if (!file_) return;
    *file_ << iteration << ',' << l.total << ',' << l.content << ',' << l.style << ',' << l.tv << ','
           << l.temporal << '\n';
    file_->flush();
  }

 private:
  std::optional<std::ofstream> file_;
};

void writeSamples(Trainer& trainer, const std::string& folder) {
  fs::create_directories(folder);
  char name[32];
  std::snprintf(name, sizeof name, "iteration-%07d.png", trainer.iteration());
  cv::Mat bgr;
  cv::cvtColor(trainer.sampleSheet(), bgr, cv::COLOR_RGB2BGR);
  const std::string path = (fs::path(folder) / name).string();
  if (!cv::imwrite(path, bgr)) throw InputError("cannot write the sample sheet '" + path + "'");
}

void writeModel(const Trainer& trainer, const std::string& onnx) {
  trainer.exportOnnx(onnx);
  trainer.exportSafetensors(fs::path(onnx).replace_extension(".safetensors").string());
}

}  // namespace

int runTrain(const std::vector<std::string>& arguments, const std::atomic<bool>& interrupted) {
  TrainRun run;
  try {
    run = parse(arguments);
  } catch (const HelpRequested&) {
    return kExitOk;
  }
  if (run.resume && !fs::exists(run.checkpoint))
    throw InputError("--resume: no checkpoint '" + run.checkpoint + "' (--checkpoint names another)");
  for (const auto& file : {run.output, run.checkpoint}) {
    const auto folder = fs::path(file).parent_path();
    if (!folder.empty() && !fs::is_directory(folder))
      throw InputError("cannot write '" + file + "': folder '" + folder.string() + "' does not exist");
  }

  // The process-wide switch no flag carries (environment.hpp).
  run.options.tensor_cache = processSwitchesFromEnvironment().tensor_cache;
  Trainer trainer(run.options);
  if (run.resume) trainer.resume(run.checkpoint);
  Progress progress(run, trainer.iteration(), run.options.iterations);
  progress.say("training " + trainer.describe());
  for (const auto& skipped : trainer.data().skipped) progress.say("skipped " + skipped);
  LossLog log(run.loss_log, run.resume);

  while (trainer.iteration() < run.options.iterations) {
    const TrainLosses losses = trainer.step();
    const int iteration = trainer.iteration();
    log.write(iteration, losses);
    progress.report(iteration, losses);
    if (run.sample_interval > 0 && iteration % run.sample_interval == 0) writeSamples(trainer, run.samples);
    if (run.checkpoint_interval > 0 && iteration % run.checkpoint_interval == 0 &&
        iteration != run.options.iterations)
      trainer.saveCheckpoint(run.checkpoint);
    if (interrupted.load()) {
      trainer.saveCheckpoint(run.checkpoint);
      writeModel(trainer, run.output);
      throw CancelledError("at iteration " + std::to_string(iteration) + "; checkpoint '" + run.checkpoint +
                           "' and the model so far written: add --resume to continue");
    }
  }
  trainer.saveCheckpoint(run.checkpoint);
  writeModel(trainer, run.output);
  const TrainLosses held_out = trainer.evaluate();
  char line[200];
  std::snprintf(line, sizeof line, "held-out loss %.4g (content %.3g style %.3g tv %.3g)", held_out.total,
                held_out.content, held_out.style, held_out.tv);
  progress.say(line);
  if (trainer.skippedSteps() > 0)
    progress.say(std::to_string(trainer.skippedSteps()) +
                 " iterations changed nothing: their gradients were beyond float range");
  progress.say("wrote '" + run.output + "' and '" +
               fs::path(run.output).replace_extension(".safetensors").string() + "'");
  return kExitOk;
}

}  // namespace neuralstyle::cli
