#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the build tree into a scratch prefix, then compiles and runs the consumer
# program with nothing but `pkg-config --cflags --libs neuralstyle` (no CMake).
# Usage: BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
prefix=$scratch/prefix
cmake --install "$build_dir" --prefix "$prefix" >"$scratch/install.log"
pc=$(find "$prefix" -name neuralstyle.pc -path '*/pkgconfig/*' | head -n 1)
[[ -n $pc ]] || { echo "no neuralstyle.pc installed"; exit 1; }
# The file names the configured prefix, and every other path through ${prefix}; the
# scratch install lives elsewhere, so a copy names it instead (pkg-config's
# --define-variable=prefix would move OpenCV's paths too).
grep -q '^prefix=/' "$pc" || { echo "neuralstyle.pc has no absolute prefix"; exit 1; }
mkdir "$scratch/pkgconfig"
sed "s|^prefix=.*|prefix=$prefix|" "$pc" >"$scratch/pkgconfig/neuralstyle.pc"
pkg_config() { PKG_CONFIG_PATH="$scratch/pkgconfig" pkg-config "$@" neuralstyle; }
pkg_config --validate
echo "pkg-config: neuralstyle $(pkg_config --modversion)"
# shellcheck disable=SC2046  # the flags are words
g++ -std=c++17 -O1 -o "$scratch/consumer" "$source_dir/tests/install/consumer/main.cpp" \
  $(pkg_config --cflags --libs)
libdir=$(pkg_config --variable=libdir)
[[ $libdir == "$prefix"/* ]] || { echo "libdir '$libdir' is not in the scratch prefix"; exit 1; }
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$scratch/consumer"
