// safetensors: 8-byte little-endian header length, a JSON header, then raw tensor bytes.
// https://github.com/huggingface/safetensors#format
#include <algorithm>
#include <cstring>
#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/vgg19.hpp"
#include "weights_formats.hpp"

namespace neuralstyle::detail {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the format's own limit is 100 MB

struct TensorEntry {
  std::string dtype;
  std::vector<int64_t> shape;
  uint64_t begin = 0, end = 0;
};

torch::Tensor decode(const std::string& path, const std::string& key, const TensorEntry& entry,
                     const std::vector<char>& data) {
  int64_t count = 1;
  for (auto d : entry.shape) {
    if (d < 0) throw WeightsError("weights '" + path + "': tensor '" + key + "' has a negative dimension");
    count *= d;
  }
  size_t element_size = 0;
  torch::Dtype dtype;
  if (entry.dtype == "F32") {
    element_size = 4, dtype = torch::kFloat32;
  } else if (entry.dtype == "F16") {
    element_size = 2, dtype = torch::kFloat16;
  } else if (entry.dtype == "BF16") {
    element_size = 2, dtype = torch::kBFloat16;
  } else {
    throw WeightsError("weights '" + path + "': tensor '" + key + "' has dtype " + entry.dtype +
                       " (only F32, F16 and BF16 are read)");
  }
  if (entry.end < entry.begin || entry.end > data.size() ||
      entry.end - entry.begin != static_cast<uint64_t>(count) * element_size)
    throw WeightsError("weights '" + path + "': tensor '" + key +
                       "' lies outside the file or does not match its shape (truncated file?)");
  auto tensor = torch::empty(entry.shape, torch::TensorOptions().dtype(dtype));
  std::memcpy(tensor.data_ptr(), data.data() + entry.begin, entry.end - entry.begin);
  return tensor.to(torch::kFloat32);
}

}  // namespace

NetworkWeights readSafetensors(const std::string& path, Network network) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw WeightsError("weights '" + path + "': cannot open the file");
  uint8_t length_bytes[8];
  if (!file.read(reinterpret_cast<char*>(length_bytes), 8))
    throw WeightsError("weights '" + path + "': file too short for a safetensors header");
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | length_bytes[i];
  if (header_length == 0 || header_length > kMaxHeaderBytes)
    throw WeightsError("weights '" + path + "': not a safetensors file (header length " +
                       std::to_string(header_length) + ")");
  std::string header_text(header_length, '\0');
  if (!file.read(header_text.data(), static_cast<std::streamsize>(header_length)))
    throw WeightsError("weights '" + path + "': truncated safetensors header");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(header_text);
  } catch (const nlohmann::json::exception& e) {
    throw WeightsError("weights '" + path + "': corrupt safetensors header: " + e.what());
  }
  if (!header.is_object()) throw WeightsError("weights '" + path + "': corrupt safetensors header");
  std::vector<char> data((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());

  // torchvision's features checkpoint names keys "N.weight"; the full model and timm
  // "features.N.weight". Anything else (the classifier, metadata) is ignored.
  const auto keyOf = [&](const ConvSpec& spec, const char* kind) -> std::optional<std::string> {
    for (const std::string prefix : {"", "features."}) {
      const std::string key = prefix + spec.key + "." + kind;
      if (header.contains(key)) return key;
    }
    return std::nullopt;
  };
  const auto holds = [&](Network candidate) {
    const auto& specs = convSpecs(candidate);
    return std::all_of(specs.begin(), specs.end(), [&](const ConvSpec& spec) {
      return keyOf(spec, "weight") && keyOf(spec, "bias");
    });
  };
  const std::vector<Network> networks{Network::VGG19, Network::SqueezeNet1_1};
  std::optional<Network> held;
  for (const auto candidate : networks)
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
      TensorEntry entry;
      const auto& j = header[*key];
      try {
        entry.dtype = j.at("dtype").get<std::string>();
        entry.shape = j.at("shape").get<std::vector<int64_t>>();
        const auto offsets = j.at("data_offsets").get<std::vector<uint64_t>>();
        if (offsets.size() != 2) throw WeightsError("bad data_offsets");
        entry.begin = offsets[0];
        entry.end = offsets[1];
      } catch (const std::exception& e) {
        throw WeightsError("weights '" + path + "': corrupt entry for '" + *key + "': " + e.what());
      }
      auto tensor = decode(path, *key, entry, data);
      (std::string(kind) == "weight" ? weights.conv_weights : weights.conv_biases).push_back(tensor);
    }
  }
  return weights;
}

}  // namespace neuralstyle::detail
