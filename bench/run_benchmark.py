#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""neuralstyle benchmark: the core's optimisation loop against the reference notebook's own loop.

Runs, in one go and on the same threads, weights and pixels:
  1. the machine's measured peak (a large 3x3 convolution timed alone);
  2. for 128, 256 and 512 px (longest side): ms per step (median over --steps steps after
     --warmup; the best of --repeats alternating runs), steps/s, achieved GFLOP/s, peak
     resident memory -- ours (default settings: Winograd convolutions where they pay) and
     the reference notebook's, each in its own process, and the ratio ours/notebook; the largest relative
     deviation of our total, content and style losses from the reference notebook's over those steps;
     the same for our direct convolutions (the reference notebook's arithmetic; their GFLOP/s is a real
     rate, Winograd's is the direct-equivalent rate) and for bfloat16 precision (its
     speed, and its losses' deviation from float32);
  3. time to quality at 128 px: the reference notebook's 2000-step loss, and the time our core needs
     to reach it with its best settings (L-BFGS, learning rate 1), as a ratio;
  4. SqueezeNet 1.1 (--networks): ms per step, ours (default settings) and ours with direct
     convolutions, against the reference notebook's loop run on torchvision's squeezenet1_1 with the same
     loss terms (the network's defaults), weights and pixels, and against our VGG19 step.
     The weights are the ImageNet ones in ../shared/weights where they exist.
Prints tables and writes JSON.

    /usr/bin/python3 bench/run_benchmark.py --build build [--threads 2] [--out bench-results.json]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import cv2

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from machine import cpu_info, describe  # noqa: E402
SAMPLES = "/usr/share/doc/opencv-doc/examples/data"


def run_json(command, may_fail=False):
    """The JSON line a benchmark step prints. A step that fails ends the run, unless
    `may_fail` (bfloat16 under --isa avx2: oneDNN, capped, has no bfloat16 convolution,
    while LibTorch still routes bfloat16 to it by the CPU's own flags): then None."""
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        if may_fail:
            print(f"(skipped, it failed: {' '.join(command[-2:])}: {result.stderr.strip()})", flush=True)
            return None
        sys.exit(f"benchmark step failed: {' '.join(command)}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --isa avx2: every library on both sides limited to AVX2 + FMA, to measure on an AVX-512
# machine what a CPU without AVX-512 (Zen 3, most Intel desktops and laptops) runs. The
# kernels are the same as there; the caches and clocks stay this machine's.
ISA_CAPS = {
    "avx2": {"NEURALSTYLE_CPU_ISA": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2",
             "ATEN_CPU_CAPABILITY": "avx2", "OPENBLAS_CORETYPE": "Haswell"},
}


def onednn_kernels(command):
    """The oneDNN implementations a run executes (ONEDNN_VERBOSE): primitive kind and
    implementation name, e.g. "convolution jit:avx2"; oneDNN's sgemm calls are not listed."""
    result = subprocess.run(command, capture_output=True, text=True,
                            env=dict(os.environ, ONEDNN_VERBOSE="1"))
    kernels = set()
    for line in result.stdout.splitlines():
        fields = line.split(",")
        if line.startswith("onednn_verbose,exec") and len(fields) > 5:
            kernels.add(f"{fields[3]} {fields[4]}")
    return sorted(kernels)


def loss_deviation(ours, reference):
    """Largest relative deviation of the losses over the same steps, as the parity test
    measures it: total and style loss relative to themselves, the content loss relative to
    the total (it starts at exactly 0, the image being the content, and stays tiny for the
    first steps, so relative to itself it would only measure rounding)."""
    worst = 0.0
    for total, content, style, ref_total, ref_content, ref_style in zip(
            ours["losses"], ours["content_losses"], ours["style_losses"],
            reference["losses"], reference["content_losses"], reference["style_losses"]):
        scale = max(abs(ref_total), 1e-30)
        worst = max(worst, abs(total - ref_total) / scale, abs(content - ref_content) / scale,
                    abs(style - ref_style) / max(abs(ref_style), 1e-30))
    return worst


def random_vgg19_weights(directory):
    """Writes seeded random VGG19 weights (seed 0) into `directory`; returns their path."""
    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "reference", "make_test_weights.py"),
                    "--seed", "0", "--out", directory, "--no-verify"], check=True, capture_output=True)
    return os.path.join(directory, "vgg19.safetensors")


def write_pair(directory, size, content, style):
    """Content and style at the processing size (longest side = size), identical pixels for both sides."""
    image = cv2.imread(content)
    h, w = image.shape[:2]
    scale = size / max(h, w)
    dims = (round(w * scale), round(h * scale))
    paths = []
    for name, source in (("content", content), ("style", style)):
        path = os.path.join(directory, f"{name}{size}.png")
        cv2.imwrite(path, cv2.resize(cv2.imread(source), dims, interpolation=cv2.INTER_AREA))
        paths.append(path)
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build", default=os.path.join(ROOT, "build"), help="CMake build folder")
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--sizes", default="128,256,512")
    parser.add_argument("--steps", type=int, default=10, help="measured steps per size")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=2,
                        help="alternating runs of each side per size; the best median counts")
    parser.add_argument("--weights", help="VGG19 .safetensors (default: random weights written here)")
    parser.add_argument("--content", default=os.path.join(SAMPLES, "fruits.jpg"))
    parser.add_argument("--style", default=os.path.join(SAMPLES, "starry_night.jpg"))
    parser.add_argument("--quality-steps", type=int, default=2000,
                        help="the reference notebook's steps for the time-to-quality target (0 = skip)")
    parser.add_argument("--quality-size", type=int, default=128)
    parser.add_argument("--networks", default="vgg19,squeezenet1_1",
                        help="which networks' rows to measure")
    parser.add_argument("--squeezenet-weights",
                        default=os.path.join(ROOT, "..", "shared", "weights", "squeezenet1_1.safetensors"),
                        help="SqueezeNet 1.1 .safetensors (random ones are written here if it is missing)")
    parser.add_argument("--isa", choices=["native"] + sorted(ISA_CAPS), default="native",
                        help="native: what this CPU has; avx2: cap every library at AVX2 + FMA "
                             "on both sides (what a CPU without AVX-512 runs)")
    parser.add_argument("--out", default="bench-results.json")
    args = parser.parse_args()
    os.environ.update(ISA_CAPS.get(args.isa, {}))

    ours = os.path.join(args.build, "bench", "neuralstyle_bench")
    if not os.path.exists(ours):
        sys.exit(f"{ours} is missing: build with -DNEURALSTYLE_BUILD_BENCH=ON")
    notebook = [sys.executable, os.path.join(HERE, "notebook_bench.py")]
    threads = ["--threads", str(args.threads)]
    networks = args.networks.split(",")
    results = {"cpu": cpu_info(), "threads": args.threads, "isa": args.isa,
               "isa_environment": ISA_CAPS.get(args.isa, {}), "sizes": [], "quality": None,
               "squeezenet": []}
    print(describe(results["cpu"], args.threads, args.isa), flush=True)

    with tempfile.TemporaryDirectory() as scratch:
        weights = args.weights or random_vgg19_weights(scratch)
        results["weights"] = args.weights or "random (seed 0)"
        peak = run_json([ours, "--peak"] + threads)
        results["peak_gflops"] = peak["peak_gflops"]
        results["core_isa"], results["onednn_winograd"] = peak["core_isa"], peak["onednn_winograd"]
        print(f"measured peak (best of a 3x3 conv 256->256 at 128x128 and a 2048^2 product, {args.threads} threads): "
              f"{results['peak_gflops']:.1f} GFLOP/s", flush=True)

        for size in [int(s) for s in args.sizes.split(",")] if "vgg19" in networks else []:
            content, style = write_pair(scratch, size, args.content, args.style)
            inputs = ["--content", content, "--style", style, "--weights", weights]
            common = inputs + ["--steps", str(args.steps), "--warmup", str(args.warmup)] + threads
            # Alternate the three and keep each one's best median: on a shared machine a
            # neighbour's load then hits both sides alike instead of one run.
            runs = {"mine": [], "direct": [], "reduced": [], "theirs": []}
            for _ in range(args.repeats):
                runs["mine"].append(run_json([ours] + common))
                runs["direct"].append(run_json([ours] + common + ["--convolution", "direct"]))
                reduced_run = run_json([ours] + common + ["--precision", "bfloat16"], may_fail=True)
                if reduced_run:
                    runs["reduced"].append(reduced_run)
                runs["theirs"].append(run_json(notebook + common))
            mine, direct, reduced, theirs = (min(runs[k], key=lambda r: r["ms_per_step"]) if runs[k] else None
                                             for k in ("mine", "direct", "reduced", "theirs"))
            row = {
                "size": size, "pixels": mine["size"],
                "ours_ms_per_step": mine["ms_per_step"], "notebook_ms_per_step": theirs["ms_per_step"],
                "ratio": mine["ms_per_step"] / theirs["ms_per_step"],
                "ours_steps_per_s": mine["steps_per_second"],
                "gflop_per_step": mine["gflop_per_step"],
                "ours_gflops": mine["achieved_gflops"],
                "notebook_gflops": mine["gflop_per_step"] / (theirs["ms_per_step"] / 1000),
                "fraction_of_peak": mine["achieved_gflops"] / results["peak_gflops"],
                "ours_peak_rss_mb": mine["peak_rss_mb"], "notebook_peak_rss_mb": theirs["peak_rss_mb"],
                "first_loss_ours": mine["losses"][0], "first_loss_notebook": theirs["losses"][0],
                "direct_ms_per_step": direct["ms_per_step"],
                "direct_ratio": direct["ms_per_step"] / theirs["ms_per_step"],
                "direct_gflops": direct["achieved_gflops"],
                "direct_fraction_of_peak": direct["achieved_gflops"] / results["peak_gflops"],
                "direct_peak_rss_mb": direct["peak_rss_mb"],
                "direct_loss_deviation_from_notebook": loss_deviation(direct, theirs),
                "bf16_ms_per_step": reduced["ms_per_step"] if reduced else None,
                "bf16_ratio": reduced["ms_per_step"] / theirs["ms_per_step"] if reduced else None,
                # bfloat16's effect on the losses: largest relative deviation from float32
                # over the same steps.
                "bf16_loss_deviation": loss_deviation(reduced, direct) if reduced else None,
                "fp32_loss_deviation_from_notebook": loss_deviation(mine, theirs),
                "kernels": mine["kernels"],
            }
            if not results.get("onednn_kernels"):
                results["onednn_kernels"] = onednn_kernels(
                    [ours] + inputs + ["--steps", "1", "--warmup", "1"] + threads)
            results["sizes"].append(row)
            print(f"{size} px done: ours {row['ours_ms_per_step']:.0f} ms, notebook {row['notebook_ms_per_step']:.0f} ms",
                  flush=True)

        if "squeezenet1_1" in networks:
            squeezenet = args.squeezenet_weights
            if not os.path.exists(squeezenet):
                squeezenet = os.path.join(scratch, "squeezenet1_1.safetensors")
                if not os.path.exists(squeezenet):
                    subprocess.run([sys.executable, os.path.join(ROOT, "tests", "reference", "make_test_weights.py"),
                                    "--seed", "0", "--out", scratch, "--no-verify"], check=True, capture_output=True)
            results["squeezenet_weights"] = os.path.abspath(squeezenet)
            vgg_ms = {r["size"]: r["ours_ms_per_step"] for r in results["sizes"]}
            for size in [int(s) for s in args.sizes.split(",")]:
                content, style = write_pair(scratch, size, args.content, args.style)
                common = ["--content", content, "--style", style, "--weights", squeezenet,
                          "--steps", str(args.steps), "--warmup", str(args.warmup)] + threads
                runs = {"mine": [], "direct": [], "theirs": []}
                for _ in range(args.repeats):
                    runs["mine"].append(run_json([ours] + common))
                    runs["direct"].append(run_json([ours] + common + ["--convolution", "direct"]))
                    terms = runs["mine"][-1]
                    runs["theirs"].append(run_json(
                        notebook + common + ["--network", "squeezenet1_1", "--content-layer", terms["content_layer"],
                                         "--style-layers", terms["style_layers"],
                                         "--style-weight", repr(terms["style_weight"]),
                                         "--lr", repr(terms["learning_rate"])]))
                mine, direct, theirs = (min(runs[k], key=lambda r: r["ms_per_step"])
                                        for k in ("mine", "direct", "theirs"))
                row = {
                    "size": size, "pixels": mine["size"],
                    "ours_ms_per_step": mine["ms_per_step"], "notebook_ms_per_step": theirs["ms_per_step"],
                    "ratio": mine["ms_per_step"] / theirs["ms_per_step"],
                    "direct_ms_per_step": direct["ms_per_step"],
                    "direct_ratio": direct["ms_per_step"] / theirs["ms_per_step"],
                    "ours_peak_rss_mb": mine["peak_rss_mb"], "notebook_peak_rss_mb": theirs["peak_rss_mb"],
                    "loss_deviation_from_notebook": loss_deviation(mine, theirs),
                    "direct_loss_deviation_from_notebook": loss_deviation(direct, theirs),
                    "vgg19_ms_per_step": vgg_ms.get(size),
                    "vgg19_over_squeezenet": (vgg_ms[size] / mine["ms_per_step"]) if size in vgg_ms else None,
                }
                results["squeezenet"].append(row)
                print(f"squeezenet {size} px done: ours {row['ours_ms_per_step']:.1f} ms, "
                      f"notebook {row['notebook_ms_per_step']:.1f} ms", flush=True)

        if args.quality_steps and "vgg19" in networks:
            content, style = write_pair(scratch, args.quality_size, args.content, args.style)
            common = ["--content", content, "--style", style, "--weights", weights] + threads
            theirs = run_json(notebook + common + ["--steps", str(args.quality_steps), "--warmup", "0"])
            mine = run_json([ours] + common + ["--optimizer", "lbfgs", "--learning-rate", "1",
                                               "--target-loss", str(theirs["final_loss"]),
                                               "--max-steps", str(args.quality_steps)])
            results["quality"] = {
                "size": args.quality_size, "notebook_steps": args.quality_steps,
                "notebook_final_loss": theirs["final_loss"], "notebook_seconds": theirs["total_seconds"],
                "ours_settings": "L-BFGS, learning rate 1",
                "ours_seconds": mine["time_to_target_s"], "ours_steps": mine["steps_to_target"],
                "ratio": (mine["time_to_target_s"] / theirs["total_seconds"]
                          if mine["time_to_target_s"] > 0 else None),
            }

    print()
    print(describe(results["cpu"], args.threads, args.isa))
    print(f"core kernels: {results['core_isa']}; oneDNN Winograd: "
          f"{'yes' if results['onednn_winograd'] else 'no'}; oneDNN primitives run: "
          f"{', '.join(results.get('onednn_kernels', [])) or '-'}")
    for r in results["sizes"]:
        print(f"  {r['size']} px, convolution kernels: " +
              ", ".join(f"{layer} {kernel}" for layer, kernel in r["kernels"].items()))
    print(f"threads {args.threads}, weights {results['weights']}, peak {results['peak_gflops']:.1f} GFLOP/s")
    print("ours = default settings (Winograd where it pays); direct = --convolution direct, the reference notebook's "
          "arithmetic.\nGFLOP/s count the direct algorithm's FLOPs: a real rate for direct, the "
          "direct-equivalent rate for ours.")
    print("| size | pixels | ours ms/step | notebook ms/step | ours/notebook | ours steps/s | ours GFLOP/s (% of peak) | "
          "ours / notebook peak MB | ours loss dev. | direct ms/step | direct/notebook | direct GFLOP/s (% of peak) | "
          "direct loss dev. | bf16 ms/step | bf16/notebook | bf16 loss dev. |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results["sizes"]:
        print(f"| {r['size']} | {r['pixels'][0]}x{r['pixels'][1]} | {r['ours_ms_per_step']:.0f} | "
              f"{r['notebook_ms_per_step']:.0f} | {r['ratio']:.2f} | {r['ours_steps_per_s']:.2f} | "
              f"{r['ours_gflops']:.0f} ({100 * r['fraction_of_peak']:.0f}%) | "
              f"{r['ours_peak_rss_mb']:.0f} / {r['notebook_peak_rss_mb']:.0f} | {r['fp32_loss_deviation_from_notebook']:.1e} | "
              f"{r['direct_ms_per_step']:.0f} | {r['direct_ratio']:.2f} | "
              f"{r['direct_gflops']:.0f} ({100 * r['direct_fraction_of_peak']:.0f}%) | "
              f"{r['direct_loss_deviation_from_notebook']:.1e} | "
              + (f"{r['bf16_ms_per_step']:.0f} | {r['bf16_ratio']:.2f} | {r['bf16_loss_deviation']:.1e} |"
                 if r["bf16_ms_per_step"] else "failed | - | - |"))
    if results["squeezenet"]:
        print(f"\nSqueezeNet 1.1, weights {results['squeezenet_weights']}:")
        print("| size | pixels | ours ms/step | notebook ms/step | ours/notebook | direct ms/step | direct/notebook | "
              "ours / notebook peak MB | ours loss dev. | direct loss dev. | VGG19 ms/step | VGG19/SqueezeNet |")
        print("|---|---|---|---|---|---|---|---|---|---|---|---|")
        for r in results["squeezenet"]:
            vgg = f"{r['vgg19_ms_per_step']:.0f} | {r['vgg19_over_squeezenet']:.1f}x" if r["vgg19_ms_per_step"] else "- | -"
            print(f"| {r['size']} | {r['pixels'][0]}x{r['pixels'][1]} | {r['ours_ms_per_step']:.1f} | "
                  f"{r['notebook_ms_per_step']:.1f} | {r['ratio']:.2f} | {r['direct_ms_per_step']:.1f} | "
                  f"{r['direct_ratio']:.2f} | {r['ours_peak_rss_mb']:.0f} / {r['notebook_peak_rss_mb']:.0f} | "
                  f"{r['loss_deviation_from_notebook']:.1e} | {r['direct_loss_deviation_from_notebook']:.1e} | {vgg} |")
    q = results["quality"]
    if q:
        ratio = f"{q['ratio']:.3f}" if q["ratio"] is not None else "not reached"
        print(f"\ntime to the reference notebook's {q['notebook_steps']}-step loss ({q['notebook_final_loss']:.4g}) at {q['size']} px: "
              f"notebook {q['notebook_seconds']:.1f} s, ours ({q['ours_settings']}) {q['ours_seconds']:.1f} s "
              f"in {q['ours_steps']} steps, ratio {ratio}")
    with open(args.out, "w") as f:
        json.dump(results, f, indent=2)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
