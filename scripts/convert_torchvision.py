#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Convert a torchvision VGG19 or SqueezeNet 1.1 checkpoint to the safetensors file
neuralstyle reads.

    python3 scripts/convert_torchvision.py vgg19-dcbb9e9d.pth vgg19.safetensors
    python3 scripts/convert_torchvision.py squeezenet1_1-b8a52dc0.pth squeezenet1_1.safetensors

Input: a torch.save'd state dict, either torchvision's whole model ("features.N.weight",
"classifier.N.weight", ...) or features only ("N.weight"), optionally wrapped in
{"state_dict": ...}. It is read with torch.load(map_location="cpu", weights_only=True)
where this torch supports it, so the pickle cannot run code. The network is recognised
from the keys (SqueezeNet's Fire modules hold "N.squeeze.weight"); --network names it.

Output: only the convolutions of `features`, as F32 tensors "KEY.weight" [out,in,k,k]
and "KEY.bias" [out] (VGG19: KEY = 0,2,5,...,34; SqueezeNet 1.1: KEY = 0, 3.squeeze,
3.expand1x1, 3.expand3x3, ..., 12.expand3x3), with __metadata__ {"source", "license",
"network", "convention": "torchvision"}; the torchvision convention means RGB input in
[0,1] normalised with the ImageNet mean/std. Wrong or missing layers stop the
conversion with an error naming the file and the key; nothing is written then.

Needs python3 with torch and numpy (on Debian: /usr/bin/python3 with python3-torch).
"""
import argparse
import json
import os
import pickle
import struct
import sys

import torch

# (torchvision features index, in channels, out channels) of VGG19's convolutions.
VGG19_CONVS = [(0, 3, 64), (2, 64, 64),
               (5, 64, 128), (7, 128, 128),
               (10, 128, 256), (12, 256, 256), (14, 256, 256), (16, 256, 256),
               (19, 256, 512), (21, 512, 512), (23, 512, 512), (25, 512, 512),
               (28, 512, 512), (30, 512, 512), (32, 512, 512), (34, 512, 512)]
# (torchvision features index, in channels, squeeze channels, expand channels) of
# SqueezeNet 1.1's Fire modules; conv1 is features.0, 3 -> 64, 3x3.
SQUEEZENET_FIRES = [(3, 64, 16, 64), (4, 128, 16, 64), (6, 128, 32, 128), (7, 256, 32, 128),
                    (9, 256, 48, 192), (10, 384, 48, 192), (11, 384, 64, 256),
                    (12, 512, 64, 256)]


def conv_shapes(network):
    """{key: (out, in, kernel)} of every convolution of the network's features."""
    if network == "vgg19":
        return {str(index): (out, inp, 3) for index, inp, out in VGG19_CONVS}
    shapes = {"0": (64, 3, 3)}
    for index, inp, squeeze, expand in SQUEEZENET_FIRES:
        shapes[f"{index}.squeeze"] = (squeeze, inp, 1)
        shapes[f"{index}.expand1x1"] = (expand, squeeze, 1)
        shapes[f"{index}.expand3x3"] = (expand, squeeze, 3)
    return shapes


LICENSES = {"vgg19": "CC BY 4.0 (VGG authors, Simonyan & Zisserman)",
            "squeezenet1_1": "BSD 2-Clause (DeepScale SqueezeNet v1.1)"}


def load_state_dict(path):
    try:
        try:
            state = torch.load(path, map_location="cpu", weights_only=True)
        except TypeError:  # torch < 1.13 has no weights_only
            state = torch.load(path, map_location="cpu")
    except pickle.UnpicklingError as error:
        raise ValueError(f"{path}: not a checkpoint of plain tensors (loading it would need "
                         f"arbitrary unpickling, which this converter refuses)") from error
    except (OSError, RuntimeError, EOFError) as error:
        raise ValueError(f"{path}: cannot read it as a torch checkpoint: {error}") from error
    if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ValueError(f"{path}: expected a state dict, found {type(state).__name__}")
    return state


def recognise(state, network):
    squeezenet = any(str(k).endswith("squeeze.weight") for k in state)
    found = "squeezenet1_1" if squeezenet else "vgg19"
    if network not in (None, "auto") and network != found:
        raise ValueError(f"the checkpoint holds {found}, but --network {network} was given")
    return found


def extract_convs(state, path, network):
    prefix = "features." if any(str(k).startswith("features.") for k in state) else ""
    convs = {}
    for key, (out_channels, in_channels, kernel) in conv_shapes(network).items():
        expected = {"weight": (out_channels, in_channels, kernel, kernel), "bias": (out_channels,)}
        for kind, shape in expected.items():
            name = f"{prefix}{key}.{kind}"
            if name not in state:
                raise ValueError(f"{path}: missing {name} ({network} conv {key}); "
                                 f"is this a torchvision {network} checkpoint?")
            tensor = state[name]
            if not isinstance(tensor, torch.Tensor) or tuple(tensor.shape) != shape:
                found = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor)
                raise ValueError(f"{path}: {name} has shape {found}, {network} needs {shape}")
            if not tensor.is_floating_point():
                raise ValueError(f"{path}: {name} has dtype {tensor.dtype}, expected floats")
            convs[f"{key}.{kind}"] = tensor.detach().to(torch.float32).contiguous()
    return convs


def write_safetensors(path, tensors, metadata):
    header, offset = {}, 0
    for name, tensor in tensors.items():
        size = tensor.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = metadata
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for tensor in tensors.values():
            f.write(tensor.numpy().astype("<f4").tobytes())


def main():
    parser = argparse.ArgumentParser(
        description="Convert a torchvision VGG19 or SqueezeNet 1.1 .pth checkpoint to F32 "
                    "safetensors holding the feature convolutions as 'KEY.weight'/'KEY.bias'.")
    parser.add_argument("input", help="torchvision checkpoint (.pth)")
    parser.add_argument("output", help="safetensors file to write")
    parser.add_argument("--network", choices=["auto", "vgg19", "squeezenet1_1"], default="auto",
                        help="the network the checkpoint must hold (default: recognised)")
    parser.add_argument("--source", help="__metadata__ source (default: the input's file name)")
    args = parser.parse_args()

    try:
        state = load_state_dict(args.input)
        network = recognise(state, args.network)
        convs = extract_convs(state, args.input, network)
    except ValueError as error:
        sys.exit(f"convert_torchvision: {error}")
    metadata = {"source": args.source or os.path.basename(args.input), "network": network,
                "license": LICENSES[network], "convention": "torchvision"}
    partial = args.output + ".partial"
    write_safetensors(partial, convs, metadata)
    os.replace(partial, args.output)
    print(f"wrote {len(convs) // 2} {network} convolutions to {args.output}")


if __name__ == "__main__":
    main()
