#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds neuralstyle with sanitizers, in a build folder of their own, and runs tests under
# them. Not part of CI (the ASan build and run take longer than its 90 minutes allow on
# two cores); run it by hand and report what it prints.
#
#   scripts/sanitize.sh [CTEST_ARGS...]            AddressSanitizer + UndefinedBehaviorSanitizer
#                                                  in build-asan/, then ctest -L 'unit|element|cli'
#   scripts/sanitize.sh --thread [CTEST_ARGS...]   ThreadSanitizer in build-tsan/, then the element
#                                                  tests that set properties while the streaming
#                                                  thread reads them
#
# Extra arguments go to ctest (e.g. -R Damaged). SANITIZE_JOBS sets the build's and
# ctest's parallelism (default 2); SANITIZE_TARGETS="t1 t2" builds only those targets
# (with a matching -R, for a quicker run of a few suites). A finding stops its test (-fno-sanitize-recover), so
# ctest's failures are the findings; their reports are in ctest's output.
#
# Only our code is instrumented: LibTorch, OpenCV, GLib and GStreamer are Debian's. ASan
# still checks every malloc/free of the process; TSan sees the accesses of our code only,
# so a race inside those libraries is not reported, and their locks (GLib's GMutex is a
# futex TSan cannot see) are made visible to TSan where our element takes them
# (gst/gstneuralstyleprivate.h). No suppression file is used: none has been needed.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=address
if [[ ${1:-} == --thread ]]; then
  mode=thread
  shift
fi
jobs=${SANITIZE_JOBS:-2}

case $mode in
  address)
    build="build-asan"
    sanitizers=address,undefined
    # Without FetchWeights: it runs only Python (torchvision's conversion), which with the
    # ASan runtime preloaded into it ran past ctest's 300 s (measured); none of our C++ runs.
    labels=(-L 'unit|element|cli' -E 'FetchWeights\.')
    ;;
  thread)
    build="build-tsan"
    sanitizers=thread
    # The tests whose application thread sets properties (style-location, pooling, steps,
    # ...) while the streaming thread reads them, and the flush/stop paths that cancel a
    # running frame from another thread.
    labels=(-R 'LiveTest\.|LiveModeTest\.|ShutdownCancelsALongFrameBetweenSteps|TwoElements|CancelReasons')
    ;;
esac

if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNEURALSTYLE_SANITIZE="$sanitizers" \
    -DNEURALSTYLE_BUILD_BENCH=OFF
fi
if [[ -n ${SANITIZE_TARGETS:-} ]]; then
  read -ra targets <<<"$SANITIZE_TARGETS"
elif [[ $mode == address ]]; then
  targets=(all)
else
  targets=(test_element gstneuralstyle)
fi
# The build runs each test program once to list its tests (gtest_discover_tests): under
# ASan its exit would report LibTorch's, GLib's and GStreamer's once-only allocations as
# leaks and fail the build, so the build gets the settings ctest gives the tests
# (tests/CMakeLists.txt says why each one).
export ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export GST_REGISTRY_FORK=no
cmake --build "$build" -j"$jobs" --target "${targets[@]}"

start=$SECONDS
status=0
ctest --test-dir "$build" -j"$jobs" --output-on-failure "${labels[@]}" "$@" || status=$?
echo "sanitize: $sanitizers: ctest exit $status after $((SECONDS - start)) s (build folder $build)"
exit "$status"
