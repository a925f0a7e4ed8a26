#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the README's shell examples as written, the way a new user pastes them.

  test_readme_examples.py --source DIR --build DIR [--fallback-weights FILE]
                          [--model FILE] [DOC.md...]

Every ```sh block of README.md (and of the other documents given) must be preceded by a
marker saying whether it is tested:
  <!-- tested-example: NAME -->           run by this test
  <!-- untested-example: REASON -->       not run, and why (a network, root, hours)
A block without a marker fails the test, so the README's list of tested examples stays
true (its "Tested examples" section names them).

The tested blocks run in a scratch folder with a clean HOME, after the quick start's
weights step (scripts/install_weights.sh), with no NEURALSTYLE_WEIGHTS and no weights
option added: the element's and the CLI's default lookup must find what the quick start
installed. Only the work is cut down: steps, sizes and frames (see `cut_down`). The
scratch folder holds the inputs the examples name (cat.jpg, wave.jpg, photo.jpg, a
frames/ folder, an in/%05d.png sequence, a feed-forward model starry.onnx: --model, the
test fixture's random TransformerNet), made from opencv-doc's samples, and links to
the checkout's build/, pipelines/ and scripts/, so `$PWD/build/plugin` and
`pipelines/video.sh` mean what they mean in the checkout. `neuralstyle` is the CLI the
build made (on PATH, as the installed one would be).

Where this project's ../shared/weights has no SqueezeNet (a checkout elsewhere), the
weights step installs --fallback-weights (random SqueezeNet 1.1 of the test fixture)
through NEURALSTYLE_WEIGHTS, the quick start's other source.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cv2

SAMPLES = Path("/usr/share/doc/opencv-doc/examples/data")
MARKER = re.compile(r"<!--\s*(tested|untested)-example:\s*(.*?)\s*-->\s*\n```sh\n(.*?)```",
                    re.S)
ANY_BLOCK = re.compile(r"^```sh$", re.M)
EXAMPLE_TIMEOUT_S = 300


def examples(document):
    """(kind, name or reason, commands) of each marked block; fails on an unmarked one."""
    text = document.read_text()
    found = [(m.group(1), m.group(2), m.group(3)) for m in MARKER.finditer(text)]
    blocks = len(ANY_BLOCK.findall(text))
    if blocks != len(found):
        marked = {m.start(3) - len("```sh\n") for m in MARKER.finditer(text)}
        unmarked = [text.count("\n", 0, m.start()) + 1 for m in ANY_BLOCK.finditer(text)
                    if m.start() not in marked]
        raise SystemExit(f"FAIL: {document.name}: the ```sh blocks at lines {unmarked} have no "
                         "<!-- tested-example: NAME --> or <!-- untested-example: REASON --> "
                         "marker")
    return found


def commands(block):
    """The block's commands: continuation lines joined, comments and blank lines dropped."""
    joined = re.sub(r"\\\n\s*", " ", block)
    result = []
    for line in joined.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            result.append(line.split(" #")[0].strip())
    return result


def cut_down(command):
    """The same command with less work: few steps, small sizes, two frames."""
    command = re.sub(r"(--steps|--steps-per-frame|--save-every) \d+",
                     lambda m: f"{m.group(1)} {2 if m.group(1) == '--steps' else 1}", command)
    command = re.sub(r"\bsteps=\d+", "steps=2", command)
    command = re.sub(r"--max-size \d+", "--max-size 64", command)
    words = shlex.split(command)
    if words[0] == "neuralstyle" and "--steps" not in words and "--model" not in words:
        command += " --steps 2"
    if words[0] == "pipelines/video.sh":
        command = command.replace("pipelines/video.sh", "pipelines/video.sh --frames 2", 1)
    return command


def outputs(command):
    """The files a command says it writes: --output, location= of a filesink, and the
    last argument of a pipelines/ script."""
    words = shlex.split(command)
    found = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--output"]
    found += [word.split("=", 1)[1] for word in words if word.startswith("location=")
              and "filesink" in command.split(word)[0].rsplit("!", 1)[-1]]
    if words[0].startswith("pipelines/"):
        found.append(words[-1])
    return found


def written(scratch, output):
    """Whether `output` (a file, a folder/ or a %05d pattern) was written."""
    path = scratch / output
    if output.endswith("/"):
        return path.is_dir() and any(path.iterdir())
    if "%" in output:
        return any((scratch / (output % index)).is_file() for index in range(5))
    return path.is_file() and path.stat().st_size > 0


def remove(scratch, output):
    """Deletes what `output` (a file, a folder/ or a %05d pattern) names, if it exists."""
    paths = [scratch / (output % i) for i in range(5)] if "%" in output else [scratch / output]
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def make_inputs(scratch, model):
    """The inputs the README's examples name, small, from opencv-doc's samples."""
    def write(name, sample, size=(64, 48)):
        image = cv2.imread(str(SAMPLES / sample))
        assert image is not None, f"{SAMPLES / sample} is missing (opencv-doc)"
        path = scratch / name
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), cv2.resize(image, size, interpolation=cv2.INTER_AREA))

    write("cat.jpg", "fruits.jpg")
    write("photo.jpg", "butterfly.jpg")
    write("wave.jpg", "starry_night.jpg")
    write("starry.jpg", "starry_night.jpg")
    for index, sample in enumerate(["baboon.jpg", "home.jpg"]):
        write(f"frames/frame{index}.png", sample)
        write(f"in/{index:05d}.png", sample)
    if model:
        shutil.copyfile(model, scratch / "starry.onnx")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--build", type=Path, required=True)
    parser.add_argument("--fallback-weights", type=Path)
    parser.add_argument("--model", type=Path, help="the ONNX model the examples call starry.onnx")
    parser.add_argument("documents", nargs="*", type=Path)
    args = parser.parse_args()
    documents = args.documents or [args.source / "README.md"]

    with tempfile.TemporaryDirectory(prefix="readme-examples-") as scratch_name:
        scratch = Path(scratch_name)
        home = scratch / "home"
        home.mkdir()
        environment = {k: v for k, v in os.environ.items()
                       if k not in ("NEURALSTYLE_WEIGHTS", "XDG_DATA_HOME")}
        environment.update(HOME=str(home),
                           PATH=f"{args.build / 'tools'}:{environment['PATH']}",
                           # no download: the weights step must find this project's copy
                           NEURALSTYLE_VGG19_URL="file:///nonexistent/vgg19-dcbb9e9d.pth",
                           NEURALSTYLE_SQUEEZENET_URL="file:///nonexistent/squeezenet1_1-b8a52dc0.pth")

        # The quick start's weights step.
        step = dict(environment)
        if not (args.source / "../shared/weights/squeezenet1_1.safetensors").exists():
            assert args.fallback_weights, "no ../shared/weights and no --fallback-weights"
            step["NEURALSTYLE_WEIGHTS"] = str(args.fallback_weights)
        installed = subprocess.run([str(args.source / "scripts/install_weights.sh")], env=step,
                                   capture_output=True, text=True, timeout=120)
        print(installed.stderr, end="")
        if installed.returncode != 0:
            raise SystemExit(f"FAIL: scripts/install_weights.sh exited {installed.returncode}")
        weights = Path(installed.stdout.strip())
        data = home / ".local/share/neuralstyle"
        if weights.parent != data or not weights.is_file():
            raise SystemExit(f"FAIL: the weights step printed {weights}, not a file in {data}")

        make_inputs(scratch, args.model)
        for folder in ("build", "pipelines", "scripts"):
            target = args.build if folder == "build" else args.source / folder
            (scratch / folder).symlink_to(target.resolve())

        passed = failed = 0
        for document in documents:
            for kind, name, block in examples(document):
                if kind != "tested":
                    print(f"not run: {document.name}: {name}")
                    continue
                named = [o for c in commands(block) for o in outputs(c)]
                for output in named:  # an earlier block's file must not pass for this one's
                    remove(scratch, output)
                # One shell a block, as pasted: an `export` holds for the commands after it.
                script = "set -e\n" + "\n".join(cut_down(c) for c in commands(block))
                result = subprocess.run(["bash", "-c", script], cwd=scratch, env=environment,
                                        capture_output=True, text=True, timeout=EXAMPLE_TIMEOUT_S)
                missing = [o for o in named if not written(scratch, o)]
                if result.returncode == 0 and not missing:
                    passed += 1
                    print(f"passed: {document.name}: {name}")
                    continue
                failed += 1
                print(f"FAILED: {document.name}: {name} (exit {result.returncode}, "
                      f"not written: {missing})\n--- as run:\n{script}\n--- output:\n"
                      f"{result.stdout}{result.stderr}")
        print(f"{passed} passed, {failed} failed")
        return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
