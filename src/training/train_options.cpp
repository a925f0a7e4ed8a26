// SPDX-License-Identifier: LGPL-2.1-or-later
// TrainOptions declared once: each field's name, value, documentation, parser and
// printer. The CLI's `train` subcommand builds its flags and help from this table.
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "neuralstyle/errors.hpp"
#include "neuralstyle/options.hpp"
#include "neuralstyle/trainer.hpp"

namespace neuralstyle {
namespace {

using Field = OptionField<TrainOptions>;

std::string number(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

long long parseInteger(const std::string& name, const std::string& text, long long min, long long max) {
  long long value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || ptr != end || error == std::errc::invalid_argument)
    throw OptionsError(name + ": '" + text + "' is not an integer");
  if (error == std::errc::result_out_of_range || value < min || value > max)
    throw OptionsError(name + " must be between " + std::to_string(min) + " and " +
                       std::to_string(max) + ", got " + text);
  return value;
}

double parseReal(const std::string& name, const std::string& text, double min, double max) {
  char* end = nullptr;
  errno = 0;
  const double value = text.empty() || std::isspace(static_cast<unsigned char>(text.front()))
                           ? NAN
                           : std::strtod(text.c_str(), &end);
  if (std::isnan(value) || end != text.c_str() + text.size())
    throw OptionsError(name + ": '" + text + "' is not a number");
  if (!(value >= min && value <= max))
    throw OptionsError(name + " must be between " + number(min) + " and " + number(max) + ", got " + text);
  return value;
}

Field integer(std::string name, std::string doc, int TrainOptions::*member, int min, int max) {
  return {name, "N", std::move(doc),
          [name, member, min, max](TrainOptions& o, const std::string& text) {
            o.*member = static_cast<int>(parseInteger(name, text, min, max));
          },
          [member](const TrainOptions& o) { return std::to_string(o.*member); }};
}

Field real(std::string name, std::string doc, double TrainOptions::*member, double min, double max) {
  return {name, "X", std::move(doc),
          [name, member, min, max](TrainOptions& o, const std::string& text) {
            o.*member = parseReal(name, text, min, max);
          },
          [member](const TrainOptions& o) { return number(o.*member); }};
}

Field optionalReal(std::string name, std::string doc, std::optional<double> TrainOptions::*member,
                   double min, double max, std::string unset) {
  return {name, "X", std::move(doc),
          [name, member, min, max](TrainOptions& o, const std::string& text) {
            o.*member = parseReal(name, text, min, max);
          },
          [member](const TrainOptions& o) { return o.*member ? number(*(o.*member)) : std::string(); },
          false, std::move(unset)};
}

Field text(std::string name, std::string value_name, std::string doc, std::string TrainOptions::*member,
           std::string unset) {
  return {name, std::move(value_name), std::move(doc),
          [member](TrainOptions& o, const std::string& value) { o.*member = value; },
          [member](const TrainOptions& o) { return o.*member; },
          false, std::move(unset)};
}

constexpr double kHuge = 1e12;

}  // namespace

const std::vector<Field>& trainOptionFields() {
  static const std::vector<Field> fields = [] {
    std::vector<Field> f;
    f.push_back(text("style", "FILE", "the style image", &TrainOptions::style, ""));
    f.push_back({"data", "DIR",
                 "content to train on: a folder (searched recursively for images and videos) or a "
                 "file; repeat for more",
                 [](TrainOptions& o, const std::string& v) { o.data.push_back(v); },
                 [](const TrainOptions& o) {
                   std::string joined;
                   for (const auto& d : o.data) joined += (joined.empty() ? "" : ",") + d;
                   return joined;
                 },
                 true, "none"});
    f.push_back({"network", "auto|vgg19|squeezenet1_1",
                 "the loss network; auto = whatever --weights hold",
                 [](TrainOptions& o, const std::string& v) { o.network = parseNetwork(v); },
                 [](const TrainOptions& o) { return networkName(o.network); }});
    f.push_back(text("weights", "FILE", "the loss network's weights (as for stylising)",
                     &TrainOptions::weights, "the default location"));
    f.push_back(integer("iterations", "Adam steps, one batch each", &TrainOptions::iterations, 1, 100'000'000));
    f.push_back(integer("batch-size", "crops per iteration", &TrainOptions::batch_size, 1, 256));
    f.push_back(integer("crop-size", "side of the square training crops, a multiple of 4",
                        &TrainOptions::crop_size, 16, 2048));
    f.push_back(integer("style-size", "longest side of the style image for its Gram matrices",
                        &TrainOptions::style_size, 16, 4096));
    f.push_back(integer("width", "channels of the network's first layer (pytorch/examples: 32)",
                        &TrainOptions::width, 1, 256));
    f.push_back(integer("residual-blocks", "residual blocks (pytorch/examples: 5)",
                        &TrainOptions::residual_blocks, 0, 64));
    f.push_back(real("learning-rate", "Adam's learning rate", &TrainOptions::learning_rate, 1e-7, 1.0));
    f.push_back(real("content-weight", "weight of the content loss", &TrainOptions::content_weight, 0, kHuge));
    f.push_back(optionalReal("style-weight", "weight of the style loss", &TrainOptions::style_weight, 0, kHuge,
                             "the network's"));
    f.push_back(text("content-layer", "NAME", "the layer of the content loss", &TrainOptions::content_layer,
                     "the network's"));
    f.push_back({"style-layer-weights", "LAYER=W,...", "the style loss's layers and their weights",
                 [](TrainOptions& o, const std::string& v) { o.style_layers = parseLayerWeights(v); },
                 [](const TrainOptions& o) { return formatLayerWeights(o.style_layers); },
                 false, "the network's"});
    f.push_back(real("tv-weight", "weight of the total-variation loss", &TrainOptions::tv_weight, 0, kHuge));
    f.push_back(optionalReal("temporal-weight",
                             "weight of the loss that keeps the output steady under small motion; 0 = off",
                             &TrainOptions::temporal_weight, 0, kHuge, "the network's"));
    f.push_back(real("held-out", "share of the data's images and videos kept out of training",
                     &TrainOptions::held_out, 0, 0.9));
    f.push_back({"seed", "N", "seed of the initial weights and of the crops: the same seed trains the same network on the CPU",
                 [](TrainOptions& o, const std::string& v) {
                   uint64_t value = 0;
                   const auto [ptr, error] = std::from_chars(v.data(), v.data() + v.size(), value);
                   if (v.empty() || ptr != v.data() + v.size() || error != std::errc())
                     throw OptionsError("seed: '" + v + "' is not an integer between 0 and 2^64-1");
                   o.seed = value;
                 },
                 [](const TrainOptions& o) { return std::to_string(o.seed); }});
    f.push_back(integer("threads", "CPU threads, 0 = all cores", &TrainOptions::threads, 0, 1024));
    f.push_back({"device", "auto|cpu|cuda", "where it trains; auto = CUDA when LibTorch has it",
                 [](TrainOptions& o, const std::string& v) {
                   o.device = parseFeedForwardDevice(v);
                   if (o.device == FeedForwardDevice::OpenCL)
                     throw OptionsError("device: training runs on cpu or cuda, not opencl");
                 },
                 [](const TrainOptions& o) { return toString(o.device); }});
    // Every message starts with the option's name, whichever parser wrote it.
    for (auto& field : f)
      field.set = [name = field.name, set = field.set](TrainOptions& o, const std::string& value) {
        try {
          set(o, value);
        } catch (const OptionsError& e) {
          if (std::string(e.what()).rfind(name, 0) == 0) throw;
          throw OptionsError(name + ": " + e.what());
        }
      };
    return f;
  }();
  return fields;
}

void TrainOptions::validate() const {
  if (style.empty()) throw OptionsError("style: no style image given");
  if (data.empty()) throw OptionsError("data: no training data given");
  // The table's parsers check each value from text; the same ranges for values set in code.
  TrainOptions copy;
  for (const auto& field : trainOptionFields())
    if (const auto value = field.get(*this); !field.repeatable && !value.empty()) field.set(copy, value);
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
