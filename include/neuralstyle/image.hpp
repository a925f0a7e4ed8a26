// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Caller images (cv::Mat, 8-bit, in a stated channel order): conversion to and from RGB,
// resizing and reading, through OpenCV. Torch-free; the conversion to the network's
// input tensors is in image_tensor.hpp.
#include <opencv2/core.hpp>
#include <string>

#include "neuralstyle/frame_plan.hpp"

namespace neuralstyle {

/// Byte order of one pixel in a caller's 8-bit image. Four-channel formats keep their
/// fourth byte (alpha or padding) untouched through stylisation.
enum class PixelFormat { Gray, RGB, BGR, RGBA, BGRA, ARGB, ABGR };

/// Number of channels a cv::Mat in this format must have.
int channelCount(PixelFormat format);
/// "RGB", "BGRA", ... for messages.
std::string toString(PixelFormat format);

/// Checks type and channel count; converts to 8-bit RGB (CV_8UC3). Throws ImageError.
cv::Mat toRgb(const cv::Mat& image, PixelFormat format);

/// RGB 8-bit image -> caller's format. For four-channel formats the fourth byte of
/// `original` (same size) is carried over; otherwise it is set to 255.
cv::Mat fromRgb(const cv::Mat& rgb, PixelFormat format, const cv::Mat& original = {});

/// Resizes with area averaging when shrinking and bicubic when enlarging.
cv::Mat resizeTo(const cv::Mat& image, cv::Size size);

/// Reads an image file as RGB. Throws ImageError naming the file when it is missing, a
/// folder, empty, not an image OpenCV reads, or damaged: a truncated or corrupt JPEG
/// (which OpenCV alone would return with its missing part grey), a PNG with a bad CRC or
/// truncated image data.
cv::Mat readRgbImage(const std::string& path);

}  // namespace neuralstyle
