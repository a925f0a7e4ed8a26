#!/usr/bin/python3
"""Times the seed notebook's own loop (tests/reference/seed_reference.py's code) and prints
one JSON object: ms per step (median after warm-up), peak resident memory, the losses.

    /usr/bin/python3 bench/seed_bench.py --weights W.safetensors --content C.png \
        --style S.png --steps 10 --warmup 3 --threads 2
"""
import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.optim as optim

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "reference"))
from seed_reference import gram_matrix, get_features, load_image, load_vgg  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--weights", required=True)
    parser.add_argument("--content", required=True)
    parser.add_argument("--style", required=True)
    parser.add_argument("--steps", type=int, default=10, help="measured steps")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--lr", type=float, default=0.003)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    # --- the seed's code, as in seed_reference.py ---
    vgg = load_vgg(args.weights)
    for param in vgg.parameters():
        param.requires_grad_(False)
    content = load_image(args.content)
    style = load_image(args.style)
    content_features = get_features(content, vgg)
    style_features = get_features(style, vgg)
    style_grams = {layer: gram_matrix(style_features[layer]) for layer in style_features}
    target = content.clone().requires_grad_(True)
    style_weights = {'conv1_1': 1., 'conv2_1': 0.75, 'conv3_1': 0.2, 'conv4_1': 0.2, 'conv5_1': 0.2}
    content_weight, style_weight = 1, 1e6
    optimizer = optim.Adam([target], lr=args.lr)

    step_seconds, losses = [], []
    start = time.perf_counter()
    for ii in range(1, args.warmup + args.steps + 1):
        step_start = time.perf_counter()
        target_features = get_features(target, vgg)
        content_loss = torch.mean((target_features['conv4_2'] - content_features['conv4_2'])**2)
        style_loss = 0
        for layer in style_weights:
            target_feature = target_features[layer]
            target_gram = gram_matrix(target_feature)
            _, d, h, w = target_feature.shape
            style_gram = style_grams[layer]
            layer_style_loss = style_weights[layer] * torch.mean((target_gram - style_gram)**2)
            style_loss += layer_style_loss / (d * h * w)
        total_loss = content_weight * content_loss + style_weight * style_loss
        optimizer.zero_grad()
        total_loss.backward()
        optimizer.step()
        step_seconds.append(time.perf_counter() - step_start)
        losses.append(total_loss.item())
    total_seconds = time.perf_counter() - start

    measured = sorted(step_seconds[args.warmup:]) or [0.0]
    print(json.dumps({
        "size": [content.shape[3], content.shape[2]],
        "threads": torch.get_num_threads(),
        "ms_per_step": 1000 * measured[len(measured) // 2],
        "total_seconds": total_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "final_loss": losses[-1],
        "losses": losses,
    }))


if __name__ == "__main__":
    main()
