#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Picks a small regression corpus from a libFuzzer merge control file.

    pick_corpus.py CONTROL_FILE BUDGET_BYTES MAX_FILE_BYTES

CONTROL_FILE is what `-merge=1 -use_counters=0 -merge_control_file=F` wrote: every input
of the grown corpus with the features (coverage edges, with -use_counters=0) it reached.
Greedy budgeted set cover: take the input with the most not-yet-covered features per
byte (ties: the smaller one), leaving out inputs over MAX_FILE_BYTES, until no input adds
a feature or the next would pass BUDGET_BYTES. libFuzzer's own merge keeps every input
with a feature of its own, which for the weights targets is over 1 MB; this keeps most
of the edges in a fraction of the bytes. Prints the chosen paths, one a line, and the
features kept (of all the corpus reached) on stderr.
"""
import os
import sys


def read_control_file(path):
    """(paths, {index: features}) of a merge control file: the number of inputs, the
    number in the first corpus, the paths, then STARTED/FT/COV lines per input."""
    lines = open(path).read().splitlines()
    count = int(lines[0])
    paths = lines[2:2 + count]
    features = {}
    for line in lines[2 + count:]:
        fields = line.split()
        if fields[0] == "FT":
            features[int(fields[1])] = set(map(int, fields[2:]))
    return paths, features


def pick(paths, features, budget, max_file):
    sizes = {index: os.path.getsize(paths[index]) for index in features}
    candidates = [index for index in features if sizes[index] <= max_file]
    covered, chosen, used = set(), [], 0
    while True:
        scored = [(len(features[index] - covered) / max(sizes[index], 1), -sizes[index], index)
                  for index in candidates
                  if features[index] - covered and used + sizes[index] <= budget]
        if not scored:
            return chosen, covered, used
        best = max(scored)[2]
        chosen.append(best)
        covered |= features[best]
        used += sizes[best]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    control_file, budget, max_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    paths, features = read_control_file(control_file)
    if not features:
        sys.exit(f"pick_corpus: no input ran in {control_file}")
    chosen, covered, used = pick(paths, features, budget, max_file)
    every = set().union(*features.values())
    print(f"pick_corpus: {len(chosen)} of {len(features)} inputs, {used} bytes, "
          f"{len(covered)} of {len(every)} features", file=sys.stderr)
    for index in sorted(chosen, key=lambda index: paths[index]):
        print(paths[index])


if __name__ == "__main__":
    main()
