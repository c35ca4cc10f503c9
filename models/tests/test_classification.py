import unittest

import dataclasses

import torch

from spinestream_models import classification, contract, data

# A C5-sized plan in a 180-slice study of 256 x 256: x 100..160, y 80..130, slices 40..77.
PLAN = (100, 160, 80, 130, 40, 78, contract.linspace_indices(40, 77))
ROWS = COLUMNS = 256
SLICES = 180


def draws(count=400, seed=3, **options):
    generator = torch.Generator().manual_seed(seed)
    return [classification.jitter(PLAN, ROWS, COLUMNS, SLICES, generator, **options) for _ in range(count)]


def moves(plan):
    """How far each end went outwards (positive) or inwards (negative), in pixels or slices."""
    x0, x1, y0, y1, z0, z1, _ = plan
    return [PLAN[0] - x0, x1 - PLAN[1], PLAN[2] - y0, y1 - PLAN[3], PLAN[4] - z0, z1 - PLAN[5]]


class JitterTest(unittest.TestCase):
    def test_without_spill_edges_move_by_the_box_fraction_and_z_by_two_slices(self):
        for plan in draws(box=0.08, z_fraction=0.0, spill_probability=0.0):
            m = moves(plan)
            self.assertTrue(all(abs(v) <= round(0.08 * 60) for v in m[:2]), m)
            self.assertTrue(all(abs(v) <= round(0.08 * 50) for v in m[2:4]), m)
            self.assertTrue(all(abs(v) <= 2 for v in m[4:]), m)

    def test_z_moves_scale_with_the_vertebra(self):
        reach = max(abs(v) for plan in draws(z_fraction=0.25) for v in moves(plan)[4:])
        self.assertEqual(reach, round(0.25 * 38))

    def test_a_spill_pushes_one_end_out_by_a_fraction_of_the_box(self):
        sizes = [60, 60, 50, 50, 38, 38]
        spilled = [0] * 6
        for plan in draws(box=0.0, z_fraction=0.0, spill_probability=1.0, spill=(0.2, 0.5)):
            m = moves(plan)
            # z ends still move +-2 slices (z_fraction 0); the other ends move only by a spill.
            beyond = [i for i, v in enumerate(m) if v > (2 if i >= 4 else 0)]
            self.assertLessEqual(len(beyond), 1, m)
            for i in range(4):
                self.assertTrue(m[i] == 0 or i in beyond, m)
            for i in beyond:
                self.assertGreaterEqual(m[i], round(0.2 * sizes[i]) - (2 if i >= 4 else 0), m)
                self.assertLessEqual(m[i], round(0.5 * sizes[i]) + (2 if i >= 4 else 0), m)
                spilled[i] += 1
        # every end spills, about equally often
        self.assertTrue(all(count > 400 / 6 * 0.6 for count in spilled[:4]), spilled)

    def test_spill_probability_sets_how_often_a_box_spills(self):
        spilled = sum(1 for plan in draws(count=1000, box=0.0, spill_probability=0.3, spill=(0.2, 0.5))
                      if any(v > 0 for v in moves(plan)[:4]))
        # z spills are hidden among z moves here: count box spills only (4 of 6 ends)
        self.assertAlmostEqual(spilled / 1000, 0.3 * 4 / 6, delta=0.05)

    def test_plans_stay_inside_the_study_and_sample_their_own_range(self):
        generator = torch.Generator().manual_seed(5)
        edge = (0, 40, 200, ROWS, 0, 12, contract.linspace_indices(0, 11))
        for _ in range(300):
            x0, x1, y0, y1, z0, z1, sampled = classification.jitter(edge, ROWS, COLUMNS, 14, generator, 0.2, 0.5,
                                                                    1.0, (0.3, 0.6))
            self.assertTrue(0 <= x0 < x1 <= COLUMNS and 0 <= y0 < y1 <= ROWS and 0 <= z0 < z1 <= 14)
            self.assertEqual(sampled, contract.linspace_indices(z0, z1 - 1))

    def test_the_default_recipe_learns_on_clean_copies_first_and_on_spilled_ones_late(self):
        config = classification.ClsConfig()
        self.assertEqual((config.jitter_z, config.jitter_box), (0.0, 0.08))  # 1.2.0's copies
        self.assertTrue(0 < config.late_from < config.epochs)
        self.assertGreater(config.spill_probability, 0)
        self.assertGreater(config.late_jitter_z, 0)


def tiny_study(uid, fractured):
    """30 slices of 64 x 64: a bony block labelled C3 on slices 8..19 and one labelled C4 on slices 20..27."""
    hu = torch.full((30, 64, 64), -100, dtype=torch.int16)
    labels = torch.zeros((30, 64, 64), dtype=torch.uint8)
    for level, (z0, z1) in [(3, (8, 20)), (4, (20, 28))]:
        hu[z0:z1, 20:44, 16:48] = 400
        labels[z0:z1, 20:44, 16:48] = level
    truth = {v: 0 for v in contract.VERTEBRAE}
    truth.update(fractured, patient_overall=int(any(fractured.values())))
    return data.Study(uid, hu, labels, truth)


class CropDatasetTest(unittest.TestCase):
    CONFIG = classification.ClsConfig(size=16, mask_size=64, label_resize="majority")

    def dataset(self, config):
        studies = [tiny_study("a", {"C3": 1}), tiny_study("b", {})]
        return classification.crop_dataset(studies, config, torch.Generator().manual_seed(11), log=lambda m: None)

    def test_each_jittered_copy_has_a_late_copy_and_the_early_crops_do_not_depend_on_it(self):
        crops, targets, late = self.dataset(self.CONFIG)
        self.assertEqual(crops.shape, (8, 24, 3, 16, 16))  # 2 studies x 2 vertebrae x (crop + copy)
        self.assertEqual(targets.tolist(), [1, 1, 0, 0, 0, 0, 0, 0])
        positions, copies = late
        self.assertEqual(positions.tolist(), [1, 3, 5, 7])
        self.assertEqual(copies.shape, (4, 24, 3, 16, 16))
        without, _, none = self.dataset(dataclasses.replace(self.CONFIG, late_from=None))
        self.assertIsNone(none)
        self.assertTrue(torch.equal(crops, without))
        # spilled copies of the same boxes: not all alike the early ones
        self.assertFalse(torch.equal(copies, crops[positions]))


class TrainingBatchTest(unittest.TestCase):
    def test_late_copies_replace_the_items_at_their_positions(self):
        crops = torch.arange(5, dtype=torch.float16).view(5, 1, 1, 1, 1).expand(5, 24, 3, 2, 2).contiguous()
        late = (torch.tensor([1, 3]), torch.tensor([10.0, 30.0], dtype=torch.float16).view(2, 1, 1, 1, 1)
                .expand(2, 24, 3, 2, 2).contiguous())
        idx = torch.tensor([3, 0, 1, 4])
        early = classification.training_batch(crops, idx)
        self.assertEqual(early.dtype, torch.float32)
        self.assertEqual(early[:, 0, 0, 0, 0].tolist(), [3.0, 0.0, 1.0, 4.0])
        self.assertEqual(classification.training_batch(crops, idx, late)[:, 0, 0, 0, 0].tolist(),
                         [30.0, 0.0, 10.0, 4.0])
        self.assertEqual(crops[1, 0, 0, 0, 0].item(), 1.0)  # the crops themselves stay as they were


if __name__ == "__main__":
    unittest.main()
