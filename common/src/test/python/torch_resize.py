#!/usr/bin/python3
"""Reference for PreprocessTest: reads a float32 little-endian image (H, W) from IN, resizes it with
torch.nn.functional.interpolate(mode="bilinear", align_corners=False), writes float32 LE to OUT."""
import sys

import numpy as np
import torch

src, h, w, dst, oh, ow = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
image = torch.from_numpy(np.fromfile(src, dtype="<f4").reshape(1, 1, h, w))
out = torch.nn.functional.interpolate(image, size=(oh, ow), mode="bilinear", align_corners=False)
out.numpy().astype("<f4").tofile(dst)
