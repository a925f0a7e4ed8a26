// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/color.hpp"

#include <opencv2/imgproc.hpp>
#include <vector>

#include "neuralstyle/errors.hpp"
#include "parse_name.hpp"

namespace neuralstyle {
namespace {

/// The 256-entry lookup table that maps `source`'s histogram onto `reference`'s: each
/// level goes to the reference level whose cumulative share first reaches its own.
cv::Mat histogramMapping(const cv::Mat& source, const cv::Mat& reference) {
  const auto cumulative = [](const cv::Mat& channel) {
    std::vector<double> counts(256, 0.0);
    for (int y = 0; y < channel.rows; ++y) {
      const uchar* row = channel.ptr<uchar>(y);
      for (int x = 0; x < channel.cols; ++x) counts[row[x]] += 1.0;
    }
    const double total = static_cast<double>(channel.total());
    double running = 0;
    for (double& count : counts) {
      running += count;
      count = running / total;
    }
    return counts;
  };
  const auto from = cumulative(source), to = cumulative(reference);
  cv::Mat table(1, 256, CV_8U);
  int level = 0;
  for (int i = 0; i < 256; ++i) {
    while (level < 255 && to[static_cast<size_t>(level)] < from[static_cast<size_t>(i)]) ++level;
    table.at<uchar>(i) = static_cast<uchar>(level);
  }
  return table;
}

void requireRgb(const cv::Mat& image, const char* what) {
  if (image.empty() || image.type() != CV_8UC3)
    throw ImageError(std::string(what) + " must be a non-empty 8-bit three-channel image");
}

}  // namespace

std::string toString(ColorMatch match) {
  switch (match) {
    case ColorMatch::Histogram: return "histogram";
    case ColorMatch::MeanStd: return "mean-std";
    case ColorMatch::None: break;
  }
  return "none";
}

ColorMatch parseColorMatch(const std::string& name) {
  return detail::parseName(name, {ColorMatch::None, ColorMatch::Histogram, ColorMatch::MeanStd},
                           "colour match");
}

cv::Mat matchColors(const cv::Mat& style, const cv::Mat& content, ColorMatch match) {
  requireRgb(style, "the style image");
  requireRgb(content, "the content image");
  switch (match) {
    case ColorMatch::None: return style.clone();
    case ColorMatch::Histogram: {
      std::vector<cv::Mat> style_channels, content_channels;
      cv::split(style, style_channels);
      cv::split(content, content_channels);
      for (size_t c = 0; c < 3; ++c)
        cv::LUT(style_channels[c], histogramMapping(style_channels[c], content_channels[c]),
                style_channels[c]);
      cv::Mat matched;
      cv::merge(style_channels, matched);
      return matched;
    }
    case ColorMatch::MeanStd: {
      // In L*a*b* (float, so nothing is clipped on the way): lightness and the two
      // colour axes are roughly independent there, unlike R, G and B.
      cv::Mat style_lab, content_lab;
      style.convertTo(style_lab, CV_32F, 1.0 / 255);
      content.convertTo(content_lab, CV_32F, 1.0 / 255);
      cv::cvtColor(style_lab, style_lab, cv::COLOR_RGB2Lab);
      cv::cvtColor(content_lab, content_lab, cv::COLOR_RGB2Lab);
      cv::Scalar style_mean, style_std, content_mean, content_std;
      cv::meanStdDev(style_lab, style_mean, style_std);
      cv::meanStdDev(content_lab, content_mean, content_std);
      std::vector<cv::Mat> channels;
      cv::split(style_lab, channels);
      for (int c = 0; c < 3; ++c) {
        // A flat style channel has no spread to scale: it only moves to the content's mean.
        const double scale = style_std[c] > 1e-6 ? content_std[c] / style_std[c] : 1.0;
        channels[static_cast<size_t>(c)].convertTo(channels[static_cast<size_t>(c)], CV_32F, scale,
                                                   content_mean[c] - scale * style_mean[c]);
      }
      cv::merge(channels, style_lab);
      cv::cvtColor(style_lab, style_lab, cv::COLOR_Lab2RGB);
      cv::Mat matched;
      style_lab.convertTo(matched, CV_8U, 255.0);  // saturating
      return matched;
    }
  }
  return style.clone();
}

cv::Mat keepContentColors(const cv::Mat& stylised, const cv::Mat& content) {
  requireRgb(stylised, "the stylised image");
  requireRgb(content, "the content image");
  if (stylised.size() != content.size())
    throw ImageError("keeping the content's colours needs images of the same size");
  // In float YCrCb ([0,1], chroma centred on 0.5), so nothing is rounded or clipped on the way.
  cv::Mat stylised_ycrcb, content_ycrcb;
  stylised.convertTo(stylised_ycrcb, CV_32F, 1.0 / 255);
  content.convertTo(content_ycrcb, CV_32F, 1.0 / 255);
  cv::cvtColor(stylised_ycrcb, stylised_ycrcb, cv::COLOR_RGB2YCrCb);
  cv::cvtColor(content_ycrcb, content_ycrcb, cv::COLOR_RGB2YCrCb);
  std::vector<cv::Mat> stylised_channels, content_channels;
  cv::split(stylised_ycrcb, stylised_channels);
  cv::split(content_ycrcb, content_channels);
  // A light from the style under a strong content colour can fall outside RGB (a dark
  // luminance with a saturated red needs a negative green), and clipping it back would
  // change the colour. So the luminance is held to the range in which the content's
  // chroma is representable: R = Y + 1.403 Cr', G = Y - 0.714 Cr' - 0.344 Cb',
  // B = Y + 1.773 Cb' (OpenCV's inverse, Cr' = Cr - 0.5) must all lie in [0, 1]. The
  // content's own luminance lies in that range, so it is never empty.
  const cv::Mat cr = content_channels[1] - 0.5, cb = content_channels[2] - 0.5;
  // What each of R, G, B adds to the luminance: the luminance lies in [-min, 1 - max].
  const cv::Mat red = 1.403 * cr, green = -0.714 * cr - 0.344 * cb, blue = 1.773 * cb;
  cv::Mat largest, smallest, luminance;
  cv::max(red, green, largest);
  cv::max(largest, blue, largest);
  cv::min(red, green, smallest);
  cv::min(smallest, blue, smallest);
  cv::max(stylised_channels[0], -smallest, luminance);
  cv::min(luminance, 1.0 - largest, luminance);
  cv::Mat merged, rgb;
  cv::merge(std::vector<cv::Mat>{luminance, content_channels[1], content_channels[2]}, merged);
  cv::cvtColor(merged, merged, cv::COLOR_YCrCb2RGB);
  merged.convertTo(rgb, CV_8U, 255.0);
  return rgb;
}

}  // namespace neuralstyle
