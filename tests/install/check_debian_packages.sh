#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the Debian packages with CPack, installs them with apt-get as a user would, checks
# that the plugin and the CLI work with an empty environment, and purges them again.
# Needs root; exits 77 (skipped) otherwise, or when one of the packages is already
# installed (it would be replaced, then removed). Usage: BUILD_DIR
set -euo pipefail
build_dir=$(readlink -f "$1")
packages=(libneuralstyle0 libneuralstyle-dev gstreamer1.0-neuralstyle neuralstyle-tools)
if [[ $(id -u) -ne 0 ]]; then
  echo "not root: cannot install packages"
  exit 77
fi
for package in "${packages[@]}"; do
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    echo "$package is already installed: not touching it"
    exit 77
  fi
done
scratch=$(mktemp -d)
chmod 755 "$scratch"  # apt's sandbox user reads the .deb files
cleanup() {  # after a failure too
  DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${packages[@]}" >/dev/null 2>&1 || true
  rm -rf "$scratch"
}
trap cleanup EXIT

(cd "$build_dir" && cpack -G DEB -B "$scratch/packages") >"$scratch/cpack.log" 2>&1 ||
  { cat "$scratch/cpack.log"; exit 1; }
debs=("$scratch"/packages/*.deb)
((${#debs[@]} == 4)) || { echo "expected 4 packages, got: ${debs[*]}"; exit 1; }
for deb in "${debs[@]}"; do
  echo "$(dpkg-deb -f "$deb" Package): Depends: $(dpkg-deb -f "$deb" Depends)"
done
# dpkg-shlibdeps found LibTorch's package for the core.
dpkg-deb -f "$scratch"/packages/libneuralstyle0_*.deb Depends | grep -q libtorch ||
  { echo "libneuralstyle0 does not depend on LibTorch's package"; exit 1; }

DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${debs[@]}" \
  >"$scratch/install.log" 2>&1 || { cat "$scratch/install.log"; exit 1; }
plugin_dir=$(pkg-config --variable=pluginsdir gstreamer-1.0)
dpkg -L gstreamer1.0-neuralstyle | grep -qx "$plugin_dir/libgstneuralstyle.so" ||
  { echo "the plugin is not in $plugin_dir"; dpkg -L gstreamer1.0-neuralstyle; exit 1; }

# An empty environment (a fresh home for GStreamer's registry): what a new user gets.
mkdir "$scratch/home"
env -i HOME="$scratch/home" /usr/bin/gst-inspect-1.0 neuralstyle >"$scratch/inspect.txt" 2>&1 ||
  { cat "$scratch/inspect.txt"; exit 1; }
grep -E "Klass +Filter/Effect/Video" "$scratch/inspect.txt"
env -i /usr/bin/neuralstyle --version
env -i /usr/bin/pkg-config --modversion neuralstyle
test -x /usr/share/neuralstyle/pipelines/still.sh

DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "${packages[@]}" >"$scratch/purge.log" 2>&1 ||
  { cat "$scratch/purge.log"; exit 1; }
for file in "$plugin_dir/libgstneuralstyle.so" /usr/bin/neuralstyle /usr/share/neuralstyle/pipelines; do
  [[ ! -e $file ]] || { echo "$file is left after the purge"; exit 1; }
done
echo "debian packages: installed, working and removed"
