// SPDX-License-Identifier: LGPL-2.1-or-later
#include "safetensors.hpp"

#include <algorithm>
#include <array>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"

namespace neuralstyle::detail {
namespace {

using json = nlohmann::json;

// Builds the index while nlohmann's parser walks the text: the JSON is never held as a
// DOM, and anything but the format's fixed layout is refused as soon as it is seen
// (so deep nesting never goes further than one level below what the format allows).
class HeaderHandler : public nlohmann::json_sax<json> {
 public:
  HeaderHandler(const std::string& path, SafetensorsIndex& index) : path_(path), index_(index) {}

  bool null() override { return unexpected("null"); }
  bool boolean(bool) override { return unexpected("a boolean"); }
  bool number_integer(number_integer_t) override {
    // nlohmann reports a number here only when it has a minus sign.
    return unexpected("a negative number");
  }
  bool number_unsigned(number_unsigned_t value) override {
    if (state_ == State::Shape) {
      if (entry_.shape.size() >= SafetensorsLimits::kMaxDims)
        fail("more than " + std::to_string(SafetensorsLimits::kMaxDims) + " dimensions");
      if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail("dimension " + std::to_string(value) + " is too large");
      entry_.shape.push_back(static_cast<int64_t>(value));
      return true;
    }
    if (state_ == State::Offsets) {
      if (offsets_.size() >= 2) fail("data_offsets holds more than two numbers");
      offsets_.push_back(value);
      return true;
    }
    return unexpected("a number");
  }
  bool number_float(number_float_t, const string_t& text) override {
    // Also what nlohmann makes of an integer too large for 64 bits.
    return unexpected("the number " + text + " (shape and data_offsets hold integers only)");
  }
  bool string(string_t& value) override {
    if (state_ == State::TensorValue && field_ == "dtype") {
      entry_.dtype = value;
      state_ = State::Tensor;
      return true;
    }
    if (state_ == State::MetadataValue) {
      index_.metadata[key_] = value;
      state_ = State::Metadata;
      return true;
    }
    return unexpected("a string");
  }
  bool binary(binary_t&) override { return unexpected("binary data"); }

  bool start_object(std::size_t) override {
    switch (state_) {
      case State::Start:
        state_ = State::Root;
        return true;
      case State::RootValue:
        if (key_ == "__metadata__") {
          if (seen_metadata_) fail("'__metadata__' appears twice");
          seen_metadata_ = true;
          state_ = State::Metadata;
        } else {
          if (index_.tensors.count(key_)) fail("tensor '" + key_ + "' appears twice");
          if (index_.tensors.size() >= SafetensorsLimits::kMaxTensors)
            fail("more than " + std::to_string(SafetensorsLimits::kMaxTensors) + " tensors");
          entry_ = SafetensorsEntry{};
          offsets_.clear();
          fields_seen_ = {};
          state_ = State::Tensor;
        }
        return true;
      default:
        return unexpected("an object");
    }
  }
  bool key(string_t& name) override {
    if (state_ == State::Root) {
      key_ = name;
      state_ = State::RootValue;
      return true;
    }
    if (state_ == State::Metadata) {
      if (index_.metadata.count(name)) fail("metadata key '" + name + "' appears twice");
      key_ = name;
      state_ = State::MetadataValue;
      return true;
    }
    if (state_ == State::Tensor) {
      static const std::array<const char*, 3> fields{"dtype", "shape", "data_offsets"};
      for (size_t i = 0; i < fields.size(); ++i) {
        if (name != fields[i]) continue;
        if (fields_seen_[i]) fail("tensor '" + key_ + "': '" + name + "' appears twice");
        fields_seen_[i] = true;
        field_ = name;
        state_ = State::TensorValue;
        return true;
      }
      fail("tensor '" + key_ + "': unknown field '" + name + "'");
    }
    return unexpected("a key");
  }
  bool end_object() override {
    if (state_ == State::Metadata) {
      state_ = State::Root;
      return true;
    }
    if (state_ == State::Tensor) {
      finishTensor();
      state_ = State::Root;
      return true;
    }
    if (state_ == State::Root) {
      state_ = State::Done;
      return true;
    }
    return unexpected("the end of an object");
  }
  bool start_array(std::size_t) override {
    if (state_ == State::TensorValue && field_ == "shape") {
      state_ = State::Shape;
      return true;
    }
    if (state_ == State::TensorValue && field_ == "data_offsets") {
      state_ = State::Offsets;
      return true;
    }
    return unexpected("an array");
  }
  bool end_array() override {
    if (state_ == State::Shape || state_ == State::Offsets) {
      state_ = State::Tensor;
      return true;
    }
    return unexpected("the end of an array");
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    throw WeightsError("weights '" + path_ + "': corrupt safetensors header: " + e.what());
  }

  bool done() const { return state_ == State::Done; }

 private:
  enum class State { Start, Root, RootValue, Metadata, MetadataValue, Tensor, TensorValue,
                     Shape, Offsets, Done };

  [[noreturn]] void fail(const std::string& what) const {
    throw WeightsError("weights '" + path_ + "': corrupt safetensors header: " + what);
  }
  bool unexpected(const std::string& what) const {
    std::string where = "at the top level";
    if (state_ == State::Metadata || state_ == State::MetadataValue)
      where = "in __metadata__ (string values only)";
    else if (state_ != State::Start && state_ != State::Root && state_ != State::RootValue)
      where = "in tensor '" + key_ + "'" + (field_.empty() ? "" : " field '" + field_ + "'");
    fail("unexpected " + what + " " + where);
  }
  void finishTensor() {
    if (!fields_seen_[0] || !fields_seen_[1] || !fields_seen_[2])
      fail("tensor '" + key_ + "' lacks dtype, shape or data_offsets");
    if (offsets_.size() != 2) fail("tensor '" + key_ + "': data_offsets must hold two numbers");
    entry_.begin = offsets_[0];
    entry_.end = offsets_[1];
    index_.tensors.emplace(key_, entry_);
    field_.clear();
  }

  const std::string& path_;
  SafetensorsIndex& index_;
  State state_ = State::Start;
  std::string key_;    // the tensor name or metadata key being read
  std::string field_;  // the tensor field being read
  std::array<bool, 3> fields_seen_{};
  bool seen_metadata_ = false;
  SafetensorsEntry entry_;
  std::vector<uint64_t> offsets_;
};

// Checks one entry against the data section; fills in its element count.
void validateEntry(const std::string& path, const std::string& name, SafetensorsEntry& entry,
                   uint64_t data_bytes) {
  const std::string what = "weights '" + path + "': tensor '" + name + "' ";
  const size_t element_size = safetensorsElementSize(entry.dtype);
  if (element_size == 0) throw WeightsError(what + "has an unknown dtype '" + entry.dtype + "'");
  // Both the element count and the product of the non-zero dimensions must fit in int64:
  // LibTorch computes strides from the latter even for an empty tensor.
  uint64_t elements = 1, extent = 1;
  for (const int64_t d : entry.shape) {
    const auto dim = static_cast<uint64_t>(d);
    if (__builtin_mul_overflow(elements, dim, &elements) ||
        __builtin_mul_overflow(extent, std::max<uint64_t>(dim, 1), &extent) ||
        extent > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw WeightsError(what + "has a shape too large to exist");
  }
  uint64_t bytes = 0;
  if (__builtin_mul_overflow(elements, element_size, &bytes))
    throw WeightsError(what + "has a shape too large to exist");
  if (entry.begin > entry.end || entry.end > data_bytes)
    throw WeightsError(what + "lies outside the file's data (bytes " + std::to_string(entry.begin) +
                       ".." + std::to_string(entry.end) + " of " + std::to_string(data_bytes) +
                       "): truncated or corrupt file");
  if (entry.end - entry.begin != bytes)
    throw WeightsError(what + "holds " + std::to_string(entry.end - entry.begin) +
                       " bytes, its shape and dtype need " + std::to_string(bytes) +
                       " (truncated or corrupt file?)");
  entry.elements = elements;
}

// Two tensors sharing bytes can only come from a crafted or corrupt header (writers lay
// tensors end to end); reading them would alias one tensor's data into another.
void refuseOverlaps(const std::string& path, const SafetensorsIndex& index) {
  std::vector<std::pair<const std::string*, const SafetensorsEntry*>> ranges;
  for (const auto& [name, entry] : index.tensors)
    if (entry.end > entry.begin) ranges.emplace_back(&name, &entry);
  std::sort(ranges.begin(), ranges.end(),
            [](const auto& a, const auto& b) { return a.second->begin < b.second->begin; });
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].second->begin < ranges[i - 1].second->end)
      throw WeightsError("weights '" + path + "': corrupt safetensors header: tensors '" +
                         *ranges[i - 1].first + "' and '" + *ranges[i].first + "' share bytes " +
                         std::to_string(ranges[i].second->begin) + ".." +
                         std::to_string(std::min(ranges[i].second->end, ranges[i - 1].second->end)));
}

}  // namespace

size_t safetensorsElementSize(std::string_view dtype) {
  static const std::map<std::string_view, size_t> sizes{
      {"BOOL", 1}, {"U8", 1},  {"I8", 1},  {"F8_E5M2", 1}, {"F8_E4M3", 1},
      {"I16", 2},  {"U16", 2}, {"F16", 2}, {"BF16", 2},    {"I32", 4},
      {"U32", 4},  {"F32", 4}, {"I64", 8}, {"U64", 8},     {"F64", 8}};
  const auto it = sizes.find(dtype);
  return it == sizes.end() ? 0 : it->second;
}

SafetensorsIndex parseSafetensorsHeader(std::string_view text, uint64_t data_bytes,
                                        const std::string& path) {
  SafetensorsIndex index;
  HeaderHandler handler(path, index);
  // strict: nothing but whitespace may follow the header object.
  json::sax_parse(text.begin(), text.end(), &handler, nlohmann::detail::input_format_t::json,
                  /*strict=*/true);
  if (!handler.done())
    throw WeightsError("weights '" + path + "': corrupt safetensors header: not a JSON object");
  for (auto& [name, entry] : index.tensors) validateEntry(path, name, entry, data_bytes);
  refuseOverlaps(path, index);
  return index;
}

SafetensorsFile::SafetensorsFile(const std::string& path) : path_(path) {
  file_.open(path, std::ios::binary);
  if (!file_) throw WeightsError("weights '" + path + "': cannot open the file");
  std::error_code error;
  const uint64_t file_size = std::filesystem::file_size(path, error);
  if (error) throw WeightsError("weights '" + path + "': cannot read its size: " + error.message());
  uint8_t length_bytes[8];
  if (file_size < 8 || !file_.read(reinterpret_cast<char*>(length_bytes), 8))
    throw WeightsError("weights '" + path + "': file too short for a safetensors header");
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | length_bytes[i];
  if (header_length < 2 || header_length > SafetensorsLimits::kMaxHeaderBytes)
    throw WeightsError("weights '" + path + "': not a safetensors file (header length " +
                       std::to_string(header_length) + "; at most " +
                       std::to_string(SafetensorsLimits::kMaxHeaderBytes) + " bytes are read)");
  if (header_length > file_size - 8)
    throw WeightsError("weights '" + path + "': truncated safetensors header (" +
                       std::to_string(header_length) + " bytes announced, the file has " +
                       std::to_string(file_size - 8) + " after the length)");
  std::string header(header_length, '\0');
  if (!file_.read(header.data(), static_cast<std::streamsize>(header_length)))
    throw WeightsError("weights '" + path + "': truncated safetensors header");
  data_start_ = 8 + header_length;
  index_ = parseSafetensorsHeader(header, file_size - data_start_, path);
}

const SafetensorsEntry* SafetensorsFile::find(const std::string& name) const {
  const auto it = index_.tensors.find(name);
  return it == index_.tensors.end() ? nullptr : &it->second;
}

torch::Tensor SafetensorsFile::readFloat32(const std::string& name) {
  const SafetensorsEntry* entry = find(name);
  if (!entry) throw WeightsError("weights '" + path_ + "': no tensor '" + name + "'");
  torch::Dtype dtype;
  if (entry->dtype == "F32")
    dtype = torch::kFloat32;
  else if (entry->dtype == "F16")
    dtype = torch::kFloat16;
  else if (entry->dtype == "BF16")
    dtype = torch::kBFloat16;
  else
    throw WeightsError("weights '" + path_ + "': tensor '" + name + "' has dtype " + entry->dtype +
                       " (only F32, F16 and BF16 are read)");
  auto tensor = torch::empty(entry->shape, torch::TensorOptions().dtype(dtype));
  const uint64_t bytes = entry->end - entry->begin;
  // An empty tensor has no storage to read into (data_ptr() may be null).
  if (bytes > 0) {
    file_.clear();
    file_.seekg(static_cast<std::streamoff>(data_start_ + entry->begin));
    if (!file_.read(static_cast<char*>(tensor.data_ptr()), static_cast<std::streamsize>(bytes)))
      throw WeightsError("weights '" + path_ + "': tensor '" + name +
                         "' cannot be read (the file shrank while being read?)");
  }
  return tensor.to(torch::kFloat32);
}

}  // namespace neuralstyle::detail
