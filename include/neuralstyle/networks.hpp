// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// The feature networks style transfer runs on: their names, the convolutions their weights
// hold, their layer names and their default losses. Both use the reference notebook's formulas; only
// the layers and the weights of the loss terms differ.
#include <cstdint>
#include <string>
#include <vector>

namespace neuralstyle {

/// VGG19 is the reference notebook's network and the default. SqueezeNet 1.1 (torchvision's
/// squeezenet1_1) is the second: ImageNet weights small enough to ship, and a step that
/// costs a fraction of VGG19's. Auto is a choice only: "whatever the weights hold", and
/// VGG19 for random weights.
enum class Network { Auto, VGG19, SqueezeNet1_1 };

/// "auto", "vgg19", "squeezenet1_1".
std::string networkName(Network network);
/// Inverse of networkName; throws OptionsError naming the known networks.
Network parseNetwork(const std::string& name);

/// The networks' pooling layers: Max as they were trained (the reference notebook's), Average for
/// smoother results (Gatys et al. preferred it).
enum class Pooling { Max, Average };

/// How the 3x3 stride-1 convolutions are computed in float32 on the CPU.
/// - Direct: LibTorch's convolution (oneDNN's direct algorithm): the reference notebook's arithmetic.
/// - Winograd: Winograd F(4x4, 3x3) for every 3x3 stride-1 layer, on every CPU: the
///   portable one (tile transforms vectorised for the CPU at hand, products in oneDNN's
///   GEMM) and, on CPUs with AVX-512, oneDNN's own for the 64-channel layers where it is
///   faster. A VGG19 step at 256-512 px is faster than Direct's, on AVX2 and on AVX-512
///   CPUs, its losses equal to Direct's to float rounding (docs/performance.md, "Per
///   CPU kind"). Float32 on the CPU only: asking for it on CUDA or in bfloat16 is an
///   OptionsError.
/// - Auto: Winograd where it pays (layers with 32 input channels or more, not VGG19's
///   conv1_1 nor SqueezeNet's first two expand layers, and outputs of 16x15 pixels or
///   more, where the filters' one-time transform is soon repaid), Direct elsewhere, on
///   CUDA and in bfloat16.
enum class Convolution { Auto, Direct, Winograd };

/// A convolution that carries weights, named as torchvision names its module under
/// `features` ("21" for VGG19's conv4_2, "3.expand3x3" for SqueezeNet's fire2).
struct ConvSpec {
  std::string key;
  int64_t out_channels;
  int64_t in_channels;
  int64_t kernel;
};

/// Every weighted convolution of the network's feature extractor, in module order.
/// Throws OptionsError for Network::Auto.
const std::vector<ConvSpec>& convSpecs(Network network);

/// The layers whose (post-ReLU) activations the losses can use, in network order:
/// VGG19 conv1_1 ... conv5_4; SqueezeNet 1.1 conv1, fire2 ... fire9.
const std::vector<std::string>& featureLayerNames(Network network);
/// Position of `name` in featureLayerNames(network); throws OptionsError naming the
/// network and its layers for an unknown name.
int featureLayer(Network network, const std::string& name);

/// The smallest height (and width) of an input from which layer `layer` (a position in
/// featureLayerNames) can be computed: VGG19 halves it at each 2x2 pooling (conv5_1: 16);
/// SqueezeNet's first convolution and ceil-mode poolings shrink it (fire6: 17).
int64_t minimumInputSide(Network network, int layer);

struct LayerWeight {
  std::string layer;  ///< "conv1_1", "fire3", ...
  double weight;
};

/// The loss settings a network starts from when the caller leaves them unset.
/// VGG19's are the reference notebook's; SqueezeNet's were chosen by measurement (docs/weights.md).
struct NetworkDefaults {
  std::string content_layer;
  std::vector<LayerWeight> style_layers;
  double style_weight;
  double learning_rate;  ///< for Adam; L-BFGS wants about 1 whatever the network
  /// Of the video temporal term (VideoOptions): its loss is on the scale of the
  /// network's content and style losses, so the weight that balances it is the network's.
  double temporal_weight;
};
/// Throws OptionsError for Network::Auto.
const NetworkDefaults& networkDefaults(Network network);

}  // namespace neuralstyle
