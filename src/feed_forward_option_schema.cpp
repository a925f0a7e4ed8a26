// SPDX-License-Identifier: LGPL-2.1-or-later
// The table of the feed-forward networks' options (feedForwardOptionSpecs in
// feed_forward.hpp): the fastneuralstyle element's properties and the CLI's --model
// flags are made from it.
#include "neuralstyle/feed_forward.hpp"
#include "option_builders.hpp"

namespace neuralstyle {
namespace {

using namespace option_builders;
using F = FeedForwardOptions;

std::vector<OptionSpecOf<F>> makeFeedForwardOptions() {
  std::vector<OptionSpecOf<F>> specs;
  const auto add = [&specs](OptionSpecOf<F> spec) {
    spec.group = "feed-forward";
    specs.push_back(std::move(spec));
  };
  add(text({"model-location", "Model location",
            "The feed-forward style network: an ONNX file in the pytorch/examples convention "
            "(1x3xHxW RGB 0..255 in and out), or its weights as .safetensors",
            kAnyTime},
           "FILE", member(&F::model)));
  add(choice({"engine", "Engine", "What runs the network", kBeforeStart}, member(&F::engine),
             {{FeedForwardEngine::Auto,
               {"auto", "By the model file: opencv for .onnx, libtorch for .safetensors"}},
              {FeedForwardEngine::OpenCV, {"opencv", "OpenCV's dnn module on an ONNX model"}},
              {FeedForwardEngine::LibTorch,
               {"libtorch", "LibTorch on the network's safetensors weights"}}}));
  add(choice({"device", "Device", "Where the network runs", kBeforeStart}, member(&F::device),
             {{FeedForwardDevice::Auto, {"auto", "CUDA where the engine has it, else the CPU"}},
              {FeedForwardDevice::Cpu, {"cpu", "The CPU"}},
              {FeedForwardDevice::OpenCL, {"opencl", "OpenCV's OpenCL target (opencv engine only)"}},
              {FeedForwardDevice::Cuda,
               {"cuda", "CUDA (an error where the engine was built without it)"}}}));
  add(integer({"max-size", "Maximum processing size",
               "Longest side the network sees, in pixels (each side rounded to a multiple of "
               "4); 0 = the frame's own size. The output keeps the frame's size",
               kAnyTime},
              0, 16384, member(&F::max_size)));
  add(number({"strength", "Strength",
              "The stylised frame blended with the original: 0 = the original, 1 = the "
              "network's output alone",
              kAnyTime},
             0.0, 1.0, member(&F::strength)));
  add(flag({"preserve-colors", "Preserve colours",
            "Keep the frame's colours: the result's luminance with the frame's chroma (YCrCb)",
            kAnyTime},
           member(&F::preserve_colors)));
  add(number({"temporal-blend", "Temporal blend",
              "Against flicker: weight of the previous output, moved onto this frame by "
              "optical flow, where the flow is consistent (nowhere an object appears or moves "
              "unpredictably); 0 = off",
              kAnyTime},
             0.0, 0.99, member(&F::temporal_blend)));
  add(integer({"threads", "Threads", "Threads of the engine's library (process-wide); 0 = all cores",
               kBeforeStart},
              0, 1024, member(&F::threads)));
  return specs;
}

}  // namespace

const std::vector<OptionSpecOf<FeedForwardOptions>>& feedForwardOptionSpecs() {
  static const std::vector<OptionSpecOf<FeedForwardOptions>> specs = makeFeedForwardOptions();
  return specs;
}

}  // namespace neuralstyle
