#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Slurm job array for real: starts a private single-node Slurm (Debian's slurm-wlm and
# munge; localhost only, its own ports, key, state and logs in a scratch folder), submits
# a 7-frame sequence as 3 tasks of 3 frames with one overlap frame (cluster/slurm/submit.sh),
# waits, runs the join check, and compares every frame with a single-process run of the
# same command line (random weights, fixed seed, one thread: byte-identical PNGs).
# Root only, and only with NEURALSTYLE_SLURM_TEST=1 (it starts daemons); exits 77
# (skipped) otherwise. Usage: NEURALSTYLE_BINARY SOURCE_DIR
set -euo pipefail
binary=$(readlink -f "$1")
source_dir=$(readlink -f "$2")
if [[ ${NEURALSTYLE_SLURM_TEST:-0} != 1 ]]; then
  echo "NEURALSTYLE_SLURM_TEST is not 1: not starting a Slurm cluster"; exit 77
fi
[[ $(id -u) -eq 0 ]] || { echo "not root: cannot run slurmd"; exit 77; }
for program in munged slurmctld slurmd sbatch squeue; do
  command -v "$program" >/dev/null || { echo "$program missing (apt-get install slurm-wlm munge)"; exit 77; }
done
export PATH=$PATH:/usr/sbin

scratch=$(mktemp -d)
chmod 755 "$scratch"
stop() {
  for pid_file in slurmd.pid slurmctld.pid munged.pid; do
    if [[ -f $scratch/$pid_file ]]; then kill "$(cat "$scratch/$pid_file")" 2>/dev/null || true; fi
  done
  sleep 1
  rm -rf "$scratch"
}
trap stop EXIT
cd "$scratch"

# Seven tiny frames numbered from 1, as ffmpeg writes them, and a style image.
mkdir in
/usr/bin/python3 - <<'PY'
import cv2, numpy
rng = numpy.random.default_rng(4)
for i in range(1, 8):
    cv2.imwrite(f"in/{i:05d}.png", rng.integers(0, 256, (24, 32, 3), dtype=numpy.uint8))
cv2.imwrite("style.png", rng.integers(0, 256, (32, 32, 3), dtype=numpy.uint8))
PY
# Independent frames (no temporal coherence): a sliced run must equal one process's byte for byte.
options=(--weights random:5 --steps 3 --max-size 32 --seed 3 --threads 1 --quiet --init content --temporal-weight 0)
mkdir single array
"$binary" --content in/%05d.png --style style.png --output single/%05d.png "${options[@]}"

# munge with its own key and socket; Slurm with its own configuration (SLURM_CONF).
mungekey --create --keyfile="$scratch/munge.key" --force
munged --force --socket="$scratch/munge.sock" --key-file="$scratch/munge.key" \
  --log-file="$scratch/munged.log" --pid-file="$scratch/munged.pid" --seed-file="$scratch/munged.seed"
cat >slurm.conf <<CONF
ClusterName=neuralstyletest
SlurmctldHost=localhost
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
AuthInfo=socket=$scratch/munge.sock
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$scratch/state
SlurmdSpoolDir=$scratch/spool
SlurmctldPidFile=$scratch/slurmctld.pid
SlurmdPidFile=$scratch/slurmd.pid
SlurmctldLogFile=$scratch/slurmctld.log
SlurmdLogFile=$scratch/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
NodeName=localhost NodeHostname=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=neuralstyletest Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
mkdir state spool
export SLURM_CONF=$scratch/slurm.conf
slurmctld -i
slurmd -N localhost
for _ in $(seq 30); do
  sinfo -h -o %T 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o %T | grep -q idle || { echo "the node did not come up"; cat slurmctld.log slurmd.log; exit 1; }

# The array, then the check job after it.
export NEURALSTYLE=$binary NEURALSTYLE_OVERLAP=1
submitted=$("$source_dir/cluster/slurm/submit.sh" in/%05d.png style.png array/%05d.png 3 "${options[@]}")
echo "$submitted"
[[ $submitted == *"(3 tasks of 3 frames for 7 frames)"* ]] || { echo "expected 3 tasks"; exit 1; }
for _ in $(seq 300); do
  [[ -z $(squeue -h) ]] && break
  sleep 1
done
[[ -z $(squeue -h) ]] || { echo "jobs still queued after 300 s:"; squeue; exit 1; }
for log in neuralstyle-*.log; do echo "== $log"; cat "$log"; done
grep -q "^7 frames complete, 0 missing" neuralstyle-check-*.log || { echo "the check job did not pass"; exit 1; }
"$source_dir/cluster/check_frames.sh" in/%05d.png style.png array/%05d.png

# Frame by frame: the same files, the same bytes.
[[ $(ls single) == "$(ls array)" ]] || { echo "different frames:"; ls single array; exit 1; }
for frame in single/*.png; do
  cmp "$frame" "array/${frame#single/}" || { echo "frame ${frame#single/} differs"; exit 1; }
done
frames=(array/*.png)
echo "slurm array: ${#frames[@]} frames, each equal to the single-process run"
