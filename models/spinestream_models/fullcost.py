"""The full-size segmenter for speed and memory benchmarks of the whole pipeline. Exported with random weights
(export.py --full) it labels every pixel background, so the cropper finds no vertebra and the classifier never
runs: an end-to-end benchmark would time half a pipeline. This module wraps it so that its masks are the shipped
small segmenter's while its cost is the full U-Net's: the full network runs on the 320 x 320 input and its
output is added multiplied by zero to the shipped model's logits (computed at the shipped model's size and
resized to 320). Same card format, input and output shapes as the full segmenter; not a model to use for
anything but timing and memory.

  /usr/bin/python3 -m spinestream_models.fullcost --out build/full
"""
import argparse
import os

import torch
import torch.nn.functional as F

from . import export, segmentation

SHIPPED = os.path.join(os.path.dirname(__file__), "..", "shipped", "spine-seg-b0w025-256.pt")


class FullCostSegmenter(torch.nn.Module):
    def __init__(self, full: torch.nn.Module, shipped: torch.nn.Module, shipped_size: int):
        super().__init__()
        self.full = full
        self.shipped = shipped
        self.shipped_size = shipped_size

    def forward(self, x):
        cost = self.full(x)
        small = F.interpolate(x, size=[self.shipped_size, self.shipped_size], mode="bilinear", align_corners=False)
        logits = F.interpolate(self.shipped(small), size=[x.shape[2], x.shape[3]], mode="bilinear",
                               align_corners=False)
        return logits + 0.0 * cost


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--shipped", default=SHIPPED, help="the small segmenter whose masks it gives")
    args = parser.parse_args(argv)
    torch.manual_seed(0)
    config = segmentation.SegConfig.full()
    full = segmentation.build(config)
    params = sum(p.numel() for p in full.parameters())
    model = FullCostSegmenter(full.eval(), torch.jit.load(args.shipped).eval(),
                              segmentation.SegConfig().size)
    config.name = config.name + "-bench"
    note = ("benchmark stand-in: the full-size U-Net (random weights) is computed on every input and multiplied by "
            "0; the masks are the shipped segmenter's (%s, logits resized to %d). Speed and memory of the full "
            "architecture with real crops downstream; not a model." % (os.path.basename(args.shipped), config.size))
    print(export.write(model, args.out, export.segmenter_card(config, params, training={"note": note})))


if __name__ == "__main__":
    main()
