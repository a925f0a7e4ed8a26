#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Times the reference notebook's own loop (tests/reference/reference_notebook.py's code) and prints
one JSON object: ms per step (median after warm-up), peak resident memory, the losses.

    /usr/bin/python3 bench/notebook_bench.py --weights W.safetensors --content C.png \
        --style S.png --steps 10 --warmup 3 --threads 2
"""
import argparse
import json
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
import reference_notebook  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--content", required=True)
    parser.add_argument("--style", required=True)
    parser.add_argument("--steps", type=int, default=10, help="measured steps")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--lr", type=float, default=0.003)
    parser.add_argument("--style-weight", type=float, default=1e6)
    parser.add_argument("--network", choices=["vgg19", "squeezenet1_1"], default="vgg19")
    parser.add_argument("--content-layer", help="squeezenet1_1: content layer")
    parser.add_argument("--style-layers", type=reference_notebook.parse_layer_weights,
                        help="squeezenet1_1: LAYER=WEIGHT,... style layers")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    # The reference notebook's code, shared with the parity reference; each step's end is timed.
    step_ends = []  # the loop's start, then the end of each step
    args.steps, measured_steps = args.warmup + args.steps, args.steps
    history, _ = reference_notebook.run(args, on_step=lambda ii: step_ends.append(time.perf_counter()))
    total_seconds = step_ends[-1] - step_ends[0]
    step_seconds = [b - a for a, b in zip(step_ends[:-1], step_ends[1:])]
    losses = history["total"]
    content = reference_notebook.load_image(args.content)

    measured = sorted(step_seconds[args.warmup:args.warmup + measured_steps]) or [0.0]
    print(json.dumps({
        "size": [content.shape[3], content.shape[2]],
        "threads": torch.get_num_threads(),
        "ms_per_step": 1000 * measured[len(measured) // 2],
        "total_seconds": total_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "final_loss": losses[-1],
        "losses": losses,
        "content_losses": history["content"],
        "style_losses": history["style"],
    }))


if __name__ == "__main__":
    main()
