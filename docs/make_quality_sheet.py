#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Makes docs/quality-controls.jpg: one content and style under each quality control,
through the CLI, with the pretrained SqueezeNet 1.1 weights (../shared/weights).

Panels: content | style | default | TV | original colours | two-style blend |
style scale 0.5 | style scale 2 | multi-scale. Each run is the network's defaults with
--steps STEPS at --max-size SIZE; every panel is labelled with what differs.

    /usr/bin/python3 docs/make_quality_sheet.py [--cli build/tools/neuralstyle] [--steps 300]
"""
import argparse
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = "/usr/share/doc/opencv-doc/examples/data"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cli", default=os.path.join(ROOT, "build", "tools", "neuralstyle"))
    parser.add_argument("--weights", default=os.path.join(ROOT, "..", "shared", "weights", "squeezenet1_1.safetensors"))
    parser.add_argument("--content", default=os.path.join(DATA, "squirrel_cls.jpg"))
    parser.add_argument("--style", default=os.path.join(DATA, "starry_night.jpg"))
    parser.add_argument("--second-style", default=os.path.join(DATA, "graf1.png"))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "quality-controls.jpg"))
    args = parser.parse_args()
    if not os.path.exists(args.weights):
        sys.exit(f"{args.weights} is missing: the sheet is made with the pretrained weights")
    runs = [
        ("default", []),
        ("tv-weight 10", ["--tv-weight", "10"]),
        ("preserve-colors", ["--preserve-colors"]),
        ("blend 0.5/0.5 with graf1", ["--style", args.second_style, "--style-blend-weights", "0.5,0.5"]),
        ("style-scale 0.5", ["--style-scale", "0.5", "--gram-normalization", "positions", "--style-weight", "1e12"]),
        ("style-scale 2", ["--style-scale", "2", "--gram-normalization", "positions", "--style-weight", "1e12"]),
        ("scales 3 (coarse 100)", ["--scales", "3", "--coarse-steps", "100"]),
    ]
    tiles = []
    content = cv2.imread(args.content)
    scale = args.size / max(content.shape[:2])
    dims = (round(content.shape[1] * scale), round(content.shape[0] * scale))

    def fit(image):
        canvas = np.zeros((dims[1], dims[0], 3), np.uint8)
        s = min(dims[0] / image.shape[1], dims[1] / image.shape[0])
        small = cv2.resize(image, (max(1, round(image.shape[1] * s)), max(1, round(image.shape[0] * s))),
                           interpolation=cv2.INTER_AREA)
        y, x = (dims[1] - small.shape[0]) // 2, (dims[0] - small.shape[1]) // 2
        canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
        return canvas

    tiles.append(("content", fit(content)))
    tiles.append(("style", fit(cv2.imread(args.style))))
    with tempfile.TemporaryDirectory() as scratch:
        for label, extra in runs:
            out = os.path.join(scratch, f"{len(tiles)}.png")
            command = [args.cli, "--content", args.content, "--style", args.style, "--output", out,
                       "--weights", args.weights, "--steps", str(args.steps), "--max-size", str(args.size),
                       "--quiet"] + extra
            print(" ".join(command), flush=True)
            subprocess.run(command, check=True)
            tiles.append((label, fit(cv2.imread(out))))
    labelled = []
    for label, tile in tiles:
        band = np.zeros((24, tile.shape[1], 3), np.uint8)
        cv2.putText(band, label, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255), 1, cv2.LINE_AA)
        labelled.append(np.vstack([band, tile]))
    gap = np.zeros((labelled[0].shape[0], 6, 3), np.uint8)
    rows = [labelled[i:i + 3] for i in range(0, len(labelled), 3)]
    blank = np.zeros_like(labelled[0])
    lines = []
    for row in rows:
        row = row + [blank] * (3 - len(row))
        parts = []
        for tile in row:
            parts += [tile, gap]
        lines.append(np.hstack(parts[:-1]))
    sheet = np.vstack([np.vstack([line, np.zeros((6, line.shape[1], 3), np.uint8)]) for line in lines])
    cv2.imwrite(args.out, sheet, [cv2.IMWRITE_JPEG_QUALITY, 88])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
