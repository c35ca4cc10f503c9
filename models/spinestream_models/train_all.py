"""One command reproduces the shipped models (run from models/ with Debian's /usr/bin/python3):

  /usr/bin/python3 -m spinestream_models.train_all --out shipped

1. generates the training phantoms with the phantom module (seed 1001 for the segmenter, 1002 for the
   classifier, with more fractures so that there are positives to learn from); the held-out seed 2022 is
   never used here (nor 9001, the pipeline tests' seed),
2. trains the segmenter, then the classifier, each on 2 threads (checkpoints and logs in build/checkpoints; not in
   parallel: models/README.md says why),
3. exports both to TorchScript with model card and golden file into --out,
4. runs the quality report on held-out phantoms (results/quality.md, results/quality.json).
"""
import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time

import torch

from . import classification, data, segmentation

SEG_SEED = 1001
CLS_SEED = 1002


def segmenter_config(args):
    """The segmenter's SegConfig: the defaults, changed only where an option says so."""
    config = segmentation.SegConfig(steps=args.seg_steps, label_resize=args.seg_labels,
                                    version=args.seg_version or segmentation.SegConfig.version)
    if args.seg_size:
        config = dataclasses.replace(config, size=args.seg_size, name="spine-seg-b0w025-%d" % args.seg_size)
    if args.seg_train_crop is not None:
        config = dataclasses.replace(config, train_crop=args.seg_train_crop)
    if args.seg_seed is not None:
        config = dataclasses.replace(config, seed=args.seg_seed)
    return config


def train_segmenter(args):
    torch.set_num_threads(args.seg_threads)
    config = segmenter_config(args)
    root = os.path.join(args.data, "seg")
    data.generate(root, args.seg_studies, SEG_SEED, args.matrix)
    volumes = [data.segmentation_arrays(s, config.size, config.hu_window, config.label_resize)
               for s in data.read_studies(root)]
    model = segmentation.train(config, volumes, log=lambda m: print(m, flush=True))
    save(args.checkpoints, "segmenter", model, segmentation.config_dict(config))


def classifier_config(args):
    """The classifier's ClsConfig: the defaults, changed only where an option says so."""
    config = classification.ClsConfig(epochs=args.cls_epochs)
    if args.seg_size:
        # Crops are planned from the segmenter's masks: train on plans made at its resolution.
        config = dataclasses.replace(config, mask_size=args.seg_size)
    if args.cls_version:
        config = dataclasses.replace(config, version=args.cls_version)
    if args.cls_seed is not None:
        config = dataclasses.replace(config, seed=args.cls_seed)
    return config


def train_classifier(args):
    torch.set_num_threads(args.cls_threads)
    config = classifier_config(args)
    root = os.path.join(args.data, "cls")
    data.generate(root, args.cls_studies, CLS_SEED, args.matrix, fracture_probability=config.train_prevalence)
    generator = torch.Generator().manual_seed(config.seed)
    crops, targets, late = classification.crop_dataset(data.read_studies(root), config, generator,
                                                       log=lambda m: print(m, flush=True))
    model = classification.train(config, crops, targets, late, log=lambda m: print(m, flush=True))
    save(args.checkpoints, "classifier", model, classification.config_dict(config))


def save(folder, name, model, config):
    os.makedirs(folder, exist_ok=True)
    torch.save({"state_dict": model.state_dict(), "config": config}, os.path.join(folder, name + ".ckpt"))


def compare_weights(cards, reference):
    """Says, for each exported model, whether its weights equal those of the model of the same name in `reference`
    value for value (training is deterministic on one machine and torch build; another CPU's float rounding gives
    another trajectory). The .pt bytes differ in any case: TorchScript writes a module's constants in set order,
    which Python's per-process hash seed changes."""
    for card in cards:
        theirs = os.path.join(reference, os.path.basename(card)[:-len(".json")] + ".pt")
        ours = card[:-len(".json")] + ".pt"
        if not os.path.exists(theirs) or os.path.samefile(theirs, ours):
            continue
        a = torch.jit.load(ours).state_dict()
        b = torch.jit.load(theirs).state_dict()
        differing = [k for k in a if k not in b or a[k].shape != b[k].shape or not torch.equal(a[k], b[k])]
        print("%s: %s %s" % (os.path.basename(ours), "the same weights as" if not differing and len(a) == len(b)
                             else "%d of %d tensors differ from" % (len(differing) + len(set(b) - set(a)), len(a)),
                             theirs), flush=True)


def parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="shipped", help="where the models, cards and golden files go")
    parser.add_argument("--data", default="build/phantoms", help="where the training phantoms are generated")
    parser.add_argument("--checkpoints", default="build/checkpoints")
    parser.add_argument("--matrix", type=int, default=256, help="phantom matrix (rows = columns)")
    parser.add_argument("--seg-studies", type=int, default=60)
    parser.add_argument("--seg-steps", type=int, default=segmentation.SegConfig.steps)
    parser.add_argument("--seg-labels", choices=sorted(data.LABEL_RESIZE), default=segmentation.SegConfig.label_resize,
                        help="how the segmenter's training labels are resized (nearest: what the shipped model learned)")
    parser.add_argument("--seg-size", type=int, help="the segmenter's input size (default: SegConfig.size)")
    parser.add_argument("--seg-train-crop", type=int,
                        help="train on random windows of this size (0: whole slices; default: SegConfig.train_crop)")
    parser.add_argument("--seg-version", help="the segmenter card's version (give one when changing the defaults)")
    parser.add_argument("--seg-seed", type=int, help="the segmenter's training seed (initialisation, batches, "
                        "augmentation; default SegConfig.seed); the phantoms stay those of seed %d" % SEG_SEED)
    parser.add_argument("--cls-studies", type=int, default=100)
    parser.add_argument("--cls-epochs", type=int, default=12)
    parser.add_argument("--cls-seed", type=int, help="the classifier's training seed (default ClsConfig.seed); the "
                        "phantoms stay those of seed %d" % CLS_SEED)
    parser.add_argument("--cls-version", help="the classifier card's version (give one when changing the defaults)")
    parser.add_argument("--eval-studies", type=int, default=60)
    parser.add_argument("--seg-threads", type=int, default=2, help="torch threads of the segmenter's training")
    parser.add_argument("--cls-threads", type=int, default=2, help="torch threads of the classifier's training")
    parser.add_argument("--only", choices=["segmenter", "classifier"], help="(internal) train one model")
    parser.add_argument("--skip-training", action="store_true", help="export and report the checkpoints")
    parser.add_argument("--results", help="where the quality report goes (default: results, the repository's report,"
                        " for --out shipped; OUT/results for any other --out)")
    parser.add_argument("--compare-with", default="shipped",
                        help="after export, say whether the weights equal the models of the same names here")
    return parser


def results_dir(args):
    """The quality report's folder: the committed one only when the shipped models are rebuilt."""
    if args.results:
        return args.results
    return "results" if os.path.normpath(args.out) == "shipped" else os.path.join(args.out, "results")


def main(argv=None):
    args = parser().parse_args(argv)
    if args.only == "segmenter":
        return train_segmenter(args)
    if args.only == "classifier":
        return train_classifier(args)
    start = time.time()
    if not args.skip_training:
        os.makedirs(args.checkpoints, exist_ok=True)
        for which in ["segmenter", "classifier"]:
            log_path = os.path.join(args.checkpoints, which + ".log")
            print("training the %s (log: %s)" % (which, log_path), flush=True)
            command = [sys.executable, "-m", "spinestream_models.train_all", "--only", which] + (argv or sys.argv[1:])
            with open(log_path, "w") as log:
                # A process per model: each one's memory is returned before the next starts.
                if subprocess.run(command, stdout=log, stderr=subprocess.STDOUT).returncode != 0:
                    raise SystemExit("training the %s failed (see %s)" % (which, log_path))
            print("trained the %s at %.0f s" % (which, time.time() - start), flush=True)
        print("trained in %.0f s" % (time.time() - start), flush=True)
    from . import export, quality
    cards = export.export_checkpoints(args.checkpoints, args.out)
    print("exported: " + ", ".join(cards), flush=True)
    compare_weights(cards, args.compare_with)
    quality.main(["--models", args.out, "--data", os.path.join(args.data, "heldout"),
                  "--studies", str(args.eval_studies), "--matrix", str(args.matrix), "--results", results_dir(args)])
    print("done in %.0f s" % (time.time() - start), flush=True)


if __name__ == "__main__":
    main()
