// SPDX-License-Identifier: LGPL-2.1-or-later
#include "environment_switch.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "neuralstyle/environment.hpp"
#include "neuralstyle/errors.hpp"

namespace neuralstyle::detail {

bool switchedOnByEnvironment(const std::string& variable) {
  const char* raw = std::getenv(variable.c_str());
  std::string value = raw ? raw : "";
  std::transform(value.begin(), value.end(), value.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (value.empty() || value == "1" || value == "on" || value == "true" || value == "yes")
    return true;
  if (value == "0" || value == "off" || value == "false" || value == "no") return false;
  throw OptionsError(variable + "='" + std::string(raw) +
                     "' is not understood: use 0 (off) or 1 (on, the default)");
}

}  // namespace neuralstyle::detail

namespace neuralstyle {

ProcessSwitches processSwitchesFromEnvironment() {
  ProcessSwitches switches;
  switches.tensor_cache = detail::switchedOnByEnvironment("NEURALSTYLE_TENSOR_CACHE");
  switches.process_settings = detail::switchedOnByEnvironment("NEURALSTYLE_PROCESS_SETTINGS");
  return switches;
}

}  // namespace neuralstyle
