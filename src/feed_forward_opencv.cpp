// SPDX-License-Identifier: LGPL-2.1-or-later
// The OpenCV engine: an ONNX style network run by cv::dnn. Every file passes the ONNX
// gate first, because OpenCV 4.6's importer trusts what it parses (onnx_check.hpp).
#include <opencv2/core/utility.hpp>
#include <opencv2/dnn.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <vector>

#include "feed_forward_engine.hpp"
#include "neuralstyle/errors.hpp"
#include "onnx_check.hpp"

namespace neuralstyle::detail {
namespace {

bool hasTarget(cv::dnn::Backend backend, cv::dnn::Target target) {
  const auto targets = cv::dnn::getAvailableTargets(backend);
  return std::find(targets.begin(), targets.end(), target) != targets.end();
}

class OpenCvNetwork final : public FeedForwardNetwork {
 public:
  OpenCvNetwork(const std::string& path, FeedForwardDevice device) : path_(path) {
    convention_ = ModelConvention::fromMetadata(checkOnnxFile(path, OnnxRequirement::FeedForward), path);
    chooseBackend(device);  // before parsing: a device error needs no model
    std::ifstream file(path, std::ios::binary);
    model_.assign(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
    if (!file && !file.eof()) throw WeightsError("model '" + path + "': cannot be read");
    import();
  }

  cv::Mat run(const cv::Mat& pixels) override {
    CV_Assert(pixels.type() == CV_32FC3);
    // OpenCV 4.6's InstanceNormalization gives wrong values once its network has run at
    // another input size (off by up to 1.6 for unit inputs, 170 levels at the output of
    // a TransformerNet; a fresh import is right): a new processing size gets a new import.
    if (pixels.size() != planned_size_) {
      if (!planned_size_.empty()) import();
      planned_size_ = pixels.size();
    }
    cv::Mat output;
    try {
      net_.setInput(cv::dnn::blobFromImage(pixels));  // HWC -> 1x3xHxW, no scaling, no swap
      output = net_.forward();
    } catch (const cv::Exception& e) {
      throw WeightsError("model '" + path_ + "': OpenCV could not run it on a " +
                         std::to_string(pixels.cols) + "x" + std::to_string(pixels.rows) +
                         " frame: " + e.msg);
    }
    if (output.dims != 4 || output.size[0] != 1 || output.size[1] != 3 ||
        output.size[2] != pixels.rows || output.size[3] != pixels.cols)
      throw WeightsError("model '" + path_ + "': its output is not 1x3x" +
                         std::to_string(pixels.rows) + "x" + std::to_string(pixels.cols) +
                         " for a frame of that size (not a style network's convention)");
    const int plane = pixels.rows * pixels.cols;
    auto* data = output.ptr<float>();
    std::vector<cv::Mat> channels;
    for (int c = 0; c < 3; ++c) channels.emplace_back(pixels.rows, pixels.cols, CV_32F, data + c * plane);
    cv::Mat result;
    cv::merge(channels, result);  // copies out of the net's buffer, reused next frame
    return result;
  }

  ModelConvention convention() const override { return convention_; }

  std::string describe() const override {
    const char* backend = backend_ == cv::dnn::DNN_BACKEND_CUDA ? "CUDA" : "OpenCV";
    const char* target = target_ == cv::dnn::DNN_TARGET_CUDA     ? "CUDA"
                         : target_ == cv::dnn::DNN_TARGET_OPENCL ? "OpenCL"
                                                                 : "CPU";
    return std::string("OpenCV ") + CV_VERSION + " dnn (backend " + backend + ", target " +
           target + ") on '" + path_ + "'";
  }

 private:
  void chooseBackend(FeedForwardDevice device) {
    const bool cuda = hasTarget(cv::dnn::DNN_BACKEND_CUDA, cv::dnn::DNN_TARGET_CUDA);
    switch (device) {
      case FeedForwardDevice::Cuda:
        if (!cuda)
          throw DeviceError("device 'cuda': this OpenCV (" CV_VERSION
                            ") was built without CUDA support in its dnn module; use "
                            "device 'cpu', or the libtorch engine for CUDA");
        [[fallthrough]];
      case FeedForwardDevice::Auto:
        if (cuda) {
          backend_ = cv::dnn::DNN_BACKEND_CUDA, target_ = cv::dnn::DNN_TARGET_CUDA;
          return;
        }
        break;
      case FeedForwardDevice::OpenCL:
        // OpenCV falls back to the CPU silently when OpenCL is missing: say so instead.
        if (!hasTarget(cv::dnn::DNN_BACKEND_OPENCV, cv::dnn::DNN_TARGET_OPENCL))
          throw DeviceError("device 'opencl': OpenCV finds no usable OpenCL device here");
        target_ = cv::dnn::DNN_TARGET_OPENCL;
        return;
      case FeedForwardDevice::Cpu: break;
    }
    backend_ = cv::dnn::DNN_BACKEND_OPENCV, target_ = cv::dnn::DNN_TARGET_CPU;
  }

  // The network from the model's bytes as the gate passed them (read once).
  void import() {
    try {
      net_ = cv::dnn::readNetFromONNX(model_);
    } catch (const cv::Exception& e) {
      throw WeightsError("model '" + path_ + "': OpenCV cannot import it: " + e.msg);
    }
    if (net_.empty()) throw WeightsError("model '" + path_ + "': OpenCV imported an empty network");
    net_.setPreferableBackend(backend_);
    net_.setPreferableTarget(target_);
  }

  std::string path_;
  ModelConvention convention_;
  std::vector<uchar> model_;
  cv::Size planned_size_;  // the input size net_ has run at; empty before the first run
  cv::dnn::Net net_;
  cv::dnn::Backend backend_ = cv::dnn::DNN_BACKEND_OPENCV;
  cv::dnn::Target target_ = cv::dnn::DNN_TARGET_CPU;
};

}  // namespace

std::unique_ptr<FeedForwardNetwork> openOpenCvNetwork(const std::string& path,
                                                      FeedForwardDevice device, int threads) {
  cv::setNumThreads(threads > 0 ? threads : -1);  // -1: OpenCV's default, all cores
  return std::make_unique<OpenCvNetwork>(path, device);
}

}  // namespace neuralstyle::detail
