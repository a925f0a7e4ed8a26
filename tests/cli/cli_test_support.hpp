// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Helpers shared by the CLI tests: a private temporary folder and tiny test images.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

namespace neuralstyle::cli::test {

/// A fresh folder under the system's temporary folder, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "neuralstyle-cli-XXXXXX").string();
    if (!::mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// A path inside the folder (nothing is created).
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Writes a seeded noise image of width x height (3 channels, 8-bit) and returns it.
inline cv::Mat writeNoiseImage(const std::string& path, int width, int height, int seed) {
  cv::Mat image(height, width, CV_8UC3);
  cv::RNG rng(static_cast<uint64_t>(seed) + 1);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  if (!cv::imwrite(path, image)) throw std::runtime_error("cannot write " + path);
  return image;
}

inline void writeText(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

inline std::string readText(const std::string& path) {
  std::ifstream file(path);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

}  // namespace neuralstyle::cli::test
