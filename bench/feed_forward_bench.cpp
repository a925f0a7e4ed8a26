// SPDX-License-Identifier: LGPL-2.1-or-later
// Milliseconds a frame of the core's FeedForwardStylizer, as the element and the CLI run
// it (8-bit RGB in, 8-bit RGB out): the numbers bench/feed_forward_bench.py tabulates.
//
//   neuralstyle_ff_bench --model FILE --image FILE --width W --height H
//       [--engine auto|opencv|libtorch] [--frames N] [--warmup N] [--threads N]
//       (JSON on stdout: every frame's milliseconds, the median, the engine in words)
#include <algorithm>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "neuralstyle/feed_forward.hpp"

using namespace neuralstyle;

int main(int argc, char** argv) try {
  FeedForwardOptions options;
  std::string image_path;
  int width = 0, height = 0, frames = 10, warmup = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(key + " needs a value");
    const std::string value = argv[++i];
    if (key == "--model") options.model = value;
    else if (key == "--image") image_path = value;
    else if (key == "--width") width = std::stoi(value);
    else if (key == "--height") height = std::stoi(value);
    else if (key == "--engine") options.engine = parseFeedForwardEngine(value);
    else if (key == "--frames") frames = std::stoi(value);
    else if (key == "--warmup") warmup = std::stoi(value);
    else if (key == "--threads") options.threads = std::stoi(value);
    else throw std::invalid_argument("unknown argument " + key);
  }
  if (options.model.empty() || image_path.empty() || width <= 0 || height <= 0 || frames <= 0)
    throw std::invalid_argument("--model, --image, --width and --height are required");
  cv::Mat bgr = cv::imread(image_path, cv::IMREAD_COLOR);
  if (bgr.empty()) throw std::invalid_argument("cannot read " + image_path);
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  cv::resize(rgb, rgb, cv::Size(width, height), 0, 0, cv::INTER_AREA);

  FeedForwardStylizer stylizer(options);
  for (int i = 0; i < warmup; ++i) stylizer.stylize(rgb);
  std::vector<double> milliseconds;
  for (int i = 0; i < frames; ++i) {
    const auto began = std::chrono::steady_clock::now();
    const cv::Mat out = stylizer.stylize(rgb);
    milliseconds.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - began).count());
    if (out.size() != rgb.size()) throw std::runtime_error("the output lost the frame's size");
  }
  std::vector<double> sorted = milliseconds;
  std::sort(sorted.begin(), sorted.end());
  nlohmann::json result{{"engine", toString(stylizer.engine())},
                        {"describe", stylizer.describe()},
                        {"milliseconds", milliseconds},
                        {"median_ms", sorted[sorted.size() / 2]},
                        {"min_ms", sorted.front()}};
  std::cout << result.dump() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "neuralstyle_ff_bench: " << e.what() << "\n";
  return 1;
}
