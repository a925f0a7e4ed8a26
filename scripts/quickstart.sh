#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The main job in one command: set the machine up (scripts/setup.sh), then stylise a
# still image through a gst-launch pipeline with the neuralstyle element and put
# content | style | result side by side on a comparison sheet.
#
#   scripts/quickstart.sh [CONTENT [STYLE]]
#
# Defaults: Debian's opencv-doc samples fruits.jpg after starry_night.jpg. Results go to
# $NEURALSTYLE_OUT (default ./out): result.png and comparison.png. Quality/time knobs:
# QUICKSTART_STEPS (default 200), QUICKSTART_MAX_SIZE (default 320). Then the same
# content in one pass of the feed-forward network this repository ships
# (models/starry_night.onnx, trained by `neuralstyle train`) with the fastneuralstyle
# element: fast-result.png.
#
# Weights: scripts/install_weights.sh installs the first pretrained weights it can find
# or download into ${XDG_DATA_HOME:-~/.local/share}/neuralstyle (unless that folder holds
# some already): $NEURALSTYLE_WEIGHTS, VGG19 (scripts/fetch_weights.sh), SqueezeNet 1.1
# (the project's ../shared/weights copy, or a download). The element and the CLI find
# them there by default, so the README's examples run as written afterwards. If none can
# be had, random VGG19 features, with a notice that says so loudly.
set -euo pipefail
cd "$(dirname "$0")/.."
samples=/usr/share/doc/opencv-doc/examples/data
content=${1:-$samples/fruits.jpg}
style=${2:-$samples/starry_night.jpg}
out=${NEURALSTYLE_OUT:-out}
steps=${QUICKSTART_STEPS:-200}
max_size=${QUICKSTART_MAX_SIZE:-320}

scripts/setup.sh
# Use the plugin just built (an installed one works too; this one comes first).
export GST_PLUGIN_PATH="$PWD/build/plugin${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"

# The weights step: installs what it finds into the data folder, where every later
# command (the README's examples) finds it with the defaults. This run uses
# $NEURALSTYLE_WEIGHTS where it is set (an ONNX or Caffe model is used, not installed).
installed=$(scripts/install_weights.sh) || installed=""
weights=${NEURALSTYLE_WEIGHTS:-$installed}
if [[ -z $weights ]]; then
  weights=random:0
  cat >&2 <<'NOTICE'

  ************************************************************************************
  *  NOTICE: no pretrained weights (VGG19 or SqueezeNet 1.1) could be found or        *
  *  downloaded, so this run uses RANDOM VGG19 features (weights-location=random:0).  *
  *  Random filters transfer colour and fine texture only; real style transfer needs  *
  *  ImageNet weights. Get them on a machine with a network:                          *
  *      scripts/fetch_weights.sh [--network squeezenet1_1]                           *
  *  or convert a torchvision .pth you have:  scripts/convert_torchvision.py          *
  *  then set NEURALSTYLE_WEIGHTS or copy the file to ~/.local/share/neuralstyle/     *
  *  (vgg19.safetensors or squeezenet1_1.safetensors), and run this again.            *
  ************************************************************************************

NOTICE
fi

mkdir -p "$out"
options=(--style "$style" --weights "$weights" --steps "$steps" --max-size "$max_size"
         --optimizer lbfgs --learning-rate 1 --progress-interval 25)
echo "quickstart: stylising $content after $style ($steps L-BFGS steps at $max_size px, weights $weights)"
pipelines/still.sh "${options[@]}" "$content" "$out/result.png"
pipelines/compare.sh "${options[@]}" --result "$out/result.png" "$content" "$out/comparison.png"
echo "quickstart: wrote $out/result.png and $out/comparison.png"
echo "quickstart: the same content through the shipped Starry Night network (fastneuralstyle, one pass)"
pipelines/still.sh --model models/starry_night.onnx --max-size "$max_size" "$content" "$out/fast-result.png"
echo "quickstart: wrote $out/fast-result.png"
