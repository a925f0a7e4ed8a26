// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The module that computes a network's activations for the losses. VGG19 and SqueezeNet
// 1.1 derive from it; the stylizer only sees this interface.
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>

#include "neuralstyle/networks.hpp"
#include "neuralstyle/weights.hpp"

namespace neuralstyle {
namespace detail {
class WinogradConvRelu;
class WinogradF43Conv;
class WinogradWorkspace;
enum class ConvKernel;
}

/// Whether Convolution::Winograd can run here: always, since the portable Winograd needs
/// nothing of the CPU (kept for programs written when it needed AVX-512).
bool winogradConvolutionAvailable();

/// A network's feature extractor. Parameters are frozen: no gradient is ever computed for
/// them. A layer's activation is its output *after* ReLU: torchvision's ReLUs are in
/// place, so the reference notebook stores ReLU outputs under the convolutions' names.
class FeatureNetworkImpl : public torch::nn::Module {
 public:
  Network network() const { return network_; }
  const std::vector<std::string>& layerNames() const { return featureLayerNames(network_); }
  /// Position of a layer name in layerNames(); OptionsError naming the network if unknown.
  int layer(const std::string& name) const { return featureLayer(network_, name); }

  /// Runs the network only as deep as the deepest requested layer and returns each
  /// requested layer's activation (positions in layerNames()), in the order asked.
  virtual std::vector<torch::Tensor> forward(const torch::Tensor& input,
                                             const std::vector<int>& layers) = 0;

  /// The smallest height (and width) of an input from which `layer` can be computed.
  int64_t minimumSide(int layer) const { return minimumInputSide(network_, layer); }

  Pooling pooling() const { return pooling_; }
  void setPooling(Pooling pooling) { pooling_ = pooling; }

  Convolution convolution() const { return convolution_; }
  void setConvolution(Convolution convolution) { convolution_ = convolution; }
  /// Whether `conv` runs as Winograd (either kind) for this input.
  bool usesWinograd(const torch::nn::Conv2d& conv, const torch::Tensor& input) const;
  /// The kernel that computes `conv` for this input (convolution_choice.hpp, internal).
  detail::ConvKernel convKernel(const torch::nn::Conv2d& conv, const torch::Tensor& input) const;

 protected:
  /// Validates `weights` and checks they hold `network`; throws WeightsError.
  FeatureNetworkImpl(Network network, const NetworkWeights& weights, Pooling pooling);

  /// Registers a frozen convolution with the weights of `spec` (padding as given) under
  /// torchvision's module key, so that state-dict keys read as torchvision's.
  torch::nn::Conv2d addConv(const ConvSpec& spec, const torch::Tensor& weight,
                            const torch::Tensor& bias, int64_t stride, int64_t padding);
  /// relu(conv(x)), through the kernel convKernel() picks.
  torch::Tensor convRelu(const torch::nn::Conv2d& conv, const torch::Tensor& x);

 private:
  struct WinogradLayer;
  /// The Winograd forms of `conv`, dropped when its parameters changed.
  WinogradLayer& winograd(const torch::nn::Conv2d& conv);

  struct WinogradLayer {
    std::shared_ptr<detail::WinogradConvRelu> onednn;     // made at first use
    std::shared_ptr<detail::WinogradF43Conv> portable;    // made at first use
    // What it was built from: the data of weight and bias (set_data() replaces it and
    // keeps the version counter), and their version counters (they only grow, so their
    // sum changes with any in-place write). The storages are held so that a replacement
    // cannot be allocated at the same address.
    const void* weight = nullptr;
    const void* bias = nullptr;
    c10::Storage weight_storage, bias_storage;
    int64_t versions = -1;
  };
  Network network_;
  Pooling pooling_;
  Convolution convolution_ = Convolution::Auto;
  std::set<const torch::nn::Conv2dImpl*> winograd_shaped_;  // 3x3, stride 1, padding 1
  std::map<const torch::nn::Conv2dImpl*, WinogradLayer> winograd_;
  std::shared_ptr<detail::WinogradWorkspace> winograd_workspace_;  // shared by the layers
};

/// The feature extractor for `weights.network` (validated first). Throws WeightsError.
std::shared_ptr<FeatureNetworkImpl> makeFeatureNetwork(const NetworkWeights& weights,
                                                       Pooling pooling = Pooling::Max);

}  // namespace neuralstyle
