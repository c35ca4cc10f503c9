import math
import unittest

from spinestream_models import contract, quality

CARD = {"name": "m", "version": "1", "postprocessing": {}}


def study(fractured_levels):
    truth = {v: int(v in fractured_levels) for v in contract.VERTEBRAE}
    truth["patient_overall"] = int(bool(fractured_levels))
    return truth


def summary(study_rows, true_crop_rows=()):
    vertebra_rows = [(p[v], t[v], False) for t, p in study_rows for v in contract.VERTEBRAE]
    perfect = {v: [1.0] for v in range(1, 8)}
    return quality.summarise(CARD, CARD, study_rows, perfect, perfect, vertebra_rows, study_rows, 0, 0.0,
                             true_crop_rows)


class QualityTest(unittest.TestCase):
    def test_rsna_log_loss_weights_positives_twice_and_patient_overall_seven_times(self):
        truth = study(["C3"])
        prediction = dict({v: 0.5 for v in contract.VERTEBRAE}, patient_overall=0.5)
        self.assertAlmostEqual(quality.rsna_log_loss([(truth, prediction)]), math.log(2))
        prediction = dict(prediction, C3=0.9)
        expected = (14 * math.log(2) + 2 * -math.log(0.9) + 6 * math.log(2)) / (14 + 2 + 6)
        self.assertAlmostEqual(quality.rsna_log_loss([(truth, prediction)]), expected)

    def test_the_classifier_alone_is_scored_on_its_own_rows(self):
        truths = [study(["C6"]), study([])]
        # Crops from the segmenter: a false positive at C6 of the healthy study; from the true labels: none.
        on_masks = [dict({v: 0.01 for v in contract.VERTEBRAE}, C6=0.95) for _ in truths]
        on_truth = [dict({v: 0.01 for v in contract.VERTEBRAE}, C6=0.95 if t["C6"] else 0.01) for t in truths]
        result = summary(list(zip(truths, on_masks)), list(zip(truths, on_truth)))
        for rule in ["MAX", "NOISY_OR"]:
            alone = result["log_loss"]["classifier alone, on crops planned from the true labels, patient_overall " + rule]
            model = result["log_loss"]["model, patient_overall " + rule]
            rows = [(t, dict(p, patient_overall=quality.aggregate([p[v] for v in contract.VERTEBRAE], rule)))
                    for t, p in zip(truths, on_truth)]
            self.assertAlmostEqual(alone, quality.rsna_log_loss(rows))
            self.assertLess(alone, model / 5)

    def test_without_true_crop_rows_there_is_no_classifier_alone_line(self):
        truths = [study(["C2"]), study([])]
        rows = [(t, {v: 0.1 for v in contract.VERTEBRAE}) for t in truths]
        self.assertFalse(any(k.startswith("classifier alone") for k in summary(rows)["log_loss"]))


if __name__ == "__main__":
    unittest.main()
