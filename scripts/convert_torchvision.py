#!/usr/bin/env python3
"""Convert torchvision's VGG19 checkpoint to the safetensors file neuralstyle reads.

    python3 scripts/convert_torchvision_vgg19.py vgg19-dcbb9e9d.pth vgg19.safetensors

Input: a torch.save'd state dict, either torchvision's full VGG19 ("features.N.weight",
"classifier.N.weight", ...) or features only ("N.weight"), optionally wrapped in
{"state_dict": ...}. It is read with torch.load(map_location="cpu", weights_only=True)
where this torch supports it, so the pickle cannot run code.

Output: only the 16 conv layers of `features`, as F32 tensors "N.weight" [out,in,3,3]
and "N.bias" [out] (N = 0,2,5,7,10,12,14,16,19,21,23,25,28,30,32,34), with __metadata__
{"source", "license", "convention": "torchvision"}; the torchvision convention means
RGB input in [0,1] normalised with the ImageNet mean/std. Wrong or missing layers stop
the conversion with an error naming the file and the key; nothing is written then.

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
LICENSE = "CC BY 4.0 (VGG authors, Simonyan & Zisserman)"


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


def extract_convs(state, path):
    prefix = "features." if any(str(k).startswith("features.") for k in state) else ""
    convs = {}
    for index, in_channels, out_channels in VGG19_CONVS:
        expected = {"weight": (out_channels, in_channels, 3, 3), "bias": (out_channels,)}
        for kind, shape in expected.items():
            key = f"{prefix}{index}.{kind}"
            if key not in state:
                raise ValueError(f"{path}: missing {key} (VGG19 conv {index}); "
                                 "is this a torchvision VGG19 checkpoint?")
            tensor = state[key]
            if not isinstance(tensor, torch.Tensor) or tuple(tensor.shape) != shape:
                found = tuple(tensor.shape) if isinstance(tensor, torch.Tensor) else type(tensor)
                raise ValueError(f"{path}: {key} has shape {found}, VGG19 needs {shape}")
            if not tensor.is_floating_point():
                raise ValueError(f"{path}: {key} has dtype {tensor.dtype}, expected floats")
            convs[f"{index}.{kind}"] = tensor.detach().to(torch.float32).contiguous()
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
        description="Convert a torchvision VGG19 .pth checkpoint to F32 safetensors holding "
                    "the 16 feature convolutions as 'N.weight'/'N.bias'.")
    parser.add_argument("input", help="torchvision VGG19 checkpoint (.pth)")
    parser.add_argument("output", help="safetensors file to write")
    parser.add_argument("--source", help="__metadata__ source (default: the input's file name)")
    args = parser.parse_args()

    try:
        convs = extract_convs(load_state_dict(args.input), args.input)
    except ValueError as error:
        sys.exit(f"convert_torchvision_vgg19: {error}")
    metadata = {"source": args.source or os.path.basename(args.input),
                "license": LICENSE, "convention": "torchvision"}
    partial = args.output + ".partial"
    write_safetensors(partial, convs, metadata)
    os.replace(partial, args.output)
    print(f"wrote {len(convs) // 2} VGG19 convolutions to {args.output}")


if __name__ == "__main__":
    main()
