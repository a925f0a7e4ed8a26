#pragma once
// VGG19's convolutional feature extractor with torchvision's `features` indexing (0..36).
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "neuralstyle/weights.hpp"

namespace neuralstyle {
namespace detail {
class WinogradConvRelu;
class WinogradWorkspace;
}

enum class Pooling { Max, Average };

/// How VGG19's 3x3 convolutions are computed in float32 on the CPU.
/// - Direct: LibTorch's convolution (oneDNN's direct algorithm): the seed's arithmetic.
/// - Winograd: oneDNN's Winograd F(4x4, 3x3) for every layer that has it (all but
///   conv1_1): about 2x faster a step at 256-512 px; losses differ from Direct by about
///   1e-6 relative (see README, Performance). Needs a CPU with AVX-512, float32 and a
///   build with oneDNN; asking for it otherwise is an OptionsError.
/// - Auto: Winograd where it is available and pays (outputs of 16x15 pixels or more),
///   Direct elsewhere (CUDA, bfloat16, CPUs without AVX-512, the deepest layers of small
///   images).
enum class Convolution { Auto, Direct, Winograd };

/// Whether Convolution::Winograd can run here (a build with oneDNN, a CPU with AVX-512).
bool winogradConvolutionAvailable();

/// torchvision index of a layer name: "conv1_1" -> 0, "conv4_2" -> 21, "conv5_4" -> 34.
/// Throws OptionsError for an unknown name.
int layerIndex(const std::string& name);
/// All valid layer names, in network order.
const std::vector<std::string>& layerNames();

/// The 37 modules of vgg19().features. Parameters are frozen: no gradient is ever
/// computed for them. Activations of a "convX_Y" layer are returned *after* its ReLU,
/// because torchvision's ReLU is in-place and the seed therefore stores ReLU outputs.
class Vgg19FeaturesImpl : public torch::nn::Module {
 public:
  explicit Vgg19FeaturesImpl(const Vgg19Weights& weights, Pooling pooling = Pooling::Max);

  /// Runs the network only as deep as the deepest requested index and returns the
  /// (post-ReLU) activation at each requested conv index, in the order asked.
  std::vector<torch::Tensor> forward(const torch::Tensor& input,
                                     const std::vector<int>& conv_indices);

  /// The convolution at torchvision index `index` (for tests and importers).
  torch::nn::Conv2d conv(int index) const;

  Pooling pooling() const { return pooling_; }
  void setPooling(Pooling pooling) { pooling_ = pooling; }

  Convolution convolution() const { return convolution_; }
  /// Throws OptionsError for Winograd where it is not available (see Convolution).
  void setConvolution(Convolution convolution);
  /// Whether the conv at `index` runs as Winograd for a float32 CPU input of this size.
  bool usesWinograd(int index, const torch::Tensor& input) const;

 private:
  /// The Winograd form of the conv at `index`, rebuilt when its weights changed.
  const detail::WinogradConvRelu& winograd(int index);

  struct WinogradLayer {
    std::shared_ptr<detail::WinogradConvRelu> layer;
    // What it was built from: the data of weight and bias (set_data() replaces it and
    // keeps the version counter), and their version counters (they only grow, so their
    // sum changes with any in-place write). The storages are held so that a replacement
    // cannot be allocated at the same address.
    const void* weights = nullptr;
    const void* bias = nullptr;
    c10::Storage weights_storage, bias_storage;
    int64_t versions = -1;
  };
  std::map<int, torch::nn::Conv2d> convs_;
  std::map<int, WinogradLayer> winograd_;
  std::shared_ptr<detail::WinogradWorkspace> winograd_workspace_;  // shared by the layers
  Pooling pooling_;
  Convolution convolution_ = Convolution::Auto;
};
TORCH_MODULE(Vgg19Features);

}  // namespace neuralstyle
