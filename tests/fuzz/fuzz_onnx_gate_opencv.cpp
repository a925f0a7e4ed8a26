// SPDX-License-Identifier: LGPL-2.1-or-later
// The ONNX gate without the VGG19 requirement, then OpenCV's importer on whatever passes:
// reaches OpenCV with small models, to find what the gate must also refuse (a VGG19 that
// passes the full gate is 80 MB, too large to fuzz). Whatever passes the gate must import
// or throw cv::Exception, never crash.
#include <cstdint>
#include <opencv2/dnn.hpp>

#include "fuzz_support.hpp"
#include "neuralstyle/errors.hpp"
#include "onnx_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = neuralstyle::fuzz::writeScratch("input.onnx", data, size);
  try {
    neuralstyle::detail::checkOnnxFile(path, neuralstyle::detail::OnnxRequirement::AnyGraph);
  } catch (const neuralstyle::WeightsError&) {
    return 0;
  }
  try {
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    for (const auto& name : net.getLayerNames()) (void)net.getLayer(net.getLayerId(name));
  } catch (const cv::Exception&) {
  }
  return 0;
}
