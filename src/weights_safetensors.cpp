// SPDX-License-Identifier: LGPL-2.1-or-later
// Network weights from a safetensors file: torchvision's key names mapped onto a
// network's convolutions, the network recognised from which names the file holds.
// Reading and validating the file is safetensors.cpp's job.
#include <algorithm>
#include <optional>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "safetensors.hpp"
#include "weights_formats.hpp"

namespace neuralstyle::detail {

NetworkWeights readSafetensors(const std::string& path, Network network) {
  SafetensorsFile file(path);
  // torchvision's features checkpoint names keys "N.weight"; the whole model and timm
  // "features.N.weight". Anything else (the classifier, metadata) is ignored.
  const auto keyOf = [&](const ConvSpec& spec, const char* kind) -> std::optional<std::string> {
    for (const std::string prefix : {"", "features."}) {
      const std::string key = prefix + spec.key + "." + kind;
      if (file.find(key)) return key;
    }
    return std::nullopt;
  };
  const auto holds = [&](Network candidate) {
    const auto& specs = convSpecs(candidate);
    return std::all_of(specs.begin(), specs.end(), [&](const ConvSpec& spec) {
      return keyOf(spec, "weight") && keyOf(spec, "bias");
    });
  };
  std::optional<Network> held;
  for (const auto candidate : {Network::VGG19, Network::SqueezeNet1_1})
    if (holds(candidate)) held = candidate;
  if (network != Network::Auto && held && *held != network)
    throw WeightsError("weights '" + path + "' hold " + networkName(*held) + ", but network " +
                       networkName(network) + " was asked for");
  // Neither network complete: report what the asked one (VGG19 for auto) misses.
  const Network wanted = held ? *held : (network == Network::Auto ? Network::VGG19 : network);

  NetworkWeights weights;
  weights.network = wanted;
  weights.source = path;
  weights.convention = InputConvention::torchvision();
  const auto& specs = convSpecs(wanted);
  for (size_t i = 0; i < specs.size(); ++i) {
    for (const char* kind : {"weight", "bias"}) {
      const auto key = keyOf(specs[i], kind);
      if (!key)
        throw WeightsError("weights '" + path + "': missing " + networkName(wanted) + " " +
                           (wanted == Network::VGG19 ? featureLayerNames(wanted)[i]
                                                     : "convolution " + specs[i].key) +
                           " " + kind + " (key '" + specs[i].key + "." + kind + "' or 'features." +
                           specs[i].key + "." + kind + "')");
      (std::string(kind) == "weight" ? weights.conv_weights : weights.conv_biases)
          .push_back(file.readFloat32(*key));
    }
  }
  return weights;
}

}  // namespace neuralstyle::detail
