// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// A hardened reader of safetensors files, independent of any one network: it parses and
// validates the whole header into an index (name -> dtype, shape, byte range) and decodes
// a named tensor to float32. Network-specific key mapping lives with each network.
//
// Format: 8-byte little-endian header length N, N bytes of JSON
//   {"NAME": {"dtype": "F32", "shape": [...], "data_offsets": [BEGIN, END]}, ...,
//    "__metadata__": {"key": "string", ...}}
// then the raw little-endian tensor bytes; offsets are relative to that data section.
// https://github.com/huggingface/safetensors#format
//
// A weights file comes from wherever a user downloaded it, so everything in it is
// checked before it is used: the header is parsed with a SAX handler (no JSON DOM, whose
// memory was ~60x the header's size), every number must be a non-negative JSON integer,
// element counts and byte sizes are overflow-checked, and every tensor must lie inside
// the file. Every problem is a WeightsError naming the file and, where it applies, the
// tensor.
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
#include <torch/types.h>

namespace neuralstyle::detail {

/// Limits the reader enforces (real files are far below them: VGG19's and SqueezeNet's
/// headers are a few KB with 32-53 tensors of at most 4 dimensions).
struct SafetensorsLimits {
  static constexpr uint64_t kMaxHeaderBytes = 1u << 20;  // 1 MiB
  static constexpr size_t kMaxTensors = 4096;
  static constexpr size_t kMaxDims = 8;
};

/// One tensor of the header, validated: its byte range lies inside the data section and
/// holds exactly elements() x elementSize(dtype) bytes.
struct SafetensorsEntry {
  std::string dtype;           ///< "F32", "F16", "BF16", "I64", ...
  std::vector<int64_t> shape;  ///< each dimension >= 0
  uint64_t begin = 0, end = 0;  ///< byte range within the data section
  uint64_t elements = 0;        ///< product of the shape (1 for a scalar)
};

/// The validated header of a safetensors file.
struct SafetensorsIndex {
  std::map<std::string, SafetensorsEntry> tensors;
  std::map<std::string, std::string> metadata;  ///< "__metadata__", if any
};

/// Bytes per element of a safetensors dtype; 0 if the dtype is unknown.
size_t safetensorsElementSize(std::string_view dtype);

/// Parses and validates a header's JSON text for a data section of `data_bytes` bytes.
/// `path` names the file in error messages. Throws WeightsError.
SafetensorsIndex parseSafetensorsHeader(std::string_view json, uint64_t data_bytes,
                                        const std::string& path);

/// A safetensors file whose header has been read and validated; tensors are read from
/// the file one at a time, on demand.
class SafetensorsFile {
 public:
  /// Opens `path` and validates its header. Throws WeightsError.
  explicit SafetensorsFile(const std::string& path);

  const std::string& path() const { return path_; }
  const SafetensorsIndex& index() const { return index_; }
  /// The entry named `name`, or nullptr.
  const SafetensorsEntry* find(const std::string& name) const;

  /// Tensor `name` (F32, F16 or BF16 in the file) as a float32 CPU tensor of its shape.
  /// Throws WeightsError if it is missing, of another dtype, or cannot be read.
  torch::Tensor readFloat32(const std::string& name);

 private:
  std::string path_;
  std::ifstream file_;
  uint64_t data_start_ = 0;  ///< file offset of the data section
  SafetensorsIndex index_;
};

}  // namespace neuralstyle::detail
