// SPDX-License-Identifier: LGPL-2.1-or-later
// The CPU allocator the first frame installs for LibTorch process-wide, beside an
// application's own LibTorch work: blocks allocated before the switch are freed as their
// allocator would, and the allocator can be turned off.
//
// Each case runs in a fresh process (a "threadsafe" death test re-executes this binary
// for it), because the allocator is installed once per process and these cases are about
// what happens around that first installation. ctest already runs every case in its own
// process; the death test keeps that true when the binary is run by hand as well.
#include <gtest/gtest.h>
#include <c10/core/CPUAllocator.h>
#include <elf.h>
#include <link.h>
#include <torch/torch.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <thread>

#include "neuralstyle/environment.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/stylizer.hpp"
#include "tensor_memory_cache.hpp"  // internal: tested directly
#include "test_support.hpp"

using namespace neuralstyle;

namespace {

// Exit codes of the child process, so that a failure says which check failed.
constexpr int kPassed = 0;
constexpr int kNotInstalled = 2;
constexpr int kInstalled = 3;
constexpr int kConvolutionsDidNotRun = 4;

// Runs `body` in a fresh process: it must exit with kPassed (an abort, such as glibc's
// "double free or corruption", fails the test).
void expectInAFreshProcess(const std::function<int()>& body) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(std::exit(body()), testing::ExitedWithCode(kPassed), "");
}

Stylizer tinyStylizer(EngineOptions engine = {}) {
  engine.weights = "random:1";
  engine.threads = 2;
  engine.device = DeviceKind::CPU;
  StyleOptions options;
  options.steps = 2;
  options.max_size = 32;
  Stylizer stylizer(engine, options);
  stylizer.setStyle(test::syntheticRgb({32, 32}, 5), PixelFormat::RGB);
  return stylizer;
}

// Stylises one 32 px frame through the public API; returns whether that installed
// another CPU allocator for LibTorch.
bool stylizeOneFrameInstalls(Stylizer& stylizer) {
  c10::Allocator* before = c10::GetCPUAllocator();
  stylizer.stylize(test::syntheticRgb({32, 32}, 6), PixelFormat::RGB);
  return c10::GetCPUAllocator() != before;
}

bool stylizeOneFrameInstalls() {
  Stylizer stylizer = tinyStylizer();
  return stylizeOneFrameInstalls(stylizer);
}

}  // namespace

TEST(ProcessAllocator, AnMkldnnTensorOfTheApplicationOutlivesTheSwitch) {
  expectInAFreshProcess([] {
    // oneDNN (ideep) allocates this through the allocator installed now (LibTorch's
    // default) and frees it through the one installed when it is dropped.
    auto application_tensor = torch::ones({1, 16, 64, 64}).to_mkldnn();
    if (!stylizeOneFrameInstalls()) return kNotInstalled;
    application_tensor.reset();
    return kPassed;
  });
}

TEST(ProcessAllocator, ConvolutionsOnAnotherThreadWhileTheFirstScopeStarts) {
  expectInAFreshProcess([] {
    at::set_num_threads(2);
    const auto input = torch::randn({1, 64, 96, 96});
    const auto weight = torch::randn({64, 64, 3, 3});
    std::atomic<int> convolutions{0};
    std::atomic<bool> stop{false};
    // Plain NCHW convolutions: oneDNN's temporary buffers of the one running when the
    // allocator changes are allocated before the switch and freed after it.
    std::thread application([&] {
      while (!stop.load()) {
        torch::conv2d(input, weight, {}, 1, 1);
        ++convolutions;
      }
    });
    while (convolutions.load() < 2) std::this_thread::yield();
    c10::Allocator* before = c10::GetCPUAllocator();
    bool installed = false;
    {
      neuralstyle::detail::TensorMemoryScope first_scope;
      installed = c10::GetCPUAllocator() != before;
      const int at_switch = convolutions.load();
      while (convolutions.load() < at_switch + 10) std::this_thread::yield();
    }
    stop = true;
    application.join();
    if (!installed) return kNotInstalled;
    return convolutions.load() >= 12 ? kPassed : kConvolutionsDidNotRun;
  });
}

TEST(ProcessAllocator, TheCoreLeavesTheEnvironmentVariableToTheFrontEnds) {
  // NEURALSTYLE_TENSOR_CACHE=0 is the element's and the CLI's to read
  // (processSwitchesFromEnvironment) and pass as EngineOptions::tensor_cache, below.
  expectInAFreshProcess([] {
    setenv("NEURALSTYLE_TENSOR_CACHE", "0", 1);
    return stylizeOneFrameInstalls() ? kPassed : kNotInstalled;
  });
}

TEST(ProcessAllocator, TheEngineOptionTurnsItOff) {
  expectInAFreshProcess([] {
    EngineOptions engine;
    engine.tensor_cache = false;
    Stylizer stylizer = tinyStylizer(engine);
    if (stylizer.reusesTensorMemory()) return kInstalled;
    return stylizeOneFrameInstalls(stylizer) ? kInstalled : kPassed;
  });
}

TEST(ProcessAllocator, ByDefaultTheFirstFrameInstallsIt) {
  // The control of the cases above: what the engine option turns off happens otherwise.
  expectInAFreshProcess([] {
    unsetenv("NEURALSTYLE_TENSOR_CACHE");
    Stylizer stylizer = tinyStylizer();
    if (!stylizer.reusesTensorMemory()) return kNotInstalled;
    return stylizeOneFrameInstalls(stylizer) ? kPassed : kNotInstalled;
  });
}

TEST(ProcessAllocator, TheEnvironmentVariableTakesOnOffAndRefusesAnythingElse) {
  const auto allowed = [](const char* value) {
    setenv("NEURALSTYLE_TENSOR_CACHE", value, 1);
    const bool result = processSwitchesFromEnvironment().tensor_cache;
    unsetenv("NEURALSTYLE_TENSOR_CACHE");
    return result;
  };
  for (const char* on : {"", "1", "on", "TRUE", "yes"}) EXPECT_TRUE(allowed(on)) << on;
  for (const char* off : {"0", "off", "False", "NO"}) EXPECT_FALSE(allowed(off)) << off;
  setenv("NEURALSTYLE_TENSOR_CACHE", "sometimes", 1);
  try {
    processSwitchesFromEnvironment();
    ADD_FAILURE() << "a value it does not understand was accepted";
  } catch (const OptionsError& error) {
    EXPECT_NE(std::string(error.what()).find("NEURALSTYLE_TENSOR_CACHE='sometimes'"),
              std::string::npos)
        << error.what();
  }
  unsetenv("NEURALSTYLE_TENSOR_CACHE");
}

TEST(ProcessAllocator, TheCoreLibraryCanNeverBeUnloaded) {
  // LibTorch keeps a pointer to the allocator for the rest of the process, so dlclose must
  // leave libneuralstyle mapped: its dynamic section carries DF_1_NODELETE.
  struct Found {
    bool library = false;
    bool nodelete = false;
  } found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* data) {
        auto* result = static_cast<Found*>(data);
        if (std::string(info->dlpi_name).find("libneuralstyle.so") == std::string::npos) return 0;
        result->library = true;
        for (int i = 0; i < info->dlpi_phnum; ++i) {
          if (info->dlpi_phdr[i].p_type != PT_DYNAMIC) continue;
          const auto* entry = reinterpret_cast<const ElfW(Dyn)*>(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
          for (; entry->d_tag != DT_NULL; ++entry)
            if (entry->d_tag == DT_FLAGS_1 && (entry->d_un.d_val & DF_1_NODELETE)) result->nodelete = true;
        }
        return 1;
      },
      &found);
  ASSERT_TRUE(found.library) << "libneuralstyle.so is not loaded in this test";
  EXPECT_TRUE(found.nodelete) << "libneuralstyle.so is not linked -z nodelete";
}
