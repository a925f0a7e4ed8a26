#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Feed-forward networks: ms a frame of our engines against torch eager and cv2.dnn.

Runs, in one go, on the same threads, weights and pixels:
  1. the machine's measured peak: a 2048x2048 float32 matrix product timed alone;
  2. pytorch/examples' TransformerNet at width 32 (theirs) and 16, 5 residual blocks,
     seeded random weights (tests/reference/make_transformer_net.py), exported to ONNX
     (opset 9) and safetensors;
  3. at 320x240, 640x360 and 1280x720: the median ms a frame (after --warmup frames;
     the engines in turn, --rounds times, the best round of each) of
     our FeedForwardStylizer with each engine (bench/neuralstyle_ff_bench: 8-bit RGB in
     and out, as the element runs it), of torch eager (python3-torch, uint8 frame to
     tensor, the net, back to uint8) and of OpenCV's Python cv2.dnn (blob, forward, back
     to uint8); frames a second; GFLOP/s (the network's multiply-adds x 2 / time).
Prints a table and writes JSON with the CPU it ran on.

    /usr/bin/python3 bench/feed_forward_bench.py --build build [--threads 2] [--out FILE]
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
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
import make_transformer_net as tn  # noqa: E402
from machine import cpu_info  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

SIZES = [(320, 240), (640, 360), (1280, 720)]
NETS = [(32, 5), (16, 5)]
IMAGE = "/usr/share/doc/opencv-doc/examples/data/fruits.jpg"


def peak_gflops(threads):
    torch.set_num_threads(threads)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    for _ in range(3):
        a @ b
    best = min(timed(lambda: a @ b) for _ in range(10))
    return 2 * 2048 ** 3 / best / 1e9


def timed(function):
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def multiply_adds(width, blocks, height, cols):
    """Multiply-adds of TransformerNet's convolutions on an H x W frame."""
    p = height * cols
    w = width
    return (81 * 3 * w * p + 9 * w * 2 * w * p / 4 + 9 * 2 * w * 4 * w * p / 16
            + blocks * 2 * 9 * 16 * w * w * p / 16 + 9 * 4 * w * 2 * w * p / 4
            + 9 * 2 * w * w * p + 81 * w * 3 * p)


def median_ms(function, frames, warmup):
    for _ in range(warmup):
        function()
    return float(np.median([timed(function) * 1000 for _ in range(frames)]))


def torch_eager(net, rgb):
    def run():
        with torch.no_grad():
            x = torch.from_numpy(rgb).permute(2, 0, 1)[None].float()
            y = net(x)[0].clamp(0, 255).round().to(torch.uint8).permute(1, 2, 0).contiguous()
            return y.numpy()
    return run


def opencv_python(onnx_path, rgb):
    net = cv2.dnn.readNetFromONNX(onnx_path)
    net.setPreferableBackend(cv2.dnn.DNN_BACKEND_OPENCV)
    net.setPreferableTarget(cv2.dnn.DNN_TARGET_CPU)

    def run():
        net.setInput(rgb.astype(np.float32).transpose(2, 0, 1)[None].copy())
        out = net.forward()[0].transpose(1, 2, 0)
        return np.clip(np.rint(out), 0, 255).astype(np.uint8)
    return run


def ours(build, model, engine, size, args):
    command = [os.path.join(build, "bench", "neuralstyle_ff_bench"), "--model", model,
               "--engine", engine, "--image", IMAGE, "--width", str(size[0]),
               "--height", str(size[1]), "--frames", str(args.frames), "--warmup",
               str(args.warmup), "--threads", str(args.threads)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--frames", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of all engines in turn; the best counts")
    parser.add_argument("--out", default="feed-forward-results.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    cv2.setNumThreads(args.threads)

    report = {"cpu": cpu_info(), "threads": args.threads, "torch": torch.__version__,
              "opencv": cv2.__version__, "peak_gflops": peak_gflops(args.threads), "rows": []}
    print(f"CPU: {report['cpu']['model']} ({', '.join(f for f, on in report['cpu']['flags'].items() if on)}), "
          f"{args.threads} threads; peak {report['peak_gflops']:.0f} GFLOP/s (2048^2 matrix product)")
    image = cv2.cvtColor(cv2.imread(IMAGE), cv2.COLOR_BGR2RGB)
    header = f"{'net':>9} {'size':>9} {'engine':>16} {'ms':>8} {'fps':>6} {'GFLOP/s':>8} {'x torch':>8}"
    print(header)
    with tempfile.TemporaryDirectory() as scratch:
        for width, blocks in NETS:
            frame = tn.synthetic_frame(width)
            torch.manual_seed(width)
            net = tn.randomise(tn.TransformerNet(width, blocks), width, frame)
            onnx_path = os.path.join(scratch, f"w{width}.onnx")
            safetensors_path = os.path.join(scratch, f"w{width}.safetensors")
            torch.onnx.export(net, torch.zeros(1, 3, 240, 320), onnx_path, opset_version=9,
                              input_names=["input"], output_names=["output"])
            write_safetensors(safetensors_path, {k: v.detach() for k, v in net.state_dict().items()}, "F32",
                              {"architecture": "TransformerNet"})
            params = sum(v.numel() for v in net.state_dict().values())
            for size in SIZES:
                rgb = np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
                gflop = 2 * multiply_adds(width, blocks, size[1], size[0]) / 1e9
                engines = {
                    "torch eager": lambda: median_ms(torch_eager(net, rgb), args.frames, args.warmup),
                    "cv2.dnn (Python)": lambda: median_ms(opencv_python(onnx_path, rgb), args.frames, args.warmup),
                    "ours opencv": lambda: ours(args.build, onnx_path, "opencv", size, args)["median_ms"],
                    "ours libtorch": lambda: ours(args.build, safetensors_path, "libtorch", size, args)["median_ms"],
                }
                # The machine's speed drifts by up to 3x over minutes (shared hosts): the
                # engines take turns, round after round, and each keeps its best round.
                rounds = [{engine: run() for engine, run in engines.items()} for _ in range(args.rounds)]
                timings = {engine: min(r[engine] for r in rounds) for engine in engines}
                for engine, ms in timings.items():
                    row = {"width": width, "residual_blocks": blocks, "parameters": params,
                           "size": f"{size[0]}x{size[1]}", "engine": engine, "ms": ms,
                           "fps": 1000 / ms, "gflop_per_frame": gflop, "gflops": gflop / ms * 1000,
                           "vs_torch_eager": ms / timings["torch eager"]}
                    report["rows"].append(row)
                    print(f"{'w' + str(width):>9} {row['size']:>9} {engine:>16} {ms:8.1f} {row['fps']:6.1f} "
                          f"{row['gflops']:8.1f} {row['vs_torch_eager']:8.2f}", flush=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
