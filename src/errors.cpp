// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/errors.hpp"

#include <c10/util/Exception.h>

namespace neuralstyle {

std::optional<std::string> libtorchMessage(const std::exception& error) {
  if (const auto* libtorch = dynamic_cast<const c10::Error*>(&error))
    return std::string(libtorch->what_without_backtrace());
  return std::nullopt;
}

}  // namespace neuralstyle
