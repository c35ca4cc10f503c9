#!/usr/bin/python3
"""Exports two tiny TorchScript models with their cards, golden files and reference outputs.

Test fixture for io.spinestream.common.inference (run by the Java tests with Debian's /usr/bin/python3
and its torch 1.13; never commit what it writes):

  tiny_seg  task segmentation-2.5d   input [N,3,32,32]     -> output [N,9,32,32] (logits, 9 labels)
  tiny_cls  task vertebra-fracture   input [N,24,3,16,16]  -> output [N,1]       (fracture logit)
  tiny_fixed_batch                   input [1,3,8,8]       -> output [1,2]       (only batch 1; no golden)

For each model NAME it writes into --out:
  NAME.pt            TorchScript (torch.jit.script), eval mode
  NAME.json          model card (sha256 of NAME.pt)
  NAME.golden.json   golden file: the model's output on the PRNG input at batch 1 (format below)
  NAME.ref-bB.f32    reference output at batch B (1 and 4) on the PRNG input: raw float32 little-endian,
                     C order, shape in NAME.golden.json under "references"

PRNG input: spinestream_models.export.prng_values, the one Python definition (models/, imported with
PYTHONPATH=<repository>/models, as the Java tests run this), mirrored by io.spinestream.common.inference.PrngInput:
xorshift32 with state = seed (non-zero, unsigned 32 bit); for each element in C order: x ^= x << 13;
x ^= x >> 17; x ^= x << 5 (all mod 2^32), then value = float32((x >> 8) / 2^24), a float in [0, 1).
A batch-B input is the first B * item_size values of the stream, so batch 1 is the first item of batch 4.

Golden file (JSON): {"name", "prng": {"algorithm": "xorshift32", "seed", "value": "(x >>> 8) / 2^24"},
"input_shape", "input_sum", "output_shape", "sum", "abs_sum", "indices": [flat output indices],
"values": [output values at those indices]}. Sums are float64 over the float32 output.
"""
import argparse
import hashlib
import json
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

from spinestream_models.export import prng_tensor, prng_values  # noqa: F401 (prng_values: the tests' reference)

SEED = 20221010


class TinySeg(nn.Module):
    """A 2.5D segmentation stand-in: three slices as channels, per-pixel logits for 9 labels."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Conv2d(8, 9, 1)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        return self.head(x)


class TinyCls(nn.Module):
    """A vertebra classifier stand-in: per-slice CNN, bidirectional GRU over 24 steps, attention pooling."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.gru = nn.GRU(8, 8, batch_first=True, bidirectional=True)
        self.attention = nn.Linear(16, 1)
        self.head = nn.Linear(16, 1)

    def forward(self, x):
        n, t = x.shape[0], x.shape[1]
        f = F.relu(self.conv(x.reshape(n * t, x.shape[2], x.shape[3], x.shape[4])))
        f = f.mean(dim=(2, 3)).reshape(n, t, 8)
        h, _ = self.gru(f)
        w = torch.softmax(self.attention(h), dim=1)
        return self.head((w * h).sum(dim=1))


class FixedBatch(nn.Module):
    """A model that only works at batch 1 (it flattens the batch away): the batching warm-up must refuse it."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3 * 8 * 8, 2)

    def forward(self, x):
        return self.fc(x.reshape(1, 3 * 8 * 8))


MODELS = {
    "tiny_seg": dict(
        net=TinySeg, task="segmentation-2.5d", input_shape=[-1, 3, 32, 32], output_shape=[-1, 9, 32, 32],
        layout="NCHW", channels=["slice i-1", "slice i", "slice i+1"],
        meaning="per-pixel logits over labels (softmax over dim 1)",
        labels=["background", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "T1-T12"]),
    "tiny_cls": dict(
        net=TinyCls, task="vertebra-fracture", input_shape=[-1, 24, 3, 16, 16], output_shape=[-1, 1],
        layout="NTCHW", channels=["slice i-1", "slice i", "slice i+1"],
        meaning="fracture logit per vertebra (sigmoid gives the probability)",
        labels=["fracture"]),
    "tiny_fixed_batch": dict(
        net=FixedBatch, task="segmentation-2.5d", input_shape=[-1, 3, 8, 8], output_shape=[-1, 2],
        layout="NCHW", channels=["slice i-1", "slice i", "slice i+1"],
        meaning="a test model that only accepts a batch of 1", labels=["a", "b"], golden=False),
}


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_f32(path, tensor):
    with open(path, "wb") as f:
        f.write(struct.pack("<%df" % tensor.numel(), *tensor.reshape(-1).tolist()))


def export(name, spec, out):
    torch.manual_seed(SEED)
    net = spec["net"]().eval()
    scripted = torch.jit.script(net)
    pt = os.path.join(out, name + ".pt")
    scripted.save(pt)

    card = {
        "name": name,
        "version": "0.0.1-test",
        "task": spec["task"],
        "file": name + ".pt",
        "sha256": sha256(pt),
        "torch_version": torch.__version__,
        "input": {"shape": spec["input_shape"], "dtype": "float32", "layout": spec["layout"],
                  "channels": spec["channels"]},
        "preprocessing": {"hu_window": [-400.0, 1000.0], "mean": [0.485, 0.456, 0.406],
                          "std": [0.229, 0.224, 0.225], "resize": spec["input_shape"][-1]},
        "output": {"shape": spec["output_shape"], "meaning": spec["meaning"]},
        "labels": spec["labels"],
        "training": {"note": "untrained: random weights from torch.manual_seed(%d)" % SEED},
        "metrics": {},
    }
    if spec["task"] == "vertebra-fracture":
        card["crop"] = {"slices": 24, "size": spec["input_shape"][-1]}
    with open(os.path.join(out, name + ".json"), "w") as f:
        json.dump(card, f, indent=2)

    if not spec.get("golden", True):
        return
    loaded = torch.jit.load(pt).eval()
    references = {}
    golden = None
    for batch in (1, 4):
        shape = [batch] + spec["input_shape"][1:]
        x = prng_tensor(SEED, shape)
        with torch.no_grad():
            y = loaded(x).contiguous()
        write_f32(os.path.join(out, "%s.ref-b%d.f32" % (name, batch)), y)
        references["b%d" % batch] = {"file": "%s.ref-b%d.f32" % (name, batch), "input_shape": shape,
                                     "output_shape": list(y.shape)}
        if batch == 1:
            flat = y.reshape(-1).double()
            n = flat.numel()
            count = min(200, n)
            indices = sorted({(i * n) // count for i in range(count)})
            golden = {
                "name": name,
                "prng": {"algorithm": "xorshift32", "seed": SEED, "value": "(x >>> 8) / 2^24"},
                "input_shape": shape,
                "input_sum": float(x.double().sum()),
                "output_shape": list(y.shape),
                "sum": float(flat.sum()),
                "abs_sum": float(flat.abs().sum()),
                "indices": indices,
                "values": [float(flat[i]) for i in indices],
            }
    golden["references"] = references
    with open(os.path.join(out, name + ".golden.json"), "w") as f:
        json.dump(golden, f, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", choices=sorted(MODELS), help="export one model only")
    args = parser.parse_args()
    torch.set_num_threads(1)
    os.makedirs(args.out, exist_ok=True)
    for name, spec in MODELS.items():
        if args.only is None or args.only == name:
            export(name, spec, args.out)
            print("exported", os.path.join(args.out, name + ".pt"))


if __name__ == "__main__":
    main()
