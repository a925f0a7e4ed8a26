// SPDX-License-Identifier: LGPL-2.1-or-later
#include "call_counts.hpp"

namespace neuralstyle::detail {

CallCounts& callCounts() {
  static CallCounts counts;
  return counts;
}

}  // namespace neuralstyle::detail
