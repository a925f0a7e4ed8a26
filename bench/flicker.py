#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Flicker: how much a stylised video boils, independent frames against the coherent
defaults (each frame from the previous result warped by optical flow, plus the temporal
term). A real clip from opencv-doc (Megamind.avi) as a frame sequence through
VideoStylizer (bench/video_bench.cpp: the class the element and the CLI drive).

For each network (pretrained SqueezeNet from ../shared/weights when there, and random
VGG19) and each run, it reports:
  - the temporal error: the mean squared difference (8-bit RGB) between consecutive
    outputs after warping the earlier onto the later by optical flow, on the pixels where
    that flow is consistent. The flow is Farneback's (OpenCV), not the DIS flow the method
    uses, so the method does not grade itself. Raw, and as the excess over the content's
    own temporal error (the same measure on the input frames: what flow cannot explain);
  - steps and seconds per frame (the first frame, and the mean of the others);
  - the content and style loss of each frame's last step (mean over frames);
and writes a sheet of consecutive frames of both runs (--sheet) and JSON (--out).

    /usr/bin/python3 bench/flicker.py --build build [--frames 24] [--size 192] [--out flicker.json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

from run_benchmark import ROOT, SAMPLES

SHARED_SQUEEZENET = os.path.join(ROOT, "..", "shared", "weights", "squeezenet1_1.safetensors")


def extract_frames(video, first, count, size, folder):
    """Frames first .. first+count-1 of `video`, longest side `size`, as folder/%04d.png."""
    capture = cv2.VideoCapture(video)
    if not capture.isOpened():
        sys.exit(f"cannot open {video} (Debian's opencv-doc has it)")
    frames = []
    index = 0
    while len(frames) < count:
        ok, frame = capture.read()
        if not ok:
            sys.exit(f"{video} has fewer than {first + count} frames")
        if index >= first:
            h, w = frame.shape[:2]
            scale = size / max(h, w)
            frame = cv2.resize(frame, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
            cv2.imwrite(os.path.join(folder, f"{len(frames):04d}.png"), frame)
            frames.append(frame)
        index += 1
    return frames


def farneback(a, b):
    """Flow from gray a to gray b: for each pixel p of a, where it is in b."""
    return cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 4, 15, 5, 5, 1.1, 0)


def warp(image, flow):
    h, w = flow.shape[:2]
    grid = np.stack(np.meshgrid(np.arange(w), np.arange(h)), axis=-1).astype(np.float32)
    return cv2.remap(image, grid + flow, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def consistent(backward, forward):
    """Ruder et al.'s forward-backward check, with Farneback's flows: 1 where the pixel
    was visible in both frames and not on a motion boundary."""
    there = warp(forward, backward)
    sq = lambda f: (f ** 2).sum(axis=-1)
    occluded = sq(there + backward) > 0.01 * (sq(there) + sq(backward)) + 0.5
    gy_u, gx_u = np.gradient(backward[..., 0])
    gy_v, gx_v = np.gradient(backward[..., 1])
    boundary = gx_u ** 2 + gy_u ** 2 + gx_v ** 2 + gy_v ** 2 > 0.01 * sq(backward) + 0.002
    return ~(occluded | boundary)


class TemporalError:
    """Flows and masks between consecutive content frames, computed once for every run."""

    def __init__(self, contents):
        grays = [cv2.cvtColor(c, cv2.COLOR_BGR2GRAY) for c in contents]
        self.pairs = []
        for k in range(len(contents) - 1):
            backward = farneback(grays[k + 1], grays[k])
            forward = farneback(grays[k], grays[k + 1])
            self.pairs.append((backward, consistent(backward, forward)))
        self.content = self.per_pair(contents)

    def per_pair(self, images):
        errors = []
        for k, (backward, mask) in enumerate(self.pairs):
            moved = warp(images[k].astype(np.float32), backward)
            difference = ((images[k + 1].astype(np.float32) - moved) ** 2).mean(axis=-1)
            errors.append(float(difference[mask].mean()))
        return errors


def run_bench(bench, frames_dir, count, out_dir, weights, extra):
    """The frames through neuralstyle_video_bench (VideoStylizer); its per-frame JSON."""
    os.makedirs(out_dir, exist_ok=True)
    command = [bench, "--frames", os.path.join(frames_dir, "%04d.png"), "--count", str(count), "--style",
               os.path.join(SAMPLES, "starry_night.jpg"), "--out", out_dir, "--weights", weights] + extra
    started = time.monotonic()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)}\nfailed ({done.returncode}):\n{done.stderr}")
    report = json.loads(done.stdout)
    report["total_seconds"] = time.monotonic() - started
    return report


def summary(name, outputs, report, temporal):
    errors = temporal.per_pair(outputs)
    excess = [e - c for e, c in zip(errors, temporal.content)]
    frames = report["frames"]
    mean = lambda key, part=frames: float(np.mean([f[key] for f in part]))
    return {
        "run": name,
        "temporal_weight": report["temporal_weight"],
        "temporal_error": float(np.mean(errors)),
        "excess_temporal_error": float(np.mean(excess)),
        "first_frame_steps": frames[0]["steps"], "first_frame_seconds": frames[0]["seconds"],
        "later_frame_steps": mean("steps", frames[1:]), "later_frame_seconds": mean("seconds", frames[1:]),
        "flow_seconds": mean("flow_seconds", frames[1:]),
        "content_loss": mean("content_loss"), "style_loss": mean("style_loss"),
        "scene_cuts": sum(f["scene_cut"] for f in frames),
        "total_seconds": report["total_seconds"],
        "per_pair_error": errors,
    }


def sheet(contents, runs, first, count, path):
    """Rows: content, then each run; `count` consecutive frames from `first`."""
    rows = []
    for images in [contents] + [images for _, images in runs]:
        rows.append(np.hstack(images[first:first + count]))
    labelled = []
    for label, row in zip(["content"] + [name for name, _ in runs], rows):
        bar = np.full((18, row.shape[1], 3), 255, np.uint8)
        cv2.putText(bar, label, (4, 13), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
        labelled += [bar, row]
    cv2.imwrite(path, np.vstack(labelled))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--video", default=os.path.join(SAMPLES, "Megamind.avi"))
    parser.add_argument("--first-frame", type=int, default=100, help="where in the clip the frames start")
    parser.add_argument("--frames", type=int, default=20)
    parser.add_argument("--size", type=int, default=192)
    parser.add_argument("--steps", type=int, default=100, help="steps of an independent frame (and the first)")
    parser.add_argument("--networks", default="squeezenet,vgg19")
    parser.add_argument("--vgg19-learning-rate", type=float, default=0.05,
                        help="Adam's rate for random VGG19: at the reference notebook's 0.003 its frames barely leave the "
                             "content in --steps steps, so nothing would flicker (0: the network's)")
    parser.add_argument("--vgg19-optimizer", choices=["adam", "lbfgs"], default="adam",
                        help="random VGG19's optimizer (with lbfgs, pass --vgg19-learning-rate 1)")
    parser.add_argument("--coherent", default="", help="options of the coherent run, e.g. "
                        "'--temporal-weight 1e5 --steps-per-frame 30' (default: the core's defaults)")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sheet", default="flicker-sheet.jpg")
    parser.add_argument("--out", default="flicker.json")
    args = parser.parse_args()

    bench = os.path.join(args.build, "bench", "neuralstyle_video_bench")
    if not os.path.exists(bench):
        sys.exit(f"{bench} is missing: build with -DNEURALSTYLE_BUILD_BENCH=ON")
    results = {"video": os.path.basename(args.video), "first_frame": args.first_frame, "frames": args.frames,
               "size": args.size, "steps": args.steps, "coherent_options": args.coherent,
               "vgg19_optimizer": args.vgg19_optimizer, "vgg19_learning_rate": args.vgg19_learning_rate, "networks": []}
    with tempfile.TemporaryDirectory() as scratch:
        frames_dir = os.path.join(scratch, "frames")
        os.makedirs(frames_dir)
        contents = extract_frames(args.video, args.first_frame, args.frames, args.size, frames_dir)
        temporal = TemporalError(contents)
        results["content_temporal_error"] = float(np.mean(temporal.content))
        sheet_runs = []
        for network in args.networks.split(","):
            if network == "squeezenet":
                if not os.path.exists(SHARED_SQUEEZENET):
                    print(f"skipping SqueezeNet: {SHARED_SQUEEZENET} is not there", flush=True)
                    continue
                weights = SHARED_SQUEEZENET
            else:
                weights = "random:0"
            common = ["--steps", str(args.steps), "--threads", str(args.threads), "--max-size", str(args.size)]
            if network == "vgg19" and args.vgg19_learning_rate > 0:
                common += ["--learning-rate", str(args.vgg19_learning_rate)]
            if network == "vgg19" and args.vgg19_optimizer != "adam":
                common += ["--optimizer", args.vgg19_optimizer]
            runs = {
                "independent": common + ["--start", "independent", "--temporal-weight", "0"],
                "coherent": common + args.coherent.split(),
            }
            entry = {"network": network, "runs": []}
            for name, extra in runs.items():
                out_dir = os.path.join(scratch, f"{network}-{name}")
                report = run_bench(bench, frames_dir, args.frames, out_dir, weights, extra)
                outputs = [cv2.imread(os.path.join(out_dir, f"{k:04d}.png")) for k in range(args.frames)]
                row = summary(name, outputs, report, temporal)
                entry["runs"].append(row)
                if network == args.networks.split(",")[0]:
                    sheet_runs.append((f"{network} {name}", outputs))
                print(f"{network:10} {name:11} temporal error {row['temporal_error']:8.1f} "
                      f"(excess {row['excess_temporal_error']:8.1f})  steps {row['first_frame_steps']}/"
                      f"{row['later_frame_steps']:.0f}  s/frame {row['first_frame_seconds']:.1f}/"
                      f"{row['later_frame_seconds']:.2f}  content {row['content_loss']:.4g}  "
                      f"style {row['style_loss']:.4g}", flush=True)
            independent, coherent = entry["runs"]
            entry["excess_reduction"] = (independent["excess_temporal_error"] /
                                         max(coherent["excess_temporal_error"], 1e-9))
            entry["content_loss_ratio"] = coherent["content_loss"] / independent["content_loss"]
            entry["later_steps_ratio"] = coherent["later_frame_steps"] / independent["later_frame_steps"]
            results["networks"].append(entry)
        if sheet_runs:
            sheet(contents, sheet_runs, first=args.frames // 2 - 3, count=6, path=args.sheet)

    print(f"\ncontent's own temporal error: {results['content_temporal_error']:.1f}")
    print(f"{'network':10} | {'excess error: independent':>26} | {'coherent':>8} | {'reduction':>9} | "
          f"{'later steps':>11} | {'content loss ratio':>18}")
    for entry in results["networks"]:
        independent, coherent = entry["runs"]
        print(f"{entry['network']:10} | {independent['excess_temporal_error']:26.1f} | "
              f"{coherent['excess_temporal_error']:8.1f} | {entry['excess_reduction']:8.1f}x | "
              f"{entry['later_steps_ratio']:11.2f} | {entry['content_loss_ratio']:18.3f}")
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)


if __name__ == "__main__":
    main()
