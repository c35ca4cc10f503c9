"""A second version of an exported classifier with another calibration, without retraining: the same network,
its fracture logit shifted by the log-odds difference between the prevalence it is calibrated to and another
one (the prior shift classification.recalibrate applies after training). Written with a new card (new version
and sha256) and golden file, so the services load it like any model: a real second model version whose
scores differ, for replays and side-by-side evaluation.

  /usr/bin/python3 -m spinestream_models.recalibrate --card shipped/spine-cls-plainw025-96.json \\
      --to-prevalence 0.3 --version 1.1.0-prev30 --out build/recalibrated
"""
import argparse
import copy
import json
import math
import os

import torch

from . import export


def logit(p):
    return math.log(p / (1 - p))


def recalibrate(card_path, to_prevalence, version, out, from_prevalence=None):
    """Writes out/<name>.pt, .json and .golden.json; returns the new card's path."""
    with open(card_path) as f:
        card = json.load(f)
    if card.get("task") != "vertebra-fracture":
        raise SystemExit("%s is not a classifier card (task %s)" % (card_path, card.get("task")))
    if from_prevalence is None:
        from_prevalence = (card.get("training") or {}).get("target_prevalence")
        if from_prevalence is None:
            raise SystemExit("%s says no training.target_prevalence: pass --from-prevalence" % card_path)
    model = torch.jit.load(os.path.join(os.path.dirname(card_path), card["file"]))
    shift = logit(to_prevalence) - logit(from_prevalence)
    with torch.no_grad():
        model.head.bias.add_(shift)
    new = copy.deepcopy(card)
    new["version"] = version
    new["calibration"] = {"from_version": card["version"], "from_prevalence": from_prevalence,
                          "to_prevalence": to_prevalence, "logit_shift": shift}
    # The card's measured metrics belong to the original calibration.
    new["metrics"] = {}
    return export.write(model, out, new)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--card", required=True, help="the classifier's model card (its .pt next to it)")
    parser.add_argument("--to-prevalence", type=float, required=True)
    parser.add_argument("--from-prevalence", type=float, help="default: the card's training.target_prevalence")
    parser.add_argument("--version", required=True, help="the new model version")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    if not 0 < args.to_prevalence < 1:
        raise SystemExit("--to-prevalence must be between 0 and 1")
    print(recalibrate(args.card, args.to_prevalence, args.version, args.out, args.from_prevalence))


if __name__ == "__main__":
    main()
