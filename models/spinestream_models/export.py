"""TorchScript export with the model card and golden file the Java runtime checks (io.spinestream.common.inference:
ModelCard, GoldenFile, PrngInput). Also exports the full-size architectures by command (weights random unless a
checkpoint is given; not committed):

  /usr/bin/python3 -m spinestream_models.export --full --out build/full
"""
import argparse
import hashlib
import json
import math
import os

import torch

from . import classification, contract, segmentation

GOLDEN_SEED = 20221010
MASK32 = 0xFFFFFFFF


def prng_values(seed, count):
    """xorshift32 (x ^= x << 13; x ^= x >> 17; x ^= x << 5, mod 2^32), value (x >> 8) / 2^24: the stream
    io.spinestream.common.inference.PrngInput produces, so Java feeds the model the same input."""
    x = seed
    out = [0.0] * count
    for i in range(count):
        x ^= (x << 13) & MASK32
        x ^= x >> 17
        x ^= (x << 5) & MASK32
        out[i] = (x >> 8) / 16777216.0
    return out


def prng_tensor(seed, shape):
    return torch.tensor(prng_values(seed, math.prod(shape)), dtype=torch.float32).reshape(shape)


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def golden(name, scripted, input_shape, samples=64):
    """The model's output on the PRNG input, summarised (sum, abs_sum, values at evenly spread indices)."""
    x = prng_tensor(GOLDEN_SEED, input_shape)
    with torch.no_grad():
        y = scripted(x)
    flat = y.reshape(-1).double()
    step = max(1, flat.numel() // samples)
    indices = list(range(0, flat.numel(), step))[:samples]
    return {"name": name, "prng": {"algorithm": "xorshift32", "seed": GOLDEN_SEED, "value": "(x >>> 8) / 2^24"},
            "input_shape": list(input_shape), "input_sum": float(x.double().sum()),
            "output_shape": list(y.shape), "sum": float(flat.sum()), "abs_sum": float(flat.abs().sum()),
            "indices": indices, "values": [float(flat[i]) for i in indices]}


def write(model, out, card):
    """Scripts `model` (eval mode) to out/<name>.pt and writes out/<name>.json and out/<name>.golden.json."""
    os.makedirs(out, exist_ok=True)
    name = card["name"]
    pt = os.path.join(out, name + ".pt")
    scripted = torch.jit.script(model.eval())
    scripted.save(pt)
    card = dict(card, file=name + ".pt", sha256=sha256(pt), torch_version=torch.__version__)
    shape = [1] + card["input"]["shape"][1:]
    with open(os.path.join(out, name + ".golden.json"), "w") as f:
        json.dump(golden(name, torch.jit.load(pt), shape), f, indent=1)
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    return os.path.join(out, name + ".json")


def segmenter_card(config, params, training=None, metrics=None):
    return {
        "name": config.name, "version": config.version, "task": "segmentation-2.5d",
        "input": {"shape": [-1, 3, config.size, config.size], "dtype": "float32", "layout": "NCHW",
                  "channels": ["slice i-1", "slice i", "slice i+1"]},
        "preprocessing": {"hu_window": list(config.hu_window), "mean": config.mean, "std": config.std,
                          "resize": {"size": [config.size, config.size], "mode": "bilinear",
                                     "align_corners": False, "order": "window, then resize, then normalise"}},
        "output": {"shape": [-1, len(contract.LABELS), config.size, config.size],
                   "meaning": "per-pixel logits over the labels (argmax over dim 1 gives the label map)"},
        "labels": contract.LABELS,
        "postprocessing": {"level_ordering": config.level_ordering},
        "architecture": {"encoder": "efficientnet_b0", "width": config.width, "decoder_width": config.decoder_width,
                         "parameters": params},
        "training": training or {}, "metrics": metrics or {},
    }


def classifier_card(config, params, training=None, metrics=None):
    return {
        "name": config.name, "version": config.version, "task": "vertebra-fracture",
        "input": {"shape": [-1, 24, 3, config.size, config.size], "dtype": "float32", "layout": "NTCHW",
                  "channels": ["slice s-1", "slice s", "slice s+1"]},
        "preprocessing": {"hu_window": list(config.hu_window), "mean": config.mean, "std": config.std,
                          "resize": {"size": [config.size, config.size], "mode": "bilinear",
                                     "align_corners": False, "order": "crop, window, resize, normalise"}},
        "output": {"shape": [-1, 1], "meaning": "fracture logit of the vertebra (sigmoid gives the probability)"},
        "labels": ["fracture"],
        "crop": {"sampled_slices": 24, "sampling": "int(numpy.linspace(z0, z1 - 1, 24))",
                 "min_pixels": config.min_pixels, "margin_fraction": config.margin_fraction,
                 "mask_size": config.mask_size},
        "architecture": {"backbone": config.backbone, "width": config.width, "gru_hidden": config.gru_hidden,
                         "parameters": params},
        "training": training or {}, "metrics": metrics or {},
    }


def export_checkpoints(checkpoints, out):
    """Exports segmenter.ckpt and classifier.ckpt from `checkpoints`, whichever are there (at least one)."""
    cards = []
    found = [name for name in ["segmenter", "classifier"] if os.path.exists(os.path.join(checkpoints, name + ".ckpt"))]
    if not found:
        raise SystemExit("no segmenter.ckpt or classifier.ckpt in " + checkpoints)
    kinds = {"segmenter": (segmentation.SegConfig, segmentation.build, segmenter_card),
             "classifier": (classification.ClsConfig, classification.build, classifier_card)}
    for name in found:
        config_type, build, card = kinds[name]
        checkpoint = torch.load(os.path.join(checkpoints, name + ".ckpt"))
        config = config_type(**checkpoint["config"])
        model = build(config)
        model.load_state_dict(checkpoint["state_dict"])
        cards.append(write(model, out, card(config, sum(p.numel() for p in model.parameters()),
                                            training=checkpoint["config"])))
    return cards


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--checkpoints", help="export trained checkpoints (segmenter.ckpt, classifier.ckpt)")
    parser.add_argument("--full", action="store_true", help="export the full-size architectures (random weights)")
    args = parser.parse_args(argv)
    if args.checkpoints:
        print("\n".join(export_checkpoints(args.checkpoints, args.out)))
    if args.full:
        torch.manual_seed(0)
        seg_config = segmentation.SegConfig.full()
        seg = segmentation.build(seg_config)
        print(write(seg, args.out, segmenter_card(seg_config, sum(p.numel() for p in seg.parameters()),
                                                  training={"note": "random weights: architecture only"})))
        cls_config = classification.ClsConfig.full()
        cls = classification.build(cls_config)
        print(write(cls, args.out, classifier_card(cls_config, sum(p.numel() for p in cls.parameters()),
                                                   training={"note": "random weights: architecture only"})))


if __name__ == "__main__":
    main()
