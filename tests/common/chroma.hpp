// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The chroma of an image, for the tests of preserved colours (neural-style's
// -original_colors keeps the content's Cr and Cb).
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

namespace neuralstyle::test {

/// The Cr and Cb planes of an 8-bit RGB image, as a two-channel image (OpenCV's YCrCb).
inline cv::Mat chroma(const cv::Mat& rgb) {
  cv::Mat ycrcb;
  cv::cvtColor(rgb, ycrcb, cv::COLOR_RGB2YCrCb);
  std::vector<cv::Mat> planes;
  cv::split(ycrcb, planes);
  cv::Mat crcb;
  cv::merge(std::vector<cv::Mat>{planes[1], planes[2]}, crcb);
  return crcb;
}

}  // namespace neuralstyle::test
