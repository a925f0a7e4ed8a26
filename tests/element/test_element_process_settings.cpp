// SPDX-License-Identifier: LGPL-2.1-or-later
// An application that embeds the element and keeps LibTorch's process-wide state as it
// set it: with NEURALSTYLE_TENSOR_CACHE=0 and NEURALSTYLE_PROCESS_SETTINGS=0, two
// elements stylising at the same time on two threads leave the CPU allocator, the thread
// count and the generator's seed alone. (ctest runs each case in a process of its own,
// so the environment set here reaches no other case.)
#include <c10/core/CPUAllocator.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>
#include <string>
#include <thread>

#include "element_test_support.hpp"

namespace neuralstyle::element_test {
namespace {

/// Runs two pipelines, each with its own neuralstyle element asking for other threads and
/// another seed, on two threads at once; both must stylise every frame.
void runTwoElementsOnTwoThreads() {
  TempDir dir;
  const std::string style = writeStyle(dir);
  Outcome first, second;
  const auto pipeline = [&](const std::string& settings) {
    return "videotestsrc num-buffers=2 ! video/x-raw,width=32,height=32 ! neuralstyle style-location=" +
           style + " weights-location=random:3 max-size=32 device=cpu steps=2 " + settings + " ! fakesink";
  };
  std::thread one([&] { first = runPipeline(pipeline("threads=2 seed=11")); });
  std::thread two([&] { second = runPipeline(pipeline("threads=2 seed=22 pooling=average")); });
  one.join();
  two.join();
  for (const Outcome* outcome : {&first, &second}) {
    EXPECT_TRUE(outcome->eos) << (outcome->timed_out ? "timed out " : "") << outcome->error_text;
    EXPECT_EQ(outcome->count("neuralstyle-frame-done"), 2u);
  }
}

TEST(ProcessSettingsOff, TwoElementsOnTwoThreadsLeaveAllocatorThreadsAndSeedAlone) {
  setenv("NEURALSTYLE_TENSOR_CACHE", "0", 1);
  setenv("NEURALSTYLE_PROCESS_SETTINGS", "0", 1);
  at::set_num_threads(1);
  torch::manual_seed(4242);
  c10::Allocator* allocator = c10::GetCPUAllocator();
  runTwoElementsOnTwoThreads();
  EXPECT_EQ(c10::GetCPUAllocator(), allocator) << "the tensor cache's allocator was installed";
  EXPECT_EQ(at::get_num_threads(), 1);
  EXPECT_EQ(at::detail::getDefaultCPUGenerator().current_seed(), 4242u);
}

TEST(ProcessSettingsOn, TwoElementsOnTwoThreadsInstallTheAllocatorAndSetThreadsAndSeed) {
  // The control: by default the same run does change all three.
  unsetenv("NEURALSTYLE_TENSOR_CACHE");
  unsetenv("NEURALSTYLE_PROCESS_SETTINGS");
  at::set_num_threads(1);
  torch::manual_seed(4242);
  c10::Allocator* allocator = c10::GetCPUAllocator();
  runTwoElementsOnTwoThreads();
  EXPECT_NE(c10::GetCPUAllocator(), allocator);
  EXPECT_EQ(at::get_num_threads(), 2);
  const uint64_t seed = at::detail::getDefaultCPUGenerator().current_seed();
  EXPECT_TRUE(seed == 11u || seed == 22u) << seed << ": the last element to start decides";
}

}  // namespace
}  // namespace neuralstyle::element_test
