// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// How often the work that belongs once per setting, or once per frame, ran in this
// process: the tests hold a stream's frame path to no option validation and to one frame
// plan a frame. Not installed; relaxed atomics, as nothing is ordered by them.
#include <atomic>

namespace neuralstyle::detail {

struct CallCounts {
  /// StyleOptions::validate and VideoOptions::validate.
  std::atomic<long> option_validations{0};
  /// planFrame.
  std::atomic<long> frame_plans{0};
  /// Style Gram targets a Stylizer computed (its cache's misses).
  std::atomic<long> style_target_computations{0};
};

CallCounts& callCounts();

inline void count(std::atomic<long>& counter) { counter.fetch_add(1, std::memory_order_relaxed); }

}  // namespace neuralstyle::detail
