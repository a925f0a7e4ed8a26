// SPDX-License-Identifier: LGPL-2.1-or-later
// What the tests of the scripts in pipelines/ share: running a command line, quoting,
// the scripts' paths, small pictures and comparisons.
#pragma once

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

namespace neuralstyle::element_test {

namespace fs = std::filesystem;

struct CommandResult {
  int status = -1;  ///< exit status, -1 if it did not exit normally
  std::string output;  ///< stdout and stderr together
};

/// Runs a shell command line with the test's environment.
inline CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char chunk[4096];
  while (size_t n = fread(chunk, 1, sizeof chunk, pipe)) result.output.append(chunk, n);
  const int status = pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string shellQuoted(const std::string& text) { return "'" + text + "'"; }
/// A value in a gst-launch description (gst_parse_launch knows double quotes only).
inline std::string gstQuoted(const std::string& text) { return "\"" + text + "\""; }

inline std::string script(const std::string& name) {
  return shellQuoted(std::string(NEURALSTYLE_PIPELINES_DIR) + "/" + name);
}

/// A content picture (BGR): a warm gradient with a dark disc, so stylisation shows.
inline cv::Mat contentPicture(cv::Size size) {
  cv::Mat image(size, CV_8UC3);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>(60 + 2 * y), static_cast<uchar>(100 + x),
                                            static_cast<uchar>(230 - x));
  cv::circle(image, {size.width / 2, size.height / 2}, std::min(size.width, size.height) / 3,
             cv::Scalar(30, 20, 60), cv::FILLED);
  return image;
}

inline double meanDifference(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat difference;
  cv::absdiff(a, b, difference);
  const cv::Scalar mean = cv::mean(difference);
  return (mean[0] + mean[1] + mean[2]) / 3.0;
}

inline std::vector<fs::path> filesIn(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace neuralstyle::element_test
