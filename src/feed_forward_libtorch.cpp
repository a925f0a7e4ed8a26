// SPDX-License-Identifier: LGPL-2.1-or-later
// The LibTorch engine: pytorch/examples' fast_neural_style TransformerNet as a LibTorch
// module, in the layout of pytorch/examples/cpp (…Impl + TORCH_MODULE), its weights
// from a safetensors file with the same state-dict names. Width and number of residual
// blocks follow from the tensors' shapes.
#include <torch/torch.h>

#include <c10/core/InferenceMode.h>

#include "feed_forward_engine.hpp"
#include "neuralstyle/errors.hpp"
#include "neuralstyle/stylizer.hpp"
#include "safetensors.hpp"

namespace neuralstyle::detail {
namespace {

namespace nn = torch::nn;

// Reflection padding of kernel/2, then the convolution: the output keeps the size
// (stride 1) or halves it (stride 2) without the border artefacts of zero padding.
struct ConvLayerImpl : nn::Module {
  ConvLayerImpl(int64_t in, int64_t out, int64_t kernel, int64_t stride)
      : reflection_pad(register_module("reflection_pad",
                                       nn::ReflectionPad2d(nn::ReflectionPad2dOptions(kernel / 2)))),
        conv2d(register_module("conv2d", nn::Conv2d(nn::Conv2dOptions(in, out, kernel).stride(stride)))) {}
  torch::Tensor forward(const torch::Tensor& x) { return conv2d(reflection_pad(x)); }
  nn::ReflectionPad2d reflection_pad;
  nn::Conv2d conv2d;
};
TORCH_MODULE(ConvLayer);

nn::InstanceNorm2d instanceNorm(int64_t channels) {
  return nn::InstanceNorm2d(nn::InstanceNorm2dOptions(channels).affine(true));
}

struct ResidualBlockImpl : nn::Module {
  explicit ResidualBlockImpl(int64_t channels)
      : conv1(register_module("conv1", ConvLayer(channels, channels, 3, 1))),
        in1(register_module("in1", instanceNorm(channels))),
        conv2(register_module("conv2", ConvLayer(channels, channels, 3, 1))),
        in2(register_module("in2", instanceNorm(channels))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return in2(conv2(torch::relu(in1(conv1(x))))) + x;
  }
  ConvLayer conv1;
  nn::InstanceNorm2d in1;
  ConvLayer conv2;
  nn::InstanceNorm2d in2;
};
TORCH_MODULE(ResidualBlock);

// Nearest-neighbour upsampling by 2, reflection padding by 1, then a 3x3 convolution:
// pytorch/examples' answer to the checkerboard artefacts of transposed convolutions.
//
// It runs at the input's resolution instead, exactly (up to float rounding). Each
// output pixel (2i+a, 2j+b) sees only input pixels i..i+1 (a = 0) or i+1..i+2 (a = 1),
// in the input padded by 1 by replication (the reflection of the upsampled image's
// border is a copy of its neighbour, which is the same input pixel), so each of the
// four phases (a, b) is a 2x2 convolution whose taps are sums of the 3x3 kernel's; the
// phases are then interleaved (pixel shuffle). 2.25x fewer multiply-adds, and no
// upsampled and padded copy of the input: at 640x360 the width-32 net's two layers took
// most of a frame (docs/feed-forward.md).
struct UpsampleConvLayerImpl : nn::Module {
  UpsampleConvLayerImpl(int64_t in, int64_t out, int64_t kernel)
      : conv2d(register_module("conv2d", nn::Conv2d(nn::Conv2dOptions(in, out, kernel)))) {
    TORCH_CHECK(kernel == 3, "the upsampling layers of TransformerNet are 3x3");
  }

  /// The phases' 2x2 kernels, from conv2d's weights (call once they are loaded).
  void preparePhases() {
    torch::NoGradGuard no_grad;
    // Rows (and columns) of the 3x3 kernel each phase's two taps sum.
    const auto taps = [](int64_t phase) {
      return phase == 0 ? torch::tensor({{1.f, 0.f, 0.f}, {0.f, 1.f, 1.f}})
                        : torch::tensor({{1.f, 1.f, 0.f}, {0.f, 0.f, 1.f}});
    };
    const auto weight = conv2d->weight.detach();
    phases.clear();
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t b = 0; b < 2; ++b)
        phases.push_back(
            torch::einsum("ik,ockl,jl->ocij", {taps(a).to(weight.device()), weight, taps(b).to(weight.device())})
                .contiguous());
  }

  torch::Tensor forward(const torch::Tensor& x) {
    namespace F = torch::nn::functional;
    TORCH_CHECK(phases.size() == 4, "preparePhases() was not called");
    const int64_t height = x.size(2), width = x.size(3);
    const auto padded = F::pad(x, F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kReplicate));
    std::vector<torch::Tensor> outputs;
    for (int64_t a = 0; a < 2; ++a)
      for (int64_t b = 0; b < 2; ++b)
        outputs.push_back(F::conv2d(padded.slice(2, a, a + height + 1).slice(3, b, b + width + 1),
                                    phases[a * 2 + b], F::Conv2dFuncOptions().bias(conv2d->bias)));
    // [N, C, 4, H, W] -> [N, 4C, H, W]: channel c's phase a*2+b at 4c+a*2+b, as
    // pixel_shuffle reads it.
    return F::pixel_shuffle(torch::stack(outputs, 2).reshape({x.size(0), -1, height, width}),
                            F::PixelShuffleFuncOptions(2));
  }

  nn::Conv2d conv2d;
  std::vector<torch::Tensor> phases;
};
TORCH_MODULE(UpsampleConvLayer);

struct TransformerNetImpl : nn::Module {
  TransformerNetImpl(int64_t width, int64_t residual_blocks)
      : conv1(register_module("conv1", ConvLayer(3, width, 9, 1))),
        in1(register_module("in1", instanceNorm(width))),
        conv2(register_module("conv2", ConvLayer(width, 2 * width, 3, 2))),
        in2(register_module("in2", instanceNorm(2 * width))),
        conv3(register_module("conv3", ConvLayer(2 * width, 4 * width, 3, 2))),
        in3(register_module("in3", instanceNorm(4 * width))),
        deconv1(register_module("deconv1", UpsampleConvLayer(4 * width, 2 * width, 3))),
        in4(register_module("in4", instanceNorm(2 * width))),
        deconv2(register_module("deconv2", UpsampleConvLayer(2 * width, width, 3))),
        in5(register_module("in5", instanceNorm(width))),
        deconv3(register_module("deconv3", ConvLayer(width, 3, 9, 1))) {
    for (int64_t k = 1; k <= residual_blocks; ++k)
      residuals.push_back(register_module("res" + std::to_string(k), ResidualBlock(4 * width)));
  }
  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(in1(conv1(x)));
    x = torch::relu(in2(conv2(x)));
    x = torch::relu(in3(conv3(x)));
    for (auto& block : residuals) x = block(x);
    x = torch::relu(in4(deconv1(x)));
    x = torch::relu(in5(deconv2(x)));
    return deconv3(x);
  }
  ConvLayer conv1;
  nn::InstanceNorm2d in1;
  ConvLayer conv2;
  nn::InstanceNorm2d in2;
  ConvLayer conv3;
  nn::InstanceNorm2d in3;
  std::vector<ResidualBlock> residuals;
  UpsampleConvLayer deconv1;
  nn::InstanceNorm2d in4;
  UpsampleConvLayer deconv2;
  nn::InstanceNorm2d in5;
  ConvLayer deconv3;
};
TORCH_MODULE(TransformerNet);

std::string shapeText(c10::IntArrayRef shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

class LibTorchNetwork final : public FeedForwardNetwork {
 public:
  LibTorchNetwork(const std::string& path, FeedForwardDevice device)
      : path_(path), device_(chooseDevice(device)) {
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
    net_ = TransformerNet(width_, residual_blocks_);
    loadParameters(file);
    net_->eval();
    net_->to(device_);
    net_->deconv1->preparePhases();
    net_->deconv2->preparePhases();
  }

  cv::Mat run(const cv::Mat& pixels) override {
    CV_Assert(pixels.type() == CV_32FC3 && pixels.isContinuous());
    c10::InferenceMode inference;
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

  static torch::Device chooseDevice(FeedForwardDevice device) {
    const bool cuda = torch::cuda::is_available();
    if (device == FeedForwardDevice::Cuda && !cuda)
      throw DeviceError("device 'cuda': LibTorch finds no CUDA device here (or was built without CUDA)");
    return (device == FeedForwardDevice::Cuda || (device == FeedForwardDevice::Auto && cuda))
               ? torch::Device(torch::kCUDA)
               : torch::Device(torch::kCPU);
  }

  // Every parameter from its state-dict key, shapes exactly as the width implies; a key
  // the network does not have is refused too (a file of another architecture, or one
  // with a block count the keys skip).
  void loadParameters(SafetensorsFile& file) {
    torch::NoGradGuard no_grad;
    const std::string layout = "a TransformerNet of width " + std::to_string(width_) + " with " +
                               std::to_string(residual_blocks_) + " residual blocks";
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
  int64_t width_ = 0;
  int64_t residual_blocks_ = 0;
  TransformerNet net_{nullptr};
};

}  // namespace

std::unique_ptr<FeedForwardNetwork> openLibTorchNetwork(const std::string& path,
                                                        FeedForwardDevice device, int threads) {
  configureThreads(threads);
  return std::make_unique<LibTorchNetwork>(path, device);
}

}  // namespace neuralstyle::detail
