"""Quality report of shipped models on held-out phantoms (a seed never used in training):

  /usr/bin/python3 -m spinestream_models.quality --models shipped [--studies 60] [--seed 2022]

Runs the whole contract as the services do: segmenter on every slice (2.5D), crops planned from the predicted
masks, classifier on the crops, patient_overall aggregated. Prints and writes (results/quality.md and .json):
per-vertebra dice, crop box IoU against the crop planned from the true labels, per-vertebra fracture AUC, and
the RSNA weighted log loss next to constant predictions.
"""
import argparse
import json
import math
import os
import time

import torch

from . import contract, data, nets

HELD_OUT_SEED = 2022
FALLBACK_PROBABILITY = 0.1  # the classifier service's classifier.fallback.probability default
EPSILON = 1e-7              # as io.spinestream.tools.RsnaMetric


def rsna_log_loss(rows):
    """rows: list of (truth dict, prediction dict) over patient_overall, C1..C7. The competition's weighted
    log loss: weights 7/14 for patient_overall, 1/2 per vertebra; per study, then the mean over studies."""
    total = 0.0
    for truth, prediction in rows:
        loss = weight = 0.0
        for label in ["patient_overall"] + contract.VERTEBRAE:
            y = truth[label]
            p = min(max(prediction[label], EPSILON), 1 - EPSILON)
            w = (14 if y else 7) if label == "patient_overall" else (2 if y else 1)
            loss += -w * (y * math.log(p) + (1 - y) * math.log(1 - p))
            weight += w
        total += loss / weight
    return total / len(rows)


def auc(scores, truths):
    """ROC AUC by Mann-Whitney, ties counted half; None without both classes."""
    pos = [s for s, t in zip(scores, truths) if t]
    neg = [s for s, t in zip(scores, truths) if not t]
    if not pos or not neg:
        return None
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def aggregate(vertebrae, rule):
    if rule == "MAX":
        return max(vertebrae)
    product = 1.0
    for p in vertebrae:
        product *= 1 - p
    return 1 - product


def box_iou(a, b):
    if a is None or b is None:
        return 0.0 if (a is None) != (b is None) else None
    inter = 1
    for lo, hi in [(0, 1), (2, 3), (4, 5)]:
        inter *= max(0, min(a[hi], b[hi]) - max(a[lo], b[lo]))
    vol = lambda c: (c[1] - c[0]) * (c[3] - c[2]) * (c[5] - c[4])
    return inter / (vol(a) + vol(b) - inter)


def load(models, task):
    for name in sorted(os.listdir(models)):
        if name.endswith(".json") and not name.endswith(".golden.json"):
            with open(os.path.join(models, name)) as f:
                card = json.load(f)
            if card.get("task") == task:
                # Channels-last weights make the report's 10 000 slices 0.6x as long (nets.channels_last).
                return card, nets.channels_last(torch.jit.load(os.path.join(models, card["file"])).eval())
    raise SystemExit("no %s model card in %s" % (task, models))


def postprocess(seg_card, label_maps):
    """What the segmenter service does to the argmax before masks leave it, as the card says."""
    rule = seg_card.get("postprocessing", {}).get("level_ordering", "")
    if rule and rule not in contract.LEVEL_ORDERINGS:
        raise SystemExit("%s: unknown postprocessing.level_ordering %r" % (seg_card["name"], rule))
    return contract.postprocess(rule, label_maps)


@torch.no_grad()
def evaluate(models, root, log=print):
    seg_card, seg = load(models, "segmentation-2.5d")
    cls_card, cls = load(models, "vertebra-fracture")
    size = seg_card["input"]["shape"][2]
    seg_pre, cls_pre, crop = seg_card["preprocessing"], cls_card["preprocessing"], cls_card["crop"]
    if crop["mask_size"] != size:
        raise SystemExit("classifier %s was trained on crops planned at %d, the segmenter works at %d"
                         % (cls_card["name"], crop["mask_size"], size))
    studies = data.read_studies(root)
    dice = {v: [] for v in range(1, 8)}
    iou = {v: [] for v in range(1, 8)}
    vertebra_rows, study_rows, true_crop_rows = [], [], []
    start, slices = time.time(), 0
    for study in studies:
        n, rows, columns = study.hu.shape
        slices += n
        windowed = contract.resize_bilinear(contract.window(study.hu, *seg_pre["hu_window"]), size, size)
        predicted = []
        for b in range(0, n, 16):
            x = torch.stack([windowed[contract.neighbours(i, n)] for i in range(b, min(n, b + 16))])
            predicted.append(seg(contract.normalise(x, seg_pre["mean"], seg_pre["std"])).argmax(1).to(torch.uint8))
        predicted = postprocess(seg_card, torch.cat(predicted))
        truth = contract.resize_labels(study.labels, size, size)
        for v in range(1, 8):
            p, t = predicted == v, truth == v
            if int(t.sum()) > 0:
                dice[v].append(2.0 * int((p & t).sum()) / (int(p.sum()) + int(t.sum())))
        plans = contract.plan_crops(predicted, rows, columns, crop["min_pixels"], crop["margin_fraction"])
        true_plans = contract.plan_crops(truth, rows, columns, crop["min_pixels"], crop["margin_fraction"])
        probabilities, on_true_crops = {}, {}
        for v in range(1, 8):
            value = box_iou(plans[v] and plans[v][:6], true_plans[v] and true_plans[v][:6])
            if value is not None:
                iou[v].append(value)
            for plan, into in [(plans[v], probabilities), (true_plans[v], on_true_crops)]:
                label = contract.VERTEBRAE[v - 1]
                if plan is None:
                    into[label] = FALLBACK_PROBABILITY
                elif into is on_true_crops and plan == plans[v]:
                    into[label] = probabilities[label]  # the same crop (often so for C4, C5): scored once
                else:
                    x = contract.crop_input(study.hu, plan, cls_pre["resize"]["size"][0], cls_pre["hu_window"],
                                            cls_pre["mean"], cls_pre["std"])
                    into[label] = float(torch.sigmoid(cls(x.unsqueeze(0)).reshape(-1)[0]))
            vertebra_rows.append((probabilities[contract.VERTEBRAE[v - 1]], study.fractured[contract.VERTEBRAE[v - 1]],
                                  plans[v] is None))
        study_rows.append((study.fractured, probabilities))
        true_crop_rows.append((study.fractured, on_true_crops))
    elapsed = time.time() - start
    return summarise(seg_card, cls_card, studies, dice, iou, vertebra_rows, study_rows, slices, elapsed,
                     true_crop_rows)


def summarise(seg_card, cls_card, studies, dice, iou, vertebra_rows, study_rows, slices, elapsed, true_crop_rows=()):
    mean = lambda xs: sum(xs) / len(xs) if xs else None
    population = 1 - 0.5 ** (1 / 7)  # the generator's default per-vertebra probability (the training population)
    truths = [t for _, t, _ in vertebra_rows]
    result = {
        "segmenter": "%s %s" % (seg_card["name"], seg_card["version"]),
        "level_ordering": seg_card.get("postprocessing", {}).get("level_ordering") or "none",
        "classifier": "%s %s" % (cls_card["name"], cls_card["version"]),
        "studies": len(studies), "slices": slices, "seconds": round(elapsed, 1),
        "positive_studies": sum(t["patient_overall"] for t, _ in study_rows),
        "fractured_vertebrae": sum(truths), "vertebrae": len(truths),
        "not_found_vertebrae": sum(1 for _, _, f in vertebra_rows if f),
        "dice": {contract.VERTEBRAE[v - 1]: mean(dice[v]) for v in range(1, 8)},
        "dice_mean_c1_c7": mean([mean(dice[v]) for v in range(1, 8)]),
        "crop_iou": {contract.VERTEBRAE[v - 1]: mean(iou[v]) for v in range(1, 8)},
        "crop_iou_mean": mean([x for v in range(1, 8) for x in iou[v]]),
        "vertebra_auc": auc([p for p, _, _ in vertebra_rows], truths),
        "auc": {},
        "log_loss": {},
    }
    for label in contract.VERTEBRAE:
        result["auc"][label] = auc([p[label] for _, p in study_rows], [t[label] for t, _ in study_rows])
    with_overall = lambda rows, rule: [(t, dict(p, patient_overall=aggregate([p[v] for v in contract.VERTEBRAE],
                                                                             rule))) for t, p in rows]
    for rule in ["MAX", "NOISY_OR"]:
        rows = with_overall(study_rows, rule)
        result["log_loss"]["model, patient_overall " + rule] = rsna_log_loss(rows)
        result["auc"]["patient_overall " + rule] = auc([p["patient_overall"] for _, p in rows],
                                                       [t["patient_overall"] for t, _ in rows])
    for rule in ["MAX", "NOISY_OR"] if true_crop_rows else []:
        result["log_loss"]["classifier alone, on crops planned from the true labels, patient_overall " + rule] = \
            rsna_log_loss(with_overall(true_crop_rows, rule))
    constant = dict({v: population for v in contract.VERTEBRAE}, patient_overall=0.5)
    result["log_loss"]["constant at the training population's prevalence (%.4f per vertebra, 0.5 per study)"
                       % population] = rsna_log_loss([(t, constant) for t, _ in study_rows])
    observed = {label: mean([t[label] for t, _ in study_rows]) for label in ["patient_overall"] + contract.VERTEBRAE}
    result["log_loss"]["constant at the held-out set's own prevalence per label (best constant in hindsight)"] = \
        rsna_log_loss([(t, observed) for t, _ in study_rows])
    return result


def markdown(result, command):
    fmt = lambda x: "n/a" if x is None else "%.3f" % x
    lines = ["## %s + %s on %d held-out studies" % (result["segmenter"], result["classifier"], result["studies"]), "",
             "Reproduce: `%s` (from models/). %d slices, %d studies with fractures, %d of %d vertebrae fractured, "
             "%d vertebrae not found by the segmentation (level ordering: %s); %.0f s on this machine." % (
                 command, result["slices"], result["positive_studies"], result["fractured_vertebrae"],
                 result["vertebrae"], result["not_found_vertebrae"], result.get("level_ordering", "n/a"),
                 result["seconds"]), "",
             "| | " + " | ".join(contract.VERTEBRAE) + " | mean |", "|---" * 9 + "|",
             "| dice | " + " | ".join(fmt(result["dice"][v]) for v in contract.VERTEBRAE) + " | **%s** |"
             % fmt(result["dice_mean_c1_c7"]),
             "| crop box IoU | " + " | ".join(fmt(result["crop_iou"][v]) for v in contract.VERTEBRAE) + " | %s |"
             % fmt(result["crop_iou_mean"]),
             "| fracture AUC | " + " | ".join(fmt(result["auc"][v]) for v in contract.VERTEBRAE)
             + " | %s (all vertebrae pooled) |" % fmt(result["vertebra_auc"]), "",
             "| RSNA weighted log loss | value |", "|---|---|"]
    lines += ["| %s | %.4f |" % (k, v) for k, v in result["log_loss"].items()]
    lines += ["", "patient_overall AUC: " + ", ".join("%s %s" % (k.split()[-1], fmt(v))
                                                   for k, v in result["auc"].items() if k.startswith("patient")), ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="shipped")
    parser.add_argument("--data", default="build/phantoms/heldout")
    parser.add_argument("--studies", type=int, default=60)
    parser.add_argument("--seed", type=int, default=HELD_OUT_SEED)
    parser.add_argument("--matrix", type=int, default=256)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--results", default="results")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    data.generate(args.data, args.studies, args.seed, args.matrix)
    result = evaluate(args.models, args.data)
    result.update(seed=args.seed, matrix=args.matrix)
    command = "/usr/bin/python3 -m spinestream_models.quality --models %s --studies %d --seed %d --matrix %d" % (
        args.models, args.studies, args.seed, args.matrix)
    text = markdown(result, command)
    print(text)
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "quality.json"), "w") as f:
        json.dump(result, f, indent=2)
    with open(os.path.join(args.results, "quality.md"), "w") as f:
        f.write("# Quality of the shipped models on held-out phantoms\n\n" + text)
    return result


if __name__ == "__main__":
    main()
