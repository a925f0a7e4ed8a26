// VGG19 weights from a safetensors file: torchvision's key names mapped onto the 16
// convolutions. Reading and validating the file is safetensors.cpp's job.
#include <optional>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/vgg19.hpp"
#include "safetensors.hpp"
#include "weights_formats.hpp"

namespace neuralstyle::detail {

Vgg19Weights readSafetensors(const std::string& path) {
  SafetensorsFile file(path);
  Vgg19Weights weights;
  weights.source = path;
  weights.convention = InputConvention::torchvision();
  const auto& indices = vgg19ConvIndices();
  // torchvision's features checkpoint names keys "N.weight"; the full model and timm
  // "features.N.weight". Anything else (the classifier, metadata) is ignored.
  const auto find = [&](int index, const std::string& kind) -> std::optional<std::string> {
    for (const std::string prefix : {"", "features."}) {
      const std::string key = prefix + std::to_string(index) + "." + kind;
      if (file.find(key)) return key;
    }
    return std::nullopt;
  };
  for (size_t i = 0; i < indices.size(); ++i) {
    for (const std::string kind : {"weight", "bias"}) {
      const auto key = find(indices[i], kind);
      if (!key)
        throw WeightsError("weights '" + path + "': missing " + layerNames()[i] + " " + kind +
                           " (key '" + std::to_string(indices[i]) + "." + kind + "' or 'features." +
                           std::to_string(indices[i]) + "." + kind + "')");
      (kind == "weight" ? weights.conv_weights : weights.conv_biases)
          .push_back(file.readFloat32(*key));
    }
  }
  return weights;
}

}  // namespace neuralstyle::detail
