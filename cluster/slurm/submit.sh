#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Submits a frame sequence to Slurm: a job array of ceil(frames / FRAMES_PER_TASK) tasks
# (../run_slice.sh), then a check job that runs when the array has ended
# (check_frames.sh; its log says which frames, if any, are missing).
#
#   submit.sh CONTENT STYLE OUTPUT FRAMES_PER_TASK [OPTION...]
#
# OPTIONs go to neuralstyle. SBATCH_* variables reach sbatch as usual (SBATCH_PARTITION,
# SBATCH_ACCOUNT, ...). Prints the two job ids.
set -euo pipefail
here=$(dirname "$(readlink -f "$0")")
(($# >= 4)) || { echo "usage: $0 CONTENT STYLE OUTPUT FRAMES_PER_TASK [OPTION...]" >&2; exit 2; }
content=$1 style=$2 output=$3 per_task=$4
[[ $per_task =~ ^[1-9][0-9]*$ ]] || { echo "FRAMES_PER_TASK must be a positive number, got '$per_task'" >&2; exit 2; }
# --check counts the frames (complete + missing) without loading any weights.
summary=$("${NEURALSTYLE:-neuralstyle}" --check --content "$content" --style "$style" \
  --output "$output" 2>&1 >/dev/null || true)
[[ $summary =~ ^([0-9]+)\ frames?\ complete,\ ([0-9]+)\ missing ]] ||
  { echo "cannot count the frames: $summary" >&2; exit 1; }
frames=$((BASH_REMATCH[1] + BASH_REMATCH[2]))
tasks=$(((frames + per_task - 1) / per_task))
array=$(sbatch --parsable --array=0-$((tasks - 1)) --export=ALL \
  "$here/../run_slice.sh" "$@")
check=$(sbatch --parsable --dependency=afterany:"$array" --job-name=neuralstyle-check \
  --output=neuralstyle-check-%j.log --export=ALL "$here/../check_frames.sh" "$content" "$style" "$output")
echo "array $array ($tasks tasks of $per_task frames for $frames frames), check $check"
