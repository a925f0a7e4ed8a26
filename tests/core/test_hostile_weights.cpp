// SPDX-License-Identifier: LGPL-2.1-or-later
// Every file in tests/data/hostile/ (found by fuzzing the loader, see its README) gives
// a typed error naming it: no crash, no sanitizer report, no untyped exception.
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/weights.hpp"
#include "test_support.hpp"

using namespace neuralstyle;
namespace fs = std::filesystem;

namespace {

fs::path hostileDir() { return fs::path(test::requiredEnv("NEURALSTYLE_SOURCE_DIR")) / "tests/data/hostile"; }

// What loadWeights() threw: "<type>: <message>".
std::string outcomeOf(const std::string& location) {
  try {
    loadWeights(location);
  } catch (const WeightsError& e) {
    return std::string("WeightsError: ") + e.what();
  } catch (const OptionsError& e) {
    return std::string("OptionsError: ") + e.what();
  } catch (const std::exception& e) {
    return std::string("untyped: ") + e.what();
  }
  return "no error";
}

std::vector<fs::path> hostileFiles() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(hostileDir()))
    if (entry.path().extension() != ".md") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST(HostileWeights, TheCorpusIsThere) {
  // 12 files from ../shared/hostile-inputs plus any reproducer added since.
  EXPECT_GE(hostileFiles().size(), 12u);
}

TEST(HostileWeights, EachFileIsAWeightsErrorNamingIt) {
  for (const auto& file : hostileFiles()) {
    if (file.string().find(".location.txt") != std::string::npos) continue;
    const auto outcome = outcomeOf(file.string());
    EXPECT_EQ(outcome.rfind("WeightsError: ", 0), 0u) << file << ": " << outcome;
    // A Caffe pair is named by its .caffemodel (and the .prototxt beside it).
    const std::string named = file.extension() == ".prototxt"
                                  ? file.stem().string() + ".caffemodel"
                                  : file.filename().string();
    EXPECT_NE(outcome.find(named), std::string::npos) << file << ": " << outcome;
  }
}

TEST(HostileWeights, OnnxFilesAreRefusedBeforeOpenCvSeesThem) {
  for (const auto& [name, holds] :
       std::map<std::string, std::string>{{"F1_onnx_segv_dims_4096x4096x3x3_raw216B.onnx", "holds 216 bytes"},
                                          {"F1b_onnx_heap_overflow_read_dims_2x6x3x3_raw144B.onnx",
                                           "holds 144 bytes"}}) {
    const auto outcome = outcomeOf((hostileDir() / name).string());
    EXPECT_NE(outcome.find("refused before import"), std::string::npos) << outcome;
    EXPECT_NE(outcome.find(holds), std::string::npos) << outcome;
  }
  const auto outcome = outcomeOf((hostileDir() / "F9_onnx_null_deref.onnx").string());
  EXPECT_NE(outcome.find("which no initializer, graph input or earlier node defines"),
            std::string::npos) << outcome;
}

TEST(HostileWeights, OutOfRangeRandomSeedIsAnOptionsError) {
  std::ifstream in(hostileDir() / "F7_random_seed_out_of_range.location.txt");
  std::string location;
  std::getline(in, location);
  ASSERT_EQ(location, "random:99999999999999999999");
  const auto outcome = outcomeOf(location);
  EXPECT_EQ(outcome.rfind("OptionsError: ", 0), 0u) << outcome;
  EXPECT_NE(outcome.find(location), std::string::npos) << outcome;
  // The largest seed still works.
  EXPECT_EQ(loadWeights("random:18446744073709551615").source, "random:18446744073709551615");
}
