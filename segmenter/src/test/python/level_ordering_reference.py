"""The Python reference of the level ordering (models/spinestream_models/contract.py) on cases written by
LevelOrderingTest, under each rule (contract.LEVEL_ORDERINGS): level_states on raw per-slice counts, and
order_levels on label maps (with the states level_states gives for the maps' counts, computed as order_levels
computes them); body_gaps of the counts' vertebra pixels.

Usage: PYTHONPATH=<repo>/models /usr/bin/python3 level_ordering_reference.py IN.json OUT.json"""
import json
import sys

import numpy as np

from spinestream_models import contract


def main(source, target):
    with open(source) as f:
        cases = json.load(f)
    out = {"gaps": [contract.body_gaps([sum(row[1:]) for row in counts]) for counts in cases["counts"]]}
    for rule in contract.LEVEL_ORDERINGS:
        result = out[rule] = {"counts_states": [contract.level_states(counts, rule) for counts in cases["counts"]],
                              "map_states": [], "maps": []}
        for case in cases["maps"]:
            maps = np.array(case["labels"], dtype=np.uint8).reshape(case["n"], case["h"], case["w"])
            counts = [np.bincount(maps[k].ravel(), minlength=len(contract.LABELS))[:len(contract.LABELS)]
                      for k in range(case["n"])]
            result["map_states"].append(contract.level_states(counts, rule))
            result["maps"].append(contract.order_levels(maps, rule).ravel().tolist())
    with open(target, "w") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
