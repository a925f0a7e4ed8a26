// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Reading an option's value back from the name toString gives it, with one error text.
#include <initializer_list>
#include <string>

#include "neuralstyle/errors.hpp"

namespace neuralstyle::detail {

/// The value among `values` whose toString is `name`; else OptionsError
/// "WHAT 'NAME' is not one of A, B, C", listing the names in the order given.
template <typename Enum>
Enum parseName(const std::string& name, std::initializer_list<Enum> values, const char* what) {
  std::string accepted;
  for (Enum value : values) {
    if (name == toString(value)) return value;
    accepted += (accepted.empty() ? "" : ", ") + toString(value);
  }
  throw OptionsError(std::string(what) + " '" + name + "' is not one of " + accepted);
}

}  // namespace neuralstyle::detail
