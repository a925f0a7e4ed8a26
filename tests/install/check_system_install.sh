#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# `cmake --install` puts the plugin where GStreamer looks by itself: after installing the
# build tree, gst-inspect-1.0 finds neuralstyle with no GStreamer environment at all.
# Needs root (installs into the configured prefix, /usr); exits 77 (skipped) otherwise.
# Files this run added are removed again; an installation that was there before stays.
# Usage: BUILD_DIR
set -euo pipefail
build_dir=$1
if [[ $(id -u) -ne 0 ]]; then
  echo "not root: cannot install into the system prefix"
  exit 77
fi
plugin_dir=$(pkg-config --variable=pluginsdir gstreamer-1.0)
installed_before=0
[[ -e $plugin_dir/libgstneuralstyle.so ]] && installed_before=1
cleanup() {
  if ((!installed_before)) && [[ -f $build_dir/install_manifest.txt ]]; then
    xargs -d '\n' rm -f <"$build_dir/install_manifest.txt"
    # and the folders that only this installation had (include/neuralstyle, cmake/...)
    xargs -d '\n' -n 1 dirname <"$build_dir/install_manifest.txt" | sort -u |
      xargs -d '\n' rmdir --ignore-fail-on-non-empty 2>/dev/null || true
  fi
  rm -rf "$scratch"
}
scratch=$(mktemp -d)
trap cleanup EXIT
cmake --install "$build_dir" >"$scratch/install.log"
[[ -e $plugin_dir/libgstneuralstyle.so ]] || {
  echo "the plugin was not installed into GStreamer's plugin folder $plugin_dir"
  cat "$scratch/install.log"
  exit 1
}
# No GST_* variables, a fresh home for the registry cache: what a new user gets.
env -i PATH=/usr/bin:/bin HOME="$scratch" gst-inspect-1.0 neuralstyle >"$scratch/inspect.txt" 2>&1 || {
  cat "$scratch/inspect.txt"
  exit 1
}
grep -E "Klass +Filter/Effect/Video" "$scratch/inspect.txt"
grep -E "^  style-location" "$scratch/inspect.txt"
