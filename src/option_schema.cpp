// SPDX-License-Identifier: LGPL-2.1-or-later
// The table of the optimisation's options (option_schema.hpp). Each entry is the one
// definition of its option: the element's property and the CLI's flag are made from it.
#include "neuralstyle/option_schema.hpp"

#include <cfloat>
#include <climits>
#include <utility>

#include "neuralstyle/errors.hpp"
#include "option_builders.hpp"

namespace neuralstyle {

OptionSet::OptionSet() { style.progress_interval = 10; }

namespace {

using namespace option_builders;

constexpr double kIntMax = INT_MAX;

// The element's and the CLI's "init": StyleOptions::init for a still (and a first
// frame), VideoOptions::start for the frames that have a previous one.
OptionSpec initOption() {
  OptionSpec s = spec<OptionSet>(
      {"init", "Initialisation",
       "Where each frame's optimisation starts: content (the frame, the reference notebook's), "
       "noise (uniform noise drawn from seed), previous (the previous frame's result) or "
       "previous-warped (the previous result moved onto this frame by optical flow). The first "
       "frame, a frame after a scene cut, and every frame with content or noise start from the "
       "frame (or noise); an init image (init-location, the CLI's --init-image), when set, wins "
       "over content and noise there",
       kAnyTime},
      OptionType::Choice);
  s.choices = {
      {"content", "The frame itself, as the reference notebook"},
      {"noise", "Uniform noise drawn from the seed property"},
      {"previous",
       "The previous frame's result as it is (the first frame and a frame after a scene cut: "
       "the frame)"},
      {"previous-warped",
       "The previous frame's result moved onto this frame by optical flow (the first frame "
       "and a frame after a scene cut: the frame)"},
  };
  s.placeholder = placeholderOf(s.choices);
  s.get = [](const OptionSet& set) {
    switch (set.video.start) {
      case FrameStart::Previous: return OptionValue(int64_t{2});
      case FrameStart::PreviousWarped: return OptionValue(int64_t{3});
      case FrameStart::Independent: break;
    }
    return OptionValue(int64_t{set.style.init == Init::Noise ? 1 : 0});
  };
  s.set = [](OptionSet& set, const OptionValue& v) {
    const int64_t position = std::get<int64_t>(v);
    set.style.init = position == 1 ? Init::Noise : Init::Content;
    set.video.start = position == 2   ? FrameStart::Previous
                      : position == 3 ? FrameStart::PreviousWarped
                                      : FrameStart::Independent;
  };
  return s;
}

// One seed for LibTorch's generators and for init=noise.
OptionSpec seedOption() {
  OptionSpec s = spec<OptionSet>({"seed", "Seed",
                       "Seed of LibTorch's random generators and of the noise that init=noise "
                       "starts from",
                       kBeforeStart},
                      OptionType::Unsigned64);
  s.placeholder = "N";
  s.get = [](const OptionSet& set) { return OptionValue(set.engine.seed); };
  s.set = [](OptionSet& set, const OptionValue& v) {
    set.engine.seed = set.style.noise_seed = std::get<uint64_t>(v);
  };
  return s;
}

std::vector<OptionSpec> makeOptimisationOptions() {
  using S = StyleOptions;
  using E = EngineOptions;
  using V = VideoOptions;
  const auto style = &OptionSet::style;
  const auto engine = &OptionSet::engine;
  const auto video = &OptionSet::video;
  std::vector<OptionSpec> specs;
  const char* group = "engine";
  const auto add = [&specs, &group](OptionSpec spec) {
    spec.group = group;
    specs.push_back(std::move(spec));
  };
  add(text(
      {"weights-location", "Weights location",
       "The network's weights: a .safetensors file (VGG19 or SqueezeNet 1.1, recognised from "
       "its tensors), a VGG19 .onnx or Caffe .caffemodel/.prototxt file, or \"random\" / "
       "\"random:SEED\" for random, untrained filters. Unset: $NEURALSTYLE_WEIGHTS, then "
       "vgg19.safetensors in $XDG_DATA_HOME/neuralstyle and " NEURALSTYLE_DATA_DIR
       ", then squeezenet1_1.safetensors there",
       kBeforeStart},
      "LOCATION", member(engine, &E::weights)));
  add(choice(
      {"network", "Network",
       "The feature network the weights must hold: auto (whatever they hold; VGG19 for random "
       "weights), vgg19 or squeezenet1_1. A file of the other network is an error naming both",
       kBeforeStart},
      member(engine, &E::network),
      {{Network::Auto, {"auto", "Whatever the weights hold (VGG19 for random weights)"}},
       {Network::VGG19, {"vgg19", "VGG19, the reference notebook's network"}},
       {Network::SqueezeNet1_1,
        {"squeezenet1_1",
         "SqueezeNet 1.1 (torchvision's squeezenet1_1): ImageNet weights of 5 MB, a fraction "
         "of VGG19's step"}}}));
  group = "optimisation";
  add(integer(
      {"steps", "Steps",
       "Optimisation steps for each frame (0 outputs the frame as it goes in, up to rounding)",
       kAnyTime},
      0, kIntMax, member(style, &S::steps)));
  add(choice(
      {"optimizer", "Optimizer", "Algorithm that updates the image", kAnyTime},
      member(style, &S::optimizer),
      {{Optimizer::Adam,
        {"adam", "Adam, as in the reference notebook (learning rate about 0.003)"}},
       {Optimizer::LBFGS,
        {"lbfgs", "L-BFGS, one loss evaluation a step: far fewer steps (learning rate about 1)"}}}));
  add(optionalNumber(
      {"learning-rate", "Learning rate",
       "Step size of the optimiser, in normalised pixel units; 0 = the network's default "
       "(vgg19 0.003, squeezenet1_1 0.02; L-BFGS wants about 1)",
       kAnyTime},
      0.0, 10.0, 0.0, member(style, &S::learning_rate)));
  add(number({"content-weight", "Content weight",
                          "Weight of the content loss in the total loss (alpha)", kAnyTime},
                         0.0, DBL_MAX, member(style, &S::content_weight)));
  add(optionalNumber(
      {"style-weight", "Style weight",
       "Weight of the style loss in the total loss (beta); -1 = the network's default (vgg19 "
       "1e6, squeezenet1_1 1e-3)",
       kAnyTime},
      -1.0, DBL_MAX, -1.0, member(style, &S::style_weight)));
  add(layerWeights(
      {"style-layer-weights", "Style layer weights",
       "Comma-separated LAYER=WEIGHT pairs: the layers whose Gram matrices define the style, "
       "and their weights. Unset: the network's (vgg19 conv1_1=1,conv2_1=0.75,conv3_1=0.2,"
       "conv4_1=0.2,conv5_1=0.2; squeezenet1_1 conv1=1,fire3=1,fire4=10,fire5=30,fire6=100)",
       kAnyTime},
      member(style, &S::style_layers)));
  add(text(
      {"content-layer", "Content layer",
       "Layer whose activations define the content: vgg19 conv1_1 ... conv5_4, squeezenet1_1 "
       "conv1, fire2 ... fire9. Unset: the network's (vgg19 conv4_2, squeezenet1_1 fire4)",
       kAnyTime},
      "LAYER", member(style, &S::content_layer)));
  add(integer(
      {"max-size", "Maximum processing size",
       "Longest side, in pixels, of the image that is optimised: larger frames are scaled down "
       "for processing and the result scaled back to the frame size. Where it is too small for "
       "the frames' shape (VGG19 needs 16 pixels a side, SqueezeNet to fire6 17) the smallest "
       "size that works is used, "
       "with a warning",
       kAnyTime},
      16, kIntMax, member(style, &S::max_size)));
  add(choice(
      {"pooling", "Pooling",
       "VGG19's pooling: max (as trained, the reference notebook's) or average (smoother "
       "results); the style targets are recomputed when it changes",
       kAnyTime},
      member(style, &S::pooling),
      {{Pooling::Max, {"max", "Max pooling, as VGG19 was trained"}},
       {Pooling::Average,
        {"average", "Average pooling: smoother results (Gatys et al. preferred it)"}}}));
  add(integer(
      {"progress-interval", "Progress interval",
       "Post a neuralstyle-progress message every N steps (0 = only after the last step of "
       "each frame). Reading the loss waits for the device, so on CUDA larger intervals are "
       "faster",
       kAnyTime},
      0, kIntMax, member(style, &S::progress_interval)));
  group = "quality";
  add(number(
      {"tv-weight", "Total-variation weight",
       "Weight of a total-variation term (mean squared difference of neighbouring pixels of "
       "the normalised image) in the total loss: smooths high-frequency noise; 0 adds no term",
       kAnyTime},
      0.0, DBL_MAX, member(style, &S::tv_weight)));
  add(optionalNumber(
      {"style-scale", "Style scale",
       "0: the style image is stretched to the frame's processing size (the reference "
       "notebook's). Otherwise it keeps its aspect ratio and its longest side is style-scale "
       "times the processing size's: larger values give coarser texture",
       kAnyTime},
      0.0, 8.0, 0.0, member(style, &S::style_scale)));
  add(choice(
      {"gram-normalization", "Gram normalization",
       "none (the reference notebook's G = F F^T) or positions (G divided by the number of "
       "positions h w, so that styles at other sizes give comparable targets; style-weight "
       "must then be about (h w)^2 larger for the same balance)",
       kAnyTime},
      member(style, &S::gram_normalization),
      {{GramNormalization::None, {"none", "G = F F^T, the reference notebook's"}},
       {GramNormalization::Positions,
        {"positions",
         "G = F F^T / (h w): comparable across sizes (style-weight must then be about (h w)^2 "
         "larger)"}}}));
  add(flag({"preserve-colors", "Preserve colours",
                        "Keep the frame's colours: the result's luminance with the frame's "
                        "chroma (YCrCb), as neural-style's -original_colors",
                        kAnyTime},
                       member(style, &S::preserve_colors)));
  add(choice(
      {"color-match", "Colour match",
       "Match the style image's colours to each frame's before its style targets are taken: "
       "none, histogram (each RGB channel) or mean-std (each CIE L*a*b* channel); the targets "
       "are then recomputed for every frame",
       kAnyTime},
      member(style, &S::color_match),
      {{ColorMatch::None, {"none", "The style's colours as they are"}},
       {ColorMatch::Histogram,
        {"histogram", "Each RGB channel's histogram mapped onto the frame's"}},
       {ColorMatch::MeanStd,
        {"mean-std", "Each CIE L*a*b* channel shifted and scaled to the frame's mean and spread"}}}));
  add(initOption());
  add(integer(
      {"scales", "Scales",
       "Multi-scale, coarse to fine: the number of processing sizes. With more than one, each "
       "frame is optimised at max-size / scale-factor^(scales-1) first, upsampled, and "
       "optimised again at each larger size up to max-size: steps steps at the last size, "
       "coarse-steps at the others",
       kAnyTime},
      1, 8, member(style, &S::scales)));
  add(integer(
      {"coarse-steps", "Coarse steps",
       "Steps at each size but the last with scales > 1 (a coarse size costs a fraction of a "
       "step at the last); 0 = steps",
       kAnyTime},
      0, kIntMax, member(style, &S::coarse_steps)));
  add(number({"scale-factor", "Scale factor",
                          "Ratio of successive processing sizes with scales > 1; greater than "
                          "1, at most 4",
                          kAnyTime},
                         1.0, 4.0, member(style, &S::scale_factor)));
  add(integer(
      {"tile-size", "Tile size",
       "0: optimise the whole processing size at once. Otherwise (64 to 16384) a processing "
       "size larger than this is optimised in overlapping tiles of this size, in two passes "
       "with offset grids, so that memory grows with the tile rather than the image",
       kAnyTime},
      0, 16384, member(style, &S::tile_size)));
  add(integer(
      {"tile-overlap", "Tile overlap",
       "Pixels (at least) that neighbouring tiles share: the context a tile's texture "
       "continues from; at most half of tile-size",
       kAnyTime},
      0, 8192, member(style, &S::tile_overlap)));
  group = "video";
  add(optionalNumber(
      {"temporal-weight", "Temporal weight",
       "Weight of the temporal term, which keeps a frame's result where the previous result, "
       "moved by optical flow, is consistent: temporal-weight * sum(c (x - w)^2) / pixels; 0: "
       "none; -1: the network's (squeezenet1_1 1e6, vgg19 1e4). Applies to every frame that "
       "has a previous one, whatever init is",
       kAnyTime},
      -1.0, DBL_MAX, -1.0, member(video, &V::temporal_weight)));
  add(integer(
      {"steps-per-frame", "Steps per frame",
       "Steps of a frame that starts from the previous result (init previous or "
       "previous-warped), at the final size only; -1: half of steps; 0: steps",
       kAnyTime},
      -1, kIntMax, member(video, &V::steps_per_frame)));
  add(number(
      {"scene-cut-threshold", "Scene-cut threshold",
       "When the share of pixels the flow to the previous frame cannot place exceeds this, the "
       "frame is a scene cut: it starts afresh from the frame, without a temporal term, and a "
       "neuralstyle-scene-cut message is posted. In (0, 1]; 1: never",
       kAnyTime},
      0.0, 1.0, member(video, &V::scene_cut_threshold)));
  group = "engine";
  add(choice(
      {"device", "Device", "Where the network runs", kBeforeStart}, member(engine, &E::device),
      {{DeviceKind::Auto, {"auto", "CUDA when a CUDA device is available, else the CPU"}},
       {DeviceKind::CPU, {"cpu", "The CPU"}},
       {DeviceKind::CUDA, {"cuda", "The first CUDA device (an error if there is none)"}}}));
  add(choice(
      {"precision", "Precision",
       "Arithmetic of the network: float32 (the reference notebook's, exact losses) or "
       "bfloat16 inside VGG19 (image, Gram matrices and losses stay float32; about 1.6x faster "
       "on CPUs with AVX512-BF16/AMX and on GPUs, losses within about 1%)",
       kBeforeStart},
      member(engine, &E::precision),
      {{Precision::Float32,
        {"float32", "Float32: the reference notebook's arithmetic, exact losses"}},
       {Precision::BFloat16,
        {"bfloat16",
         "BFloat16 inside VGG19: about 1.6x faster on CPUs with AVX512-BF16/AMX and on GPUs; "
         "losses within about 1%"}}}));
  add(choice(
      {"convolution", "Convolution algorithm",
       "How the CPU computes the networks' 3x3 convolutions in float32: direct (LibTorch's, "
       "the reference notebook's arithmetic), winograd (Winograd F(4x4,3x3) on any CPU: about "
       "2x faster a step, losses within about 1e-6) or auto (Winograd where it pays, direct "
       "elsewhere and on CUDA)",
       kBeforeStart},
      member(engine, &E::convolution),
      {{Convolution::Auto, {"auto", "Winograd where it pays, direct elsewhere"}},
       {Convolution::Direct,
        {"direct", "LibTorch's direct convolutions: the reference notebook's arithmetic"}},
       {Convolution::Winograd,
        {"winograd",
         "Winograd F(4x4,3x3) for every 3x3 layer, on any CPU: about 2x faster a step, losses "
         "within about 1e-6 (float32 on the CPU only)"}}}));
  add(integer({"threads", "Threads", "CPU threads LibTorch uses (0 = all cores)",
                           kBeforeStart},
                          0, 1024, member(engine, &E::threads)));
  add(seedOption());
  return specs;
}

}  // namespace

const std::vector<OptionSpec>& optimisationOptions() {
  static const std::vector<OptionSpec> specs = makeOptimisationOptions();
  return specs;
}

}  // namespace neuralstyle
