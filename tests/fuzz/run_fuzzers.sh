#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the weights-loader and image-reader fuzzers (clang, libFuzzer, ASan + UBSan) into build-fuzz/ and
# runs each for SECONDS of wall-clock time, PARALLEL at a time (default 2), at nice 19.
# Prints, per target: run time, executions, coverage (cov/ft), corpus size and findings.
#
#   tests/fuzz/run_fuzzers.sh SECONDS [TARGET...]     (default: every target)
#
# Seeds: tiny well-formed files of VGG19's layout (make_test_weights.py --width-divisor 64)
# plus tests/data/hostile/ for the weights targets; small JPEG (baseline, progressive),
# PNG, BMP and WebP pictures, each whole and cut short, for fuzz_read_image; and the
# regression corpus tests/fuzz/corpus/TARGET where there is one. Corpora grow in
# build-fuzz/corpus/TARGET, findings (crash-*, leak-*, timeout-*, oom-*) land in
# build-fuzz/findings/TARGET, logs in build-fuzz/logs.
# tests/fuzz/minimize_corpus.sh TARGET makes the regression corpus again from the grown one.
# Needs Debian's clang and libclang-rt-14-dev.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:?usage: tests/fuzz/run_fuzzers.sh SECONDS [TARGET...]}
shift
targets=("$@")
((${#targets[@]})) || targets=(fuzz_safetensors fuzz_load_safetensors fuzz_load_onnx
                               fuzz_load_caffe fuzz_onnx_gate_opencv fuzz_weights_format
                               fuzz_read_image)
parallel=${PARALLEL:-2}
build=${FUZZ_BUILD_DIR:-build-fuzz}
python=/usr/bin/python3
hostile=tests/data/hostile

command -v clang++ >/dev/null || { echo "run_fuzzers: clang++ is missing (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
    -DNEURALSTYLE_BUILD_FUZZERS=ON -DNEURALSTYLE_BUILD_TESTS=OFF -DNEURALSTYLE_BUILD_GSTREAMER=OFF \
    -DNEURALSTYLE_BUILD_CLI=OFF -DNEURALSTYLE_BUILD_BENCH=OFF >/dev/null
fi
nice -n 19 cmake --build "$build" -j"${BUILD_JOBS:-2}" --target "${targets[@]}"

# Seed corpora, fresh for each run (two runs may overlap); the grown corpora are kept.
mkdir -p "$build"
seeds=$(mktemp -d "$build/seeds.XXXXXX")
trap 'rm -rf "$seeds"' EXIT
"$python" tests/reference/make_test_weights.py --seed 1 --width-divisor 64 --out "$seeds/tiny" >/dev/null
mkdir -p "$seeds/safetensors" "$seeds/onnx" "$seeds/caffe"
cp "$seeds"/tiny/*.safetensors "$hostile"/*.safetensors "$seeds/safetensors/"
cp "$seeds"/tiny/*.onnx "$hostile"/*.onnx "$seeds/onnx/"
caffe_seed() { cat "$1"; printf '\n#caffemodel\n'; cat "$2"; }
caffe_seed "$seeds/tiny/vgg19.prototxt" "$seeds/tiny/vgg19.caffemodel" >"$seeds/caffe/tiny_vgg19"
caffe_seed "$hostile/F6_unknown_layer_type.prototxt" "$hostile/F6_unknown_layer_type.caffemodel" \
  >"$seeds/caffe/F6_unknown_layer_type"
# fuzz_weights_format: byte 0 picks the file name (0 .safetensors, 1 .onnx, 2 .caffemodel,
# ...), byte 1 the network (0 auto, 1 vgg19, 2 squeezenet1_1); the rest is the file.
mkdir -p "$seeds/format"
with_prefix() { printf '%b%b' "\\x0$1" "\\x0$2"; cat "$3"; }  # single-digit bytes
with_prefix 0 0 "$seeds/tiny/vgg19.safetensors" >"$seeds/format/vgg19_safetensors_auto"
with_prefix 0 2 "$seeds/tiny/vgg19.safetensors" >"$seeds/format/vgg19_safetensors_as_squeezenet"
with_prefix 0 0 "$seeds/tiny/squeezenet1_1.safetensors" >"$seeds/format/squeezenet_safetensors_auto"
with_prefix 1 1 "$seeds/tiny/vgg19.onnx" >"$seeds/format/vgg19_onnx"
with_prefix 3 0 "$seeds/tiny/vgg19.prototxt" >"$seeds/format/vgg19_prototxt"
# fuzz_read_image: byte 0 picks the extension (0 .jpg, 1 .png, 2 .bmp, 3 .webp, ...).
mkdir -p "$seeds/image"
"$python" - "$seeds/image" <<'PYTHON'
import sys, cv2, numpy as np
out = sys.argv[1]
image = (np.random.RandomState(0).rand(24, 32, 3) * 255).astype(np.uint8)
for index, (extension, params) in enumerate([(".jpg", []), (".png", []), (".bmp", []), (".webp", [])]):
    data = cv2.imencode(extension, image, params)[1].tobytes()
    for name, part in (("whole", data), ("cut", data[: len(data) * 2 // 3])):
        open(f"{out}/{name}{extension}", "wb").write(bytes([index]) + part)
progressive = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])[1].tobytes()
open(f"{out}/progressive.jpg", "wb").write(bytes([0]) + progressive)
PYTHON

seed_dir() {
  case $1 in
    fuzz_safetensors | fuzz_load_safetensors) echo "$seeds/safetensors" ;;
    fuzz_load_onnx | fuzz_onnx_gate_opencv) echo "$seeds/onnx" ;;
    fuzz_load_caffe) echo "$seeds/caffe" ;;
    fuzz_weights_format) echo "$seeds/format" ;;
    fuzz_read_image) echo "$seeds/image" ;;
    *) echo "run_fuzzers: unknown target $1" >&2; exit 2 ;;
  esac
}

run_one() {
  local target=$1 corpus=$build/corpus/$1 findings=$build/findings/$1 log=$build/logs/$1.log
  mkdir -p "$corpus" "$findings" "$build/logs"
  local start=$SECONDS
  # The regression corpus ctest replays seeds its target too (where it has one), so a new
  # run starts from what the last one reached (tests/fuzz/README.md).
  local committed=()
  [[ -d tests/fuzz/corpus/$target ]] && committed=("tests/fuzz/corpus/$target")
  # libFuzzer's own clock stops it; `timeout` only guards against a hang at exit. An input
  # that takes 600 s is a hang; with -timeout=60 a nice-19 fuzzer on a loaded machine
  # (load 14 on 2 cores) reported inputs that run in 10 ms as timeouts.
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0} \
  OMP_NUM_THREADS=1 OPENCV_IO_MAX_IMAGE_PIXELS=4194304 \
    timeout --signal=INT $((seconds + 120)) nice -n 19 "$build/tests/fuzz/$target" \
      -max_total_time="$seconds" -timeout=600 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$corpus" "$(seed_dir "$target")" "${committed[@]}" >"$log" 2>&1 || true
  echo "$((SECONDS - start))" >"$build/logs/$target.seconds"
}

running=0
for target in "${targets[@]}"; do
  seed_dir "$target" >/dev/null
  echo "run_fuzzers: $target for ${seconds}s (log: $build/logs/$target.log)"
  run_one "$target" &
  running=$((running + 1))
  if ((running >= parallel)); then
    wait -n
    running=$((running - 1))
  fi
done
wait

printf '\n%-24s %8s %12s %8s %8s %8s %9s\n' target seconds executions cov ft corpus findings
status=0
for target in "${targets[@]}"; do
  log=$build/logs/$target.log
  executions=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  # The last status line: "#N  REDUCE cov: C ft: F corp: K/..." (or DONE, pulse, NEW).
  read -r cov ft corp < <(grep -E '^#[0-9]+' "$log" | tail -1 |
    sed -E 's/.*cov: ([0-9]+) ft: ([0-9]+) corp: ([0-9]+).*/\1 \2 \3/' || true)
  # slow-unit-* files (inputs over 10 s, reported by libFuzzer) are not findings.
  findings=$(find "$build/findings/$target" -type f \( -name 'crash-*' -o -name 'leak-*' \
    -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  ((findings == 0)) || status=1
  grep -qE 'ERROR: (AddressSanitizer|libFuzzer|LeakSanitizer)|runtime error:' "$log" && status=1
  printf '%-24s %8s %12s %8s %8s %8s %9s\n' "$target" "$(cat "$build/logs/$target.seconds")" \
    "${executions:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "$findings"
done
((status == 0)) || echo "run_fuzzers: FINDINGS: see $build/findings/ and $build/logs/" >&2
exit "$status"
