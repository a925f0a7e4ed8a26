// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/image_tensor.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "image_file_check.hpp"
#include "neuralstyle/errors.hpp"

namespace fs = std::filesystem;

namespace neuralstyle {
namespace {

std::string describe(const cv::Mat& image) {
  return std::to_string(image.cols) + "x" + std::to_string(image.rows);
}

// Position of the colour bytes (R, G, B) and of the fourth byte inside a 4-byte pixel.
struct FourByteLayout {
  int r, g, b, extra;
};

FourByteLayout layoutOf(PixelFormat format) {
  switch (format) {
    case PixelFormat::RGBA: return {0, 1, 2, 3};
    case PixelFormat::BGRA: return {2, 1, 0, 3};
    case PixelFormat::ARGB: return {1, 2, 3, 0};
    case PixelFormat::ABGR: return {3, 2, 1, 0};
    default: throw ImageError("internal: " + toString(format) + " is not a 4-byte format");
  }
}

}  // namespace

int channelCount(PixelFormat format) {
  switch (format) {
    case PixelFormat::Gray: return 1;
    case PixelFormat::RGB:
    case PixelFormat::BGR: return 3;
    default: return 4;
  }
}

std::string toString(PixelFormat format) {
  switch (format) {
    case PixelFormat::Gray: return "GRAY";
    case PixelFormat::RGB: return "RGB";
    case PixelFormat::BGR: return "BGR";
    case PixelFormat::RGBA: return "RGBA";
    case PixelFormat::BGRA: return "BGRA";
    case PixelFormat::ARGB: return "ARGB";
    case PixelFormat::ABGR: return "ABGR";
  }
  return "?";
}

cv::Mat toRgb(const cv::Mat& image, PixelFormat format) {
  if (image.empty()) throw ImageError("the image is empty");
  if (image.depth() != CV_8U)
    throw ImageError("only 8-bit images are supported (got depth " +
                     std::to_string(image.depth()) + ")");
  if (image.channels() != channelCount(format))
    throw ImageError("a " + toString(format) + " image needs " +
                     std::to_string(channelCount(format)) + " channels, this " +
                     describe(image) + " image has " + std::to_string(image.channels()));
  cv::Mat rgb;
  switch (format) {
    case PixelFormat::Gray: cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB); break;
    case PixelFormat::RGB: rgb = image.clone(); break;
    case PixelFormat::BGR: cv::cvtColor(image, rgb, cv::COLOR_BGR2RGB); break;
    case PixelFormat::RGBA: cv::cvtColor(image, rgb, cv::COLOR_RGBA2RGB); break;
    case PixelFormat::BGRA: cv::cvtColor(image, rgb, cv::COLOR_BGRA2RGB); break;
    case PixelFormat::ARGB:
    case PixelFormat::ABGR: {
      // cvtColor has no code for alpha-first layouts: pick the bytes explicitly.
      const auto layout = layoutOf(format);
      rgb.create(image.size(), CV_8UC3);
      const int from_to[] = {layout.r, 0, layout.g, 1, layout.b, 2};
      cv::mixChannels(&image, 1, &rgb, 1, from_to, 3);
      break;
    }
  }
  return rgb;
}

cv::Mat fromRgb(const cv::Mat& rgb, PixelFormat format, const cv::Mat& original) {
  CV_Assert(rgb.type() == CV_8UC3);
  cv::Mat out;
  switch (format) {
    case PixelFormat::Gray: cv::cvtColor(rgb, out, cv::COLOR_RGB2GRAY); return out;
    case PixelFormat::RGB: return rgb.clone();
    case PixelFormat::BGR: cv::cvtColor(rgb, out, cv::COLOR_RGB2BGR); return out;
    default: break;
  }
  const auto layout = layoutOf(format);
  out.create(rgb.size(), CV_8UC4);
  const int from_to[] = {0, layout.r, 1, layout.g, 2, layout.b};
  cv::mixChannels(&rgb, 1, &out, 1, from_to, 3);
  const bool keep_extra = !original.empty() && original.size() == rgb.size() &&
                          original.type() == CV_8UC4;
  if (keep_extra) {
    const int extra[] = {layout.extra, layout.extra};
    cv::mixChannels(&original, 1, &out, 1, extra, 1);
  } else {
    cv::Mat opaque(rgb.size(), CV_8UC1, cv::Scalar(255));
    const int extra[] = {0, layout.extra};
    cv::mixChannels(&opaque, 1, &out, 1, extra, 1);
  }
  return out;
}

cv::Mat resizeTo(const cv::Mat& image, cv::Size size) {
  if (image.size() == size) return image;
  cv::Mat out;
  const bool shrinking = size.area() < image.size().area();
  cv::resize(image, out, size, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_CUBIC);
  return out;
}

torch::Tensor rgbToTensor(const cv::Mat& rgb, const InputConvention& convention,
                          const torch::Device& device) {
  CV_Assert(rgb.type() == CV_8UC3);
  cv::Mat ordered;
  if (convention.order == ChannelOrder::BGR)
    cv::cvtColor(rgb, ordered, cv::COLOR_RGB2BGR);
  else
    ordered = rgb.isContinuous() ? rgb : rgb.clone();
  // [H,W,3] uint8 -> [1,3,H,W] float in [0,1], as torchvision's ToTensor does (x / 255).
  auto tensor = torch::from_blob(ordered.data, {ordered.rows, ordered.cols, 3}, torch::kUInt8)
                    .permute({2, 0, 1})
                    .to(torch::kFloat32)
                    .div_(255.0f)
                    .unsqueeze(0);
  const auto mean = torch::tensor({convention.mean[0], convention.mean[1], convention.mean[2]})
                        .view({1, 3, 1, 1});
  const auto std = torch::tensor({convention.std[0], convention.std[1], convention.std[2]})
                       .view({1, 3, 1, 1});
  if (convention.scale != 1.0f) tensor.mul_(convention.scale);
  tensor = tensor.sub_(mean).div_(std).contiguous();
  if (device.is_cuda()) {
    // Page-locked memory lets the upload run as an asynchronous DMA copy.
    return tensor.pin_memory().to(device, /*non_blocking=*/true);
  }
  return tensor.to(device);
}

cv::Mat tensorToRgb(const torch::Tensor& tensor, const InputConvention& convention) {
  torch::NoGradGuard no_grad;
  auto image = tensor.detach().to(torch::kCPU, torch::kFloat32).squeeze(0);
  const auto mean = torch::tensor({convention.mean[0], convention.mean[1], convention.mean[2]})
                        .view({3, 1, 1});
  const auto std = torch::tensor({convention.std[0], convention.std[1], convention.std[2]})
                       .view({3, 1, 1});
  image = (image * std + mean) / convention.scale;
  image = image.clamp(0, 1).mul(255).round().to(torch::kUInt8).permute({1, 2, 0}).contiguous();
  cv::Mat ordered(static_cast<int>(image.size(0)), static_cast<int>(image.size(1)), CV_8UC3,
                  image.data_ptr<uint8_t>());
  cv::Mat rgb;
  if (convention.order == ChannelOrder::BGR)
    cv::cvtColor(ordered, rgb, cv::COLOR_BGR2RGB);
  else
    rgb = ordered.clone();  // owns its pixels once `image` goes away
  return rgb;
}

cv::Mat readRgbImage(const std::string& path) {
  const std::string file = "image '" + path + "'";
  std::error_code error;
  const auto status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) throw ImageError(file + " does not exist");
  if (fs::is_directory(status)) throw ImageError(file + " is a folder, not an image");
  if (fs::is_regular_file(status) && fs::file_size(path, error) == 0 && !error)
    throw ImageError(file + " is empty (0 bytes)");
  // OpenCV returns a truncated JPEG as if it were whole (the missing part grey).
  if (const std::string damage = detail::imageFileDamage(path); !damage.empty())
    throw ImageError(file + " is " + damage);
  cv::Mat bgr;
  try {
    bgr = cv::imread(path, cv::IMREAD_COLOR);
  } catch (const cv::Exception& e) {
    throw ImageError("cannot read " + file + ": " + e.what());
  }
  if (bgr.empty())
    throw ImageError("cannot read " + file +
                     ": unreadable, corrupt, truncated or not an image in a format OpenCV reads");
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

}  // namespace neuralstyle
