#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""scripts/install_weights.sh, the quick start's weights step, in clean HOMEs.

  test_install_weights.py --source DIR --testdata DIR

Uses the random weights of the generate_test_weights fixture as the user's files; no
download is tried (the fetch URLs point at files that do not exist).
"""
import argparse
import filecmp
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def install(source, home, **variables):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("NEURALSTYLE_WEIGHTS", "XDG_DATA_HOME")}
    environment.update(HOME=str(home),
                       NEURALSTYLE_VGG19_URL="file:///nonexistent/vgg19-dcbb9e9d.pth",
                       NEURALSTYLE_SQUEEZENET_URL="file:///nonexistent/squeezenet1_1-b8a52dc0.pth",
                       **variables)
    return subprocess.run([str(source / "scripts/install_weights.sh")], env=environment,
                          capture_output=True, text=True, timeout=120)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--testdata", type=Path, required=True)
    args = parser.parse_args()
    failures = []
    passed = []

    def check(name, condition, result):
        print(("passed: " if condition else "FAILED: ") + name)
        (passed if condition else failures).append(name)
        if not condition:
            failures.append(name)
            print(f"  exit {result.returncode}\n  stdout: {result.stdout}\n  stderr: {result.stderr}")

    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        for network, given in [("squeezenet1_1", "squeezenet1_1.safetensors"),
                               ("vgg19", "vgg19_prefixed.safetensors")]:
            home = scratch / network
            result = install(args.source, home, NEURALSTYLE_WEIGHTS=str(args.testdata / given))
            installed = home / f".local/share/neuralstyle/{network}.safetensors"
            check(f"NEURALSTYLE_WEIGHTS={given} is installed as {installed.name}, told by its keys",
                  result.returncode == 0 and result.stdout.strip() == str(installed)
                  and installed.is_file()
                  and filecmp.cmp(installed, args.testdata / given, shallow=False)
                  and str(installed) in result.stderr, result)

        home = scratch / "xdg"
        data = scratch / "xdg-data"
        result = install(args.source, home, XDG_DATA_HOME=str(data),
                         NEURALSTYLE_WEIGHTS=str(args.testdata / "vgg19.safetensors"))
        check("XDG_DATA_HOME is where the weights go",
              result.returncode == 0 and (data / "neuralstyle/vgg19.safetensors").is_file()
              and not (home / ".local").exists(), result)

        # A folder that holds weights already is left as it is.
        home = scratch / "present"
        present = home / ".local/share/neuralstyle/squeezenet1_1.safetensors"
        present.parent.mkdir(parents=True)
        present.write_bytes(b"the user's own")
        result = install(args.source, home, NEURALSTYLE_WEIGHTS=str(args.testdata / "vgg19.safetensors"))
        check("weights already in the data folder are used and nothing is installed",
              result.returncode == 0 and result.stdout.strip() == str(present)
              and present.read_bytes() == b"the user's own"
              and not (present.parent / "vgg19.safetensors").exists()
              and "already installed" in result.stderr, result)

        # An ONNX model is used in place (the core reads NEURALSTYLE_WEIGHTS), not installed
        # under a name the lookup would read as safetensors.
        home = scratch / "onnx"
        result = install(args.source, home, NEURALSTYLE_WEIGHTS=str(args.testdata / "vgg19.onnx"))
        data = home / ".local/share/neuralstyle"
        check("an ONNX NEURALSTYLE_WEIGHTS is not installed, and the message says so",
              "is not a VGG19 or SqueezeNet 1.1 .safetensors file" in result.stderr
              and not (data / "vgg19.safetensors").exists(), result)

        # A .safetensors of neither network is refused the same way.
        stray = scratch / "stray.safetensors"
        stray.write_bytes(b"\x02\x00\x00\x00\x00\x00\x00\x00{}")
        result = install(args.source, scratch / "stray", NEURALSTYLE_WEIGHTS=str(stray))
        check("a .safetensors of neither network is not installed",
              "is not a VGG19 or SqueezeNet 1.1 .safetensors file" in result.stderr, result)

    print(f"{len(passed)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
