"""The exported TorchScript models on a CUDA GPU against the same models on the CPU, in one process.

For each model card in --models (and, with --full, the full-size architectures exported on the spot with random
weights): the output on the golden PRNG input (export.golden) on the CPU and on the GPU, in float32 with TF32
off and with PyTorch's default (TF32 allowed for convolutions), against the card's golden file; then the
throughput at a few batch sizes, GPU against CPU (all the CPU's cores), as a ratio. Prints a markdown report.

    /usr/bin/python3 -m spinestream_models.gpu_check --models shipped --full --out build/gpu

The services run these .pt files through DJL; what this checks is that the exported models are device-portable
(nothing in them pinned to the CPU), what precision the GPU gives, and what a GPU buys per slice and vertebra.
"""
import argparse
import json
import os
import time

import torch

from . import export

TASK_BATCHES = {"segmentation-2.5d": [1, 16, 64], "vertebra-fracture": [1, 7, 32]}


def cards(models):
    for name in sorted(os.listdir(models)):
        if name.endswith(".json") and not name.endswith(".golden.json"):
            with open(os.path.join(models, name)) as f:
                card = json.load(f)
            if card.get("task") in TASK_BATCHES:
                yield os.path.join(models, name), card


def golden_error(summary, golden):
    """The largest difference at the golden indices, and the relative difference of the sums."""
    values = max(abs(a - b) for a, b in zip(summary["values"], golden["values"]))
    return values, abs(summary["abs_sum"] - golden["abs_sum"]) / max(1e-12, abs(golden["abs_sum"]))


def seconds_per_call(model, x, warm_up, repeats):
    sync = torch.cuda.synchronize if x.is_cuda else (lambda: None)
    with torch.no_grad():
        for _ in range(warm_up):
            model(x)
        sync()
        start = time.perf_counter()
        for _ in range(repeats):
            model(x)
        sync()
    return (time.perf_counter() - start) / repeats


def check(card_path, card, log, device="cuda"):
    folder = os.path.dirname(card_path)
    name = card["name"]
    shape = [1] + card["input"]["shape"][1:]
    golden_path = os.path.join(folder, name + ".golden.json")
    golden = json.load(open(golden_path)) if os.path.exists(golden_path) else None
    cpu = torch.jit.load(os.path.join(folder, card["file"]), map_location="cpu").eval()
    gpu = torch.jit.load(os.path.join(folder, card["file"]), map_location=device).eval()
    rows = []
    reference = export.golden(name, cpu, shape)
    for label, tf32 in [("GPU float32, TF32 off", False), ("GPU, PyTorch default (TF32 for convolutions)", True)]:
        torch.backends.cudnn.allow_tf32 = tf32
        torch.backends.cuda.matmul.allow_tf32 = False
        x = export.prng_tensor(export.GOLDEN_SEED, shape).to(device)
        with torch.no_grad():
            flat = gpu(x).reshape(-1).double().cpu()
        summary = {"values": [float(flat[i]) for i in reference["indices"]], "abs_sum": float(flat.abs().sum())}
        against_cpu = golden_error(summary, reference)
        against_golden = golden_error(summary, golden) if golden else (float("nan"), float("nan"))
        rows.append((label, against_cpu, against_golden))
    torch.backends.cudnn.allow_tf32 = False
    cpu_vs_golden = golden_error(reference, golden) if golden else (float("nan"), float("nan"))
    log("### %s %s (input %s)" % (name, card.get("version", ""), shape[1:]))
    log("")
    log("| run | max diff at the golden indices vs CPU | vs the golden file | abs-sum rel. diff vs CPU |")
    log("|---|---|---|---|")
    log("| CPU (this torch %s) | 0 | %.2e | 0 |" % (torch.__version__, cpu_vs_golden[0]))
    for label, against_cpu, against_golden in rows:
        log("| %s | %.2e | %.2e | %.2e |" % (label, against_cpu[0], against_golden[0], against_cpu[1]))
    log("")
    unit = "slices" if card["task"] == "segmentation-2.5d" else "vertebrae"
    log("| batch | CPU (%d threads) %s/s | GPU float32 %s/s | GPU TF32 %s/s | GPU/CPU (float32) |"
        % (torch.get_num_threads(), unit, unit, unit))
    log("|---|---|---|---|---|")
    for batch in TASK_BATCHES[card["task"]]:
        x = export.prng_tensor(export.GOLDEN_SEED, [batch] + shape[1:])
        cpu_rate = batch / seconds_per_call(cpu, x, 1, 2)
        torch.backends.cudnn.allow_tf32 = False
        gpu_rate = batch / seconds_per_call(gpu, x.to(device), 3, 20)
        torch.backends.cudnn.allow_tf32 = True
        tf32_rate = batch / seconds_per_call(gpu, x.to(device), 3, 20)
        torch.backends.cudnn.allow_tf32 = False
        log("| %d | %.1f | %.1f | %.1f | %.1fx |" % (batch, cpu_rate, gpu_rate, tf32_rate, gpu_rate / cpu_rate))
    log("")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="shipped")
    parser.add_argument("--full", action="store_true", help="also export and check the full-size architectures")
    parser.add_argument("--out", default="build/gpu", help="where the report (gpu.md) and full-size exports go")
    parser.add_argument("--device", default="cuda", help=argparse.SUPPRESS)  # "cpu": a dry run of the script
    args = parser.parse_args(argv)
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("no CUDA device visible to torch %s" % torch.__version__)
    os.makedirs(args.out, exist_ok=True)
    lines = []

    def log(line):
        print(line, flush=True)
        lines.append(line)

    gpu_name = torch.cuda.get_device_name(0) if args.device == "cuda" else "the CPU (dry run)"
    log("## Exported models on %s (torch %s, CUDA %s) against the CPU (%d threads)" % (
        gpu_name, torch.__version__, torch.version.cuda, torch.get_num_threads()))
    log("")
    targets = list(cards(args.models))
    if args.full:
        full = os.path.join(args.out, "full")
        try:
            export.main(["--full", "--out", full])
            targets += list(cards(full))
        except Exception as e:  # the report says so; the shipped models are still checked
            log("Full-size export failed on torch %s: %s: %s" % (torch.__version__, type(e).__name__, e))
            log("")
    for card_path, card in targets:
        check(card_path, card, log, args.device)
    with open(os.path.join(args.out, "gpu.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
