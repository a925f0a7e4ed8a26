// SPDX-License-Identifier: LGPL-2.1-or-later
// Replays one fuzz target's regression corpus (tests/fuzz/corpus/<target>/) through its
// LLVMFuzzerTestOneInput, built by the normal compiler: no clang, no libFuzzer. Each file
// there reached coverage of its own while the target was fuzzed (tests/fuzz/README.md),
// so a change that makes one of them crash, trap or throw what the target does not catch
// fails ctest, on gcc as in CI (and under ASan/UBSan in scripts/sanitize.sh).
// NEURALSTYLE_FUZZ_TARGET names the target; it is linked in beside this file.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>
#include <gtest/gtest.h>

#include "test_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

#define NEURALSTYLE_STRING(x) NEURALSTYLE_STRING_(x)
#define NEURALSTYLE_STRING_(x) #x

namespace {

std::vector<fs::path> corpusFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_regular_file()) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<uint8_t> readBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// The test is named after the target: FuzzCorpus.fuzz_safetensors, ...
TEST(FuzzCorpus, NEURALSTYLE_FUZZ_TARGET) {
  const fs::path dir = fs::path(neuralstyle::test::requiredEnv("NEURALSTYLE_SOURCE_DIR")) /
                       "tests/fuzz/corpus" / NEURALSTYLE_STRING(NEURALSTYLE_FUZZ_TARGET);
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing";
  size_t replayed = 0;
  for (const auto& file : corpusFiles(dir)) {
    const std::vector<uint8_t> bytes = readBytes(file);
    // A crash or a trap ends the process: the last name printed is the file that did it.
    std::fprintf(stderr, "replaying %s (%zu bytes)\n", file.filename().c_str(), bytes.size());
    std::fflush(stderr);
    try {
      EXPECT_EQ(LLVMFuzzerTestOneInput(bytes.data(), bytes.size()), 0) << file;
    } catch (const std::exception& e) {
      ADD_FAILURE() << file << ": an exception the target does not accept escaped: " << e.what();
    } catch (...) {
      ADD_FAILURE() << file << ": a non-standard exception escaped";
    }
    ++replayed;
  }
  std::printf("replayed %zu files of %s\n", replayed, dir.c_str());
  EXPECT_GT(replayed, 0u) << "nothing to replay in " << dir;
}
