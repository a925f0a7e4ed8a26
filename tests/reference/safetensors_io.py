#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Minimal safetensors reader and writer (no `safetensors` package needed).

Format (https://github.com/huggingface/safetensors): an 8-byte little-endian u64
header length N, then N bytes of UTF-8 JSON
    {"name": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ...,
     "__metadata__": {"key": "string value", ...}}           (metadata optional)
then the raw little-endian tensor bytes; offsets are relative to the start of that
data section. The header is padded with spaces to a multiple of 8 bytes, as the
reference implementation does.

Supported dtypes: F32, F16 and BF16. BF16 is written as the upper 16 bits of each
float32 (truncation, not round-to-nearest), so reading it back gives exactly those
truncated values. `read_safetensors` always returns float32 tensors.

Run as a script to list the tensors of a file:
    /usr/bin/python3 tests/reference/safetensors_io.py FILE.safetensors
"""
import argparse
import json
import struct

import numpy as np
import torch

_ITEM_SIZE = {"F32": 4, "F16": 2, "BF16": 2}


def _encode(tensor, dtype):
    array = tensor.detach().to("cpu", torch.float32).contiguous().numpy()
    if dtype == "F32":
        return array.astype("<f4").tobytes()
    if dtype == "F16":
        return array.astype("<f2").tobytes()
    if dtype == "BF16":
        return (array.astype("<f4").view("<u4") >> 16).astype("<u2").tobytes()
    raise ValueError(f"unsupported dtype {dtype!r} (use F32, F16 or BF16)")


def _decode(raw, dtype, shape):
    if dtype == "F32":
        array = np.frombuffer(raw, dtype="<f4")
    elif dtype == "F16":
        array = np.frombuffer(raw, dtype="<f2").astype(np.float32)
    elif dtype == "BF16":
        array = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
    else:
        raise ValueError(f"unsupported dtype {dtype!r}")
    return torch.from_numpy(array.astype(np.float32).reshape(shape))


def write_safetensors(path, tensors, dtype="F32", metadata=None):
    """Write {name: tensor} to `path`, every tensor stored as `dtype`.

    `metadata` is an optional {str: str} dict stored as "__metadata__".
    """
    if dtype not in _ITEM_SIZE:
        raise ValueError(f"unsupported dtype {dtype!r} (use F32, F16 or BF16)")
    header = {}
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        blob = _encode(tensor, dtype)
        header[name] = {"dtype": dtype, "shape": list(tensor.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    header_bytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    header_bytes += b" " * (-len(header_bytes) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for blob in blobs:
            f.write(blob)


def read_header(path):
    """Return (header dict without __metadata__, metadata dict, data section offset)."""
    with open(path, "rb") as f:
        prefix = f.read(8)
        if len(prefix) != 8:
            raise ValueError(f"{path}: too short for a safetensors file")
        (length,) = struct.unpack("<Q", prefix)
        raw = f.read(length)
        if len(raw) != length:
            raise ValueError(f"{path}: header length {length} runs past the end of the file")
    header = json.loads(raw.decode("utf-8"))
    metadata = header.pop("__metadata__", {}) or {}
    return header, metadata, 8 + length


def read_safetensors(path):
    """Read every tensor of `path` as a float32 torch.Tensor: {name: tensor}."""
    header, _, data_start = read_header(path)
    with open(path, "rb") as f:
        f.seek(data_start)
        data = f.read()
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        shape = info["shape"]
        expected = int(np.prod(shape, dtype=np.int64)) * _ITEM_SIZE.get(info["dtype"], 0)
        if end > len(data) or end - begin != expected:
            raise ValueError(f"{path}: tensor {name!r} has bad data_offsets {info['data_offsets']}"
                             f" for {info['dtype']} {shape} ({len(data)} data bytes)")
        tensors[name] = _decode(data[begin:end], info["dtype"], shape)
    return tensors


def main():
    parser = argparse.ArgumentParser(description="List the tensors of a safetensors file.")
    parser.add_argument("file", help="a .safetensors file")
    args = parser.parse_args()
    header, metadata, _ = read_header(args.file)
    for name, info in header.items():
        print(f"{name:32s} {info['dtype']:5s} {info['shape']}")
    if metadata:
        print("__metadata__:", json.dumps(metadata))


if __name__ == "__main__":
    main()
