// SPDX-License-Identifier: LGPL-2.1-or-later
#include "call_counts.hpp"
#include "test_support.hpp"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>

namespace neuralstyle::test {

long StyleTargetCount::now() { return detail::callCounts().style_target_computations.load(); }

std::string requiredEnv(const char* name) {
  if (const char* value = std::getenv(name); value && *value) return value;
  // Defaults baked in by CMake, so that the executables also run outside ctest.
  static const std::map<std::string, std::string> defaults = {
      {"NEURALSTYLE_TESTDATA", NEURALSTYLE_TESTDATA_DIR},
      {"NEURALSTYLE_PYTHON", NEURALSTYLE_TEST_PYTHON},
      {"NEURALSTYLE_REFERENCE_DIR", NEURALSTYLE_REFERENCE_DIR},
      {"NEURALSTYLE_SOURCE_DIR", NEURALSTYLE_SOURCE_DIR}};
  const auto found = defaults.find(name);
  if (found != defaults.end()) return found->second;
  ADD_FAILURE() << "environment variable " << name << " is not set";
  return {};
}

std::string testWeights(const std::string& file_name) {
  const std::string path = requiredEnv("NEURALSTYLE_TESTDATA") + "/" + file_name;
  if (!std::filesystem::exists(path))
    ADD_FAILURE() << path << " is missing: the generate_test_weights fixture did not run or failed";
  return path;
}

std::string sharedSqueezeNetWeights() {
  const auto path = std::filesystem::path(requiredEnv("NEURALSTYLE_SOURCE_DIR")) / ".." /
                    "shared" / "weights" / "squeezenet1_1.safetensors";
  return std::filesystem::exists(path) ? path.lexically_normal().string() : std::string();
}

std::string squeezeNetWeights() {
  const auto shared = sharedSqueezeNetWeights();
  return shared.empty() ? testWeights("squeezenet1_1.safetensors") : shared;
}

TempDir::TempDir() {
  std::random_device random;
  const auto base = std::filesystem::temp_directory_path();
  do {
    path_ = base / ("neuralstyle-test-" + std::to_string(random()));
  } while (std::filesystem::exists(path_));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

cv::Mat sampleImage(const std::string& name) {
  const std::string path = "/usr/share/doc/opencv-doc/examples/data/" + name;
  cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
  if (bgr.empty()) {
    ADD_FAILURE() << path << " is missing: apt-get install opencv-doc (scripts/setup.sh does)";
    return cv::Mat(64, 64, CV_8UC3, cv::Scalar::all(128));
  }
  cv::Mat rgb;
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return rgb;
}

cv::Mat syntheticRgb(cv::Size size, unsigned seed) {
  cv::Mat image(size, CV_8UC3);
  std::mt19937 random(seed);
  std::uniform_int_distribution<int> noise(-20, 20);
  for (int y = 0; y < size.height; ++y)
    for (int x = 0; x < size.width; ++x) {
      auto& pixel = image.at<cv::Vec3b>(y, x);
      pixel[0] = cv::saturate_cast<uchar>(255 * x / std::max(1, size.width - 1) + noise(random));
      pixel[1] = cv::saturate_cast<uchar>(255 * y / std::max(1, size.height - 1) + noise(random));
      pixel[2] = cv::saturate_cast<uchar>(((x / 4 + y / 4) % 2) * 200 + 25 + noise(random));
    }
  return image;
}

int runCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return -1;
  std::array<char, 4096> buffer;
  std::string text;
  while (size_t n = fread(buffer.data(), 1, buffer.size(), pipe)) text.append(buffer.data(), n);
  const int status = pclose(pipe);
  if (output) *output = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int runReferenceScript(const std::string& script, const std::string& arguments,
                       std::string* output) {
  const std::string python = requiredEnv("NEURALSTYLE_PYTHON");
  std::string probe;
  if (runCommand(python + " -c 'import torch, torchvision'", &probe) != 0) {
    ADD_FAILURE() << "the reference needs PyTorch for " << python
                  << ": apt-get install python3-torch python3-torchvision\n"
                  << probe;
    return -1;
  }
  const std::string path = requiredEnv("NEURALSTYLE_REFERENCE_DIR") + "/" + script;
  return runCommand(python + " " + path + " " + arguments, output);
}

}  // namespace neuralstyle::test

#include <fstream>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

namespace neuralstyle::test {

void writeSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                      const std::string& dtype) {
  nlohmann::json header = nlohmann::json::object();
  std::string data;
  for (const auto& [name, tensor] : tensors) {
    const auto contiguous = tensor.to(torch::kFloat32).contiguous();
    const size_t begin = data.size();
    data.append(static_cast<const char*>(contiguous.data_ptr()), contiguous.numel() * 4);
    header[name] = {{"dtype", dtype},
                    {"shape", contiguous.sizes().vec()},
                    {"data_offsets", {begin, data.size()}}};
  }
  const std::string text = header.dump();
  std::ofstream out(path, std::ios::binary);
  uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << text << data;
}

}  // namespace neuralstyle::test
