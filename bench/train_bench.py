#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Training: seconds per iteration of `neuralstyle train` on this machine.

For width 16 and 32 at 128 and 256 px crops, batch 4, with SqueezeNet (the ImageNet
weights in ../shared/weights where they are, else random) and VGG19 (random weights:
the timing is the same), it runs the CLI twice, for --short and --long iterations, on
opencv-doc's stills, and takes the difference of the wall times over the difference of
the iterations: loading the data and the networks cancels out. Prints a table and writes
JSON with the CPU it ran on (model, ISA flags, threads).

    /usr/bin/python3 bench/train_bench.py --build build [--threads 2] [--out FILE]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from machine import cpu_info  # noqa: E402

DATA = "/usr/share/doc/opencv-doc/examples/data"
STYLE = os.path.join(DATA, "starry_night.jpg")
SQUEEZENET = os.path.normpath(os.path.join(ROOT, "..", "shared", "weights", "squeezenet1_1.safetensors"))


def wall_time(cli, folder, network, weights, width, crop, iterations, threads):
    command = [cli, "train", "--style", STYLE, "--data", folder, "--output", os.path.join(folder, "m.onnx"),
               "--network", network, "--weights", weights, "--width", str(width), "--crop-size", str(crop),
               "--batch-size", "4", "--iterations", str(iterations), "--threads", str(threads),
               "--sample-interval", "0", "--checkpoint-interval", "0", "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--short", type=int, default=3)
    parser.add_argument("--long", type=int, default=13)
    parser.add_argument("--out", default=os.path.join(HERE, "results-train-cpu.json"))
    args = parser.parse_args()
    cli = os.path.join(args.build, "tools", "neuralstyle")
    squeezenet = SQUEEZENET if os.path.exists(SQUEEZENET) else "random:1"
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        data = os.path.join(scratch, "data")
        os.makedirs(data)
        for name in ["fruits.jpg", "baboon.jpg", "building.jpg", "home.jpg", "messi5.jpg", "orange.jpg"]:
            os.symlink(os.path.join(DATA, name), os.path.join(data, name))
        for network, weights in [("squeezenet1_1", squeezenet), ("vgg19", "random:1")]:
            for width in (16, 32):
                for crop in (128, 256):
                    times = [wall_time(cli, data, network, weights, width, crop, n, args.threads)
                             for n in (args.short, args.long)]
                    seconds = (times[1] - times[0]) / (args.long - args.short)
                    rows.append({"network": network, "weights": "imagenet" if weights == SQUEEZENET else weights,
                                 "width": width, "crop": crop, "batch": 4,
                                 "seconds_per_iteration": round(seconds, 4),
                                 "minutes_for_10000": round(seconds * 10000 / 60, 1)})
                    print(f"{network:14} width {width:2} crop {crop:3}: {seconds:.3f} s/iteration, "
                          f"{seconds * 10000 / 60:.0f} min for 10 000", flush=True)
    result = {"cpu": cpu_info(), "threads": args.threads, "rows": rows,
              "method": f"(wall({args.long} it) - wall({args.short} it)) / {args.long - args.short}"}
    with open(args.out, "w") as out:
        json.dump(result, out, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
