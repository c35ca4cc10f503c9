"""Unit tests of the model contract and training mechanics (pure logic; run: cd models && /usr/bin/python3 -m
unittest discover -s tests). The Java twins are tested against the same rules in their own modules."""
import math
import unittest

import numpy as np
import torch
import torch.nn.functional as F

from spinestream_models import augment, classification, contract, export, nets, quality


class LinspaceTest(unittest.TestCase):
    def test_matches_numpy_for_short_and_long_runs(self):
        for first, last in [(0, 0), (3, 10), (5, 28), (0, 23), (17, 80), (2, 200)]:
            expected = [int(v) for v in np.linspace(first, last, 24)]
            self.assertEqual(contract.linspace_indices(first, last), expected)

    def test_short_run_repeats_slices(self):
        indices = contract.linspace_indices(10, 14)
        self.assertEqual(len(indices), 24)
        self.assertEqual(indices[0], 10)
        self.assertEqual(indices[-1], 14)
        self.assertEqual(sorted(set(indices)), [10, 11, 12, 13, 14])


class RegionsTest(unittest.TestCase):
    def test_box_maps_floor_and_ceil_to_original_pixels(self):
        labels = np.zeros((10, 10), dtype=np.uint8)
        labels[2:5, 3:7] = 4  # x 3..6, y 2..4
        regions = contract.regions(labels, rows=25, columns=33)
        count, x0, y0, x1, y1 = regions[4]
        self.assertEqual(count, 12)
        self.assertEqual((x0, x1), (3 * 33 // 10, math.ceil(7 * 33 / 10)))
        self.assertEqual((y0, y1), (2 * 25 // 10, math.ceil(5 * 25 / 10)))
        self.assertEqual(set(regions), {4})


class LevelOrderingTest(unittest.TestCase):
    @staticmethod
    def counts(levels):
        """Per slice (listed superior first, as a reader scrolls) a 100-pixel region of the given label."""
        rows = []
        for label in reversed(levels):
            row = [0] * len(contract.LABELS)
            row[label] += 100
            rows.append(row)
        return rows

    def test_slice_out_of_order_takes_its_neighbours_level(self):
        states = contract.level_states(self.counts([1, 1, 2, 2, 4, 2, 3, 3]))
        self.assertEqual(list(reversed(states)), [1, 1, 2, 2, 2, 2, 3, 3])

    def test_ring_above_the_atlas_is_not_a_vertebra(self):
        states = contract.level_states(self.counts([3, 5, 1, 1, 1, 2, 2, 2]))
        self.assertEqual(list(reversed(states)), [0, 0, 1, 1, 1, 2, 2, 2])

    def test_is_the_best_monotone_sequence_with_ties_to_the_smaller_state(self):
        generator = np.random.default_rng(7)
        for _ in range(200):
            n = int(generator.integers(1, 5))
            counts = generator.integers(0, 4, size=(n, len(contract.LABELS))).tolist()

            def sequences(length, low):  # non-decreasing from the superior slice (the last index) down
                if length == 0:
                    yield []
                    return
                for s in range(low, len(contract.LABELS)):
                    for rest in sequences(length - 1, s):
                        yield [s] + rest

            def gain(superior_first):
                return sum(0 if s == 0 else counts[n - 1 - i][s] for i, s in enumerate(superior_first))

            best = max(gain(seq) for seq in sequences(n, 0))
            states = contract.level_states(counts)
            self.assertEqual(gain(list(reversed(states))), best)
            self.assertTrue(all(a >= b for a, b in zip(states, states[1:])), states)

    def test_relabels_pixels_and_keeps_the_dens_in_the_atlas(self):
        maps = np.zeros((3, 4, 4), dtype=np.uint8)
        maps[2, 0, :] = 6           # most superior slice: a ring far from any vertebra
        maps[1, 0, :] = 1           # atlas ...
        maps[1, 1, 1] = 2           # ... with the dens inside
        maps[1, 2, 0] = 3           # ... and one stray pixel named C3
        maps[0, 0, :] = 2
        maps[0, 1, :2] = 3          # C2 slice, partly named C3
        out = contract.order_levels(maps)
        self.assertEqual(out[2].max(), 0)
        self.assertEqual(sorted(set(out[1][maps[1] > 0].tolist())), [1, 2])
        self.assertEqual(out[1, 1, 1], 2)
        self.assertEqual(out[1, 2, 0], 1)
        self.assertTrue((out[0][maps[0] > 0] == 2).all())
        self.assertTrue(((out > 0) == ((maps > 0) & (np.arange(3)[:, None, None] < 2))).all())


class BodyCountingTest(unittest.TestCase):
    """monotone-levels-v2: the level of a body below C2 never spans a gap between bodies."""

    @staticmethod
    def bodies(levels, peak=1000, gap=100):
        """Counts per slice (index 0 the most inferior) of bodies listed superior first, each
        (label, slices), with a one-slice gap of `gap` pixels (of the upper body's label) below each body."""
        rows = []
        for label, slices in levels:
            for _ in range(slices):
                row = [0] * len(contract.LABELS)
                row[label] = peak
                rows.append(row)
            row = [0] * len(contract.LABELS)
            row[label] = gap
            rows.append(row)
        return list(reversed(rows))

    def test_gaps_are_deep_valleys_only(self):
        f = [900, 1000, 100, 1000, 800, 500, 800, 1000, 300, 300, 1000, 50]
        # 100 and the flat valley's most inferior 300 are gaps; 500 is a shallow dip (a cleft); 50 is the most
        # superior slice, with no body above it.
        self.assertEqual([k for k, g in enumerate(contract.body_gaps(f)) if g], [2, 8])
        self.assertEqual(contract.body_gaps([]), [])
        self.assertEqual(contract.body_gaps([0, 0, 0]), [False, False, False])

    def test_two_bodies_named_alike_are_counted_not_merged(self):
        counts = self.bodies([(2, 5), (3, 5), (4, 5), (4, 5), (6, 5), (7, 5), (8, 5)])
        v1 = list(reversed(contract.level_states(counts, contract.LEVEL_ORDERING_V1)))
        v2 = list(reversed(contract.level_states(counts, contract.LEVEL_ORDERING_V2)))
        names = lambda states: [states[i] for i in range(0, len(states), 6)]  # one slice per body
        self.assertEqual(names(v1), [2, 3, 4, 4, 6, 7, 8])
        self.assertEqual(names(v2), [2, 3, 4, 5, 6, 7, 8])

    def test_without_gaps_v2_is_v1(self):
        generator = np.random.default_rng(11)
        for _ in range(100):
            n = int(generator.integers(1, 30))
            counts = generator.integers(0, 50, size=(n, len(contract.LABELS)))
            counts[:, 1:] += 1000  # never a deep valley
            self.assertFalse(any(contract.body_gaps(counts[:, 1:].sum(1))))
            self.assertEqual(contract.level_states(counts.tolist(), contract.LEVEL_ORDERING_V2),
                             contract.level_states(counts.tolist(), contract.LEVEL_ORDERING_V1))

    def test_is_the_best_sequence_that_counts_the_bodies(self):
        generator = np.random.default_rng(5)
        labels = len(contract.LABELS)
        for _ in range(300):
            n = int(generator.integers(1, 6))
            counts = generator.integers(0, 6, size=(n, labels))
            counts[generator.random(n) < 0.4, 1:] //= 5  # some deep valleys
            counts = counts.tolist()
            gaps = contract.body_gaps([sum(row[1:]) for row in counts])

            def allowed(superior_first):
                states = list(reversed(superior_first))  # index 0 the most inferior again
                return all(not (gaps[k] and 0 < k < n - 1 and states[k - 1] == states[k] == states[k + 1]
                                and states[k] in contract.SINGLE_BODY_LEVELS) for k in range(n))

            def sequences(length, low):
                if length == 0:
                    yield []
                    return
                for s in range(low, labels):
                    for rest in sequences(length - 1, s):
                        yield [s] + rest

            def gain(superior_first):
                return sum(0 if s == 0 else counts[n - 1 - i][s] for i, s in enumerate(superior_first))

            best = max(gain(seq) for seq in sequences(n, 0) if allowed(seq))
            states = contract.level_states(counts, contract.LEVEL_ORDERING_V2)
            self.assertTrue(allowed(list(reversed(states))), (counts, states))
            self.assertEqual(gain(list(reversed(states))), best)
            self.assertTrue(all(a >= b for a, b in zip(states, states[1:])), states)

    def test_refuses_an_unknown_rule(self):
        with self.assertRaisesRegex(ValueError, "monotone-levels-v9"):
            contract.level_states([[0] * len(contract.LABELS)], "monotone-levels-v9")


class PlanCropTest(unittest.TestCase):
    def region(self, count, box=(10, 20, 30, 40)):
        return (count,) + box

    def test_longest_run_wins_and_stray_slices_are_ignored(self):
        per_slice = [None, self.region(50), self.region(3), self.region(50), self.region(50), self.region(50), None]
        plan = contract.plan_crop(per_slice, rows=100, columns=100, min_pixels=10, margin_fraction=0.125)
        self.assertEqual(plan[4:6], (3, 6))
        self.assertEqual(plan[6], contract.linspace_indices(3, 5))

    def test_tie_goes_to_the_larger_total(self):
        per_slice = [self.region(20), self.region(20), None, self.region(30), self.region(30)]
        plan = contract.plan_crop(per_slice, 100, 100, 10, 0.125)
        self.assertEqual(plan[4:6], (3, 5))

    def test_margin_is_floored_at_least_one_and_clamped(self):
        per_slice = [self.region(20, (0, 5, 17, 95))]  # width 17 -> floor(2.125) = 2; height 90 -> 11
        x0, x1, y0, y1, _, _, _ = contract.plan_crop(per_slice, rows=100, columns=20, min_pixels=10,
                                                     margin_fraction=0.125)
        self.assertEqual((x0, x1, y0, y1), (0, 19, 0, 100))
        per_slice = [self.region(20, (40, 40, 44, 44))]  # 4 pixels -> floor(0.5) = 0 -> at least 1
        self.assertEqual(contract.plan_crop(per_slice, 100, 100, 10, 0.125)[:4], (39, 45, 39, 45))

    def test_not_found(self):
        self.assertIsNone(contract.plan_crop([None, self.region(5)], 100, 100, 10, 0.125))


class PreprocessTest(unittest.TestCase):
    def test_window_clips_and_scales(self):
        hu = torch.tensor([-2000, -500, 500, 1500, 3000], dtype=torch.int16)
        self.assertEqual(contract.window(hu, -500, 1500).tolist(), [0.0, 0.0, 0.5, 1.0, 1.0])

    def test_neighbours_repeat_the_edges(self):
        self.assertEqual(contract.neighbours(0, 5), [0, 0, 1])
        self.assertEqual(contract.neighbours(4, 5), [3, 4, 4])
        self.assertEqual(contract.neighbours(0, 1), [0, 0, 0])

    def test_crop_channels_are_the_sampled_slice_and_its_neighbours(self):
        hu = torch.stack([torch.full((8, 8), 100 * k, dtype=torch.int16) for k in range(6)])
        plan = (2, 6, 1, 5, 0, 6, contract.linspace_indices(0, 5))
        crop = contract.crop_windowed(hu, plan, 4, (0.0, 1000.0))
        self.assertEqual(tuple(crop.shape), (24, 3, 4, 4))
        self.assertAlmostEqual(float(crop[0, 0, 0, 0]), 0.0)   # slice 0: neighbours 0, 0, 1
        self.assertAlmostEqual(float(crop[0, 2, 0, 0]), 0.1, places=6)
        self.assertAlmostEqual(float(crop[-1, 1, 0, 0]), 0.5, places=6)  # slice 5
        self.assertAlmostEqual(float(crop[-1, 2, 0, 0]), 0.5, places=6)  # edge repeated

    def test_labels_take_the_majority_of_their_source_window(self):
        labels = torch.zeros((1, 5, 5), dtype=torch.uint8)
        # 5 -> 2: output 0 covers source 0..2, output 1 covers 2..4 (the windows overlap at 2)
        labels[0, :3, :3] = 3       # all 9 pixels of output (0, 0)
        labels[0, 2:, 3:] = 5       # 6 of the 9 pixels of output (1, 1) (one more, (2, 2), is 3)
        labels[0, 0, 4] = 7         # 1 of the 9 pixels of output (0, 1): background wins
        out = contract.resize_labels(labels, 2, 2)[0].tolist()
        self.assertEqual(out, [[3, 0], [0, 5]])

    def test_label_ties_go_to_the_smaller_label(self):
        labels = torch.tensor([[[6, 2], [2, 6]]], dtype=torch.uint8)
        self.assertEqual(contract.resize_labels(labels, 1, 1).tolist(), [[[2]]])

    def test_labels_match_adaptive_pooling_windows_on_random_maps(self):
        generator = torch.Generator().manual_seed(3)
        labels = torch.randint(0, 9, (2, 13, 11), generator=generator, dtype=torch.uint8)
        out = contract.resize_labels(labels, 5, 7)
        for k in range(2):
            for y in range(5):
                for x in range(7):
                    y0, y1 = y * 13 // 5, -((-(y + 1) * 13) // 5)
                    x0, x1 = x * 11 // 7, -((-(x + 1) * 11) // 7)
                    counts = torch.bincount(labels[k, y0:y1, x0:x1].flatten().long(), minlength=9)
                    self.assertEqual(int(out[k, y, x]), int(torch.argmax(counts)))


class TrainingMechanicsTest(unittest.TestCase):
    def test_augment_without_transforms_is_the_identity(self):
        x = torch.rand(3, 3, 32, 32)
        y = (torch.rand(3, 32, 32) * 9).to(torch.uint8)
        a, b = augment.augment(x, y, torch.Generator().manual_seed(0), p_flip=0, p_ssr=0, p_distort=0)
        self.assertLess(float((a - x).abs().max()), 1e-5)
        self.assertTrue(torch.equal(b, y))

    def test_flip_moves_labels_with_the_image(self):
        x = torch.zeros(1, 3, 16, 16)
        x[..., :4] = 1.0
        y = (x[:, 0] > 0).to(torch.uint8)
        a, b = augment.augment(x, y, torch.Generator().manual_seed(0), p_flip=1, p_ssr=0, p_distort=0)
        self.assertTrue(torch.equal((a[:, 0] > 0.5).to(torch.uint8), b))
        self.assertEqual(int(b[0, 0, -1]), 1)

    def test_elastic_field_is_smoothed_only_where_selected(self):
        selected = torch.tensor([True, False, True])
        field = augment._elastic(3, 24, 24, torch.Generator().manual_seed(5), selected).permute(0, 3, 1, 2)
        self.assertEqual(float(field[1].abs().max()), 0.0)
        # The selected items get the blur of the full draw: the generator's stream does not depend on the selection.
        raw = torch.rand(3, 2, 24, 24, generator=torch.Generator().manual_seed(5)) * 2 - 1
        k = max(3, int(0.08 * 24) | 1)
        for _ in range(3):
            raw = F.avg_pool2d(raw, k, stride=1, padding=k // 2, count_include_pad=False)
        expected = raw / raw.abs().amax(dim=(2, 3), keepdim=True) * 0.04 * 2
        self.assertTrue(torch.equal(field[selected], expected[selected]))
        self.assertGreater(float(field[0].abs().max()), 0.07)

    def test_reproduction_check_compares_weights_not_bytes(self):
        import contextlib, io, os, tempfile
        from spinestream_models import train_all
        with tempfile.TemporaryDirectory() as ours, tempfile.TemporaryDirectory() as reference:
            torch.manual_seed(0)
            layer = torch.nn.Linear(3, 2)
            torch.jit.script(layer).save(os.path.join(reference, "m.pt"))
            torch.jit.script(layer).save(os.path.join(ours, "m.pt"))
            card = os.path.join(ours, "m.json")
            said = io.StringIO()
            with contextlib.redirect_stdout(said):
                train_all.compare_weights([card], reference)
                with torch.no_grad():
                    layer.bias[0] += 1e-6
                torch.jit.script(layer).save(os.path.join(ours, "m.pt"))
                train_all.compare_weights([card], reference)
            lines = said.getvalue().splitlines()
            self.assertIn("the same weights as", lines[0])
            self.assertIn("1 of 2 tensors differ from", lines[1])

    def test_schedule_warms_up_then_anneals(self):
        factors = [augment.warmup_cosine(s, 100) for s in range(100)]
        self.assertLess(factors[0], factors[4])
        self.assertAlmostEqual(max(factors), 1.0)
        self.assertLess(factors[-1], 0.05)

    def test_recalibration_shifts_the_log_odds(self):
        config = classification.ClsConfig(width=0.25, gru_hidden=8, size=32)
        model = classification.build(config).eval()
        before = float(model.head.bias)
        classification.recalibrate(model, config)
        logit = lambda p: math.log(p / (1 - p))
        self.assertAlmostEqual(float(model.head.bias) - before,
                               logit(config.target_prevalence) - logit(config.train_prevalence), places=5)

    def test_gru_initialisation_is_explicit(self):
        model = nets.VertebraClassifier("efficientnet_b0", 0.25, 16)
        for gate in model.gru.weight_hh_l0.data.chunk(3, 0):
            self.assertTrue(torch.allclose(gate @ gate.T, torch.eye(16), atol=1e-4))
        self.assertEqual(float(model.gru.bias_ih_l0.abs().sum()), 0.0)


class MetricTest(unittest.TestCase):
    def test_rsna_weights(self):
        truth = dict({v: 0 for v in contract.VERTEBRAE}, patient_overall=1, C3=1)
        prediction = dict({v: 0.5 for v in contract.VERTEBRAE}, patient_overall=0.5)
        # Every label at 0.5 costs ln 2 whatever the weights.
        self.assertAlmostEqual(quality.rsna_log_loss([(truth, prediction)]), math.log(2))
        prediction["C3"] = 0.9
        weights = 14 + 2 + 6
        expected = (14 * math.log(2) + 2 * -math.log(0.9) + 6 * math.log(2)) / weights
        self.assertAlmostEqual(quality.rsna_log_loss([(truth, prediction)]), expected)

    def test_auc_counts_ties_half(self):
        self.assertEqual(quality.auc([0.9, 0.1, 0.5, 0.5], [1, 0, 1, 0]), 0.875)
        self.assertIsNone(quality.auc([0.1, 0.2], [0, 0]))


class GoldenTest(unittest.TestCase):
    def test_prng_is_the_java_stream(self):
        # io.spinestream.common.inference.PrngInputTest pins the same values: seed 1 gives 270369 first.
        x = 1
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        self.assertEqual(x, 270369)
        self.assertEqual(export.prng_values(1, 1)[0], (270369 >> 8) / 2 ** 24)


if __name__ == "__main__":
    unittest.main()
