#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sets up a Debian 12 machine for neuralstyle and builds it: installs the Debian packages
# that are missing (as root, or through sudo), configures and builds into ./build.
# Idempotent: packages already there are not touched, the build is incremental.
#
#   scripts/setup.sh             install packages + build
#   scripts/setup.sh --deps-only install packages only
# Extra CMake arguments: NEURALSTYLE_CMAKE_ARGS="-DNEURALSTYLE_BUILD_TESTS=OFF" scripts/setup.sh
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  # toolchain
  g++ cmake make pkg-config ccache
  # the core (libjpeg, libpng: damaged images are detected with the libraries OpenCV decodes with)
  libtorch-dev libopencv-dev nlohmann-json3-dev libjpeg-dev libpng-dev
  # SHA-256 of the style image in a trained model's metadata
  libssl-dev
  # the command line of the neuralstyle tool
  libcli11-dev
  # ONNX weights are checked with ONNX's own library before OpenCV imports them
  libonnx-dev libprotobuf-dev
  # a fast BLAS for the Gram products (Debian's default reference BLAS is ~3x slower)
  libopenblas0-pthread
  # oneDNN's headers: Winograd convolutions (the libdnnl.so.2 LibTorch already runs on)
  libdnnl-dev
  # the element and the pipelines
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  # the decoders and encoders of pipelines/video.sh: FFmpeg's (MPEG-4/XVID, H.264, AAC,
  # AC-3, ...), x264enc (-ugly), openh264enc and h264parse (-bad); its input probe and its
  # --frames runner use GStreamer's Python bindings
  gstreamer1.0-libav gstreamer1.0-plugins-ugly gstreamer1.0-plugins-bad
  python3-gi gir1.2-gstreamer-1.0 gir1.2-gst-plugins-base-1.0
  # tests: GoogleTest, and the reference notebook's reference in Python (writes test weights too)
  googletest libgtest-dev python3-torch python3-torchvision python3-opencv python3-pil
  # tests write damaged PNGs (zlib's CRC); bench/soak.py drives the element from Python
  # (with python3-gi above)
  zlib1g-dev
  # sample images (starry_night.jpg, fruits.jpg, ...) and fetching real weights
  opencv-doc curl ca-certificates
  # lint of the shell scripts (a ctest case)
  shellcheck
  # Debian packages with cpack -G DEB (dpkg-shlibdeps)
  dpkg-dev
  # lint of the Kubernetes manifests (a ctest case)
  yamllint
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || { echo "setup: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
  fi
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
  echo "setup: all ${#packages[@]} Debian packages are already installed"
fi

# The BLAS that LibTorch's Gram products go through is chosen by Debian's alternatives.
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null | awk '/^Value:/ {print $2}')
case "$blas" in
  *openblas*|*blis*|*mkl*) echo "setup: BLAS is $blas" ;;
  *) echo "setup: WARNING: BLAS is '${blas:-unknown}', the slow reference one;" \
          "run: update-alternatives --set libblas.so.3-x86_64-linux-gnu" \
          "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3" >&2 ;;
esac

[[ ${1:-} == --deps-only ]] && exit 0

# Prefix /usr: `cmake --install build` then puts the plugin in GStreamer's own plugin
# folder (lib/x86_64-linux-gnu/gstreamer-1.0), where gst-inspect-1.0 finds it unaided.
# shellcheck disable=SC2086  # NEURALSTYLE_CMAKE_ARGS is a list of arguments
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr ${NEURALSTYLE_CMAKE_ARGS:-}
cmake --build build -j"$(nproc)"
echo "setup: built into $(pwd)/build"
