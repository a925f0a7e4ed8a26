// SPDX-License-Identifier: LGPL-2.1-or-later
// The LibTorch engine: pytorch/examples' fast_neural_style TransformerNet
// (transformer_net.hpp), its weights from a safetensors file with the same state-dict
// names. Width and number of residual blocks follow from the tensors' shapes; the
// metadata's "output" says whether the network bounds its output (the models this
// project trains do).
#include <torch/torch.h>

#include <c10/core/InferenceMode.h>
#include <optional>

#include "feed_forward_engine.hpp"
#include "tensor_memory_cache.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/stylizer_tensor.hpp"
#include "safetensors.hpp"
#include "transformer_net.hpp"

namespace neuralstyle::detail {
namespace {

std::string shapeText(c10::IntArrayRef shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

class LibTorchNetwork final : public FeedForwardNetwork {
 public:
  LibTorchNetwork(const std::string& path, FeedForwardDevice device, bool tensor_cache)
      : path_(path), device_(transformerNetDevice(device)) {
    SafetensorsFile file(path);
    convention_ = ModelConvention::fromMetadata(file.index().metadata, path);
    const auto* first = file.find("conv1.conv2d.weight");
    if (!first || first->shape.size() != 4 || first->shape[1] != 3 || first->shape[2] != 9 ||
        first->shape[3] != 9 || first->shape[0] < 1)
      refuse("'conv1.conv2d.weight' must be a [W,3,9,9] tensor (pytorch/examples' "
             "TransformerNet names); " +
             (first ? "it is " + shapeText(first->shape) : std::string("the file has none")));
    width_ = first->shape[0];
    while (file.find("res" + std::to_string(residual_blocks_ + 1) + ".conv1.conv2d.weight"))
      ++residual_blocks_;
    const auto output = file.index().metadata.find("output");
    net_ = TransformerNet(width_, residual_blocks_,
                          output == file.index().metadata.end()
                              ? TransformerOutput::Linear
                              : parseTransformerOutput(output->second, path));
    loadParameters(file);
    net_->eval();
    net_->to(device_);
    reuses_tensor_memory_ = device_.is_cpu() && tensor_cache;
  }

  cv::Mat run(const cv::Mat& pixels) override {
    CV_Assert(pixels.type() == CV_32FC3 && pixels.isContinuous());
    c10::InferenceMode inference;
    // A frame's activations are megabytes each, freed and allocated again at every frame:
    // left to glibc's adaptive thresholds, each was mapped fresh from the kernel (page
    // faults were 2/3 of a frame here). The scope pins the thresholds and reuses the
    // largest blocks within the frame (tensor_memory_cache.hpp).
    std::optional<TensorMemoryScope> reuse_tensor_memory;
    if (reuses_tensor_memory_) reuse_tensor_memory.emplace();
    const auto input = torch::from_blob(const_cast<float*>(pixels.ptr<float>()),
                                        {1, pixels.rows, pixels.cols, 3}, torch::kFloat32)
                           .permute({0, 3, 1, 2})
                           .to(device_);
    const auto output =
        net_->forward(input).permute({0, 2, 3, 1}).contiguous().to(torch::kCPU);
    cv::Mat result(pixels.rows, pixels.cols, CV_32FC3);
    std::memcpy(result.ptr<float>(), output.data_ptr<float>(), result.total() * 3 * sizeof(float));
    return result;
  }

  ModelConvention convention() const override { return convention_; }

  std::string describe() const override {
    return "LibTorch TransformerNet (width " + std::to_string(width_) + ", " +
           std::to_string(residual_blocks_) + " residual blocks) on " +
           (device_.is_cuda() ? "CUDA" : "CPU with " + std::to_string(at::get_num_threads()) +
                                             " threads") +
           ", '" + path_ + "'";
  }

 private:
  [[noreturn]] void refuse(const std::string& what) const {
    throw WeightsError("model '" + path_ + "': " + what);
  }

  // Every parameter from its state-dict key, shapes exactly as the width implies; a key
  // the network does not have is refused too (a file of another architecture, or one
  // with a block count the keys skip).
  void loadParameters(SafetensorsFile& file) {
    torch::NoGradGuard no_grad;
    const std::string layout = net_->layout();
    auto parameters = net_->named_parameters();
    for (auto& parameter : parameters) {
      const auto& name = parameter.key();
      auto& tensor = parameter.value();
      const auto* entry = file.find(name);
      if (!entry) refuse("tensor '" + name + "' is missing (" + layout + " needs it)");
      if (c10::IntArrayRef(entry->shape) != tensor.sizes())
        refuse("tensor '" + name + "' has shape " + shapeText(entry->shape) + ", " + layout +
               " needs " + shapeText(tensor.sizes()));
      tensor.copy_(file.readFloat32(name));
    }
    for (const auto& [name, entry] : file.index().tensors)
      if (!parameters.contains(name))
        refuse("tensor '" + name + "' is not part of " + layout);
  }

  std::string path_;
  ModelConvention convention_;
  torch::Device device_;
  bool reuses_tensor_memory_ = false;  // CPU frames run in a TensorMemoryScope
  int64_t width_ = 0;
  int64_t residual_blocks_ = 0;
  TransformerNet net_{nullptr};
};

}  // namespace

std::unique_ptr<FeedForwardNetwork> openLibTorchNetwork(const std::string& path,
                                                        FeedForwardDevice device, int threads,
                                                        bool tensor_cache) {
  configureThreads(threads);
  return std::make_unique<LibTorchNetwork>(path, device, tensor_cache);
}

}  // namespace neuralstyle::detail
