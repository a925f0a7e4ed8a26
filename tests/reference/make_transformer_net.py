#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write a small random feed-forward style network and torch eager's output for it.

    /usr/bin/python3 tests/reference/make_transformer_net.py --out DIR
        [--seed S] [--width W] [--residual-blocks R]

The network is pytorch/examples' fast_neural_style `TransformerNet` (Johnson et al.
2016) with its width W (32 there) and number of residual blocks R (5 there) as
arguments; the state-dict keys are pytorch/examples' (conv1.conv2d.weight, in1.weight,
res1.conv1.conv2d.weight, deconv1.conv2d.weight, in4, ..., deconv3.conv2d.weight).

Weights: torch's default initialisation after torch.manual_seed(S), then every
InstanceNorm affine drawn at random (its default weight 1 / bias 0 would be identical
tensors, which torch.onnx.export merges into `Identity` nodes that OpenCV 4.6 cannot
import), and the last convolution scaled and shifted so that the output spans most of
0..255 on the test image: a random net's output is otherwise a few levels around 0,
which clamping to 8 bits would hide entirely.

Model convention (pytorch/examples, the ONNX model zoo): input 1x3xHxW float32 RGB
0..255, output the same, unclamped.

Files written to DIR:
  transformer_net_opset9.onnx    torch.onnx.export at opset 9 (Upsample, Pad attribute)
  transformer_net_opset11.onnx   at opset 11 (Resize, Pad with a pads input)
                                 both with input "input" [1,3,48,64], output "output"
  transformer_net.safetensors    the state dict, F32, pytorch/examples' key names
  transformer_input_63x47.png    a synthetic RGB test frame (odd size on purpose)
  transformer_expected_63x47_max<M>.png  for M in 0 and 40: what the core's
                                 FeedForwardStylizer (strength 1, nothing else) must
                                 give for that frame with max_size M, computed with
                                 torch eager and the core's resizing rules (below)

The core's processing size (src/feed_forward.cpp, feedForwardProcessingSize): the
longest side at most max_size (0: the frame's own), aspect kept, then each side rounded
(half away from zero) to the nearest multiple of 4 (the net halves twice), at least 8
(reflection padding needs more pixels than it pads). Resizing, in and back, is
the core's resizeTo: INTER_AREA when the area shrinks, INTER_CUBIC otherwise; the
float output is resized back, then rounded and clamped to 8 bits.

When `import cv2` works, each ONNX file is run with cv2.dnn and compared with torch
eager; the script exits non-zero when OpenCV cannot load one or disagrees.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

EXPORT_SIZE = (48, 64)  # H, W of the exported graph input
TEST_FRAME = (47, 63)   # H, W: odd, so the processing size is a rounded one
MAX_SIZES = (0, 40)


# --- pytorch/examples fast_neural_style/neural_style/transformer_net.py, with W and R ---

class ConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride):
        super().__init__()
        self.reflection_pad = torch.nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        return self.conv2d(self.reflection_pad(x))


class ResidualBlock(torch.nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in1 = torch.nn.InstanceNorm2d(channels, affine=True)
        self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
        self.in2 = torch.nn.InstanceNorm2d(channels, affine=True)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        residual = x
        out = self.relu(self.in1(self.conv1(x)))
        out = self.in2(self.conv2(out))
        return out + residual


class UpsampleConvLayer(torch.nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
        super().__init__()
        self.upsample = upsample
        self.reflection_pad = torch.nn.ReflectionPad2d(kernel_size // 2)
        self.conv2d = torch.nn.Conv2d(in_channels, out_channels, kernel_size, stride)

    def forward(self, x):
        if self.upsample:
            x = torch.nn.functional.interpolate(x, mode="nearest", scale_factor=self.upsample)
        return self.conv2d(self.reflection_pad(x))


class TransformerNet(torch.nn.Module):
    def __init__(self, width=32, residual_blocks=5):
        super().__init__()
        w = width
        self.conv1 = ConvLayer(3, w, kernel_size=9, stride=1)
        self.in1 = torch.nn.InstanceNorm2d(w, affine=True)
        self.conv2 = ConvLayer(w, 2 * w, kernel_size=3, stride=2)
        self.in2 = torch.nn.InstanceNorm2d(2 * w, affine=True)
        self.conv3 = ConvLayer(2 * w, 4 * w, kernel_size=3, stride=2)
        self.in3 = torch.nn.InstanceNorm2d(4 * w, affine=True)
        self.residual_blocks = residual_blocks
        for k in range(1, residual_blocks + 1):
            setattr(self, f"res{k}", ResidualBlock(4 * w))
        self.deconv1 = UpsampleConvLayer(4 * w, 2 * w, kernel_size=3, stride=1, upsample=2)
        self.in4 = torch.nn.InstanceNorm2d(2 * w, affine=True)
        self.deconv2 = UpsampleConvLayer(2 * w, w, kernel_size=3, stride=1, upsample=2)
        self.in5 = torch.nn.InstanceNorm2d(w, affine=True)
        self.deconv3 = ConvLayer(w, 3, kernel_size=9, stride=1)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        y = self.relu(self.in1(self.conv1(x)))
        y = self.relu(self.in2(self.conv2(y)))
        y = self.relu(self.in3(self.conv3(y)))
        for k in range(1, self.residual_blocks + 1):
            y = getattr(self, f"res{k}")(y)
        y = self.relu(self.in4(self.deconv1(y)))
        y = self.relu(self.in5(self.deconv2(y)))
        return self.deconv3(y)


# --- the core's pre- and post-processing, for the expected frames ---

def processing_size(height, width, max_size):
    scale = 1.0
    if max_size > 0 and max(height, width) > max_size:
        scale = max_size / max(height, width)
    return tuple(max(8, int(np.floor(side * scale / 4.0 + 0.5)) * 4) for side in (height, width))


def resize_to(cv2, image, height, width):
    if image.shape[:2] == (height, width):
        return image
    shrinking = height * width < image.shape[0] * image.shape[1]
    return cv2.resize(image, (width, height),
                      interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)


def synthetic_frame(seed):
    """Smooth gradients, a bright disc and seeded noise: structure for flow and colour."""
    h, w = TEST_FRAME
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    rng = np.random.default_rng(seed)
    frame = np.stack([255 * x / (w - 1), 255 * y / (h - 1), 128 + 100 * np.sin(x / 5 + y / 7)], -1)
    frame[(x - 40) ** 2 + (y - 20) ** 2 < 100] = (250, 240, 60)
    frame += rng.uniform(-20, 20, frame.shape)
    return np.clip(np.rint(frame), 0, 255).astype(np.uint8)


def randomise(net, seed, frame):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in net.modules():
            if isinstance(module, torch.nn.InstanceNorm2d):
                module.weight.uniform_(0.5, 1.5, generator=generator)
                module.bias.uniform_(-0.5, 0.5, generator=generator)
        x = torch.from_numpy(frame.astype(np.float32)).permute(2, 0, 1)[None]
        spread = float(net(x).std())
        last = net.deconv3.conv2d
        last.weight.mul_(60.0 / spread)
        last.bias.copy_(torch.empty(3).uniform_(118, 138, generator=generator))
    return net.eval()


def eager(net, image_rgb_float):
    with torch.no_grad():
        x = torch.from_numpy(np.ascontiguousarray(image_rgb_float)).permute(2, 0, 1)[None]
        return net(x)[0].permute(1, 2, 0).contiguous().numpy()


def main():
    parser = argparse.ArgumentParser(description="Write a random TransformerNet (ONNX opsets 9 "
                                     "and 11, safetensors) and torch eager's outputs.")
    parser.add_argument("--out", required=True, help="output directory (created if missing)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--width", type=int, default=8, help="W (pytorch/examples: 32)")
    parser.add_argument("--residual-blocks", type=int, default=2, help="R (pytorch/examples: 5)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    out = lambda name: os.path.join(args.out, name)  # noqa: E731

    frame = synthetic_frame(args.seed)
    torch.manual_seed(args.seed)  # torch's default initialisation, before the net is built
    net = randomise(TransformerNet(args.width, args.residual_blocks), args.seed, frame)
    state = {k: v.detach() for k, v in net.state_dict().items()}
    write_safetensors(out("transformer_net.safetensors"), state, "F32",
                      {"source": f"make_transformer_net.py --seed {args.seed}",
                       "convention": "rgb-0-255", "architecture": "TransformerNet",
                       "width": args.width, "residual_blocks": args.residual_blocks})
    dummy = torch.zeros(1, 3, *EXPORT_SIZE)
    for opset in (9, 11):
        torch.onnx.export(net, dummy, out(f"transformer_net_opset{opset}.onnx"),
                          opset_version=opset, input_names=["input"], output_names=["output"])

    try:
        import cv2
    except ImportError:
        sys.exit("FAILED: the expected frames need cv2 (Debian: apt-get install python3-opencv)")
    cv2.imwrite(out(f"transformer_input_{TEST_FRAME[1]}x{TEST_FRAME[0]}.png"),
                cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    for max_size in MAX_SIZES:
        h, w = processing_size(*TEST_FRAME, max_size)
        styled = eager(net, resize_to(cv2, frame, h, w).astype(np.float32))
        back = resize_to(cv2, styled, *TEST_FRAME)
        expected = np.clip(np.rint(back), 0, 255).astype(np.uint8)
        cv2.imwrite(out(f"transformer_expected_{TEST_FRAME[1]}x{TEST_FRAME[0]}_max{max_size}.png"),
                    cv2.cvtColor(expected, cv2.COLOR_RGB2BGR))

    failures = []
    for opset in (9, 11):
        name = f"transformer_net_opset{opset}.onnx"
        for h, w in (EXPORT_SIZE, (28, 40)):
            x = resize_to(cv2, frame, h, w).astype(np.float32)
            try:
                cv_net = cv2.dnn.readNetFromONNX(out(name))
                cv_net.setInput(x.transpose(2, 0, 1)[None].copy())
                got = cv_net.forward()[0].transpose(1, 2, 0)
            except cv2.error as e:
                failures.append(f"{name}: OpenCV: {e}")
                break
            error = float(np.abs(got - eager(net, x)).max())
            print(f"{name} at {w}x{h}: max |cv2 - torch| = {error:.3g}")
            if error > 1e-2:
                failures.append(f"{name} at {w}x{h}: error {error}")
    params = sum(v.numel() for v in state.values())
    print(f"TransformerNet width {args.width}, {args.residual_blocks} residual blocks, "
          f"{params} parameters, seed {args.seed}")
    if failures:
        sys.exit("FAILED: " + "; ".join(failures))


if __name__ == "__main__":
    main()
