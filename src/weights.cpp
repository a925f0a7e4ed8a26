#include "neuralstyle/weights.hpp"

#include <charconv>
#include <cstdlib>
#include <limits>
#include <filesystem>
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

Vgg19Weights loadCaffePair(const std::string& path) {
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

void validateWeights(const Vgg19Weights& weights) {
  const auto& channels = vgg19ConvChannels();
  if (weights.conv_weights.size() != channels.size() ||
      weights.conv_biases.size() != channels.size())
    throw WeightsError("weights '" + weights.source + "': expected 16 VGG19 convolutions, found " +
                       std::to_string(weights.conv_weights.size()));
  for (size_t i = 0; i < channels.size(); ++i) {
    const std::string layer =
        layerNames()[i] + " (index " + std::to_string(vgg19ConvIndices()[i]) + ")";
    const auto& w = weights.conv_weights[i];
    const auto& b = weights.conv_biases[i];
    const std::vector<int64_t> expected_w{channels[i][0], channels[i][1], 3, 3};
    if (!w.defined() || w.sizes().vec() != expected_w)
      throw WeightsError("weights '" + weights.source + "': " + layer + " weight has shape " +
                         (w.defined() ? c10::str(w.sizes()) : std::string("(missing)")) +
                         ", expected " + c10::str(c10::IntArrayRef(expected_w)));
    if (!b.defined() || b.sizes().vec() != std::vector<int64_t>{channels[i][0]})
      throw WeightsError("weights '" + weights.source + "': " + layer + " bias has shape " +
                         (b.defined() ? c10::str(b.sizes()) : std::string("(missing)")) +
                         ", expected [" + std::to_string(channels[i][0]) + "]");
    if (!torch::isfinite(w).all().item<bool>() || !torch::isfinite(b).all().item<bool>())
      throw WeightsError("weights '" + weights.source + "': " + layer +
                         " holds non-finite values (corrupt file?)");
  }
}

Vgg19Weights randomWeights(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  Vgg19Weights weights;
  weights.source = "random:" + std::to_string(seed);
  for (const auto& [out, in] : vgg19ConvChannels()) {
    // Kaiming normal (fan_out, ReLU) as torchvision initialises VGG, plus small biases.
    const double stddev = std::sqrt(2.0 / (out * 9.0));
    weights.conv_weights.push_back(
        at::normal(0.0, stddev, {out, in, 3, 3}, generator, torch::kFloat32));
    weights.conv_biases.push_back(
        at::empty({out}, torch::kFloat32).uniform_(-0.05, 0.05, generator));
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

Vgg19Weights readWeightsFile(const std::string& location) {
  if (!fs::exists(location)) throw WeightsError("weights file '" + location + "' does not exist");
  if (fs::is_directory(location))
    throw WeightsError("weights '" + location + "' is a folder, not a weights file");
  if (endsWith(location, ".safetensors")) return detail::readSafetensors(location);
  if (endsWith(location, ".onnx")) return detail::readOnnx(location);
  if (endsWith(location, ".caffemodel") || endsWith(location, ".prototxt"))
    return loadCaffePair(location);
  throw WeightsError("weights '" + location +
                     "': unknown format (expected .safetensors, .onnx, .caffemodel or "
                     ".prototxt; .pth pickles are not read: convert them with "
                     "scripts/convert_torchvision_vgg19.py)");
}

}  // namespace

Vgg19Weights loadWeights(const std::string& location) {
  if (location.empty())
    throw WeightsError("no weights given: set a weights location (a .safetensors, .onnx or "
                       ".caffemodel file, or 'random'), or $NEURALSTYLE_WEIGHTS");
  if (location == "random" || location.rfind("random:", 0) == 0) {
    auto weights = randomWeights(parseRandomSeed(location));
    validateWeights(weights);
    return weights;
  }
  // The boundary: whatever a reader or a library under it throws on a hostile file
  // leaves as a WeightsError naming the file.
  const std::string failed = "weights '" + location + "': cannot be read: ";
  try {
    auto weights = readWeightsFile(location);
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

std::string defaultWeightsLocation() {
  if (const char* env = std::getenv("NEURALSTYLE_WEIGHTS"); env && *env) return env;
  std::vector<std::string> candidates;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    candidates.push_back(std::string(xdg) + "/neuralstyle/vgg19.safetensors");
  else if (const char* home = std::getenv("HOME"); home && *home)
    candidates.push_back(std::string(home) + "/.local/share/neuralstyle/vgg19.safetensors");
  candidates.push_back(NEURALSTYLE_DATA_DIR "/vgg19.safetensors");
  return firstExisting(candidates);
}

}  // namespace neuralstyle
