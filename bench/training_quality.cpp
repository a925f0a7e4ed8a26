// SPDX-License-Identifier: LGPL-2.1-or-later
// A trained network against the optimisation on held-out images: Johnson et al.'s
// "equivalent steps", the L-BFGS steps from the content that reach the network's loss on
// the same losses (Trainer::equivalentSteps). bench/training_quality.py runs it per style
// and makes the README's sheet.
//
//   neuralstyle_training_quality --style FILE --data DIR [--data DIR...] --weights FILE
//       --model MODEL.safetensors --width W --residual-blocks R
//       [--content-layer L --style-layer-weights L=W,... --style-weight W --tv-weight W]
//       [--image FILE...] [--size 256] [--max-steps 1000] [--out-dir DIR]
//   (JSON on stdout: the held-out sources, and per --image the network's loss, the
//    equivalent steps and the optimisation's loss curve; with --out-dir, each image's
//    content and the network's output as PNG)
//
// An --image must be one of the data's held-out sources: the measure is of images the
// network never saw.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "neuralstyle/image.hpp"
#include "neuralstyle/trainer.hpp"

using namespace neuralstyle;
namespace fs = std::filesystem;

namespace {

void writeRgb(const std::string& path, const cv::Mat& rgb) {
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  if (!cv::imwrite(path, bgr)) throw std::runtime_error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) try {
  TrainOptions options;
  options.iterations = 1;
  options.temporal_weight = 0.0;
  std::string model, out_dir;
  std::vector<std::string> images;
  int size = 256, max_steps = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (i + 1 >= argc) throw std::invalid_argument(key + " needs a value");
    const std::string value = argv[++i];
    if (key == "--model") model = value;
    else if (key == "--image") images.push_back(value);
    else if (key == "--size") size = std::stoi(value);
    else if (key == "--max-steps") max_steps = std::stoi(value);
    else if (key == "--out-dir") out_dir = value;
    else {
      // Every other flag is a train option, parsed as `neuralstyle train` parses it.
      const auto* spec = key.rfind("--", 0) == 0 ? findOption(trainOptionSpecs(), key.substr(2)) : nullptr;
      if (!spec) throw std::invalid_argument("unknown argument " + key);
      spec->set(options, parseOptionValue(*spec, value));
    }
  }
  if (model.empty() || options.style.empty() || options.data.empty())
    throw std::invalid_argument("--model, --style and --data are required");

  Trainer trainer(options);
  trainer.loadModel(model);
  const auto& held_out = trainer.data().held_out_sources;
  nlohmann::json result{{"model", model}, {"style", options.style}, {"size", size}, {"max_steps", max_steps},
                        {"held_out_sources", held_out}, {"images", nlohmann::json::array()}};
  if (!out_dir.empty()) fs::create_directories(out_dir);
  for (size_t i = 0; i < images.size(); ++i) {
    const bool is_held_out = std::any_of(held_out.begin(), held_out.end(), [&](const std::string& source) {
      return fs::weakly_canonical(source) == fs::weakly_canonical(images[i]);
    });
    if (!is_held_out) throw std::invalid_argument(images[i] + " is not one of the data's held-out sources");
    // Scaled as the CLI scales its content for --max-size, so that the optimisation
    // column of bench/training_quality.py starts from the same pixels.
    const cv::Mat rgb = readRgbImage(images[i]);
    const cv::Mat content = resizeTo(rgb, processingSize(rgb.size(), size));
    const EquivalentSteps measured = trainer.equivalentSteps(content, max_steps);
    std::cerr << fs::path(images[i]).filename().string() << ": network loss " << measured.network_loss
              << ", equivalent L-BFGS steps " << measured.steps << "\n";
    result["images"].push_back({{"source", images[i]},
                                {"width", content.cols},
                                {"height", content.rows},
                                {"network_loss", measured.network_loss},
                                {"equivalent_steps", measured.steps},
                                {"optimisation_losses", measured.optimisation_losses}});
    if (!out_dir.empty()) {
      writeRgb(out_dir + "/content-" + std::to_string(i) + ".png", content);
      writeRgb(out_dir + "/network-" + std::to_string(i) + ".png", trainer.stylize(content));
    }
  }
  std::cout << result.dump(1) << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "neuralstyle_training_quality: " << e.what() << "\n";
  return 1;
}
