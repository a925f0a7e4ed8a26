#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Installs the build tree into a scratch prefix, then builds and runs a program outside
# the tree against it with find_package(neuralstyle). Usage: BUILD_DIR SOURCE_DIR
set -euo pipefail
build_dir=$1
source_dir=$2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cmake --install "$build_dir" --prefix "$scratch/prefix" >"$scratch/install.log"
test -f "$scratch/prefix/include/neuralstyle/stylizer.hpp"
config=$(find "$scratch/prefix" -name neuralstyleConfig.cmake | head -n 1)
[[ -n $config ]] || { echo "no neuralstyleConfig.cmake installed"; exit 1; }
libdir=$(dirname "$(dirname "$(dirname "$config")")")  # <libdir>/cmake/neuralstyle
cmake -S "$source_dir/tests/install/consumer" -B "$scratch/build" \
  -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_BUILD_TYPE=Release >"$scratch/configure.log" \
  || { cat "$scratch/configure.log"; exit 1; }
cmake --build "$scratch/build" >"$scratch/build.log" || { cat "$scratch/build.log"; exit 1; }
LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
  "$scratch/build/consumer"
