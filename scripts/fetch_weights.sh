#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fetch torchvision's ImageNet weights of a network and convert them for neuralstyle.
#
#   scripts/fetch_weights.sh [--network vgg19|squeezenet1_1] [DEST]
#
# vgg19 (the default): https://download.pytorch.org/models/vgg19-dcbb9e9d.pth (548 MB,
# CC BY 4.0, Simonyan & Zisserman). squeezenet1_1:
# https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth (4.9 MB, BSD 2-Clause,
# DeepScale). The script checks the download's size and that its sha256 starts with the
# hash in its file name (torchvision's convention), converts the feature convolutions to
# DEST with convert_torchvision.py, deletes the .pth and prints where DEST is.
#
# DEST defaults to ${XDG_DATA_HOME:-$HOME/.local/share}/neuralstyle/NETWORK.safetensors,
# where the element and the CLI look for weights. If DEST exists the script says so and
# does nothing.
#
# Environment:
#   NEURALSTYLE_VGG19_URL       another URL for the VGG19 checkpoint (a mirror, file://...)
#   NEURALSTYLE_SQUEEZENET_URL  likewise for SqueezeNet 1.1
#   PYTHON                 python with torch for the converter (default: the first of
#                          python3, /usr/bin/python3 that can import torch)
#
# Exit codes: 0 done (or DEST already there), 1 bad file or conversion error,
#             2 download failed (no network?).
set -euo pipefail

network=vgg19
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;/SPDX-License-Identifier/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
  --network)
    network="${2:-}"
    shift 2 || { echo "error: --network needs vgg19 or squeezenet1_1" >&2; exit 1; } ;;
esac
case "$network" in
  vgg19)
    URL="${NEURALSTYLE_VGG19_URL:-https://download.pytorch.org/models/vgg19-dcbb9e9d.pth}"
    MIN_BYTES=500000000 ;;
  squeezenet1_1)
    URL="${NEURALSTYLE_SQUEEZENET_URL:-https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth}"
    MIN_BYTES=4000000 ;;
  *) echo "error: --network must be vgg19 or squeezenet1_1, got '$network'" >&2; exit 1 ;;
esac
readonly URL MIN_BYTES network
readonly DEST="${1:-${XDG_DATA_HOME:-$HOME/.local/share}/neuralstyle/$network.safetensors}"
SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR

if [[ -e "$DEST" ]]; then
  echo "$network weights already at $DEST; nothing to do."
  exit 0
fi

pick_python() {
  local candidate
  for candidate in ${PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import torch' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! python="$(pick_python)"; then
  echo "error: no python3 that can 'import torch' (needed to convert the checkpoint);" \
       "install python3-torch or set PYTHON." >&2
  exit 1
fi

mkdir -p "$(dirname "$DEST")"
pth="$(dirname "$DEST")/$(basename "$URL")"
trap 'rm -f "$pth"' EXIT

echo "Downloading $URL ..."
status=0
if command -v curl >/dev/null 2>&1; then
  curl -fL --connect-timeout 60 --speed-limit 1024 --speed-time 60 --retry 2 \
       -o "$pth" "$URL" || status=$?
elif command -v wget >/dev/null 2>&1; then
  wget --timeout=60 --tries=3 -O "$pth" "$URL" || status=$?
else
  echo "error: neither curl nor wget is installed." >&2
  exit 2
fi
if [[ $status -ne 0 ]]; then
  cat >&2 <<EOF
error: could not download $URL (exit $status): the network is unreachable or the
server refused. To install the weights by hand, on a machine with a network:
  - download $URL (or copy torchvision's cached copy,
    ~/.cache/torch/hub/checkpoints/$(basename "$URL")) to this machine and run
     $python $SCRIPT_DIR/convert_torchvision.py $(basename "$URL") $DEST
  - or, for VGG19, use an ONNX export, or Caffe's VGG_ILSVRC_19_layers prototxt +
    caffemodel, which neuralstyle reads directly.
EOF
  exit 2
fi

size=$(stat -c %s "$pth")
if (( size < MIN_BYTES )); then
  echo "error: $pth is only $size bytes; expected over $MIN_BYTES (truncated download?)." >&2
  exit 1
fi
if [[ "$(basename "$URL")" =~ -([0-9a-f]{8,})\.pth$ ]] && command -v sha256sum >/dev/null 2>&1; then
  expected="${BASH_REMATCH[1]}"
  actual="$(sha256sum "$pth" | cut -c1-${#expected})"
  if [[ "$actual" != "$expected" ]]; then
    echo "error: $pth has sha256 prefix $actual, expected $expected (corrupt download?)." >&2
    exit 1
  fi
fi

"$python" "$SCRIPT_DIR/convert_torchvision.py" --network "$network" --source "$URL" "$pth" "$DEST"
echo "$network weights installed at $DEST"
