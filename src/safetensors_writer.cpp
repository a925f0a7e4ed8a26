// SPDX-License-Identifier: LGPL-2.1-or-later
#include "safetensors_writer.hpp"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include "atomic_file.hpp"
#include "neuralstyle/errors.hpp"

namespace neuralstyle::detail {
namespace {

const char* dtypeName(const torch::Tensor& tensor, const std::string& name, const std::string& path) {
  if (tensor.scalar_type() == torch::kFloat32) return "F32";
  if (tensor.scalar_type() == torch::kUInt8) return "U8";
  throw WeightsError("'" + path + "': tensor '" + name + "' is " +
                     std::string(c10::toString(tensor.scalar_type())) + " (written: float32, uint8)");
}

}  // namespace

void writeSafetensors(const std::string& path,
                      const std::vector<std::pair<std::string, torch::Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::vector<torch::Tensor> contiguous;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    contiguous.push_back(tensor.detach().to(torch::kCPU).contiguous());
    const uint64_t bytes = contiguous.back().nbytes();
    header[name] = {{"dtype", dtypeName(tensor, name, path)},
                    {"shape", tensor.sizes().vec()},
                    {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data section starts 8-byte aligned

  writeFileAtomically(path, [&](std::ostream& file) {
    const uint64_t length = text.size();
    unsigned char le[8];
    for (int i = 0; i < 8; ++i) le[i] = static_cast<unsigned char>(length >> (8 * i));
    file.write(reinterpret_cast<const char*>(le), 8);
    file.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& tensor : contiguous)
      file.write(static_cast<const char*>(tensor.data_ptr()), static_cast<std::streamsize>(tensor.nbytes()));
  });
}

}  // namespace neuralstyle::detail
