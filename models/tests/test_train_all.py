import unittest

from spinestream_models import classification, segmentation, train_all


class TrainAllOptionsTest(unittest.TestCase):
    def test_defaults_are_the_shipped_recipe(self):
        args = train_all.parser().parse_args([])
        self.assertEqual(train_all.segmenter_config(args), segmentation.SegConfig())
        self.assertEqual(train_all.classifier_config(args), classification.ClsConfig())

    def test_seeds_change_only_the_training_seed(self):
        args = train_all.parser().parse_args(["--seg-seed", "7", "--cls-seed", "8"])
        seg = train_all.segmenter_config(args)
        cls = train_all.classifier_config(args)
        self.assertEqual(seg.seed, 7)
        self.assertEqual(cls.seed, 8)
        self.assertNotEqual(segmentation.SegConfig().seed, 7)
        self.assertNotEqual(classification.ClsConfig().seed, 8)
        self.assertEqual(seg.__class__(**{**seg.__dict__, "seed": segmentation.SegConfig().seed}), segmentation.SegConfig())
        self.assertEqual(cls.__class__(**{**cls.__dict__, "seed": classification.ClsConfig().seed}),
                         classification.ClsConfig())

    def test_only_the_shipped_models_write_the_repository_report(self):
        results = lambda *argv: train_all.results_dir(train_all.parser().parse_args(list(argv)))
        self.assertEqual(results(), "results")
        self.assertEqual(results("--out", "shipped/"), "results")
        self.assertEqual(results("--out", "build/mine"), "build/mine/results")
        self.assertEqual(results("--out", "build/mine", "--results", "elsewhere"), "elsewhere")


if __name__ == "__main__":
    unittest.main()
