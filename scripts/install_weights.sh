#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The quick start's weights step: finds pretrained weights and installs them where the
# element's and the CLI's default lookup finds them, so that every later command works
# with the defaults (no weights-location, no --weights).
#
#   scripts/install_weights.sh
#
# The data folder is ${XDG_DATA_HOME:-$HOME/.local/share}/neuralstyle. If it already
# holds vgg19.safetensors or squeezenet1_1.safetensors, nothing is installed. Otherwise
# the first of these that can be had is installed there:
#   1. $NEURALSTYLE_WEIGHTS, when it is a .safetensors file of VGG19 or SqueezeNet 1.1
#      (copied; the network is read from the file's tensors, not its name);
#   2. VGG19, downloaded by scripts/fetch_weights.sh;
#   3. SqueezeNet 1.1 from this project's ../shared/weights (copied);
#   4. SqueezeNet 1.1, downloaded by scripts/fetch_weights.sh --network squeezenet1_1.
# Prints the installed (or already present) file on stdout, and what it did on stderr.
# Exit codes: 0 weights are installed; 1 none could be found or downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;/SPDX-License-Identifier/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
esac

data="${XDG_DATA_HOME:-$HOME/.local/share}/neuralstyle"
shared_squeezenet=../shared/weights/squeezenet1_1.safetensors  # this project's machines

for installed in "$data/vgg19.safetensors" "$data/squeezenet1_1.safetensors"; do
  if [[ -f $installed ]]; then
    echo "install_weights: $installed is already installed; using it" >&2
    echo "$installed"
    exit 0
  fi
done

# The network a safetensors file holds, told by its keys as the core tells them
# (torchvision's names, with or without "features."): SqueezeNet 1.1's fire modules, or
# VGG19's last convolution. Prints vgg19 or squeezenet1_1; fails otherwise. Reads only
# the file's JSON header (8-byte length, then JSON) with Python's standard library.
network_of() {
  python3 - "$1" <<'PYTHON'
import json, struct, sys
try:
    with open(sys.argv[1], "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        if length > 100_000_000:
            raise ValueError("header too large")
        keys = {key.removeprefix("features.") for key in json.loads(f.read(length))}
except (OSError, ValueError, struct.error, AttributeError):
    sys.exit(1)
if "12.expand3x3.weight" in keys:
    print("squeezenet1_1")
elif "34.weight" in keys:
    print("vgg19")
else:
    sys.exit(1)
PYTHON
}

# Copies `source` into the data folder as `network`.safetensors and prints where.
install_copy() {
  local source=$1 network=$2
  mkdir -p "$data"
  cp "$source" "$data/$network.safetensors.part"
  chmod 644 "$data/$network.safetensors.part"
  mv "$data/$network.safetensors.part" "$data/$network.safetensors"
  echo "install_weights: installed $source as $data/$network.safetensors" >&2
  echo "$data/$network.safetensors"
}

if [[ -n ${NEURALSTYLE_WEIGHTS:-} ]]; then
  if [[ -f $NEURALSTYLE_WEIGHTS && $NEURALSTYLE_WEIGHTS == *.safetensors ]] &&
     network=$(network_of "$NEURALSTYLE_WEIGHTS"); then
    install_copy "$NEURALSTYLE_WEIGHTS" "$network"
    exit 0
  fi
  echo "install_weights: NEURALSTYLE_WEIGHTS=$NEURALSTYLE_WEIGHTS is not a VGG19 or" \
       "SqueezeNet 1.1 .safetensors file, so it is not installed (the element and the" \
       "CLI still use it while the variable is set); looking further" >&2
fi

echo "install_weights: no weights in $data yet; trying scripts/fetch_weights.sh (VGG19)" >&2
if scripts/fetch_weights.sh "$data/vgg19.safetensors" >&2; then
  echo "$data/vgg19.safetensors"
  exit 0
fi
if [[ -f $shared_squeezenet ]]; then
  install_copy "$shared_squeezenet" squeezenet1_1
  exit 0
fi
echo "install_weights: trying scripts/fetch_weights.sh --network squeezenet1_1" >&2
if scripts/fetch_weights.sh --network squeezenet1_1 "$data/squeezenet1_1.safetensors" >&2; then
  echo "$data/squeezenet1_1.safetensors"
  exit 0
fi
echo "install_weights: no pretrained weights could be found or downloaded" >&2
exit 1
