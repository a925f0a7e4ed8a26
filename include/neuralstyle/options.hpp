// SPDX-License-Identifier: LGPL-2.1-or-later
#pragma once
// Options of a stylisation run. Defaults are the reference notebook's; what is left unset
// takes the network's own default (networkDefaults), which for VGG19 is the notebook's.
// No LibTorch here: the front ends (element, CLI) and the option schema
// (option_schema.hpp) include this without compiling LibTorch's headers.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "neuralstyle/color.hpp"
#include "neuralstyle/networks.hpp"

namespace neuralstyle {

/// Parses "conv1_1=1,conv2_1=0.75"; throws OptionsError on a malformed entry, a negative
/// or non-finite weight or a layer given twice. Layer names are checked against a
/// network by StyleOptions::resolvedFor.
std::vector<LayerWeight> parseLayerWeights(const std::string& text);
/// Inverse of parseLayerWeights.
std::string formatLayerWeights(const std::vector<LayerWeight>& layers);

/// Adam is the reference notebook's. L-BFGS (no line search, one function evaluation a step, as in
/// Johnson's neural-style) converges in far fewer steps; use a learning rate near 1 with it.
enum class Optimizer { Adam, LBFGS };

/// How Gram matrices are scaled. The reference notebook's are plain sums over positions, so a style
/// processed at another size than the content gives targets of another magnitude.
enum class GramNormalization {
  None,       ///< G = F F^T (the reference notebook)
  Positions,  ///< G = F F^T / (h w): comparable across sizes; the style loss is then
              ///< (h w)^2 times smaller at equal sizes, so beta must be that much larger
};
/// "none", "positions".
std::string toString(GramNormalization normalization);
/// Inverse of toString; throws OptionsError naming the accepted values.
GramNormalization parseGramNormalization(const std::string& name);

/// Where the optimisation starts from.
enum class Init {
  Content,  ///< the content image (the reference notebook)
  Noise,    ///< uniform noise in pixel space, from StyleOptions::noise_seed
  Image,    ///< a given image (Stylizer::setInitImage), resized to the processing size
};
/// "content", "noise", "image".
std::string toString(Init init);
/// Inverse of toString; throws OptionsError naming the accepted values.
Init parseInit(const std::string& name);

/// What to optimise and how. Everything here can change between frames; changes that
/// affect the style targets (layers, size, pooling) invalidate them automatically.
struct StyleOptions {
  int steps = 2000;
  Optimizer optimizer = Optimizer::Adam;
  /// Unset: the network's (VGG19: the reference notebook's Adam rate 0.003). L-BFGS wants about 1.
  std::optional<double> learning_rate;
  double content_weight = 1.0;          ///< alpha
  std::optional<double> style_weight;   ///< beta; unset: the network's (VGG19: 1e6)
  std::string content_layer;            ///< empty: the network's (VGG19: conv4_2)
  std::vector<LayerWeight> style_layers;  ///< empty: the network's (VGG19: the reference notebook's five)
  int max_size = 400;                   ///< longest side of the processing size
  Pooling pooling = Pooling::Max;
  /// Report losses every N steps (and always at the last). Reading a loss forces a
  /// device sync, so on CUDA larger intervals are faster. 0 = only at the last step.
  int progress_interval = 1;
  /// Weight of the total-variation term: tv_weight * (mean of squared differences of
  /// vertically neighbouring values + the same horizontally), on the normalised image.
  /// It smooths high-frequency noise. 0 (the reference notebook) adds no term at all.
  double tv_weight = 0;
  Init init = Init::Content;
  /// Seed of the noise for Init::Noise: the same seed gives the same noise, on any device.
  uint64_t noise_seed = 0;
  /// Keep the content's colours: the result's luminance with the content's chroma
  /// (YCrCb), as neural-style's -original_colors.
  bool preserve_colors = false;
  /// Match the style's colours to each content frame's before taking its Gram targets.
  ColorMatch color_match = ColorMatch::None;
  /// Unset (the reference notebook): the style is stretched to the content's processing size. Set: the
  /// style keeps its aspect ratio and its longest side is style_scale times the content's
  /// processing size's longest side (at least the network's minimum side). (0, 8].
  std::optional<double> style_scale;
  GramNormalization gram_normalization = GramNormalization::None;
  /// Multi-scale, coarse to fine: the number of processing sizes, [1, 8]. With more than
  /// one, the image is optimised at max_size / scale_factor^(scales-1) first, upsampled,
  /// and optimised again at each larger size up to max_size; the last size runs `steps`
  /// steps, the others coarse_steps. Sizes that would fall below the network's minimum
  /// side are left out.
  int scales = 1;
  /// Steps at each size but the last; 0: `steps`. A coarse size costs a fraction of a
  /// step at the last (1/scale_factor^2 per size down), and needs fewer.
  int coarse_steps = 0;
  /// Ratio of successive sizes, (1, 4].
  double scale_factor = 2.0;
  /// Tiling: 0 (the default) optimises the whole image at once. Otherwise a processing
  /// size wider or taller than tile_size is optimised in tile_size x tile_size tiles that
  /// overlap by at least tile_overlap pixels, in two passes whose tile grids are offset by
  /// half a tile (so no seam of the first pass survives the second); the steps are split
  /// between the passes. A tile optimises the pixels earlier tiles of its pass have not
  /// written; the overlap they wrote is context its texture continues from. The network's
  /// memory then grows with the tile, not with the image. [64, 16384].
  int tile_size = 0;
  /// Pixels (at least) shared by neighbouring tiles: the context; [0, tile_size / 2].
  int tile_overlap = 32;

  /// Throws OptionsError if a value is out of range (layer names are not checked: they
  /// depend on the network, see resolvedFor).
  void validate() const;
  /// These options with every unset value taken from networkDefaults(network), validated,
  /// layer names included. Throws OptionsError naming the network for an unknown layer.
  StyleOptions resolvedFor(Network network) const;
};

enum class DeviceKind { Auto, CPU, CUDA };

/// Arithmetic of the network. Float32 reproduces the reference notebook's losses;
/// BFloat16 runs VGG19 in bfloat16, faster on CPUs with AVX512-BF16 or AMX and on GPUs,
/// while the image, the Gram matrices and the losses stay float32; losses then differ
/// slightly from float32's (docs/performance.md, the bfloat16 columns).
enum class Precision { Float32, BFloat16 };

/// What the engine runs on. Fixed for the life of a Stylizer.
struct EngineOptions {
  std::string weights;        ///< see loadWeights(); empty = defaultWeightsLocation()
  /// Which network the weights must hold (Auto: whatever they hold; VGG19 for random).
  Network network = Network::Auto;
  DeviceKind device = DeviceKind::Auto;
  int threads = 0;            ///< intra-op threads; 0 = all cores (see process_settings)
  uint64_t seed = 0;          ///< seeds torch's generators (see process_settings)
  Precision precision = Precision::Float32;
  Convolution convolution = Convolution::Auto;
  /// Reuse LibTorch's CPU buffers above 32 MB from step to step within a frame, which saves
  /// most of the page faults a step paid for them (docs/performance.md, "What makes it fast").
  /// The first frame that uses it installs a CPU allocator for LibTorch process-wide
  /// (docs/element.md, process-wide settings). false leaves LibTorch's allocator alone
  /// (the element and the CLI set it from NEURALSTYLE_TENSOR_CACHE: environment.hpp).
  bool tensor_cache = true;
  /// `threads` and `seed` are LibTorch's process-wide intra-op thread count and default
  /// generator, set when the Stylizer is made. false leaves both as the application set
  /// them (for applications that configure LibTorch themselves, or run stylizers that must
  /// not override each other); the element and the CLI set it from
  /// NEURALSTYLE_PROCESS_SETTINGS (environment.hpp).
  bool process_settings = true;
};

/// Where a frame that has a previous one starts (the first frame, and the first after a
/// scene cut, start from StyleOptions::init: the content by default).
enum class FrameStart {
  Independent,     ///< StyleOptions::init, as a still (content or noise)
  Previous,        ///< the previous result as it is
  PreviousWarped,  ///< the previous result moved onto this frame by optical flow
};
/// "independent", "previous", "previous-warped".
std::string toString(FrameStart start);
/// Inverse of toString; throws OptionsError naming the accepted values.
FrameStart parseFrameStart(const std::string& name);

struct VideoOptions {
  FrameStart start = FrameStart::PreviousWarped;
  /// Weight of the temporal term (FrameGuide); 0: none. Unset: the network's
  /// (networkDefaults), chosen by bench/flicker.py (docs/video.md).
  std::optional<double> temporal_weight;
  /// Steps of a frame that starts from the previous result: -1, half of
  /// StyleOptions::steps (at least 1); 0, StyleOptions::steps; else that many.
  int steps_per_frame = -1;
  /// A frame whose share of inconsistent pixels (flowConsistency) exceeds this is a
  /// scene cut: it starts afresh, without a temporal term. (0, 1]; 1: never.
  double scene_cut_threshold = 0.5;
  /// Throws OptionsError for a value out of range.
  void validate() const;
};

}  // namespace neuralstyle
