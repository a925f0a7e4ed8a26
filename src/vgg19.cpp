#include "neuralstyle/vgg19.hpp"

#include <algorithm>
#include <torch/nn/functional/pooling.h>
#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "winograd_conv.hpp"

namespace neuralstyle {
namespace {

// torchvision's vgg19().features: every conv is followed by an (in-place) ReLU; the
// 2x2 poolings sit at these indices.
constexpr std::array<int, 5> kPoolIndices{4, 9, 18, 27, 36};

}  // namespace

const std::vector<std::string>& layerNames() {
  static const std::vector<std::string> names = {
      "conv1_1", "conv1_2", "conv2_1", "conv2_2", "conv3_1", "conv3_2",
      "conv3_3", "conv3_4", "conv4_1", "conv4_2", "conv4_3", "conv4_4",
      "conv5_1", "conv5_2", "conv5_3", "conv5_4"};
  return names;
}

int layerIndex(const std::string& name) {
  const auto& names = layerNames();
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    throw OptionsError("unknown VGG19 layer '" + name + "' (known: " + known + ")");
  }
  return vgg19ConvIndices()[static_cast<size_t>(found - names.begin())];
}

Vgg19FeaturesImpl::Vgg19FeaturesImpl(const Vgg19Weights& weights, Pooling pooling)
    : pooling_(pooling) {
  validateWeights(weights);
  torch::NoGradGuard no_grad;
  const auto& indices = vgg19ConvIndices();
  for (size_t i = 0; i < indices.size(); ++i) {
    const auto& w = weights.conv_weights[i];
    auto conv = torch::nn::Conv2d(
        torch::nn::Conv2dOptions(w.size(1), w.size(0), 3).padding(1));
    conv->weight.copy_(w);
    conv->bias.copy_(weights.conv_biases[i]);
    // Frozen: only the target image is optimised, so autograd never needs these.
    conv->weight.set_requires_grad(false);
    conv->bias.set_requires_grad(false);
    // Registered under torchvision's index so that state-dict keys read "N.weight".
    convs_.emplace(indices[i], register_module(std::to_string(indices[i]), conv));
  }
}

torch::nn::Conv2d Vgg19FeaturesImpl::conv(int index) const {
  const auto found = convs_.find(index);
  if (found == convs_.end())
    throw OptionsError("index " + std::to_string(index) + " is not a VGG19 convolution");
  return found->second;
}

bool winogradConvolutionAvailable() { return detail::winogradAvailable(); }

void Vgg19FeaturesImpl::setConvolution(Convolution convolution) {
  if (convolution == Convolution::Winograd && !detail::winogradAvailable())
    throw OptionsError(
        "Winograd convolutions are not available here: they need oneDNN's AVX-512 kernels "
        "(this CPU or this build has none); use convolution 'auto' or 'direct'");
  convolution_ = convolution;
}

bool Vgg19FeaturesImpl::usesWinograd(int index, const torch::Tensor& input) const {
  if (convolution_ == Convolution::Direct || !input.device().is_cpu() ||
      input.scalar_type() != torch::kFloat32 || !detail::winogradAvailable())
    return false;
  const auto& weight = conv(index)->weight;
  if (!weight.device().is_cpu() || weight.scalar_type() != torch::kFloat32 ||
      !detail::winogradSupports(weight.size(1), weight.size(0)))
    return false;
  return convolution_ == Convolution::Winograd ||
         detail::winogradPays(input.size(2), input.size(3));
}

const detail::WinogradConvRelu& Vgg19FeaturesImpl::winograd(int index) {
  const auto conv = convs_.at(index);
  auto& cached = winograd_[index];
  const auto versions = conv->weight._version() + conv->bias._version();
  if (!cached.layer || cached.weights != conv->weight.data_ptr() ||
      cached.bias != conv->bias.data_ptr() || cached.versions != versions) {
    if (!winograd_workspace_) winograd_workspace_ = detail::makeWinogradWorkspace();
    cached.layer = std::make_shared<detail::WinogradConvRelu>(conv->weight, conv->bias,
                                                              winograd_workspace_);
    cached.weights = conv->weight.data_ptr();
    cached.bias = conv->bias.data_ptr();
    cached.weights_storage = conv->weight.storage();
    cached.bias_storage = conv->bias.storage();
    cached.versions = versions;
  }
  return *cached.layer;
}

std::vector<torch::Tensor> Vgg19FeaturesImpl::forward(const torch::Tensor& input,
                                                      const std::vector<int>& conv_indices) {
  if (conv_indices.empty()) return {};
  const int deepest = *std::max_element(conv_indices.begin(), conv_indices.end());
  std::map<int, torch::Tensor> captured;
  torch::Tensor x = input;
  for (int index = 0; index <= deepest; ++index) {
    if (std::find(kPoolIndices.begin(), kPoolIndices.end(), index) != kPoolIndices.end()) {
      x = pooling_ == Pooling::Max ? torch::max_pool2d(x, 2, 2) : torch::avg_pool2d(x, 2, 2);
      continue;
    }
    const auto conv = convs_.find(index);
    if (conv == convs_.end()) continue;  // ReLU indices: folded into the conv below.
    // The stored "convX_Y" feature is the ReLU output (torchvision's ReLU is in place).
    if (usesWinograd(index, x)) {
      x = winograd(index).forward(x);  // ReLU fused
    } else {
      x = conv->second->forward(x);
      x.relu_();
    }
    if (std::find(conv_indices.begin(), conv_indices.end(), index) != conv_indices.end())
      captured[index] = x;
  }
  std::vector<torch::Tensor> out;
  out.reserve(conv_indices.size());
  for (int index : conv_indices) {
    const auto found = captured.find(index);
    if (found == captured.end())
      throw OptionsError("index " + std::to_string(index) + " is not a VGG19 convolution");
    out.push_back(found->second);
  }
  return out;
}

}  // namespace neuralstyle
