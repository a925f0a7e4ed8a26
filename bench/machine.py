# SPDX-License-Identifier: LGPL-2.1-or-later
"""The machine a benchmark ran on, for its table and JSON: every figure names its CPU."""
import os
import platform
import subprocess

# The ISA flags that decide which kernels run: oneDNN's Winograd needs AVX-512F, native
# bfloat16 AVX512-BF16 or AMX; without AVX-512 the direct kernels run on AVX2 and FMA.
FLAGS = ["avx2", "fma", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16"]


def cpu_info():
    """The CPU model, its family and model numbers (a virtual machine's model name may not
    say the generation: AMD family 25 is Zen 3 at models 0-15 and Zen 4 from 16, family 26
    is Zen 5), the
    ISA flags above (from lscpu) and the core count."""
    text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    flags = fields.get("Flags", "").split()
    return {"model": fields.get("Model name", platform.processor()).strip(),
            "family": fields.get("CPU family", "").strip(), "model_number": fields.get("Model", "").strip(),
            "flags": {flag: flag in flags for flag in FLAGS},
            "cores": os.cpu_count()}


def describe(cpu, threads, isa="native"):
    """One line for a table's caption: model, the flags it has and lacks, threads, and the
    instruction-set cap the run used (run_benchmark.py --isa) if any."""
    has = [flag for flag, present in cpu["flags"].items() if present]
    lacks = [flag for flag, present in cpu["flags"].items() if not present]
    cap = "" if isa == "native" else f"; every library capped at {isa.upper()} (--isa {isa})"
    return (f"CPU: {cpu['model']} (family {cpu['family']} model {cpu['model_number']}, {cpu['cores']} cores); has {' '.join(has) or 'none of ' + ' '.join(FLAGS)}"
            f"{'; lacks ' + ' '.join(lacks) if lacks else ''}; {threads} threads{cap}")
