#include "neuralstyle/options.hpp"

#include <cmath>
#include <sstream>

#include "neuralstyle/errors.hpp"

namespace neuralstyle {

std::vector<LayerWeight> defaultStyleLayers() {
  return {{"conv1_1", 1.0}, {"conv2_1", 0.75}, {"conv3_1", 0.2}, {"conv4_1", 0.2},
          {"conv5_1", 0.2}};
}

std::vector<LayerWeight> parseLayerWeights(const std::string& text) {
  std::vector<LayerWeight> layers;
  std::stringstream entries(text);
  std::string entry;
  while (std::getline(entries, entry, ',')) {
    const auto trim = [](std::string s) {
      const auto first = s.find_first_not_of(" \t");
      const auto last = s.find_last_not_of(" \t");
      return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
    };
    entry = trim(entry);
    const auto equals = entry.find('=');
    if (equals == std::string::npos)
      throw OptionsError("style layer weights: '" + entry + "' is not LAYER=WEIGHT");
    const std::string layer = trim(entry.substr(0, equals));
    const std::string value = trim(entry.substr(equals + 1));
    layerIndex(layer);  // throws for an unknown name
    size_t parsed = 0;
    double weight = 0;
    try {
      weight = std::stod(value, &parsed);
    } catch (const std::exception&) {
      parsed = 0;
    }
    if (parsed != value.size() || value.empty() || !std::isfinite(weight) || weight < 0)
      throw OptionsError("style layer weights: '" + value + "' for " + layer +
                         " is not a non-negative number");
    for (const auto& existing : layers)
      if (existing.layer == layer)
        throw OptionsError("style layer weights: " + layer + " is given twice");
    layers.push_back({layer, weight});
  }
  if (layers.empty()) throw OptionsError("style layer weights: no layer given");
  return layers;
}

std::string formatLayerWeights(const std::vector<LayerWeight>& layers) {
  std::ostringstream out;
  for (size_t i = 0; i < layers.size(); ++i)
    out << (i ? "," : "") << layers[i].layer << "=" << layers[i].weight;
  return out.str();
}

void StyleOptions::validate() const {
  if (steps < 0) throw OptionsError("steps must be >= 0, got " + std::to_string(steps));
  if (!(learning_rate > 0) || !std::isfinite(learning_rate))
    throw OptionsError("learning rate must be a positive finite number");
  if (!(content_weight >= 0) || !std::isfinite(content_weight))
    throw OptionsError("content weight must be a non-negative finite number");
  if (!(style_weight >= 0) || !std::isfinite(style_weight))
    throw OptionsError("style weight must be a non-negative finite number");
  layerIndex(content_layer);
  if (style_layers.empty()) throw OptionsError("at least one style layer is needed");
  for (const auto& layer : style_layers) {
    layerIndex(layer.layer);
    if (!(layer.weight >= 0) || !std::isfinite(layer.weight))
      throw OptionsError("style layer weight for " + layer.layer + " must be >= 0");
  }
  if (max_size < 16)
    throw OptionsError("max size must be at least 16 pixels, got " + std::to_string(max_size));
  if (progress_interval < 0) throw OptionsError("progress interval must be >= 0");
}

}  // namespace neuralstyle
