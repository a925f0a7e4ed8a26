#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Makes the regression corpus that ctest replays (tests/fuzz/corpus/TARGET/, see
# tests/fuzz/README.md) from a grown corpus and the corpus already there:
#
#   tests/fuzz/minimize_corpus.sh TARGET [GROWN_DIR...]   (default: build-fuzz/corpus/TARGET)
#
# 1. libFuzzer's merge (-merge=1 -use_counters=0) runs every input once and writes, to its
#    control file, the coverage edges each one reaches (-use_counters=0: an edge counts
#    once, however often it runs).
# 2. pick_corpus.py keeps the inputs with the most new edges per byte, each at most
#    MAX_FILE bytes (default 32768), until BUDGET bytes are used (default: 300000 for
#    fuzz_weights_format, whose inputs are whole weights files, 100000 for the others).
# The folder is then replaced by the chosen inputs (named by their SHA-1, as libFuzzer
# names them). Needs the target built in build-fuzz/ (tests/fuzz/run_fuzzers.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/../.."

target=${1:?usage: tests/fuzz/minimize_corpus.sh TARGET [GROWN_DIR...]}
shift
grown=("$@")
((${#grown[@]})) || grown=("${FUZZ_BUILD_DIR:-build-fuzz}/corpus/$target")
fuzzer=${FUZZ_BUILD_DIR:-build-fuzz}/tests/fuzz/$target
corpus=tests/fuzz/corpus/$target
case $target in
  fuzz_weights_format) budget=${BUDGET:-300000} ;;
  *) budget=${BUDGET:-100000} ;;
esac
[[ -x $fuzzer ]] || { echo "minimize_corpus: $fuzzer is missing (tests/fuzz/run_fuzzers.sh builds it)" >&2; exit 1; }

work=$(mktemp -d)
mkdir "$work/merged"
trap 'rm -rf "$work"' EXIT
inputs=("${grown[@]}")
[[ -d $corpus ]] && inputs+=("$corpus")
# The settings run_fuzzers.sh fuzzes under, so that each input takes the path it took then.
ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 OMP_NUM_THREADS=1 \
OPENCV_IO_MAX_IMAGE_PIXELS=4194304 \
  nice -n 19 "$fuzzer" -merge=1 -use_counters=0 -timeout=600 -rss_limit_mb=4096 \
    -merge_control_file="$work/control" "$work/merged" "${inputs[@]}" >"$work/merge.log" 2>&1 ||
  { tail -20 "$work/merge.log" >&2; exit 1; }
grep 'MERGE-OUTER: .* new files' "$work/merge.log" | sed 's/^/minimize_corpus: libFuzzer: /'

/usr/bin/env python3 tests/fuzz/pick_corpus.py "$work/control" "$budget" "${MAX_FILE:-32768}" \
  >"$work/chosen"
mkdir -p "$work/corpus"
while read -r path; do
  cp "$path" "$work/corpus/$(sha1sum "$path" | cut -d' ' -f1)"
done <"$work/chosen"
rm -rf "$corpus"
mkdir -p "$(dirname "$corpus")"
cp -r "$work/corpus" "$corpus"
echo "minimize_corpus: $corpus: $(find "$corpus" -type f | wc -l) files, $(find "$corpus" -type f -printf "%s\n" | awk "{s += \$1} END {print s}") bytes"
