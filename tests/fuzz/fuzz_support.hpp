// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The loader reads files, so each fuzz input is written to a file of the right name in a
// private folder (in /dev/shm where there is one: no disk writes per input).
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <google/protobuf/stubs/logging.h>
#include <opencv2/core/utils/logger.hpp>

namespace neuralstyle::fuzz {

// OpenCV's warnings and protobuf's parse errors would fill the fuzzer's log.
inline void quietLibraries() {
  static const bool done = [] {
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)done;
}

// Made on first use and removed when the process exits normally (the end of a fuzzing
// run, a merge or a ctest replay; a crash leaves it, with the input that crashed).
inline const std::string& scratchDir() {
  // The exit handler reads its own copy of the name: `dir` below is destroyed before it
  // runs (it was registered while `dir` was being made).
  static char removed_at_exit[64];
  static const std::string dir = [] {
    std::string pattern = (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    pattern += "/neuralstyle-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data())) std::abort();
    pattern.copy(removed_at_exit, sizeof removed_at_exit - 1);
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(removed_at_exit, ignored);
    });
    return pattern;
  }();
  return dir;
}

inline std::string writeScratch(const std::string& name, const uint8_t* data, size_t size) {
  quietLibraries();
  const std::string path = scratchDir() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

}  // namespace neuralstyle::fuzz
