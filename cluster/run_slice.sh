#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# One task of a batch job: stylises the slice of a frame sequence that belongs to task
# INDEX, FRAMES_PER_TASK frames a task, skipping frames already complete (a requeued or
# resubmitted task picks up where it stopped). INDEX is $SLURM_ARRAY_TASK_ID in a Slurm
# job array, $JOB_COMPLETION_INDEX in a Kubernetes Indexed Job.
#
#   sbatch --array=0-K run_slice.sh CONTENT STYLE OUTPUT FRAMES_PER_TASK [OPTION...]
#
# CONTENT and OUTPUT are frame patterns (frames/%05d.png) or folders on storage every node
# sees; OPTIONs go to neuralstyle (--weights, --steps, --seed, ...). K = ceil(frames /
# FRAMES_PER_TASK) - 1; slurm/submit.sh works it out. NEURALSTYLE_OVERLAP=M (>= 3) joins
# the slices without a seam: each leads in from M frames before it and fades its last M
# frames into the next one's lead-in (see --overlap); NEURALSTYLE names the binary. The #SBATCH lines are defaults for Slurm; elsewhere they are comments.
#SBATCH --job-name=neuralstyle
#SBATCH --ntasks=1
#SBATCH --cpus-per-task=1
#SBATCH --output=neuralstyle-%A_%a.log
set -euo pipefail
(($# >= 4)) || { echo "usage: $0 CONTENT STYLE OUTPUT FRAMES_PER_TASK [OPTION...]" >&2; exit 2; }
content=$1 style=$2 output=$3 per_task=$4
shift 4
index=${SLURM_ARRAY_TASK_ID:-${JOB_COMPLETION_INDEX:-}}
[[ $index =~ ^[0-9]+$ ]] ||
  { echo "no task index: run as a Slurm array task or a Kubernetes Indexed Job pod" >&2; exit 2; }
[[ $per_task =~ ^[1-9][0-9]*$ ]] || { echo "FRAMES_PER_TASK must be a positive number, got '$per_task'" >&2; exit 2; }
# LibTorch would take every core of the node: give it the task's CPUs unless told.
threads=()
[[ " $* " == *" --threads"* || -z ${SLURM_CPUS_PER_TASK:-} ]] || threads=(--threads "$SLURM_CPUS_PER_TASK")
exec "${NEURALSTYLE:-neuralstyle}" --content "$content" --style "$style" --output "$output" \
  --start $((index * per_task)) --count "$per_task" \
  --overlap "${NEURALSTYLE_OVERLAP:-0}" --resume "${threads[@]}" "$@"
