#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Time to the reference notebook's quality: how long the core takes to reach the loss the reference notebook's loop
reaches after 2000 Adam steps, with the best settings (L-BFGS, learning rate 1, with and
without multi-scale), as a ratio to the reference notebook's time. VGG19 (random weights unless
--weights), fruits.jpg styled by starry_night.jpg, at each --sizes (longest side).

For each size:
  - the reference notebook's time: 2000 x the reference notebook's own loop's ms per step (bench/notebook_bench.py, median
    of --notebook-steps steps after warm-up; running its 2000 steps at 512 px takes 80 min);
  - the reference notebook's 2000-step loss: our Adam run for 2000 steps with the reference notebook's settings (the
    parity tests hold our losses to the reference notebook's within 1e-7 with direct convolutions, and
    Winograd's within float noise of those), or the reference notebook's own loop with --notebook-loop;
  - ours: L-BFGS alone, and L-BFGS over --scales sizes (factor 2, --coarse-steps steps at
    each coarse size), each stopped when the loss at the final size reaches the target.
Prints a table and writes JSON.

    /usr/bin/python3 bench/quality_time.py --build build [--sizes 128,256,512] [--out quality-time.json]
"""
import argparse
import json
import os
import sys
import tempfile

from run_benchmark import random_vgg19_weights, HERE, ROOT, SAMPLES, run_json, write_pair


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(ROOT, "build"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sizes", default="128,256,512")
    parser.add_argument("--notebook-steps", type=int, default=2000, help="the reference notebook's steps whose loss is the target")
    parser.add_argument("--notebook-loop", action="store_true",
                        help="run the reference notebook's own loop for the target loss (slow) instead of ours")
    parser.add_argument("--scales", type=int, default=3)
    parser.add_argument("--coarse-steps", type=int, default=100)
    parser.add_argument("--max-steps", type=int, default=2000, help="our steps at most, per run")
    parser.add_argument("--weights", help="VGG19 .safetensors (default: random weights written here)")
    parser.add_argument("--targets", default="",
                        help="SIZE=LOSS,...: the reference notebook's 2000-step loss at a size, measured before (e.g. "
                             "by a run of ours that took long on a busy machine), so that only the timed "
                             "runs need a quiet one")
    parser.add_argument("--content", default=os.path.join(SAMPLES, "fruits.jpg"))
    parser.add_argument("--style", default=os.path.join(SAMPLES, "starry_night.jpg"))
    parser.add_argument("--out", default="quality-time.json")
    args = parser.parse_args()

    ours = os.path.join(args.build, "bench", "neuralstyle_bench")
    if not os.path.exists(ours):
        sys.exit(f"{ours} is missing: build with -DNEURALSTYLE_BUILD_BENCH=ON")
    notebook = [sys.executable, os.path.join(HERE, "notebook_bench.py")]
    threads = ["--threads", str(args.threads)]
    results = {"threads": args.threads, "notebook_steps": args.notebook_steps, "rows": []}
    with tempfile.TemporaryDirectory() as scratch:
        weights = args.weights or random_vgg19_weights(scratch)
        results["weights"] = args.weights or "random (seed 0)"
        known_targets = {int(k): float(v) for k, v in (t.split("=") for t in args.targets.split(",") if t)}
        for size in [int(s) for s in args.sizes.split(",")]:
            content, style = write_pair(scratch, size, args.content, args.style)
            common = ["--content", content, "--style", style, "--weights", weights] + threads
            notebook_rate = run_json(notebook + common + ["--steps", "10", "--warmup", "3"])
            notebook_seconds = args.notebook_steps * notebook_rate["ms_per_step"] / 1000
            if size in known_targets:
                target = known_targets[size]
            elif args.notebook_loop:
                target = run_json(notebook + common + ["--steps", str(args.notebook_steps), "--warmup", "0"])["final_loss"]
            else:
                # A target that is never reached: the run's last loss is the 2000-step loss.
                target = run_json([ours] + common + ["--target-loss", "1e-30",
                                                     "--max-steps", str(args.notebook_steps)])["final_loss"]
            lbfgs = ["--optimizer", "lbfgs", "--learning-rate", "1", "--target-loss", repr(target),
                     "--max-steps", str(args.max_steps)]
            alone = run_json([ours] + common + lbfgs)
            multi = run_json([ours] + common + lbfgs + ["--scales", str(args.scales),
                                                        "--coarse-steps", str(args.coarse_steps)])
            row = {"size": size, "pixels": alone["size"], "notebook_ms_per_step": notebook_rate["ms_per_step"],
                   "notebook_seconds": notebook_seconds, "target_loss": target,
                   "lbfgs_seconds": alone["time_to_target_s"], "lbfgs_steps": alone["steps_to_target"],
                   "multiscale_seconds": multi["time_to_target_s"], "multiscale_steps": multi["steps_to_target"]}
            for key in ("lbfgs", "multiscale"):
                seconds = row[f"{key}_seconds"]
                row[f"{key}_ratio"] = seconds / notebook_seconds if seconds > 0 else None
            results["rows"].append(row)
            print(f"{size} px done: notebook {notebook_seconds:.0f} s, L-BFGS {row['lbfgs_seconds']:.1f} s, "
                  f"multi-scale {row['multiscale_seconds']:.1f} s", flush=True)

    print(f"\nthreads {args.threads}, weights {results['weights']}; target: the loss after the reference notebook's "
          f"{args.notebook_steps} Adam steps ({'its own loop' if args.notebook_loop else 'our Adam with the reference notebook settings'}); "
          f"multi-scale: {args.scales} sizes, factor 2, {args.coarse_steps} L-BFGS steps at each coarse size")
    print(f"| size | pixels | notebook s ({args.notebook_steps} x ms/step) | target loss | L-BFGS s (steps) | L-BFGS / notebook | "
          "multi-scale s (steps) | multi-scale / notebook |")
    print("|---|---|---|---|---|---|---|---|")
    fmt = lambda v: f"{v:.4f}" if v is not None else "not reached"
    for r in results["rows"]:
        print(f"| {r['size']} | {r['pixels'][0]}x{r['pixels'][1]} | {r['notebook_seconds']:.0f} | {r['target_loss']:.4g} | "
              f"{r['lbfgs_seconds']:.1f} ({r['lbfgs_steps']}) | {fmt(r['lbfgs_ratio'])} | "
              f"{r['multiscale_seconds']:.1f} ({r['multiscale_steps']}) | {fmt(r['multiscale_ratio'])} |")
    with open(args.out, "w") as out:
        json.dump(results, out, indent=2)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
