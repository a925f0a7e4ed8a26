#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Sets up (packages + build, see setup.sh) and runs the whole test suite with ctest.
# Labels: unit, reference, element, pipeline, cli, install, slurm. Extra arguments go to
# ctest, e.g. scripts/test.sh -L unit. The slurm test starts Slurm and munge daemons: it
# is skipped unless NEURALSTYLE_SLURM_TEST=1 (and root, slurm-wlm and munge installed).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir build --output-on-failure -j2 "$@"
