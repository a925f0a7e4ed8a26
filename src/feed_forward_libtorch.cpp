// SPDX-License-Identifier: LGPL-2.1-or-later
// The LibTorch engine: not written yet. Until it is, engine 'libtorch' (and 'auto' with
// a .safetensors model) is refused with a message that says so, never a silent fallback.
#include "feed_forward_engine.hpp"
#include "neuralstyle/errors.hpp"

namespace neuralstyle::detail {

std::unique_ptr<FeedForwardNetwork> openLibTorchNetwork(const std::string& path,
                                                        FeedForwardDevice, int) {
  throw OptionsError("engine 'libtorch' for '" + path +
                     "' is not available yet: use an .onnx model with engine 'opencv'");
}

}  // namespace neuralstyle::detail
