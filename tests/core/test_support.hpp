// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Helpers shared by the core tests: paths from ctest's environment, temp folders,
// synthetic images, and running the Python reference.
#include <filesystem>
#include <string>
#include <opencv2/core.hpp>

namespace neuralstyle::test {

/// Value of an environment variable that ctest sets; fails the test if it is missing.
std::string requiredEnv(const char* name);
/// A file written by tests/reference/make_test_weights.py (the `testweights` fixture).
std::string testWeights(const std::string& file_name);

/// The ImageNet-pretrained SqueezeNet 1.1 weights in ../shared/weights beside the
/// project (this project's machines and CI), or "" where they are not there.
std::string sharedSqueezeNetWeights();
/// Those real weights where they exist, else the random squeezenet1_1 of the fixture.
std::string squeezeNetWeights();

/// A fresh empty folder under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::filesystem::path path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// A picture of Debian's opencv-doc examples (e.g. "fruits.jpg"), as RGB; fails the
/// test with an install hint where it is missing.
cv::Mat sampleImage(const std::string& name);

/// A deterministic RGB test picture: smooth gradients plus seeded noise.
cv::Mat syntheticRgb(cv::Size size, unsigned seed);

/// Runs a shell command; returns its exit status and fills `output` with stdout+stderr.
int runCommand(const std::string& command, std::string* output);

/// Runs /usr/bin/python3 (as ctest found it) on a script of tests/reference.
/// Fails the test with an install hint if Python's torch is missing.
int runReferenceScript(const std::string& script, const std::string& arguments,
                       std::string* output);

/// How many times style Gram targets were computed (the stylizers' cache misses) since
/// this was made, in this process (the core's internal counter, src/call_counts.hpp).
class StyleTargetCount {
 public:
  StyleTargetCount() : start_(now()) {}
  long operator()() const { return now() - start_; }

 private:
  static long now();
  long start_;
};

}  // namespace neuralstyle::test

#include <map>
#include <torch/types.h>

namespace neuralstyle::test {

/// Writes float32 tensors as a safetensors file (for malformed-file tests); `dtype`
/// is written into the header as given, so a wrong one can be tested too.
void writeSafetensors(const std::string& path, const std::map<std::string, torch::Tensor>& tensors,
                      const std::string& dtype = "F32");

}  // namespace neuralstyle::test
