// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// What the Winograd tests (test_winograd.cpp, test_portable_winograd.cpp) share: a random
// 3x3 layer and the relative error they compare by.
#include <cmath>
#include <cstdint>
#include <torch/torch.h>

namespace neuralstyle::test {

inline double relativeL2(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a - b).norm() / b.norm().clamp_min(1e-30)).item<double>();
}

struct Layer {
  torch::Tensor weight, bias;
};

/// A [out, in, 3, 3] weight and an [out] bias from `seed`.
inline Layer randomLayer(int64_t in, int64_t out, uint64_t seed) {
  torch::manual_seed(seed);
  // He initialisation, as trained weights roughly are, so that activations stay O(1).
  return {torch::randn({out, in, 3, 3}) * std::sqrt(2.0 / (9.0 * in)), torch::randn({out}) * 0.1};
}

}  // namespace neuralstyle::test
