"""The recalibrated classifier is the shipped network with its logit shifted, under a new card."""
import hashlib
import json
import math
import os
import tempfile
import unittest

import torch

from spinestream_models import recalibrate

SHIPPED = os.path.join(os.path.dirname(__file__), "..", "shipped", "spine-cls-plainw025-96.json")


class RecalibrateTest(unittest.TestCase):
    def test_shifts_the_logit_by_the_log_odds_difference_under_a_new_version(self):
        with tempfile.TemporaryDirectory() as out:
            path = recalibrate.recalibrate(SHIPPED, 0.3, "9.9.9-test", out)
            with open(SHIPPED) as f:
                old = json.load(f)
            with open(path) as f:
                new = json.load(f)
            original = torch.jit.load(os.path.join(os.path.dirname(SHIPPED), old["file"]))
            shifted = torch.jit.load(os.path.join(out, new["file"]))
            x = torch.rand([2] + old["input"]["shape"][1:], generator=torch.Generator().manual_seed(3))
            with torch.no_grad():
                difference = shifted(x) - original(x)
            expected = math.log(0.3 / 0.7) - math.log(old["training"]["target_prevalence"]
                                                     / (1 - old["training"]["target_prevalence"]))
            self.assertTrue(torch.allclose(difference, torch.full_like(difference, expected), atol=1e-5))
            self.assertEqual(new["version"], "9.9.9-test")
            self.assertEqual(new["name"], old["name"])
            with open(os.path.join(out, new["file"]), "rb") as f:
                self.assertEqual(new["sha256"], hashlib.sha256(f.read()).hexdigest())
            self.assertAlmostEqual(new["calibration"]["logit_shift"], expected)


if __name__ == "__main__":
    unittest.main()
