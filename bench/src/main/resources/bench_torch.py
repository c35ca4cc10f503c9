#!/usr/bin/python3
"""Mean milliseconds per forward of a TorchScript model in PyTorch (the baseline of `bench models`).

Usage: /usr/bin/python3 bench_torch.py --model X.pt --threads T --batch B --iterations K [--card X.json]

The input has the card's input shape with the batch set to B and holds the portable PRNG values that the Java
side uses (io.spinestream.common.inference.PrngInput: xorshift32 from the seed, value = (x >>> 8) / 2^24), from
spinestream_models.export.prng_values, the one Python definition (PYTHONPATH=<repository>/models).
Prints `mean_ms_per_forward=<ms>` as its last line. Used when models/bench_torch.py does not exist.
"""
import argparse
import json
import math
import os
import time

import torch

from spinestream_models.export import prng_values


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--card", help="model card (default: the model path with .json)")
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--iterations", type=int, required=True)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20221010)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    card_path = args.card or os.path.splitext(args.model)[0] + ".json"
    with open(card_path) as f:
        card = json.load(f)
    shape = [args.batch] + list(card["input"]["shape"][1:])
    x = torch.tensor(prng_values(args.seed, math.prod(shape)), dtype=torch.float32).reshape(shape)
    model = torch.jit.load(args.model).eval()
    with torch.no_grad():
        for _ in range(args.warmup):
            model(x)
        start = time.perf_counter()
        for _ in range(args.iterations):
            model(x)
        elapsed = time.perf_counter() - start
    print("torch %s, %d threads, input %s" % (torch.__version__, torch.get_num_threads(), shape))
    print("mean_ms_per_forward=%.4f" % (elapsed * 1000.0 / args.iterations))


if __name__ == "__main__":
    main()
