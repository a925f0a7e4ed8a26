// SPDX-License-Identifier: LGPL-2.1-or-later
#include "training_data.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>
#include <set>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/image.hpp"

namespace neuralstyle::detail {
namespace {

namespace fs = std::filesystem;

std::string lowerExtension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension;
}

bool isImage(const fs::path& path) {
  static const std::set<std::string> extensions{".jpg", ".jpeg", ".png", ".bmp", ".webp",
                                                ".tif", ".tiff", ".ppm", ".pgm"};
  return extensions.count(lowerExtension(path)) > 0;
}

bool isVideo(const fs::path& path) {
  static const std::set<std::string> extensions{".avi", ".mp4", ".mkv", ".webm", ".mov",
                                                ".m4v", ".mpg", ".mpeg", ".ogv"};
  return extensions.count(lowerExtension(path)) > 0;
}

std::vector<fs::path> findSources(const std::vector<std::string>& locations) {
  std::vector<fs::path> sources;
  for (const auto& location : locations) {
    std::error_code error;
    if (fs::is_directory(location, error)) {
      for (auto it = fs::recursive_directory_iterator(
               location, fs::directory_options::follow_directory_symlink, error);
           !error && it != fs::recursive_directory_iterator(); it.increment(error))
        if (it->is_regular_file() && (isImage(it->path()) || isVideo(it->path())))
          sources.push_back(it->path());
      if (error) throw ImageError("data folder '" + location + "': " + error.message());
    } else if (fs::is_regular_file(location, error)) {
      if (!isImage(location) && !isVideo(location))
        throw ImageError("data file '" + location + "' is neither an image nor a video (by its extension)");
      sources.push_back(location);
    } else {
      throw ImageError("data folder '" + location + "' does not exist");
    }
  }
  std::sort(sources.begin(), sources.end());
  sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
  return sources;
}

// FNV-1a of the file name: the split follows the files, not where they are or the seed.
uint64_t nameHash(const fs::path& path) {
  uint64_t hash = 1469598103934665603ull;
  for (const unsigned char c : path.filename().string()) hash = (hash ^ c) * 1099511628211ull;
  return hash;
}

// Keeps the shorter side at most `limit` (a crop never needs more) and at least `crop`.
cv::Mat boundedSize(const cv::Mat& rgb, int crop, int limit) {
  const int shorter = std::min(rgb.cols, rgb.rows);
  const double scale = shorter > limit ? double(limit) / shorter
                       : shorter < crop ? double(crop) / shorter
                                        : 1.0;
  if (scale == 1.0) return rgb;
  cv::Mat resized;
  cv::resize(rgb, resized,
             cv::Size(std::max(crop, int(std::lround(rgb.cols * scale))),
                      std::max(crop, int(std::lround(rgb.rows * scale)))),
             0, 0, scale < 1 ? cv::INTER_AREA : cv::INTER_CUBIC);
  return resized;
}

std::vector<cv::Mat> videoFrames(const fs::path& path, int frames_wanted) {
  cv::VideoCapture capture(path.string());
  if (!capture.isOpened()) throw ImageError("not a video OpenCV can decode");
  const double count = capture.get(cv::CAP_PROP_FRAME_COUNT);
  const int step = count > frames_wanted ? static_cast<int>(count / frames_wanted) : 1;
  std::vector<cv::Mat> frames;
  cv::Mat frame;
  for (int index = 0; frames.size() < static_cast<size_t>(frames_wanted) && capture.read(frame); ++index) {
    if (index % step != 0 || frame.empty()) continue;
    cv::Mat rgb;
    cv::cvtColor(frame, rgb, frame.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
    frames.push_back(rgb);
  }
  if (frames.empty()) throw ImageError("a video with no frame OpenCV decodes");
  return frames;
}

cv::Mat centreSquare(const cv::Mat& rgb, int side) {
  const int shorter = std::min(rgb.cols, rgb.rows);
  cv::Mat square = rgb(cv::Rect((rgb.cols - shorter) / 2, (rgb.rows - shorter) / 2, shorter, shorter));
  cv::Mat resized;
  cv::resize(square, resized, cv::Size(side, side), 0, 0, cv::INTER_AREA);
  return resized;
}

}  // namespace

TrainingData::TrainingData(const std::vector<std::string>& locations, double held_out, int crop_size)
    : crop_size_(crop_size) {
  if (locations.empty()) throw ImageError("no training data given (--data FOLDER)");
  auto sources = findSources(locations);
  std::vector<std::pair<fs::path, std::vector<cv::Mat>>> read;
  for (const auto& source : sources) {
    try {
      std::vector<cv::Mat> images;
      if (isVideo(source))
        images = videoFrames(source, kFramesPerVideo);
      else
        images.push_back(readRgbImage(source.string()));
      for (auto& image : images) image = boundedSize(image, crop_size, 2 * crop_size);
      read.emplace_back(source, std::move(images));
    } catch (const ImageError& e) {
      summary_.skipped.push_back(source.string() + ": " + e.what());
    }
  }
  std::string where;
  for (const auto& location : locations) where += (where.empty() ? "'" : ", '") + location + "'";
  if (read.empty())
    throw ImageError("no image or video that can be read in " + where +
                     (summary_.skipped.empty() ? std::string(" (images: .jpg .png .bmp .webp .tif; "
                                                             "videos: .avi .mp4 .mkv .webm .mov)")
                                               : "; the first that failed: " + summary_.skipped.front()));
  if (read.size() < 2)
    throw ImageError("training data in " + where + " holds one source; at least 2 are needed "
                     "(one is held out to judge the network)");
  std::stable_sort(read.begin(), read.end(),
                   [](const auto& a, const auto& b) { return nameHash(a.first) < nameHash(b.first); });
  const size_t held = std::clamp<size_t>(static_cast<size_t>(std::ceil(held_out * read.size())), 1,
                                         read.size() - 1);
  for (size_t i = 0; i < read.size(); ++i) {
    if (i < held) summary_.held_out_sources.push_back(read[i].first.string());
    for (auto& image : read[i].second) (i < held ? held_out_ : training_).push_back(std::move(image));
  }
  summary_.sources = static_cast<int>(read.size());
  summary_.training_images = static_cast<int>(training_.size());
  summary_.held_out_images = static_cast<int>(held_out_.size());
}

torch::Tensor TrainingData::batch(std::mt19937_64& random, int batch_size) const {
  std::vector<cv::Mat> crops;
  for (int i = 0, tries = 0; i < batch_size; ++i) {
    const cv::Mat& image = training_[std::uniform_int_distribution<size_t>(0, training_.size() - 1)(random)];
    const int shorter = std::min(image.cols, image.rows);
    const int side = std::uniform_int_distribution<int>(std::min(crop_size_, shorter), shorter)(random);
    const int x = std::uniform_int_distribution<int>(0, image.cols - side)(random);
    const int y = std::uniform_int_distribution<int>(0, image.rows - side)(random);
    cv::Mat crop;
    cv::resize(image(cv::Rect(x, y, side, side)), crop, cv::Size(crop_size_, crop_size_), 0, 0,
               side > crop_size_ ? cv::INTER_AREA : cv::INTER_LINEAR);
    if (std::uniform_int_distribution<int>(0, 1)(random)) cv::flip(crop, crop, 1);
    // A flat crop (sky, a plain wallpaper) teaches nothing and makes the instance norms'
    // gradients explode (trainer.cpp): draw another, a few times at most.
    cv::Scalar mean, deviation;
    cv::meanStdDev(crop, mean, deviation);
    if (std::max({deviation[0], deviation[1], deviation[2]}) < kMinimumDeviation && ++tries < 8) {
      --i;
      continue;
    }
    tries = 0;
    crops.push_back(crop);
  }
  return imagesToTensor(crops);
}

torch::Tensor TrainingData::heldOutCrops() const {
  std::vector<cv::Mat> crops;
  for (const auto& image : held_out_) crops.push_back(centreSquare(image, crop_size_));
  return imagesToTensor(crops);
}

torch::Tensor imagesToTensor(const std::vector<cv::Mat>& rgb8) {
  std::vector<torch::Tensor> tensors;
  for (const auto& image : rgb8) {
    const cv::Mat continuous = image.isContinuous() ? image : image.clone();
    tensors.push_back(torch::from_blob(continuous.data, {continuous.rows, continuous.cols, 3}, torch::kUInt8)
                          .permute({2, 0, 1})
                          .to(torch::kFloat32));
  }
  return torch::stack(tensors);
}

}  // namespace neuralstyle::detail
