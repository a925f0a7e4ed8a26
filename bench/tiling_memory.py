#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Peak memory of tiled stylisation: a 4096x2160 still in 512 px tiles against untiled runs.

Each run is its own process (bench/neuralstyle_bench through Stylizer::stylize), so its
peak resident set (getrusage ru_maxrss) is its own. Rows:
  - untiled 512x512: what one tile costs on its own;
  - untiled 1024x540: what an image four times a tile's pixels costs untiled;
  - tiled 2048x1080 and 4096x2160, 512 px tiles (overlap 32): memory must follow the
    tile, plus buffers of the image's size (content, result, the frame's RGB and the
    style at the image's scale: a few bytes a pixel), not the network's activations.
VGG19 (random weights unless --weights), fruits.jpg and starry_night.jpg scaled up.
Prints a table and writes JSON.

    /usr/bin/python3 bench/tiling_memory.py --build build [--steps 2] [--out tiling-memory.json]
"""
import argparse
import json
import os
import sys
import tempfile

import cv2

from run_benchmark import random_vgg19_weights, ROOT, SAMPLES, run_json


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--steps", type=int, default=2, help="steps per run (split between the two passes)")
    parser.add_argument("--tile-size", type=int, default=512)
    parser.add_argument("--weights", help="VGG19 .safetensors (default: random weights written here)")
    parser.add_argument("--out", default="tiling-memory.json")
    args = parser.parse_args()
    ours = os.path.join(args.build, "bench", "neuralstyle_bench")
    if not os.path.exists(ours):
        sys.exit(f"{ours} is missing: build with -DNEURALSTYLE_BUILD_BENCH=ON")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        weights = args.weights or random_vgg19_weights(scratch)
        style = os.path.join(scratch, "style.png")
        cv2.imwrite(style, cv2.imread(os.path.join(SAMPLES, "starry_night.jpg")))
        fruits = cv2.imread(os.path.join(SAMPLES, "fruits.jpg"))
        for width, height, tile in ((512, 512, 0), (1024, 540, 0), (2048, 1080, args.tile_size),
                                    (4096, 2160, args.tile_size)):
            content = os.path.join(scratch, f"content{width}.png")
            cv2.imwrite(content, cv2.resize(fruits, (width, height), interpolation=cv2.INTER_CUBIC))
            command = [ours, "--content", content, "--style", style, "--weights", weights,
                       "--threads", str(args.threads), "--max-size", str(max(width, height)),
                       "--steps", str(args.steps), "--warmup", "0"]
            if tile:
                command += ["--tile-size", str(tile)]
            result = run_json(command)
            row = {"pixels": [width, height], "tile_size": tile, "peak_rss_mb": result["peak_rss_mb"],
                   "image_mb_float32": width * height * 3 * 4 / 2**20}
            rows.append(row)
            print(f"{width}x{height} tile {tile or '-'}: peak {row['peak_rss_mb']:.0f} MB", flush=True)
    print(f"\nVGG19 ({args.weights or 'random weights'}), {args.steps} steps, {args.threads} threads; peak resident set of each process")
    print("| image | tiles | peak RSS MB | one float32 image MB |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['pixels'][0]}x{r['pixels'][1]} | {r['tile_size'] or 'none'} | {r['peak_rss_mb']:.0f} | "
              f"{r['image_mb_float32']:.0f} |")
    with open(args.out, "w") as out:
        json.dump({"threads": args.threads, "steps": args.steps, "rows": rows}, out, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
