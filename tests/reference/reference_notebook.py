#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The reference notebook's style transfer, run in PyTorch as the parity reference.

    /usr/bin/python3 tests/reference/reference_notebook.py --weights W.safetensors \\
        --content C.png --style S.png --steps N --json OUT.json --image OUT.png

The code below copies the reference notebook (shared/seed/000_574565c60be12c19.txt) as
literally as possible: torchvision's vgg19().features with in-place ReLUs (so the
stored "conv" features are really the ReLU outputs), get_features with the same layer
dict, gram_matrix, the style_weights dict, content_weight = 1, style_weight = 1e6,
optim.Adam([target], lr=0.003) and the same loop body. It runs on the CPU.

With --network squeezenet1_1 the same code runs on torchvision's squeezenet1_1().features
(conv1 and Fire modules; the layer dict maps module indices to the product's names:
'1' conv1 (its ReLU, as in-place ReLU makes the reference notebook's conv1_1 entry), '3' fire2 ...
'12' fire9), with --content-layer and --style-layers giving the loss terms; the
formulas (unnormalised Gram, w * mean((G - A)^2) / (d h w), content MSE) are the reference notebook's.

Differences from the notebook, all outside the algorithm:
- weights come from a safetensors file ("N.weight" or "features.N.weight" keys)
  through load_state_dict, not from pretrained=True;
- the images are not resized: the caller passes RGB PNGs that already have the
  processing size, content and style of identical size (ToTensor + Normalize only);
- every step's total, content and style losses (computed before optimizer.step())
  are recorded and written as JSON {"steps": N, "total": [...], "content": [...],
  "style": [...]};
- the final target is written as an RGB PNG with im_convert's logic
  (x * std + mean, clip to [0, 1]), then * 255 and rounded to uint8.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch
import torch.optim as optim
from PIL import Image
from torchvision import transforms, models

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import read_safetensors  # noqa: E402


SQUEEZENET_LAYERS = {'1': 'conv1', '3': 'fire2', '4': 'fire3', '6': 'fire4', '7': 'fire5',
                     '9': 'fire6', '10': 'fire7', '11': 'fire8', '12': 'fire9'}


def load_vgg(weights_path, network="vgg19"):
    state = read_safetensors(weights_path)
    if any(k.startswith("features.") for k in state):
        state = {k[len("features."):]: v for k, v in state.items() if k.startswith("features.")}
    vgg = models.vgg19().features if network == "vgg19" else models.squeezenet1_1().features
    vgg.load_state_dict(state)
    return vgg


def load_image(img_path):
    image = Image.open(img_path).convert('RGB')
    in_transform = transforms.Compose([
                        transforms.ToTensor(),
                        transforms.Normalize((0.485, 0.456, 0.406),
                                             (0.229, 0.224, 0.225))])
    image = in_transform(image)[:3, :, :].unsqueeze(0)
    return image


def im_convert(tensor):
    image = tensor.to("cpu").clone().detach()
    image = image.numpy().squeeze()
    image = image.transpose(1, 2, 0)
    image = image * np.array((0.229, 0.224, 0.225)) + np.array((0.485, 0.456, 0.406))
    image = image.clip(0, 1)
    return image


def get_features(image, model, layers=None):
    if layers is None:
        layers = {'0': 'conv1_1',
                  '5': 'conv2_1',
                  '10': 'conv3_1',
                  '19': 'conv4_1',
                  '21': 'conv4_2',  ## content representation
                  '28': 'conv5_1'}
    features = {}
    x = image
    for name, layer in model._modules.items():
        x = layer(x)
        if name in layers:
            features[layers[name]] = x
    return features


def gram_matrix(tensor):
    _, d, h, w = tensor.size()
    tensor = tensor.view(d, h * w)
    gram = torch.mm(tensor, tensor.t())
    return gram


def run(args, on_step=None):
    """The reference notebook's loop; `on_step(ii)`, if given, is called before the first step with 0 and
    after each step ii (for timing)."""
    device = torch.device("cpu")
    vgg = load_vgg(args.weights, args.network)
    layers = None
    if args.network == "squeezenet1_1":
        wanted = {args.content_layer} | set(args.style_layers)
        layers = {k: v for k, v in SQUEEZENET_LAYERS.items() if v in wanted}
    for param in vgg.parameters():
        param.requires_grad_(False)
    vgg.to(device)

    content = load_image(args.content).to(device)
    style = load_image(args.style).to(device)
    if content.shape != style.shape:
        sys.exit(f"content {tuple(content.shape[-2:])} and style {tuple(style.shape[-2:])}"
                 " must have the same size (this reference does not resize)")

    content_features = get_features(content, vgg, layers)
    style_features = get_features(style, vgg, layers)
    style_grams = {layer: gram_matrix(style_features[layer]) for layer in style_features}
    target = content.clone().requires_grad_(True).to(device)

    style_weights = {'conv1_1': 1.,
                     'conv2_1': 0.75,
                     'conv3_1': 0.2,
                     'conv4_1': 0.2,
                     'conv5_1': 0.2}
    content_layer = 'conv4_2'
    if args.network == "squeezenet1_1":
        style_weights = args.style_layers
        content_layer = args.content_layer
    content_weight = 1  # alpha
    style_weight = args.style_weight  # beta

    optimizer = optim.Adam([target], lr=args.lr)
    steps = args.steps
    history = {"steps": steps, "total": [], "content": [], "style": []}

    if on_step:
        on_step(0)
    for ii in range(1, steps+1):
        target_features = get_features(target, vgg, layers)
        content_loss = torch.mean((target_features[content_layer] -
                                   content_features[content_layer])**2)
        style_loss = 0
        for layer in style_weights:
            target_feature = target_features[layer]
            target_gram = gram_matrix(target_feature)
            _, d, h, w = target_feature.shape
            style_gram = style_grams[layer]
            layer_style_loss = style_weights[layer] * torch.mean((target_gram - style_gram)**2)
            style_loss += layer_style_loss / (d * h * w)
        total_loss = content_weight * content_loss + style_weight * style_loss

        history["total"].append(total_loss.item())
        history["content"].append(content_loss.item())
        history["style"].append(style_loss.item())

        optimizer.zero_grad()
        total_loss.backward()
        optimizer.step()
        if on_step:
            on_step(ii)

    return history, target


def parse_layer_weights(text):
    pairs = (entry.split("=") for entry in text.split(","))
    return {name.strip(): float(weight) for name, weight in pairs}


def main():
    parser = argparse.ArgumentParser(
        description="Run the reference notebook's style transfer (Adam on the target image) and "
                    "record every step's losses as the C++ parity reference.")
    parser.add_argument("--weights", required=True, help="the network's weights as .safetensors")
    parser.add_argument("--content", required=True, help="content image, RGB PNG")
    parser.add_argument("--style", required=True, help="style image, RGB PNG, same size")
    parser.add_argument("--steps", type=int, required=True, help="number of Adam steps")
    parser.add_argument("--json", required=True, help="where to write the per-step losses")
    parser.add_argument("--image", required=True, help="where to write the final target PNG")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads value")
    parser.add_argument("--lr", type=float, default=0.003, help="Adam learning rate (0.003)")
    parser.add_argument("--style-weight", type=float, default=1e6, help="beta (1e6)")
    parser.add_argument("--network", choices=["vgg19", "squeezenet1_1"], default="vgg19",
                        help="the reference notebook's VGG19 (default) or torchvision's squeezenet1_1")
    parser.add_argument("--content-layer", help="squeezenet1_1 only: content layer (fire2 ...)")
    parser.add_argument("--style-layers", type=parse_layer_weights,
                        help="squeezenet1_1 only: LAYER=WEIGHT,... style layers")
    args = parser.parse_args()
    if args.network != "vgg19" and not (args.content_layer and args.style_layers):
        parser.error("--network squeezenet1_1 needs --content-layer and --style-layers")
    if args.threads:
        torch.set_num_threads(args.threads)

    history, target = run(args)
    with open(args.json, "w") as f:
        json.dump(history, f)
    pixels = np.rint(im_convert(target) * 255).astype(np.uint8)
    Image.fromarray(pixels, "RGB").save(args.image)
    print(f"{args.steps} steps: total {history['total'][0]:.6g} -> {history['total'][-1]:.6g}")


if __name__ == "__main__":
    main()
