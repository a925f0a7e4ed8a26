// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Colour controls around the optimisation, on 8-bit RGB images with OpenCV: keeping the
// content's colours in the result (neural-style's -original_colors), and matching the
// style image's colours to the content's before its Gram targets are taken.
#include <opencv2/core.hpp>
#include <string>

namespace neuralstyle {

/// How the style image's colours are matched to the content's before optimising.
enum class ColorMatch {
  None,       ///< the style as it is (the reference notebook)
  Histogram,  ///< each RGB channel's histogram mapped onto the content's (CDF matching)
  MeanStd,    ///< each channel of CIE L*a*b* shifted and scaled to the content's mean and spread
};
/// "none", "histogram", "mean-std".
std::string toString(ColorMatch match);
/// Inverse of toString; throws OptionsError naming the accepted values.
ColorMatch parseColorMatch(const std::string& name);

/// `style` (8-bit RGB) with its colours matched to `content`'s (8-bit RGB, any size).
cv::Mat matchColors(const cv::Mat& style, const cv::Mat& content, ColorMatch match);

/// The luminance (Y of YCrCb) of `stylised` with the chroma (Cr, Cb) of `content`: the
/// result keeps the content's colours and takes only light and shade from the style.
/// Both 8-bit RGB of the same size.
cv::Mat keepContentColors(const cv::Mat& stylised, const cv::Mat& content);

}  // namespace neuralstyle
