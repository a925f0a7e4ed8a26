#pragma once
// VGG19's convolutional feature extractor with torchvision's `features` indexing (0..36).
#include <map>
#include <string>
#include <vector>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/any.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/pimpl.h>

#include "neuralstyle/weights.hpp"

namespace neuralstyle {

enum class Pooling { Max, Average };

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

 private:
  std::map<int, torch::nn::Conv2d> convs_;
  Pooling pooling_;
};
TORCH_MODULE(Vgg19Features);

}  // namespace neuralstyle
