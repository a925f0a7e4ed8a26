// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_write_image.hpp"

#include <unistd.h>

#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "cli_options.hpp"

namespace neuralstyle::cli {

void writeImage(const std::string& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  const std::filesystem::path final_path(path);
  const std::filesystem::path temporary =
      final_path.parent_path() / (".partial-" + std::to_string(::getpid()) + "-" +
                                  final_path.filename().string());
  bool written = false;
  try {
    written = cv::imwrite(temporary.string(), bgr);
  } catch (const cv::Exception& e) {
    std::filesystem::remove(temporary);
    throw InputError("cannot write '" + path + "': " + e.err);
  }
  std::error_code error;
  if (written) std::filesystem::rename(temporary, final_path, error);
  if (!written || error) {
    std::filesystem::remove(temporary, error);
    throw InputError("cannot write '" + path + "'");
  }
}

}  // namespace neuralstyle::cli
