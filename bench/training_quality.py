#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Trained networks against the optimisation, on held-out images at 256 px.

For each STYLE=STYLE_IMAGE=MODEL.safetensors=DATA (the data the model trained on, so that
its held-out split is known), it runs build/bench/neuralstyle_training_quality: the
network's loss on each --image (which must be held out) and its "equivalent steps", the
L-BFGS steps from the content that reach that loss on the same losses (Johnson et al.
2016). The loss settings are read from the model's metadata. It then runs the CLI's
optimisation at its defaults but for --steps (300 by default: SqueezeNet's Adam has
settled by then; the default 2000 take minutes an image) and --max-size SIZE, on the same content, prints a table,
writes JSON with the CPU it ran on, and makes a sheet: per image the content, then per
style the network's output and the optimisation's.

    /usr/bin/python3 bench/training_quality.py --build build \\
        --model starry_night=STYLE.jpg=starry.safetensors=~/training-images \\
        --image ~/training-images/python3-skimage/chelsea.png [--image ...] \\
        [--weights ../shared/weights/squeezenet1_1.safetensors] [--size 256] \\
        [--measure-only NAME=STYLE=MODEL=DATA] [--max-steps 1000] [--steps 300]
        [--out FILE.json] [--sheet FILE.jpg]
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

import cv2
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from machine import cpu_info  # noqa: E402

SQUEEZENET = os.path.normpath(os.path.join(ROOT, "..", "shared", "weights", "squeezenet1_1.safetensors"))
# The model's metadata that sets the losses and architecture -> the train option.
LOSS_OPTIONS = {"network": "network", "width": "width", "residual_blocks": "residual-blocks",
                "content_layer": "content-layer", "style_layers": "style-layer-weights",
                "content_weight": "content-weight", "style_weight": "style-weight", "tv_weight": "tv-weight",
                "crop_size": "crop-size"}


def safetensors_metadata(path):
    with open(path, "rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        return json.loads(file.read(length)).get("__metadata__", {})


def measure(args, name, style, model, data, folder):
    metadata = safetensors_metadata(model)
    command = [os.path.join(args.build, "bench", "neuralstyle_training_quality"), "--style", style, "--data", data,
               "--weights", args.weights, "--model", model, "--size", str(args.size),
               "--max-steps", str(args.max_steps), "--out-dir", folder, "--threads", str(args.threads)]
    for key, option in LOSS_OPTIONS.items():
        command += ["--" + option, metadata[key]]
    for image in args.image:
        command += ["--image", image]
    print(f"{name}: measuring", file=sys.stderr)
    result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    result["metadata"] = metadata
    return result


def optimise(args, style, content, output):
    subprocess.run([os.path.join(args.build, "tools", "neuralstyle"), "--content", content, "--style", style,
                    "--output", output, "--weights", args.weights, "--max-size", str(args.size),
                    "--steps", str(args.steps), "--quiet"], check=True)


def caption(width, text, height=22):
    bar = np.full((height, width, 3), 255, np.uint8)
    cv2.putText(bar, text, (4, height - 7), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return bar


def sheet(headers, rows, size):
    """headers: a title a column; rows: per image, a list of (caption, BGR image), each
    image at most size x size, shown in a column size wide (and a gap) with its caption below."""
    width = size + 4
    lines = [np.hstack([caption(width, text) for text in headers])]
    for cells in rows:
        height = max(image.shape[0] for _, image in cells)
        padded = []
        for text, image in cells:
            cell = np.full((height, width, 3), 255, np.uint8)
            cell[:image.shape[0], :image.shape[1]] = image
            padded.append(np.vstack([cell, caption(width, text)]))
        lines.append(np.hstack(padded))
    return np.vstack(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--model", action="append", required=True, metavar="NAME=STYLE=MODEL=DATA")
    parser.add_argument("--measure-only", action="append", default=[], metavar="NAME=STYLE=MODEL=DATA",
                        help="a model measured for the table and JSON, left off the sheet")
    parser.add_argument("--image", action="append", required=True)
    parser.add_argument("--weights", default=SQUEEZENET)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--max-steps", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=300, help="the optimisation's steps for the sheet")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--out", default=os.path.join(HERE, "results-training-quality-cpu.json"))
    parser.add_argument("--sheet", default=os.path.join(ROOT, "docs", "training-sheet.jpg"))
    args = parser.parse_args()

    report = {"cpu": cpu_info(), "threads": args.threads, "size": args.size, "max_steps": args.max_steps,
              "optimisation_steps": args.steps,
              "styles": []}
    rows = [[] for _ in args.image]
    headers = ["held-out content"]
    with tempfile.TemporaryDirectory() as work:
        for spec in args.model:
            name, style, model, data = spec.split("=", 3)
            folder = os.path.join(work, name)
            result = measure(args, name, style, model, os.path.expanduser(data), folder)
            report["styles"].append({"name": name, "on_sheet": True, **result})
            headers += [f"{name}: network", f"{name}: optimisation"]
            for i, measured in enumerate(result["images"]):
                content = os.path.join(folder, f"content-{i}.png")
                optimised = os.path.join(folder, f"optimised-{i}.png")
                print(f"{name}: optimising {os.path.basename(measured['source'])}", file=sys.stderr)
                optimise(args, style, content, optimised)
                if not rows[i]:
                    rows[i].append((os.path.basename(measured["source"]), cv2.imread(content)))
                steps = measured["equivalent_steps"]
                rows[i].append((f"= {steps if steps >= 0 else '> ' + str(args.max_steps)} L-BFGS steps",
                                cv2.imread(os.path.join(folder, f"network-{i}.png"))))
                rows[i].append((f"{args.steps} Adam steps, its defaults", cv2.imread(optimised)))
        for spec in args.measure_only:
            name, style, model, data = spec.split("=", 3)
            result = measure(args, name, style, model, os.path.expanduser(data), os.path.join(work, name))
            report["styles"].append({"name": name, "on_sheet": False, **result})
    cv2.imwrite(args.sheet, sheet(headers, rows, args.size), [cv2.IMWRITE_JPEG_QUALITY, 88])

    print(f"{'style':<14} {'image':<28} {'network loss':>13} {'equivalent L-BFGS steps':>24}")
    for style in report["styles"]:
        for measured in style["images"]:
            print(f"{style['name']:<14} {os.path.basename(measured['source']):<28} "
                  f"{measured['network_loss']:>13.4g} {measured['equivalent_steps']:>24}")
    print(f"CPU: {report['cpu']['model']}, {args.threads} threads; sheet: {args.sheet}")
    with open(args.out, "w") as file:
        json.dump(report, file, indent=1)


if __name__ == "__main__":
    main()
