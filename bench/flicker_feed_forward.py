#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Flicker of the feed-forward path: `neuralstyle --model` on the held-out clip of
bench/flicker.py (Megamind.avi frames 100-119), with --temporal-blend off and on.

For each run it reports, graded as bench/flicker.py grades the optimisation path
(Farneback flow, not the DIS flow the blend uses):
  - the temporal error and its excess over the content's own;
  - the content loss: the mean squared difference of SqueezeNet 1.1's fire4 features
    (the network's content layer) between each output and its frame, as a ratio to the
    unblended run's: a ghost (the previous output left where an object moved) raises it;
  - milliseconds a frame;
and writes a sheet of consecutive frames (--sheet) and JSON (--out).

--model: a trained network (.onnx or .safetensors); without it, a seeded random
pytorch/examples TransformerNet of --width (tests/reference/make_transformer_net.py),
which flickers as a trained one does (each frame's texture follows its noise) but shows
no style.

    /usr/bin/python3 bench/flicker_feed_forward.py --build build [--model M] [--blends 0.5,0.8]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import cv2
import numpy as np
import torch
import torchvision

from flicker import SHARED_SQUEEZENET, TemporalError, extract_frames, sheet
from run_benchmark import ROOT, SAMPLES

sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
import make_transformer_net as tn  # noqa: E402
from safetensors_io import read_safetensors  # noqa: E402


class ContentLoss:
    """SqueezeNet 1.1's fire4 features (torchvision's features[:7]), ImageNet weights."""

    def __init__(self):
        net = torchvision.models.squeezenet1_1()
        state = read_safetensors(SHARED_SQUEEZENET)  # float32 tensors under torchvision's names
        net.load_state_dict(state)
        self.features = net.features[:7].eval()
        self.mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
        self.std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)

    def __call__(self, output_bgr, content_bgr):
        def features(bgr):
            rgb = torch.from_numpy(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)).permute(2, 0, 1)[None].float() / 255
            return self.features((rgb - self.mean) / self.std)
        with torch.no_grad():
            return float(((features(output_bgr) - features(content_bgr)) ** 2).mean())


def random_model(width, folder):
    frame = tn.synthetic_frame(width)
    torch.manual_seed(width)
    net = tn.randomise(tn.TransformerNet(width, 5), width, frame)
    path = os.path.join(folder, f"random-w{width}.onnx")
    torch.onnx.export(net, torch.zeros(1, 3, 108, 192), path, opset_version=9,
                      input_names=["input"], output_names=["output"])
    return path


def run_cli(cli, model, frames_dir, out_dir, blend, threads):
    os.makedirs(out_dir, exist_ok=True)
    command = [cli, "--model", model, "--content", os.path.join(frames_dir, "%04d.png"),
               "--output", os.path.join(out_dir, "%04d.png"), "--threads", str(threads)]
    if blend > 0:
        command += ["--temporal-blend", str(blend)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)}\nfailed ({done.returncode}):\n{done.stderr}")
    return [float(ms) for ms in re.findall(r"\(([0-9.]+) ms\)", done.stderr)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--model", help="a trained network (default: a random TransformerNet)")
    parser.add_argument("--width", type=int, default=16, help="the random network's width")
    parser.add_argument("--video", default=os.path.join(SAMPLES, "Megamind.avi"))
    parser.add_argument("--first-frame", type=int, default=100)
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--blends", default="0.5,0.8", help="--temporal-blend values to compare with 0")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sheet", default="flicker-feed-forward.jpg")
    parser.add_argument("--out", default="flicker-feed-forward.json")
    args = parser.parse_args()
    cli = os.path.join(args.build, "tools", "neuralstyle")
    if not os.path.exists(SHARED_SQUEEZENET):
        sys.exit(f"the content loss needs SqueezeNet's ImageNet weights at {SHARED_SQUEEZENET}")

    with tempfile.TemporaryDirectory() as scratch:
        model = args.model or random_model(args.width, scratch)
        frames_dir = os.path.join(scratch, "frames")
        os.makedirs(frames_dir)
        contents = extract_frames(args.video, args.first_frame, args.frames, args.size, frames_dir)
        temporal = TemporalError(contents)
        content_loss = ContentLoss()
        results = {"video": os.path.basename(args.video), "first_frame": args.first_frame,
                   "frames": args.frames, "size": args.size,
                   "model": os.path.basename(args.model) if args.model else f"random TransformerNet width {args.width}",
                   "content_temporal_error": float(np.mean(temporal.content)), "runs": []}
        sheet_runs = []
        for blend in [0.0] + [float(b) for b in args.blends.split(",")]:
            out_dir = os.path.join(scratch, f"blend-{blend}")
            milliseconds = run_cli(cli, model, frames_dir, out_dir, blend, args.threads)
            outputs = [cv2.imread(os.path.join(out_dir, f"{k:04d}.png")) for k in range(args.frames)]
            errors = temporal.per_pair(outputs)
            run = {"temporal_blend": blend, "temporal_error": float(np.mean(errors)),
                   "excess_temporal_error": float(np.mean([e - c for e, c in zip(errors, temporal.content)])),
                   "content_loss": float(np.mean([content_loss(o, c) for o, c in zip(outputs, contents)])),
                   "ms_per_frame": float(np.mean(milliseconds[1:])), "per_pair_error": errors}
            results["runs"].append(run)
            sheet_runs.append((f"temporal-blend {blend}", outputs))
        off = results["runs"][0]
        print(f"content's own temporal error: {results['content_temporal_error']:.1f}")
        print(f"{'temporal-blend':>14} | {'excess error':>12} | {'reduction':>9} | {'content loss ratio':>18} | {'ms/frame':>8}")
        for run in results["runs"]:
            run["excess_reduction"] = off["excess_temporal_error"] / max(run["excess_temporal_error"], 1e-9)
            run["content_loss_ratio"] = run["content_loss"] / off["content_loss"]
            print(f"{run['temporal_blend']:14.2f} | {run['excess_temporal_error']:12.1f} | "
                  f"{run['excess_reduction']:8.1f}x | {run['content_loss_ratio']:18.3f} | {run['ms_per_frame']:8.1f}")
        sheet(contents, sheet_runs, first=args.frames // 2 - 3, count=6, path=args.sheet)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"wrote {args.out} and {args.sheet}")


if __name__ == "__main__":
    main()
