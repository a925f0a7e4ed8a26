// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/weights.hpp"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/vgg19.hpp"
#include "weights_formats.hpp"

namespace fs = std::filesystem;

namespace neuralstyle {
namespace {

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string firstExisting(const std::vector<std::string>& candidates) {
  for (const auto& c : candidates)
    if (fs::exists(c)) return c;
  return {};
}

NetworkWeights loadCaffePair(const std::string& path) {
  const fs::path p(path);
  const std::string stem = (p.parent_path() / p.stem()).string();
  std::string prototxt, caffemodel;
  if (p.extension() == ".caffemodel") {
    caffemodel = path;
    prototxt = firstExisting({stem + ".prototxt", stem + "_deploy.prototxt"});
    if (prototxt.empty())
      throw WeightsError("weights '" + path + "': no Caffe network definition beside it (looked for " +
                         stem + ".prototxt and " + stem + "_deploy.prototxt)");
  } else {
    prototxt = path;
    std::string base = stem;
    if (endsWith(base, "_deploy")) base.resize(base.size() - 7);
    caffemodel = firstExisting({stem + ".caffemodel", base + ".caffemodel"});
    if (caffemodel.empty())
      throw WeightsError("weights '" + path + "': no .caffemodel beside it (looked for " + stem +
                         ".caffemodel)");
  }
  return detail::readCaffe(prototxt, caffemodel);
}

}  // namespace

std::string detail::convLabel(Network network, size_t conv) {
  const auto& spec = convSpecs(network).at(conv);
  if (network == Network::VGG19)
    return featureLayerNames(network).at(conv) + " (index " + spec.key + ")";
  return "convolution '" + spec.key + "'";
}

InputConvention InputConvention::torchvision() { return InputConvention{}; }

InputConvention InputConvention::caffe() {
  InputConvention c;
  c.order = ChannelOrder::BGR;
  c.scale = 255.0f;
  c.mean = {103.939f, 116.779f, 123.68f};  // B, G, R means of the ILSVRC training set
  c.std = {1.0f, 1.0f, 1.0f};
  c.name = "Caffe VGG (BGR, [0,255], mean subtraction)";
  return c;
}

const std::array<int, 16>& vgg19ConvIndices() {
  static const std::array<int, 16> indices{0,  2,  5,  7,  10, 12, 14, 16,
                                           19, 21, 23, 25, 28, 30, 32, 34};
  return indices;
}

const std::array<std::array<int, 2>, 16>& vgg19ConvChannels() {
  static const std::array<std::array<int, 2>, 16> channels{{{64, 3},
                                                            {64, 64},
                                                            {128, 64},
                                                            {128, 128},
                                                            {256, 128},
                                                            {256, 256},
                                                            {256, 256},
                                                            {256, 256},
                                                            {512, 256},
                                                            {512, 512},
                                                            {512, 512},
                                                            {512, 512},
                                                            {512, 512},
                                                            {512, 512},
                                                            {512, 512},
                                                            {512, 512}}};
  return channels;
}

void validateWeights(const NetworkWeights& weights) {
  const auto& specs = convSpecs(weights.network);
  const std::string network = networkName(weights.network);
  if (weights.conv_weights.size() != specs.size() || weights.conv_biases.size() != specs.size())
    throw WeightsError("weights '" + weights.source + "': expected " +
                       std::to_string(specs.size()) + " " + network + " convolutions, found " +
                       std::to_string(weights.conv_weights.size()));
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& spec = specs[i];
    const std::string layer = detail::convLabel(weights.network, i);
    const auto& w = weights.conv_weights[i];
    const auto& b = weights.conv_biases[i];
    const std::vector<int64_t> expected_w{spec.out_channels, spec.in_channels, spec.kernel,
                                          spec.kernel};
    if (!w.defined() || w.sizes().vec() != expected_w)
      throw WeightsError("weights '" + weights.source + "': " + layer + " weight has shape " +
                         (w.defined() ? c10::str(w.sizes()) : std::string("(missing)")) +
                         ", expected " + c10::str(c10::IntArrayRef(expected_w)));
    if (!b.defined() || b.sizes().vec() != std::vector<int64_t>{spec.out_channels})
      throw WeightsError("weights '" + weights.source + "': " + layer + " bias has shape " +
                         (b.defined() ? c10::str(b.sizes()) : std::string("(missing)")) +
                         ", expected [" + std::to_string(spec.out_channels) + "]");
    if (!torch::isfinite(w).all().item<bool>() || !torch::isfinite(b).all().item<bool>())
      throw WeightsError("weights '" + weights.source + "': " + layer +
                         " holds non-finite values (corrupt file?)");
  }
}

NetworkWeights randomWeights(uint64_t seed, Network network) {
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  NetworkWeights weights;
  weights.network = network == Network::Auto ? Network::VGG19 : network;
  weights.source = "random:" + std::to_string(seed);
  for (const auto& spec : convSpecs(weights.network)) {
    // Kaiming normal (fan_out, ReLU) as torchvision initialises VGG, plus small biases.
    const double stddev = std::sqrt(2.0 / (spec.out_channels * spec.kernel * spec.kernel));
    weights.conv_weights.push_back(at::normal(
        0.0, stddev, {spec.out_channels, spec.in_channels, spec.kernel, spec.kernel}, generator,
        torch::kFloat32));
    weights.conv_biases.push_back(
        at::empty({spec.out_channels}, torch::kFloat32).uniform_(-0.05, 0.05, generator));
  }
  return weights;
}

namespace {

// "random" or "random:SEED". A malformed seed is a bad option, not a bad file.
uint64_t parseRandomSeed(const std::string& location) {
  if (location == "random") return 0;
  const std::string digits = location.substr(7);
  uint64_t seed = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), seed);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
      error != std::errc() || end != digits.data() + digits.size())
    throw OptionsError("weights '" + location +
                       "': the seed after 'random:' must be a whole number from 0 to " +
                       std::to_string(std::numeric_limits<uint64_t>::max()));
  return seed;
}

NetworkWeights readWeightsFile(const std::string& location, Network network) {
  if (!fs::exists(location)) throw WeightsError("weights file '" + location + "' does not exist");
  if (fs::is_directory(location))
    throw WeightsError("weights '" + location + "' is a folder, not a weights file");
  if (endsWith(location, ".safetensors")) return detail::readSafetensors(location, network);
  const bool onnx = endsWith(location, ".onnx");
  const bool caffe = endsWith(location, ".caffemodel") || endsWith(location, ".prototxt");
  if ((onnx || caffe) && network != Network::Auto && network != Network::VGG19)
    throw WeightsError("weights '" + location + "': ONNX and Caffe files are read as vgg19 only, "
                       "but network " + networkName(network) +
                       " was asked for (use a .safetensors file)");
  if (onnx) return detail::readOnnx(location);
  if (caffe) return loadCaffePair(location);
  throw WeightsError("weights '" + location +
                     "': unknown format (expected .safetensors, .onnx, .caffemodel or "
                     ".prototxt; .pth pickles are not read: convert them with "
                     "scripts/convert_torchvision.py)");
}

}  // namespace

NetworkWeights loadWeights(const std::string& location, Network network) {
  if (location.empty())
    throw WeightsError("no weights given: set a weights location (a .safetensors, .onnx or "
                       ".caffemodel file, or 'random'), or $NEURALSTYLE_WEIGHTS");
  if (location == "random" || location.rfind("random:", 0) == 0) {
    auto weights = randomWeights(parseRandomSeed(location), network);
    validateWeights(weights);
    return weights;
  }
  // The boundary: whatever a reader or a library under it throws on a hostile file
  // leaves as a WeightsError naming the file.
  const std::string failed = "weights '" + location + "': cannot be read: ";
  try {
    auto weights = readWeightsFile(location, network);
    validateWeights(weights);
    return weights;
  } catch (const Error&) {
    throw;  // already typed, and names the file
  } catch (const c10::Error& e) {
    throw WeightsError(failed + e.what_without_backtrace());
  } catch (const cv::Exception& e) {
    throw WeightsError(failed + e.what());
  } catch (const std::bad_alloc&) {
    throw WeightsError(failed + "not enough memory");
  } catch (const std::exception& e) {
    throw WeightsError(failed + e.what());
  }
}

std::string defaultWeightsLocation(Network network) {
  if (const char* env = std::getenv("NEURALSTYLE_WEIGHTS"); env && *env) return env;
  std::string user_data;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    user_data = std::string(xdg) + "/neuralstyle/";
  else if (const char* home = std::getenv("HOME"); home && *home)
    user_data = std::string(home) + "/.local/share/neuralstyle/";
  // VGG19 (the product's network) before SqueezeNet 1.1 when the network is left open.
  std::vector<std::string> candidates;
  for (const auto candidate : {Network::VGG19, Network::SqueezeNet1_1}) {
    if (network != Network::Auto && network != candidate) continue;
    const std::string file = networkName(candidate) + ".safetensors";
    if (!user_data.empty()) candidates.push_back(user_data + file);
    candidates.push_back(NEURALSTYLE_DATA_DIR "/" + file);
  }
  return firstExisting(candidates);
}

}  // namespace neuralstyle
