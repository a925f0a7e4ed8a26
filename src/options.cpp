// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/options.hpp"

#include <cmath>
#include <sstream>

#include "call_counts.hpp"
#include "neuralstyle/errors.hpp"
#include "parse_name.hpp"

namespace neuralstyle {

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
    if (layer.empty()) throw OptionsError("style layer weights: '" + entry + "' names no layer");
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
  detail::count(detail::callCounts().option_validations);
  if (steps < 0) throw OptionsError("steps must be >= 0, got " + std::to_string(steps));
  if (learning_rate && (!(*learning_rate > 0) || !std::isfinite(*learning_rate)))
    throw OptionsError("learning rate must be a positive finite number");
  if (!(content_weight >= 0) || !std::isfinite(content_weight))
    throw OptionsError("content weight must be a non-negative finite number");
  if (style_weight && (!(*style_weight >= 0) || !std::isfinite(*style_weight)))
    throw OptionsError("style weight must be a non-negative finite number");
  for (const auto& layer : style_layers)
    if (!(layer.weight >= 0) || !std::isfinite(layer.weight))
      throw OptionsError("style layer weight for " + layer.layer + " must be >= 0");
  if (max_size < 16)
    throw OptionsError("max size must be at least 16 pixels, got " + std::to_string(max_size));
  if (progress_interval < 0) throw OptionsError("progress interval must be >= 0");
  if (!(tv_weight >= 0) || !std::isfinite(tv_weight))
    throw OptionsError("TV weight must be a non-negative finite number");
  if (style_scale && !(*style_scale > 0 && *style_scale <= 8))
    throw OptionsError("style scale must be greater than 0 and at most 8");
  if (scales < 1 || scales > 8)
    throw OptionsError("scales must be between 1 and 8, got " + std::to_string(scales));
  if (coarse_steps < 0)
    throw OptionsError("coarse steps must be >= 0 (0 = steps), got " + std::to_string(coarse_steps));
  if (!(scale_factor > 1 && scale_factor <= 4))
    throw OptionsError("scale factor must be greater than 1 and at most 4");
  if (tile_size != 0 && (tile_size < 64 || tile_size > 16384))
    throw OptionsError("tile size must be 0 (no tiling) or between 64 and 16384, got " +
                       std::to_string(tile_size));
  if (tile_overlap < 0 || (tile_size > 0 && 2 * tile_overlap > tile_size))
    throw OptionsError("tile overlap must be >= 0 and at most half the tile size, got " +
                       std::to_string(tile_overlap));
}

std::string toString(GramNormalization normalization) {
  return normalization == GramNormalization::Positions ? "positions" : "none";
}

GramNormalization parseGramNormalization(const std::string& name) {
  return detail::parseName(name, {GramNormalization::None, GramNormalization::Positions},
                           "Gram normalisation");
}

std::string toString(Init init) {
  switch (init) {
    case Init::Noise: return "noise";
    case Init::Image: return "image";
    case Init::Content: break;
  }
  return "content";
}

Init parseInit(const std::string& name) {
  return detail::parseName(name, {Init::Content, Init::Noise, Init::Image}, "init");
}

StyleOptions StyleOptions::resolvedFor(Network network) const {
  validate();
  const auto& defaults = networkDefaults(network);
  StyleOptions resolved = *this;
  if (!resolved.learning_rate) resolved.learning_rate = defaults.learning_rate;
  if (!resolved.style_weight) resolved.style_weight = defaults.style_weight;
  if (resolved.content_layer.empty()) resolved.content_layer = defaults.content_layer;
  if (resolved.style_layers.empty()) resolved.style_layers = defaults.style_layers;
  featureLayer(network, resolved.content_layer);  // throws for an unknown name
  for (const auto& layer : resolved.style_layers) featureLayer(network, layer.layer);
  return resolved;
}

}  // namespace neuralstyle
