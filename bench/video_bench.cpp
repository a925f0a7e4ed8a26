// SPDX-License-Identifier: LGPL-2.1-or-later
// A frame sequence through VideoStylizer, as the element and the CLI drive it, with the
// numbers bench/flicker.py reports: per frame, its steps, seconds, flow seconds, losses,
// scene cuts; the outputs written as PNG for the flicker measure. The previous result a
// frame continues from is the frame as written (8-bit), as the CLI does.
//
//   neuralstyle_video_bench --frames DIR/%04d.png --count N --style S --out DIR
//       [--weights W] [--steps N] [--max-size N] [--start independent|previous|previous-warped]
//       [--temporal-weight W] [--steps-per-frame N] [--learning-rate R] [--threads N]
//       (JSON on stdout)
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "neuralstyle/neuralstyle.hpp"

using namespace neuralstyle;

namespace {

struct Arguments {
  std::string frames, style, out, weights = "random:0", start = "previous-warped";
  int count = 0, steps = 100, max_size = 192, threads = 0, steps_per_frame = -1;
  double temporal_weight = -1;  // < 0: the network's
  double learning_rate = 0;     // 0: the network's
  bool lbfgs = false;           // --optimizer lbfgs (default adam)
};

Arguments parse(int argc, char** argv) {
  Arguments a;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(key + " needs a value");
      return argv[++i];
    };
    if (key == "--frames") a.frames = value();
    else if (key == "--count") a.count = std::stoi(value());
    else if (key == "--style") a.style = value();
    else if (key == "--out") a.out = value();
    else if (key == "--weights") a.weights = value();
    else if (key == "--start") a.start = value();
    else if (key == "--steps") a.steps = std::stoi(value());
    else if (key == "--max-size") a.max_size = std::stoi(value());
    else if (key == "--threads") a.threads = std::stoi(value());
    else if (key == "--steps-per-frame") a.steps_per_frame = std::stoi(value());
    else if (key == "--temporal-weight") a.temporal_weight = std::stod(value());
    else if (key == "--learning-rate") a.learning_rate = std::stod(value());
    else if (key == "--optimizer") {
      const std::string name = value();
      if (name != "adam" && name != "lbfgs") throw std::invalid_argument("--optimizer is adam or lbfgs");
      a.lbfgs = name == "lbfgs";
    }
    else throw std::invalid_argument("unknown argument " + key);
  }
  if (a.frames.empty() || a.style.empty() || a.out.empty() || a.count <= 0)
    throw std::invalid_argument("--frames, --count, --style and --out are required");
  return a;
}

std::string numbered(const std::string& pattern, int index) {
  char name[4096];
  std::snprintf(name, sizeof name, pattern.c_str(), index);
  return name;
}

}  // namespace

int main(int argc, char** argv) try {
  const Arguments args = parse(argc, argv);
  EngineOptions engine;
  engine.weights = args.weights;
  engine.threads = args.threads;
  StyleOptions options;
  options.steps = args.steps;
  options.max_size = args.max_size;
  options.progress_interval = 0;
  if (args.learning_rate > 0) options.learning_rate = args.learning_rate;
  if (args.lbfgs) options.optimizer = Optimizer::LBFGS;
  Stylizer stylizer(engine, options);
  stylizer.setStyle(readRgbImage(args.style), PixelFormat::RGB);
  VideoOptions video;
  video.start = parseFrameStart(args.start);
  if (args.temporal_weight >= 0) video.temporal_weight = args.temporal_weight;
  video.steps_per_frame = args.steps_per_frame;
  VideoStylizer sequence(stylizer, video);

  nlohmann::json frames = nlohmann::json::array();
  for (int k = 0; k < args.count; ++k) {
    const cv::Mat content = readRgbImage(numbered(args.frames, k));
    const auto frame = sequence.stylize(content, PixelFormat::RGB);
    cv::Mat bgr;
    cv::cvtColor(frame.stylized.image, bgr, cv::COLOR_RGB2BGR);
    const std::string written = args.out + "/" + numbered("%04d.png", k);
    if (!cv::imwrite(written, bgr)) throw std::runtime_error("cannot write " + written);
    sequence.setLast(sequence.frameFromImage(content, frame.stylized.image, PixelFormat::RGB));
    const auto& losses = frame.stylized.final_losses;
    frames.push_back({{"steps", frame.stylized.steps}, {"seconds", frame.stylized.elapsed_seconds},
                      {"flow_seconds", frame.flow_seconds}, {"content_loss", losses.content},
                      {"style_loss", losses.style}, {"temporal_loss", losses.temporal},
                      {"from_previous", frame.from_previous}, {"scene_cut", frame.scene_cut},
                      {"inconsistent_share", frame.inconsistent_share}});
    std::cerr << "frame " << k + 1 << "/" << args.count << ": " << frame.stylized.steps << " steps, "
              << frame.stylized.elapsed_seconds << " s\n";
  }
  std::cout << nlohmann::json{{"network", networkName(stylizer.network())},
                              {"temporal_weight", sequence.temporalWeight()},
                              {"frames", frames}}.dump(2)
            << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "neuralstyle_video_bench: " << e.what() << "\n";
  return 1;
}
