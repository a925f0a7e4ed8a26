// SPDX-License-Identifier: LGPL-2.1-or-later
// LibTorch's process-wide settings a Stylizer makes (the intra-op thread count and the
// default generator's seed), and their off switches for applications that configure
// LibTorch themselves: EngineOptions::process_settings and NEURALSTYLE_PROCESS_SETTINGS.
// (The CPU allocator's own switches are tested in test_process_allocator.cpp.)
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdlib>

#include "neuralstyle/environment.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/stylizer.hpp"

using namespace neuralstyle;

namespace {

/// The application's own settings, different from what the Stylizer below asks for.
constexpr int kApplicationThreads = 1;
constexpr uint64_t kApplicationSeed = 4242;

EngineOptions engineAsking() {
  EngineOptions engine;
  engine.weights = "random:1";
  engine.network = Network::SqueezeNet1_1;  // the cheapest random network
  engine.device = DeviceKind::CPU;
  engine.threads = 2;
  engine.seed = 7;
  return engine;
}

struct Settings {
  int threads;
  uint64_t seed;
};

Settings afterMakingAStylizer(const EngineOptions& engine) {
  at::set_num_threads(kApplicationThreads);
  torch::manual_seed(kApplicationSeed);
  Stylizer stylizer(engine);
  return {at::get_num_threads(), at::detail::getDefaultCPUGenerator().current_seed()};
}

class ProcessSettings : public testing::Test {
 protected:
  void SetUp() override { unsetenv("NEURALSTYLE_PROCESS_SETTINGS"); }
  void TearDown() override { unsetenv("NEURALSTYLE_PROCESS_SETTINGS"); }
};

TEST_F(ProcessSettings, ByDefaultTheStylizerSetsThreadsAndSeed) {
  const Settings settings = afterMakingAStylizer(engineAsking());
  EXPECT_EQ(settings.threads, 2);
  EXPECT_EQ(settings.seed, 7u);
}

TEST_F(ProcessSettings, TheEngineOptionLeavesTheApplicationsSettings) {
  EngineOptions engine = engineAsking();
  engine.process_settings = false;
  const Settings settings = afterMakingAStylizer(engine);
  EXPECT_EQ(settings.threads, kApplicationThreads);
  EXPECT_EQ(settings.seed, kApplicationSeed);
}

TEST_F(ProcessSettings, TheEnvironmentVariableIsReadForTheFrontEndsNotByTheStylizer) {
  // The element and the CLI read it (processSwitchesFromEnvironment) and pass it as
  // EngineOptions::process_settings; the core's classes never read the environment.
  setenv("NEURALSTYLE_PROCESS_SETTINGS", "off", 1);
  EXPECT_FALSE(processSwitchesFromEnvironment().process_settings);
  const Settings settings = afterMakingAStylizer(engineAsking());
  EXPECT_EQ(settings.threads, 2);
  EXPECT_EQ(settings.seed, 7u);
  for (const char* on : {"", "1", "on", "TRUE", "yes"}) {
    setenv("NEURALSTYLE_PROCESS_SETTINGS", on, 1);
    EXPECT_TRUE(processSwitchesFromEnvironment().process_settings) << on;
  }
}

TEST_F(ProcessSettings, TheEnvironmentVariableRefusesWhatItDoesNotUnderstand) {
  setenv("NEURALSTYLE_PROCESS_SETTINGS", "sometimes", 1);
  try {
    processSwitchesFromEnvironment();
    ADD_FAILURE() << "a value it does not understand was accepted";
  } catch (const OptionsError& error) {
    EXPECT_NE(std::string(error.what()).find("NEURALSTYLE_PROCESS_SETTINGS='sometimes'"), std::string::npos)
        << error.what();
  }
}

}  // namespace
