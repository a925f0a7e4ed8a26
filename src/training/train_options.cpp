// SPDX-License-Identifier: LGPL-2.1-or-later
// TrainOptions described once, as data (option_schema.hpp): the CLI's `train`
// subcommand makes its flags and help from this table, and validate() checks values set
// in code against the same ranges.
#include "neuralstyle/errors.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/trainer.hpp"
#include "option_builders.hpp"

namespace neuralstyle {
namespace {

using namespace option_builders;
using T = TrainOptions;

constexpr double kHuge = 1e12;

std::vector<OptionSpecOf<T>> makeTrainOptions() {
  std::vector<OptionSpecOf<T>> specs;
  const char* group = "data";
  const auto add = [&specs, &group](OptionSpecOf<T> spec) {
    spec.group = group;
    specs.push_back(std::move(spec));
  };
  add(text({"style", "Style image", "The style image (required)", kBeforeStart}, "FILE", member(&T::style)));
  add(texts({"data", "Training data",
             "Content to train on: a folder (searched recursively for images and videos) or a "
             "file (required)",
             kBeforeStart},
            "DIR", member(&T::data)));
  add(number({"held-out", "Held-out share",
              "Share of the data's images and videos kept out of training, to judge the network "
              "on",
              kBeforeStart},
             0.0, 0.9, member(&T::held_out)));
  group = "loss network";
  add(choice({"network", "Loss network", "The network whose features give the losses", kBeforeStart},
             member(&T::network),
             {{Network::Auto, {"auto", "Whatever the weights hold"}},
              {Network::VGG19, {"vgg19", "VGG19"}},
              {Network::SqueezeNet1_1, {"squeezenet1_1", "SqueezeNet 1.1 (torchvision's squeezenet1_1)"}}}));
  add(text({"weights", "Loss network weights",
            "The loss network's weights, as for stylising (a .safetensors, .onnx or Caffe file). "
            "Unset: the default location",
            kBeforeStart},
           "FILE", member(&T::weights)));
  add(number({"content-weight", "Content weight", "Weight of the content loss", kBeforeStart}, 0.0, kHuge,
             member(&T::content_weight)));
  add(optionalNumber({"style-weight", "Style weight",
                      "Weight of the style loss; -1 = the network's (trainingDefaults: vgg19 1e-3, "
                      "squeezenet1_1 5e-4)",
                      kBeforeStart},
                     -1.0, kHuge, -1.0, member(&T::style_weight)));
  add(text({"content-layer", "Content layer", "The layer of the content loss. Unset: the network's",
            kBeforeStart},
           "LAYER", member(&T::content_layer)));
  add(layerWeights({"style-layer-weights", "Style layer weights",
                    "The style loss's layers and their weights, LAYER=WEIGHT pairs separated by "
                    "commas. Unset: the network's",
                    kBeforeStart},
                   member(&T::style_layers)));
  add(number({"tv-weight", "Total-variation weight", "Weight of the total-variation loss", kBeforeStart}, 0.0,
             kHuge, member(&T::tv_weight)));
  add(optionalNumber({"temporal-weight", "Temporal weight",
                      "Weight of the loss that keeps the output steady under small motion; 0 = "
                      "off; -1 = the network's (5e4)",
                      kBeforeStart},
                     -1.0, kHuge, -1.0, member(&T::temporal_weight)));
  group = "training";
  add(integer({"iterations", "Iterations", "Adam steps, one batch each", kBeforeStart}, 1, 100'000'000,
              member(&T::iterations)));
  add(integer({"batch-size", "Batch size", "Crops per iteration", kBeforeStart}, 1, 256,
              member(&T::batch_size)));
  add(integer({"crop-size", "Crop size", "Side of the square training crops, a multiple of 4", kBeforeStart},
              16, 2048, member(&T::crop_size)));
  add(integer({"style-size", "Style size", "Longest side of the style image for its Gram matrices",
               kBeforeStart},
              16, 4096, member(&T::style_size)));
  add(number({"learning-rate", "Learning rate", "Adam's learning rate", kBeforeStart}, 1e-7, 1.0,
             member(&T::learning_rate)));
  add(unsigned64({"seed", "Seed",
                  "Seed of the initial weights and of the crops: the same seed trains the same "
                  "network on the CPU",
                  kBeforeStart},
                 member(&T::seed)));
  group = "network";
  add(integer({"width", "Width", "Channels of the network's first layer (pytorch/examples: 32)",
               kBeforeStart},
              1, 256, member(&T::width)));
  add(integer({"residual-blocks", "Residual blocks", "Residual blocks (pytorch/examples: 5)", kBeforeStart}, 0,
              64, member(&T::residual_blocks)));
  group = "engine";
  add(choice({"device", "Device", "Where it trains", kBeforeStart}, member(&T::device),
             {{FeedForwardDevice::Auto, {"auto", "CUDA when LibTorch has it, else the CPU"}},
              {FeedForwardDevice::Cpu, {"cpu", "The CPU"}},
              {FeedForwardDevice::Cuda, {"cuda", "The first CUDA device (an error if there is none)"}}}));
  add(integer({"threads", "Threads", "CPU threads, 0 = all cores", kBeforeStart}, 0, 1024,
              member(&T::threads)));
  return specs;
}

}  // namespace

const std::vector<OptionSpecOf<TrainOptions>>& trainOptionSpecs() {
  static const std::vector<OptionSpecOf<TrainOptions>> specs = makeTrainOptions();
  return specs;
}

void TrainOptions::validate() const {
  if (style.empty()) throw OptionsError("style: no style image given");
  if (data.empty()) throw OptionsError("data: no training data given");
  // Values set in code, against the ranges the table gives the CLI.
  for (const auto& spec : trainOptionSpecs()) checkOptionValue(spec, spec.get(*this));
  if (crop_size % 4 != 0)
    throw OptionsError("crop-size must be a multiple of 4 (the network halves it twice), got " +
                       std::to_string(crop_size));
}

const TrainingDefaults& trainingDefaults(Network network) {
  if (network == Network::Auto) throw OptionsError("training defaults: the network is not known yet");
  // Johnson et al.'s layers, moved from VGG16 to VGG19 (content relu2_2; style relu1_2,
  // relu2_2, relu3_3/3_4, relu4_3/4_4). Not measured here: no ImageNet VGG19 can be had
  // on this project's machines (docs/training.md).
  static const TrainingDefaults vgg19{
      "conv2_2",
      {{"conv1_2", 1.0}, {"conv2_2", 1.0}, {"conv3_4", 1.0}, {"conv4_4", 1.0}},
      1e-3,
      5e4};
  // Measured with the ImageNet SqueezeNet (docs/training.md): at Starry Night against
  // opencv-doc photographs, each layer's weight brings its Gram error to about 1e7
  // (conv1's is 10x smaller, fire5's and fire6's 2-4x). With the content at fire4 and
  // beta 1e-3 the network painted strokes over everything (a held-out cat vanished);
  // at fire3, shallower like Johnson et al.'s relu2_2, and beta 5e-4 it keeps the
  // objects in the style's strokes and palette. The temporal weight: trained alike with
  // 0, 5e4 and 2e5, the flicker on a held-out clip fell 2.6x and 4.7x, the held-out style
  // loss rose 4 % and 18 %; 5e4 keeps the style cost within 10 %.
  static const TrainingDefaults squeezenet{
      "fire3",
      {{"conv1", 10.0}, {"fire3", 1.0}, {"fire4", 1.0}, {"fire5", 4.0}, {"fire6", 2.0}},
      5e-4,
      5e4};
  return network == Network::VGG19 ? vgg19 : squeezenet;
}

}  // namespace neuralstyle
