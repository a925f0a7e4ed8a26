#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The join step of a sliced run: checks that every frame of the sequence has a complete
# output (it decodes and has the input's size) and lists those that do not.
#
#   check_frames.sh CONTENT STYLE OUTPUT
#
# Exit 0: all complete ("N frames complete"); 3: some missing or incomplete, listed on
# stdout (rerun the array: tasks resume). NEURALSTYLE names the binary.
set -euo pipefail
(($# == 3)) || { echo "usage: $0 CONTENT STYLE OUTPUT" >&2; exit 2; }
exec "${NEURALSTYLE:-neuralstyle}" --check --content "$1" --style "$2" --output "$3"
