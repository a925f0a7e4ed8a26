// SPDX-License-Identifier: LGPL-2.1-or-later
// ONNX and Caffe weights through OpenCV's dnn importers: we only take the convolutions'
// blobs, in network order; the network itself runs in LibTorch.
#include <opencv2/dnn.hpp>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/vgg19.hpp"
#include "onnx_check.hpp"
#include "weights_formats.hpp"

namespace neuralstyle::detail {
namespace {

torch::Tensor toTensor(const cv::Mat& blob) {
  CV_Assert(blob.isContinuous());
  std::vector<int64_t> shape(blob.size.p, blob.size.p + blob.dims);
  cv::Mat as_float;
  blob.convertTo(as_float, CV_32F);
  return torch::from_blob(as_float.data, shape, torch::kFloat32).clone();
}

NetworkWeights convolutionsOf(cv::dnn::Net& net, const std::string& source) {
  NetworkWeights weights;
  weights.source = source;
  const auto names = net.getLayerNames();
  for (const auto& name : names) {
    const auto layer = net.getLayer(net.getLayerId(name));
    if (layer->type != "Convolution") continue;
    const size_t i = weights.conv_weights.size();
    const std::string label =
        i < layerNames().size() ? layerNames()[i] + " ('" + name + "')" : "'" + name + "'";
    if (layer->blobs.empty())
      throw WeightsError("weights '" + source + "': convolution " + label +
                         " has no stored weights (weights given as a graph input?)");
    weights.conv_weights.push_back(toTensor(layer->blobs[0]));
    if (layer->blobs.size() < 2)
      throw WeightsError("weights '" + source + "': convolution " + label + " has no bias");
    weights.conv_biases.push_back(toTensor(layer->blobs[1]).flatten());
  }
  if (weights.conv_weights.size() != vgg19ConvIndices().size())
    throw WeightsError("weights '" + source + "': found " +
                       std::to_string(weights.conv_weights.size()) +
                       " convolutions, a VGG19 feature extractor has 16");
  return weights;
}

}  // namespace

NetworkWeights readOnnx(const std::string& path) {
  // OpenCV 4.6's importer trusts the file (see onnx_check.hpp): check it first.
  checkOnnxFile(path, OnnxRequirement::Vgg19);
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    if (net.empty()) throw WeightsError("weights '" + path + "': empty ONNX network");
    auto weights = convolutionsOf(net, path);
    // ONNX exports of torchvision's VGG19 keep torchvision's input convention.
    weights.convention = InputConvention::torchvision();
    return weights;
  } catch (const cv::Exception& e) {
    throw WeightsError("weights '" + path + "': OpenCV cannot import this ONNX file: " + e.err);
  }
}

NetworkWeights readCaffe(const std::string& prototxt, const std::string& caffemodel) {
  // Every OpenCV call, not only the import, may throw on a hostile model (an unknown
  // layer type throws from getLayer).
  try {
    cv::dnn::Net net = cv::dnn::readNetFromCaffe(prototxt, caffemodel);
    if (net.empty()) throw WeightsError("weights '" + caffemodel + "': empty Caffe network");
    auto weights = convolutionsOf(net, caffemodel);
    weights.convention = InputConvention::caffe();
    return weights;
  } catch (const cv::Exception& e) {
    throw WeightsError("weights '" + caffemodel + "' with '" + prototxt +
                       "': OpenCV cannot import this Caffe model: " + e.err);
  }
}

}  // namespace neuralstyle::detail
