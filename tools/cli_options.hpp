// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The `neuralstyle` tool's command line: argument parsing and the list of frames a run
// will process. No LibTorch headers here (the option schema it declares its flags from is
// the core's torch-free part), so that all of it is unit-tested quickly and a bad command
// line is rejected before anything heavy is made.
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "neuralstyle/feed_forward.hpp"
#include "neuralstyle/option_schema.hpp"

namespace neuralstyle::cli {

/// Exit codes scripts can rely on (listed in --help).
enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,      ///< anything not listed below
  kExitUsage = 2,        ///< bad arguments
  kExitInput = 3,        ///< missing or unreadable inputs, unwritable outputs
  kExitWeights = 4,      ///< weights missing or unusable
  kExitDevice = 5,       ///< the requested device is unavailable
  kExitDiverged = 6,     ///< the optimisation produced non-finite values
  kExitInterrupted = 130 ///< SIGINT
};

/// A bad command line (exit 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A missing or unreadable input, or an output that cannot be written (exit 3).
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What the command line says. The optimisation's options and the feed-forward
/// networks' are the core's option tables (neuralstyle::optimisationOptions(),
/// neuralstyle::feedForwardOptionSpecs()): their flags are made from them and their
/// values land in `core` or `feed_forward`, so the core stays the one place that defines
/// them.
struct Options {
  std::string content;
  std::vector<std::string> styles;  ///< --style, repeated for a blend
  std::optional<std::vector<double>> style_blend_weights;  ///< one per style; unset: equal
  std::string output;
  /// The optimisation's options, the core's defaults where not given (--weights is its
  /// weights-location; --progress-interval is this tool's own, below). Filled without
  /// --model.
  neuralstyle::OptionSet core;
  /// The feed-forward network's options (--model is its model-location), the core's
  /// defaults where not given. Filled with --model; --max-size, --preserve-colors,
  /// --threads and --device then land here rather than in `core`.
  neuralstyle::FeedForwardOptions feed_forward;
  std::set<std::string> given;  ///< the tables' options given, by name ("steps", "model-location")
  std::optional<std::string> init_image;  ///< starts from this image (excludes --init)
  std::optional<int> save_every;  ///< write the image every K steps (intermediatePath)
  int progress_interval = 10;  ///< print (or redraw the bar) every N steps
  std::optional<int> start_index;  ///< first index of a frame pattern (unset: probe 0..4)
  // A slice of a sequence or folder, for batch schedulers (one slice a task).
  std::optional<int> slice_start;  ///< --start: position of the slice's first frame (0 = first)
  std::optional<int> slice_count;  ///< --count: frames in the slice (fewer at the end)
  int overlap = 0;                 ///< --overlap: frames before the slice stylised, not written
  bool resume = false;             ///< --resume: skip frames whose output is complete
  bool check = false;              ///< --check: report missing or incomplete outputs only
  std::string loss_log;        ///< CSV path; empty = none
  bool quiet = false;

  /// Whether the option `name` of the core's tables was given.
  bool gave(const std::string& name) const { return given.count(name) > 0; }
  /// --model: a feed-forward network instead of the optimisation, one pass a frame, the
  /// style built into the model.
  bool feedForward() const { return gave("model-location"); }
};

enum class Action { Run, Help, Version, ListOptions };

struct Command {
  Action action = Action::Run;
  Options options;
};

/// "M:SS", or "H:MM:SS" from an hour on: progress bars' elapsed and remaining times.
std::string formatDuration(double seconds);

/// Parses the arguments after the program name with CLI11 (cli_arguments.cpp). Strict:
/// unknown options, missing or malformed values, values out of range, repeated options
/// and stray arguments all throw UsageError with a one-line reason, as do bad values and
/// unknown names in a --config file (a missing one throws InputError). --help and
/// --version win over the rest.
Command parseArguments(const std::vector<std::string>& arguments);

/// --help: the options, their values, ranges and defaults, grouped.
std::string helpText();

/// True if `path` holds a printf-style integer conversion (%d, %5d, %05d).
bool isFramePattern(const std::string& path);
/// The path of frame `index`: the one conversion replaced by the index, "%%" by '%'.
/// Throws UsageError unless the pattern holds exactly one conversion and no other '%'.
std::string formatFramePattern(const std::string& pattern, int index);

/// Where --save-every writes the image of step `step` of the frame whose output is
/// `output`: the output's name with ".stepK" before its extension, in the same folder
/// (out/00001.png -> out/00001.step20.png).
std::string intermediatePath(const std::string& output, int step);

/// How many first indices a frame pattern is probed for without --start-index (0..4,
/// ffmpeg image2's start_number_range).
constexpr int kStartIndexProbes = 5;

enum class InputKind { Image, Folder, Sequence };

struct Frame {
  std::string content;
  std::string output;
  bool write = true;  ///< false for --overlap's frames before the slice
  int position = 0;   ///< in the folder's or the pattern's frames, from 0 (sequences)
  /// --overlap's hand-over (0: none): the share of the next slice's lead-in frame at this
  /// position in what is written, rising to 1 at the slice's last frame (see FramePlan).
  double handover = 0;
  /// --resume: the frame before this one in the slice, whose output is complete (not
  /// stylised again). This frame starts from that output as written, as it would have in
  /// an uninterrupted run. Empty: none (the frame before is stylised in this run, or lies
  /// before the slice).
  std::string previous_content;
  std::string previous_output;
};

struct FramePlan {
  InputKind kind = InputKind::Image;
  std::vector<Frame> frames;  ///< what to stylise, in order
  std::string output_folder;  ///< Folder mode: the folder to create before writing
  int skipped = 0;            ///< --resume: frames of the slice whose output is complete
  std::vector<Frame> incomplete;  ///< --check: frames of the slice without a complete output
  /// --overlap M with frames after the slice: the frames the next slice leads in from
  /// (up to M before its first), which this slice stylises too, without writing them, as
  /// that slice will (afresh from the first). The slice's last frames fade into them
  /// (Frame::handover), so that its last frame is the lead-in's last: the next slice's
  /// first frame continues from exactly what this one wrote.
  std::vector<Frame> handover;
};

/// True if `output` holds a complete stylised frame for `content`: it decodes, and has
/// the content image's size.
bool isCompleteOutput(const std::string& content, const std::string& output);

/// Decides what to process from --content/--output/--start-index:
///  - a folder: every image in it (by name), written under the same names into the
///    --output folder (created if needed);
///  - an existing file: that image, written to the --output file;
///  - a frame pattern: indices from --start-index (default: the first of 0..4 that
///    exists, as ffmpeg's image2 reader probes) up to the first missing file, written
///    to the --output pattern with the same index.
/// --start/--count keep a slice of a folder's or a pattern's frames (positions counted
/// from 0 at the first frame); --resume drops the frames whose output is complete
/// (isCompleteOutput), counts them in `skipped`, and names in each remaining frame that
/// follows a dropped one that frame (previous_content, previous_output); --overlap M
/// adds up to M frames, marked not to be written, before the slice's first frame when
/// that frame is stylised, and, when frames follow the slice, the next slice's lead-in
/// (`handover`) with the shares of the slice's last M frames; --check plans nothing to stylise and lists the slice's frames
/// without a complete output in `incomplete`. The options of a sequence (--init
/// previous|previous-warped, --temporal-weight, --steps-per-frame,
/// --scene-cut-threshold) are refused for one image.
/// Checks that the inputs exist and look like images, and that each output has an image
/// writer and a folder that exists (except the one Folder mode creates). Touches nothing.
/// Throws UsageError or InputError.
FramePlan planFrames(const Options& options);

/// Creates the Folder-mode output folder and checks that every output folder accepts a
/// new file (by creating and removing one: permission bits alone mislead as root).
/// Throws InputError.
void prepareOutputFolders(const FramePlan& plan);

}  // namespace neuralstyle::cli
