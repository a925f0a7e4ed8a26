// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_options.hpp"

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <cmath>
#include <fcntl.h>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <set>
#include <unistd.h>

namespace neuralstyle::cli {
namespace {

namespace fs = std::filesystem;

std::string quoted(const std::string& text) { return "'" + text + "'"; }

// A frame pattern split at its one conversion.
struct PatternParts {
  std::string prefix;
  std::string suffix;
  int width = 0;
  bool zero_pad = false;
  int conversions = 0;
  bool stray_percent = false;
};

PatternParts splitPattern(const std::string& pattern) {
  PatternParts parts;
  std::string* text = &parts.prefix;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      *text += pattern[i];
      continue;
    }
    if (i + 1 < pattern.size() && pattern[i + 1] == '%') {
      *text += '%';
      ++i;
      continue;
    }
    size_t j = i + 1;
    const bool zero = j < pattern.size() && pattern[j] == '0';
    while (j < pattern.size() && std::isdigit(static_cast<unsigned char>(pattern[j]))) ++j;
    if (j < pattern.size() && pattern[j] == 'd' && j - i <= 4) {  // width up to 3 digits
      ++parts.conversions;
      parts.zero_pad = zero;
      parts.width = j > i + 1 ? std::stoi(pattern.substr(i + 1, j - i - 1)) : 0;
      text = &parts.suffix;
      i = j;
    } else {
      parts.stray_percent = true;
      *text += '%';
    }
  }
  return parts;
}

bool isImageExtension(const fs::path& path) {
  static const std::set<std::string> extensions = {".png", ".jpg", ".jpeg", ".jpe", ".bmp",
                                                   ".dib", ".tif", ".tiff", ".webp", ".ppm",
                                                   ".pgm", ".pbm", ".pnm", ".jp2", ".exr",
                                                   ".hdr", ".pic", ".sr", ".ras"};
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extensions.count(extension) > 0;
}

void requireReadableImage(const std::string& what, const std::string& path) {
  std::error_code error;
  if (!fs::exists(path, error)) throw InputError(what + " " + quoted(path) + " does not exist");
  if (!fs::is_regular_file(path, error))
    throw InputError(what + " " + quoted(path) + " is not a file");
  if (!cv::haveImageReader(path))
    throw InputError(what + " " + quoted(path) + " is unreadable or not an image");
}

void requireWriter(const std::string& path) {
  bool writable = false;
  try {
    writable = cv::haveImageWriter(path);
  } catch (const cv::Exception&) {
  }
  if (!writable)
    throw UsageError("--output: no image writer for " + quoted(path) +
                     " (use an image extension such as .png or .jpg)");
}

fs::path folderOf(const std::string& file) {
  const fs::path parent = fs::path(file).parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

void requireFolder(const std::string& what, const fs::path& folder) {
  std::error_code error;
  if (!fs::exists(folder, error))
    throw InputError(what + " folder " + quoted(folder.string()) + " does not exist");
  if (!fs::is_directory(folder, error))
    throw InputError(what + " folder " + quoted(folder.string()) + " is not a folder");
}

void refuseOverwrite(const std::string& content, const std::string& output) {
  std::error_code error;
  if (fs::exists(output, error) && fs::equivalent(content, output, error))
    throw UsageError("--output " + quoted(output) + " would overwrite the content " +
                     quoted(content));
}

void probeWritable(const fs::path& folder) {
  const fs::path probe = folder / (".neuralstyle-write-test-" + std::to_string(::getpid()));
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    throw InputError("output folder " + quoted(folder.string()) + " is not writable");
  ::close(fd);
  ::unlink(probe.c_str());
}

// The first option given that only a folder or a frame pattern can use; empty if none.
std::string sequenceOnlyOption(const Options& options) {
  if (options.slice_start) return "--start";
  if (options.slice_count) return "--count";
  if (options.overlap > 0) return "--overlap";
  if (options.resume) return "--resume";
  if (options.check) return "--check";
  if (options.gave("init") && options.core.video.start != neuralstyle::FrameStart::Independent)
    return "--init " + neuralstyle::toString(options.core.video.start);
  // The optimisation's video options, as the schema groups them, and the feed-forward
  // net's one that needs a previous frame.
  for (const neuralstyle::OptionSpec& spec : neuralstyle::optimisationOptions())
    if (spec.group == "video" && options.gave(spec.name)) return "--" + spec.name;
  if (options.gave("temporal-blend")) return "--temporal-blend";
  return "";
}

// --start/--count/--overlap/--resume/--check on the planned frames (see planFrames).
void selectSlice(const Options& options, FramePlan& plan) {
  if (plan.kind == InputKind::Image) {
    const std::string option = sequenceOnlyOption(options);
    if (!option.empty())
      throw UsageError(option + " applies only to a folder or a frame pattern (one image has no "
                       "other frames)");
    return;
  }
  if (options.resume && options.check) throw UsageError("--resume and --check exclude each other");
  const int total = static_cast<int>(plan.frames.size());
  const int start = options.slice_start.value_or(0);
  if (start >= total)
    throw InputError("--start " + std::to_string(start) + " is past the last frame (the input has " +
                     std::to_string(total) + " frame" + (total == 1 ? "" : "s") + ", positions 0 to " +
                     std::to_string(total - 1) + ")");
  const int end = options.slice_count ? std::min(total, start + std::min(*options.slice_count, total))
                                      : total;
  std::vector<Frame> selected;
  bool previous_complete = false;  // the frame before i, in the slice, is skipped as complete
  for (int i = 0; i < total; ++i) plan.frames[static_cast<size_t>(i)].position = i;
  // The next slice (from `end`) leads in from handover_first; this slice's frames from
  // there on fade into that lead-in, the last one wholly.
  const int handover_first = options.overlap > 0 && end < total ? std::max(0, end - options.overlap) : end;
  for (int j = handover_first; j < end; ++j) {
    Frame lead = plan.frames[static_cast<size_t>(j)];
    lead.write = false;
    plan.handover.push_back(lead);
  }
  for (int i = start; i < end; ++i) {
    Frame frame = plan.frames[static_cast<size_t>(i)];
    if (i >= handover_first) frame.handover = double(i - handover_first + 1) / (end - handover_first);
    if ((options.resume || options.check) && isCompleteOutput(frame.content, frame.output)) {
      ++plan.skipped;
      previous_complete = true;
      continue;
    }
    if (options.check) {
      plan.incomplete.push_back(frame);
      continue;
    }
    if (previous_complete) {
      // Resumed: the frame starts from the written frame before it, as it did (or would
      // have) in the run that wrote that one, so no overlap is needed.
      const Frame& before = plan.frames[static_cast<size_t>(i - 1)];
      frame.previous_content = before.content;
      frame.previous_output = before.output;
    } else if (i == start) {
      // The overlap leads into the slice: its first frame continues from them.
      for (int j = std::max(0, i - options.overlap); j < i; ++j) {
        Frame lead = plan.frames[static_cast<size_t>(j)];
        lead.write = false;
        selected.push_back(lead);
      }
    }
    previous_complete = false;
    selected.push_back(frame);
  }
  plan.frames = std::move(selected);
}

}  // namespace

bool isCompleteOutput(const std::string& content, const std::string& output) {
  std::error_code error;
  if (!fs::is_regular_file(output, error)) return false;
  try {
    const cv::Mat image = cv::imread(output, cv::IMREAD_UNCHANGED);
    if (image.empty()) return false;
    const cv::Mat source = cv::imread(content, cv::IMREAD_UNCHANGED);
    return !source.empty() && image.size() == source.size();
  } catch (const cv::Exception&) {
    return false;
  }
}

std::string intermediatePath(const std::string& output, int step) {
  fs::path path(output);
  path.replace_filename(path.stem().string() + ".step" + std::to_string(step) +
                        path.extension().string());
  return path.string();
}

bool isFramePattern(const std::string& path) { return splitPattern(path).conversions > 0; }

std::string formatFramePattern(const std::string& pattern, int index) {
  const PatternParts parts = splitPattern(pattern);
  if (parts.conversions != 1 || parts.stray_percent)
    throw UsageError("frame pattern " + quoted(pattern) +
                     " must hold exactly one %d, %5d or %05d (and %% for a literal %)");
  std::string number = std::to_string(index);
  if (static_cast<int>(number.size()) < parts.width)
    number.insert(0, static_cast<size_t>(parts.width) - number.size(), parts.zero_pad ? '0' : ' ');
  return parts.prefix + number + parts.suffix;
}

FramePlan planFrames(const Options& options) {
  FramePlan plan;
  std::error_code error;
  const std::string& content = options.content;
  const std::string& output = options.output;
  for (const auto& style : options.styles) requireReadableImage("style image", style);
  if (options.init_image) requireReadableImage("init image", *options.init_image);

  if (fs::is_directory(content, error)) {
    plan.kind = InputKind::Folder;
    if (isFramePattern(output))
      throw UsageError("--output must be a folder when --content is a folder, not a pattern");
    if (fs::exists(output, error) && !fs::is_directory(output, error))
      throw UsageError("--output " + quoted(output) + " must be a folder when --content is a folder");
    if (fs::exists(output, error) && fs::equivalent(content, output, error))
      throw UsageError("--output " + quoted(output) + " is the content folder: it would overwrite the inputs");
    std::vector<fs::path> images;
    for (const auto& entry : fs::directory_iterator(content, error))
      if (entry.is_regular_file(error) && isImageExtension(entry.path())) images.push_back(entry.path());
    if (error) throw InputError("cannot list folder " + quoted(content) + ": " + error.message());
    if (images.empty()) throw InputError("no images in folder " + quoted(content));
    std::sort(images.begin(), images.end());
    for (const auto& image : images)
      plan.frames.push_back({image.string(), (fs::path(output) / image.filename()).string()});
    plan.output_folder = output;
  } else if (fs::exists(content, error)) {
    plan.kind = InputKind::Image;
    if (isFramePattern(output))
      throw UsageError("--output is a frame pattern but --content is one image");
    if (fs::is_directory(output, error))
      throw UsageError("--output " + quoted(output) + " is a folder; give the output image's file name");
    refuseOverwrite(content, output);
    plan.frames.push_back({content, output});
  } else if (isFramePattern(content)) {
    plan.kind = InputKind::Sequence;
    if (!isFramePattern(output))
      throw UsageError("--output must be a frame pattern such as out/%05d.png when --content is one");
    formatFramePattern(output, 0);  // validates it before any work
    // As ffmpeg's image2 reader: without --start-index the first frame is the first of
    // the indices 0..4 that exists (ffmpeg writes from 1, other tools from 0).
    int start = options.start_index.value_or(0);
    if (!options.start_index) {
      for (int index = 0; index < kStartIndexProbes; ++index)
        if (fs::is_regular_file(formatFramePattern(content, index), error)) {
          start = index;
          break;
        }
    }
    for (int index = start;; ++index) {
      const std::string frame = formatFramePattern(content, index);
      if (!fs::is_regular_file(frame, error)) break;
      plan.frames.push_back({frame, formatFramePattern(output, index)});
      refuseOverwrite(plan.frames.back().content, plan.frames.back().output);
      if (index == INT_MAX) break;
    }
    if (plan.frames.empty())
      throw InputError(
          "no frame matches " + quoted(content) + " (looked for " +
          (options.start_index ? quoted(formatFramePattern(content, start))
                               : quoted(formatFramePattern(content, 0)) + " to " +
                                     quoted(formatFramePattern(content, kStartIndexProbes - 1)) +
                                     "; --start-index N for a later first frame") +
          ")");
  } else {
    throw InputError("content image " + quoted(content) + " does not exist");
  }

  if (options.start_index && plan.kind != InputKind::Sequence)
    throw UsageError("--start-index applies only to a frame pattern such as in/%05d.png");
  selectSlice(options, plan);
  for (const auto& frame : plan.frames) {
    requireReadableImage("content image", frame.content);
    requireWriter(frame.output);
    if (plan.kind != InputKind::Folder) requireFolder("output", folderOf(frame.output));
  }
  if (!options.loss_log.empty()) requireFolder("--loss-log", folderOf(options.loss_log));
  return plan;
}

void prepareOutputFolders(const FramePlan& plan) {
  std::set<fs::path> folders;
  if (plan.kind == InputKind::Folder) {
    std::error_code error;
    fs::create_directories(plan.output_folder, error);
    if (error)
      throw InputError("cannot create output folder " + quoted(plan.output_folder) + ": " +
                       error.message());
    folders.insert(plan.output_folder);
  } else {
    for (const auto& frame : plan.frames) folders.insert(folderOf(frame.output));
  }
  for (const auto& folder : folders) probeWritable(folder);
}

std::string formatDuration(double seconds) {
  const long total = std::lround(std::max(0.0, seconds));
  char text[32];
  if (total >= 3600)
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
  else
    std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
  return text;
}

}  // namespace neuralstyle::cli
