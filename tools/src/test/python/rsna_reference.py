#!/usr/bin/python3
"""Independent reference for RsnaMetricTest: reads CSV rows (uid, 8 truths, 8 probabilities) and prints the
RSNA weighted log loss, then the AUC of each label by explicit pair counting (ties count half)."""
import sys

import numpy as np

rows = [line.strip().split(",") for line in open(sys.argv[1]) if line.strip()]
truth = np.array([[int(v) for v in r[1:9]] for r in rows])
prob = np.clip(np.array([[float(v) for v in r[9:17]] for r in rows]), 1e-7, 1 - 1e-7)
weights = np.where(truth == 1, 2.0, 1.0)
weights[:, 0] = np.where(truth[:, 0] == 1, 14.0, 7.0)
losses = -(truth * np.log(prob) + (1 - truth) * np.log(1 - prob))
print(repr(float(np.mean((weights * losses).sum(1) / weights.sum(1)))))
for label in range(8):
    pos = prob[truth[:, label] == 1, label]
    neg = prob[truth[:, label] == 0, label]
    if len(pos) == 0 or len(neg) == 0:
        print("nan")
        continue
    wins = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    print(repr(float(wins / (len(pos) * len(neg)))))
