// SPDX-License-Identifier: LGPL-2.1-or-later
// Stylises a tiny synthetic frame with the installed library and prints its losses.
#include <iostream>
#include <neuralstyle/neuralstyle.hpp>

int main() {
  neuralstyle::EngineOptions engine;
  engine.weights = "random:1";
  engine.device = neuralstyle::DeviceKind::CPU;
  neuralstyle::StyleOptions options;
  options.steps = 1;
  options.max_size = 32;
  neuralstyle::Stylizer stylizer(engine, options);
  stylizer.setStyle(cv::Mat(32, 32, CV_8UC3, cv::Scalar(10, 200, 30)), neuralstyle::PixelFormat::RGB);
  const auto result = stylizer.stylize(cv::Mat(24, 32, CV_8UC3, cv::Scalar(90, 90, 90)),
                                       neuralstyle::PixelFormat::RGB);
  std::cout << "consumer: " << result.image.cols << "x" << result.image.rows
            << " total loss " << result.final_losses.total << "\n";
  return result.image.size() == cv::Size(32, 24) ? 0 : 1;
}
