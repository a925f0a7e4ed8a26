// SPDX-License-Identifier: LGPL-2.1-or-later
#include "neuralstyle/feature_network.hpp"

#include <torch/torch.h>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/squeezenet.hpp"
#include "neuralstyle/vgg19.hpp"
#include "convolution_choice.hpp"
#include "cpu_features.hpp"
#include "winograd_conv.hpp"
#include "winograd_f43.hpp"

namespace neuralstyle {

bool winogradConvolutionAvailable() { return true; }

FeatureNetworkImpl::FeatureNetworkImpl(Network network, const NetworkWeights& weights,
                                       Pooling pooling)
    : network_(network), pooling_(pooling) {
  validateWeights(weights);
  if (weights.network != network)
    throw WeightsError("weights '" + weights.source + "' hold " + networkName(weights.network) +
                       ", not " + networkName(network));
}

torch::nn::Conv2d FeatureNetworkImpl::addConv(const ConvSpec& spec, const torch::Tensor& weight,
                                              const torch::Tensor& bias, int64_t stride,
                                              int64_t padding) {
  torch::NoGradGuard no_grad;
  auto conv = torch::nn::Conv2d(torch::nn::Conv2dOptions(spec.in_channels, spec.out_channels,
                                                         spec.kernel)
                                    .stride(stride)
                                    .padding(padding));
  conv->weight.copy_(weight);
  conv->bias.copy_(bias);
  // Frozen: only the target image is optimised, so autograd never needs these.
  conv->weight.set_requires_grad(false);
  conv->bias.set_requires_grad(false);
  // Module names may not hold dots: "3.expand3x3" is registered as "3_expand3x3".
  std::string name = spec.key;
  std::replace(name.begin(), name.end(), '.', '_');
  // oneDNN's Winograd kernels compute 3x3 convolutions of stride 1 and padding 1.
  if (spec.kernel == 3 && stride == 1 && padding == 1) winograd_shaped_.insert(conv.get());
  return register_module(name, conv);
}

detail::ConvKernel FeatureNetworkImpl::convKernel(const torch::nn::Conv2d& conv,
                                                  const torch::Tensor& input) const {
  const auto& weight = conv->weight;
  const bool float32_cpu = input.device().is_cpu() && input.scalar_type() == torch::kFloat32 &&
                           weight.device().is_cpu() && weight.scalar_type() == torch::kFloat32;
  const detail::ConvLayerShape layer{weight.size(1), weight.size(0),
                                     winograd_shaped_.count(conv.get()) > 0, input.size(2),
                                     input.size(3), float32_cpu};
  return detail::chooseConvKernel(convolution_, layer, detail::cpuFlags(),
                                  detail::winogradAvailable());
}

bool FeatureNetworkImpl::usesWinograd(const torch::nn::Conv2d& conv,
                                      const torch::Tensor& input) const {
  return convKernel(conv, input) != detail::ConvKernel::Direct;
}

FeatureNetworkImpl::WinogradLayer& FeatureNetworkImpl::winograd(const torch::nn::Conv2d& conv) {
  auto& cached = winograd_[conv.get()];
  const void* weight = conv->weight.data_ptr();
  const void* bias = conv->bias.data_ptr();
  const auto versions = conv->weight._version() + conv->bias._version();
  if (cached.weight != weight || cached.bias != bias || cached.versions != versions) {
    cached.onednn.reset();
    cached.portable.reset();
    cached.weight = weight;
    cached.bias = bias;
    cached.weight_storage = conv->weight.storage();
    cached.bias_storage = conv->bias.storage();
    cached.versions = versions;
  }
  return cached;
}

torch::Tensor FeatureNetworkImpl::convRelu(const torch::nn::Conv2d& conv, const torch::Tensor& x) {
  switch (convKernel(conv, x)) {
    case detail::ConvKernel::OneDnnWinograd: {  // ReLU fused
      auto& layer = winograd(conv);
      if (!layer.onednn) {
        if (!winograd_workspace_) winograd_workspace_ = detail::makeWinogradWorkspace();
        layer.onednn = std::make_shared<detail::WinogradConvRelu>(conv->weight, conv->bias,
                                                                  winograd_workspace_);
      }
      return layer.onednn->forward(x);
    }
    case detail::ConvKernel::PortableWinograd: {  // ReLU fused
      auto& layer = winograd(conv);
      if (!layer.portable)
        layer.portable = std::make_shared<detail::WinogradF43Conv>(conv->weight, conv->bias,
                                                                   /*padding=*/1, /*relu=*/true);
      return layer.portable->forward(x);
    }
    case detail::ConvKernel::Direct: break;
  }
  auto y = conv.ptr()->forward(x);
  return y.relu_();
}

std::shared_ptr<FeatureNetworkImpl> makeFeatureNetwork(const NetworkWeights& weights,
                                                       Pooling pooling) {
  switch (weights.network) {
    case Network::VGG19: return std::make_shared<Vgg19FeaturesImpl>(weights, pooling);
    case Network::SqueezeNet1_1: return std::make_shared<SqueezeNetFeaturesImpl>(weights, pooling);
    case Network::Auto: break;
  }
  throw WeightsError("weights '" + weights.source + "' name no network");
}

}  // namespace neuralstyle
