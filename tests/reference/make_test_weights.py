#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write one set of random VGG19 feature weights in every format the core imports.

    /usr/bin/python3 tests/reference/make_test_weights.py --seed S --out DIR

The weights are torchvision's `vgg19().features` built after `torch.manual_seed(S)`,
with every conv bias then drawn from uniform(-0.05, 0.05). torchvision initialises
biases to zero; identical zero biases make torch.onnx.export merge them into
`Identity` nodes, which OpenCV 4.6's ONNX importer rejects.

Files written to DIR, all holding the same weights (VGG19 conv indices
N = 0,2,5,7,10,12,14,16,19,21,23,25,28,30,32,34 in torchvision's numbering):

  vgg19.safetensors           "N.weight"/"N.bias", F32, __metadata__ with the seed
  vgg19_prefixed.safetensors  "features.N.weight"/... plus small unrelated
                              "classifier.*" tensors that a loader must ignore
  vgg19_f16.safetensors       "N.weight"/"N.bias" as F16 (values rounded to half),
                              no __metadata__
  vgg19_bf16.safetensors      same as BF16 (upper 16 bits of each float32), no
                              __metadata__
  vgg19.onnx                  torch.onnx.export of the features module, input
                              "input" [1,3,32,32], output "output", opset 11.
                              OpenCV names its layers "onnx_node!/N/Conv".
  vgg19.prototxt              Caffe deploy net in VGG_ILSVRC_19_layers naming
                              (conv1_1, relu1_1, ..., pool5), input "data" 1x3x32x32
  vgg19.caffemodel            NetParameter protobuf, hand-encoded here (no Caffe,
                              no protoc), conv blobs [out,in,3,3] and [out]
  squeezenet1_1.safetensors   a random torchvision squeezenet1_1 (the whole model:
                              "features.*" and "classifier.*", as torchvision saves
                              it), built after torch.manual_seed(S), biases drawn from
                              uniform(-0.05, 0.05)

With --width-divisor N every channel count is divided by N (at least 1): the same files
for a network of VGG19's layout but tiny (N=64: about 20 KB each), which the core
refuses as VGG19 but which are well-formed seeds for the fuzzers of tests/fuzz.

Every file uses the torchvision input convention (RGB, [0,1], ImageNet mean/std),
including the Caffe pair: the real Caffe VGG19 expects BGR in [0,255] minus the mean,
these test weights do not.

When `import cv2` works, the ONNX and Caffe files are loaded with cv2.dnn and
checked: each conv layer's blobs must equal the torch tensors exactly, and the
forward pass must match torch on the same input tensor. The script exits non-zero if
a check fails. Use --no-verify to skip these checks.
"""
import argparse
import os
import struct
import sys
import time

import numpy as np
import torch
import torchvision

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

BIAS_RANGE = 0.05
INPUT_SHAPE = (1, 3, 32, 32)


def build_features(seed, width_divisor=1):
    torch.manual_seed(seed)
    if width_divisor == 1:
        features = torchvision.models.vgg19().features
    else:
        # VGG19's layout with every width divided (at least 1): small files of the same
        # structure, e.g. seeds for the fuzzers (tests/fuzz), not a VGG19 the core accepts.
        cfg = [c if c == "M" else max(1, c // width_divisor)
               for c in torchvision.models.vgg.cfgs["E"]]
        features = torchvision.models.vgg.make_layers(cfg)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in features:
            if isinstance(module, torch.nn.Conv2d):
                module.bias.copy_(torch.empty(module.bias.shape)
                                  .uniform_(-BIAS_RANGE, BIAS_RANGE, generator=generator))
    return features.eval()


def caffe_layers(features):
    """[(caffe name, caffe type, torchvision index)] in VGG_ILSVRC_19_layers naming."""
    layers = []
    block, conv_in_block = 1, 0
    for index, module in enumerate(features):
        if isinstance(module, torch.nn.Conv2d):
            conv_in_block += 1
            layers.append((f"conv{block}_{conv_in_block}", "Convolution", index))
        elif isinstance(module, torch.nn.ReLU):
            layers.append((f"relu{block}_{conv_in_block}", "ReLU", index))
        elif isinstance(module, torch.nn.MaxPool2d):
            layers.append((f"pool{block}", "Pooling", index))
            block, conv_in_block = block + 1, 0
    return layers


def write_prototxt(path, features, layers):
    lines = ['# VGG19 conv part, VGG_ILSVRC_19_layers naming, written by make_test_weights.py.',
             '# Test weights in torchvision convention: RGB, [0,1], ImageNet mean/std.',
             'name: "VGG_ILSVRC_19_layers"',
             'input: "data"',
             'input_shape { ' + " ".join(f"dim: {d}" for d in INPUT_SHAPE) + ' }']
    bottom = "data"
    for name, kind, index in layers:
        if kind == "Convolution":
            top = name
            param = (f'  convolution_param {{ num_output: {features[index].out_channels}'
                     ' pad: 1 kernel_size: 3 }')
        elif kind == "ReLU":
            top = bottom  # in place, as in the original deploy file
            param = None
        else:
            top = name
            param = '  pooling_param { pool: MAX kernel_size: 2 stride: 2 }'
        lines += ['layer {', f'  name: "{name}"', f'  type: "{kind}"',
                  f'  bottom: "{bottom}"', f'  top: "{top}"']
        if param:
            lines.append(param)
        lines.append('}')
        bottom = top
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


# --- protobuf wire format, just what caffe.proto's NetParameter needs -------------

def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _length_delimited(field, payload):
    return _varint(field << 3 | 2) + _varint(len(payload)) + payload


def _string(field, text):
    return _length_delimited(field, text.encode("utf-8"))


def _blob_proto(tensor):
    # BlobProto { repeated float data = 5 [packed]; BlobShape shape = 7 }
    # BlobShape { repeated int64 dim = 1 [packed] }
    shape = _length_delimited(1, b"".join(_varint(d) for d in tensor.shape))
    data = tensor.detach().contiguous().numpy().astype("<f4").tobytes()
    return _length_delimited(5, data) + _length_delimited(7, shape)


def write_caffemodel(path, features, layers):
    # NetParameter { string name = 1; repeated LayerParameter layer = 100 }
    # LayerParameter { name = 1; type = 2; bottom = 3; top = 4; repeated BlobProto blobs = 7 }
    parts = [_string(1, "VGG_ILSVRC_19_layers")]
    bottom = "data"
    for name, kind, index in layers:
        top = bottom if kind == "ReLU" else name
        layer = _string(1, name) + _string(2, kind) + _string(3, bottom) + _string(4, top)
        if kind == "Convolution":
            conv = features[index]
            layer += _length_delimited(7, _blob_proto(conv.weight))
            layer += _length_delimited(7, _blob_proto(conv.bias))
        parts.append(_length_delimited(100, layer))
        bottom = top
    with open(path, "wb") as f:
        f.write(b"".join(parts))


# --- verification with OpenCV -----------------------------------------------------

def _blobs_equal(layer, conv):
    blobs = layer.blobs
    return (len(blobs) == 2
            and np.array_equal(blobs[0].reshape(-1), conv.weight.detach().numpy().reshape(-1))
            and np.array_equal(blobs[1].reshape(-1), conv.bias.detach().numpy().reshape(-1)))


def verify(cv2, out_dir, features, layers, seed):
    x = torch.randn(INPUT_SHAPE, generator=torch.Generator().manual_seed(seed + 1))
    conv_indices = [index for _, kind, index in layers if kind == "Convolution"]
    failures = []

    onnx_net = cv2.dnn.readNetFromONNX(os.path.join(out_dir, "vgg19.onnx"))
    bad = [i for i in conv_indices
           if not _blobs_equal(onnx_net.getLayer(onnx_net.getLayerId(f"onnx_node!/{i}/Conv")),
                               features[i])]
    if bad:
        failures.append(f"ONNX conv blobs differ at torchvision indices {bad}")
    onnx_net.setInput(x.numpy())
    with torch.no_grad():
        reference = features(x.clone()).numpy()
    onnx_error = float(np.abs(onnx_net.forward() - reference).max())
    scale = float(np.abs(reference).max())
    print(f"ONNX : {len(conv_indices) - len(bad)}/16 conv blobs exact; forward max |cv2 - torch|"
          f" = {onnx_error:.3g} (output max |x| = {scale:.3g})")
    if onnx_error > 1e-4 * max(scale, 1.0):
        failures.append(f"ONNX forward error {onnx_error}")

    caffe_net = cv2.dnn.readNetFromCaffe(os.path.join(out_dir, "vgg19.prototxt"),
                                         os.path.join(out_dir, "vgg19.caffemodel"))
    bad = [name for name, kind, index in layers
           if kind == "Convolution"
           and not _blobs_equal(caffe_net.getLayer(caffe_net.getLayerId(name)), features[index])]
    if bad:
        failures.append(f"Caffe conv blobs differ at {bad}")
    caffe_net.setInput(x.numpy())
    # The prototxt's ReLUs are in place (top "conv5_4"), yet cv2.dnn's output named
    # "conv5_4" is the convolution before its ReLU; "relu5_4" is after it.
    names = ["conv5_4", "relu5_4", "pool5"]
    with torch.no_grad():
        references = [features[:35](x.clone()), features[:36](x.clone()), features(x.clone())]
    for name, output, reference in zip(names, caffe_net.forward(names), references):
        error = float(np.abs(output - reference.numpy()).max())
        scale = float(reference.abs().max())
        print(f"Caffe: forward max |cv2 - torch| at {name} = {error:.3g}"
              f" (output max |x| = {scale:.3g})")
        if error > 1e-4 * max(scale, 1.0):
            failures.append(f"Caffe forward error {error} at {name}")
    print(f"Caffe: {16 - len(bad)}/16 conv blobs exact")
    return failures


def main():
    parser = argparse.ArgumentParser(
        description="Write random VGG19 feature weights as safetensors (F32/F16/BF16, "
                    "plain and 'features.'-prefixed keys), ONNX and Caffe.")
    parser.add_argument("--seed", type=int, default=0, help="torch.manual_seed value (default 0)")
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument("--width-divisor", type=int, default=1,
                        help="divide every channel count by this (default 1: VGG19 itself); "
                             "small files of VGG19's structure, e.g. fuzzing seeds")
    parser.add_argument("--no-verify", action="store_true",
                        help="skip the cv2.dnn checks of the ONNX and Caffe files")
    args = parser.parse_args()

    start = time.time()
    os.makedirs(args.out, exist_ok=True)
    features = build_features(args.seed, args.width_divisor)
    convs = {str(i): m for i, m in enumerate(features) if isinstance(m, torch.nn.Conv2d)}
    plain = {}
    for index, conv in convs.items():
        plain[f"{index}.weight"] = conv.weight.detach()
        plain[f"{index}.bias"] = conv.bias.detach()
    metadata = {"source": f"make_test_weights.py --seed {args.seed}", "convention": "torchvision"}

    out = lambda name: os.path.join(args.out, name)  # noqa: E731
    write_safetensors(out("vgg19.safetensors"), plain, "F32", metadata)
    prefixed = {f"features.{k}": v for k, v in plain.items()}
    unrelated = torch.Generator().manual_seed(args.seed)
    prefixed["classifier.0.weight"] = torch.randn(8, 16, generator=unrelated)
    prefixed["classifier.0.bias"] = torch.randn(8, generator=unrelated)
    prefixed["classifier.6.weight"] = torch.randn(4, 8, generator=unrelated)
    write_safetensors(out("vgg19_prefixed.safetensors"), prefixed, "F32", metadata)
    write_safetensors(out("vgg19_f16.safetensors"), plain, "F16")
    write_safetensors(out("vgg19_bf16.safetensors"), plain, "BF16")

    torch.onnx.export(features, torch.zeros(INPUT_SHAPE), out("vgg19.onnx"), opset_version=11,
                      input_names=["input"], output_names=["output"])

    layers = caffe_layers(features)
    write_prototxt(out("vgg19.prototxt"), features, layers)
    write_caffemodel(out("vgg19.caffemodel"), features, layers)

    torch.manual_seed(args.seed)
    squeezenet = torchvision.models.squeezenet1_1()
    bias_generator = torch.Generator().manual_seed(args.seed)
    with torch.no_grad():
        for name, parameter in squeezenet.named_parameters():
            if name.endswith(".bias"):
                parameter.uniform_(-BIAS_RANGE, BIAS_RANGE, generator=bias_generator)
    write_safetensors(out("squeezenet1_1.safetensors"),
                      {k: v.detach() for k, v in squeezenet.state_dict().items()}, "F32", metadata)

    for name in sorted(os.listdir(args.out)):
        if name.startswith(("vgg19", "squeezenet")):
            print(f"{out(name)}: {os.path.getsize(out(name)) / 1e6:.1f} MB")

    failures = []
    if args.no_verify:
        print("cv2 checks skipped (--no-verify)")
    else:
        try:
            import cv2
        except ImportError:
            cv2 = None
            print("cv2 checks skipped: no `import cv2` (Debian: apt-get install python3-opencv)")
        if cv2 is not None:
            failures = verify(cv2, args.out, features, layers, args.seed)
    print(f"seed {args.seed}, width divisor {args.width_divisor}, {len(convs)} convs,"
          f" {time.time() - start:.1f} s")
    if failures:
        sys.exit("FAILED: " + "; ".join(failures))


if __name__ == "__main__":
    main()
