#!/usr/bin/env bash
# The main job in one command: set the machine up (scripts/setup.sh), then stylise a
# still image through a gst-launch pipeline with the neuralstyle element and put
# content | style | result side by side on a comparison sheet.
#
#   scripts/quickstart.sh [CONTENT [STYLE]]
#
# Defaults: Debian's opencv-doc samples fruits.jpg after starry_night.jpg. Results go to
# $NEURALSTYLE_OUT (default ./out): result.png and comparison.png. Quality/time knobs:
# QUICKSTART_STEPS (default 200), QUICKSTART_MAX_SIZE (default 320).
#
# Weights: $NEURALSTYLE_WEIGHTS or the data folder's vgg19.safetensors; if neither is
# there, scripts/fetch_weights.sh tries to download them, and if that can't be done the
# run goes on with random VGG19 features and says so loudly.
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

data_weights="${XDG_DATA_HOME:-$HOME/.local/share}/neuralstyle/vgg19.safetensors"
weights=${NEURALSTYLE_WEIGHTS:-}
if [[ -z $weights && -f $data_weights ]]; then
  weights=$data_weights
elif [[ -z $weights ]]; then
  echo "quickstart: no VGG19 weights yet; trying scripts/fetch_weights.sh"
  if scripts/fetch_weights.sh "$data_weights"; then
    weights=$data_weights
  else
    weights=random:0
    cat >&2 <<'NOTICE'

  ************************************************************************************
  *  NOTICE: no pretrained VGG19 weights could be found or downloaded, so this run    *
  *  uses RANDOM VGG19 features (weights-location=random:0). Random filters transfer  *
  *  colour and fine texture only; real style transfer needs ImageNet weights.        *
  *  Get them on a machine with a network:  scripts/fetch_weights.sh                  *
  *  or convert a vgg19 .pth you have:      scripts/convert_torchvision_vgg19.py       *
  *  then set NEURALSTYLE_WEIGHTS or copy the file to                                 *
  *  ~/.local/share/neuralstyle/vgg19.safetensors, and run this again.                *
  ************************************************************************************

NOTICE
  fi
fi

mkdir -p "$out"
options=(--style "$style" --weights "$weights" --steps "$steps" --max-size "$max_size"
         --optimizer lbfgs --learning-rate 1 --progress-interval 25)
echo "quickstart: stylising $content after $style ($steps L-BFGS steps at $max_size px, weights $weights)"
pipelines/still.sh "${options[@]}" "$content" "$out/result.png"
pipelines/compare.sh "${options[@]}" --result "$out/result.png" "$content" "$out/comparison.png"
echo "quickstart: wrote $out/result.png and $out/comparison.png"
