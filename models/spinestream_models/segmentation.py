"""Stage 1: training and inference of the 2.5D segmentation U-Net on phantom (or RSNA) studies."""
import time
from dataclasses import asdict, dataclass, field
from typing import List, Tuple

import torch
import torch.nn.functional as F

from . import augment, contract, nets


@dataclass
class SegConfig:
    name: str = "spine-seg-b0w025-256"
    version: str = "1.3.1"
    width: float = 0.25            # EfficientNet-B0 width multiplier (1.0 = the seed's encoder)
    decoder_width: float = 0.5     # decoder channels as a fraction of 256, 128, 64, 32, 16
    size: int = 256                # model input H = W (the seed: 320; the phantoms' matrix: no resize, exact labels)
    # Train on random train_crop x train_crop windows of the size x size slices (0: whole slices). The network is
    # fully convolutional, so it serves whole slices; a 192 window step costs 1.4x a 160 whole-slice step.
    train_crop: int = 192
    hu_window: Tuple[float, float] = (-500.0, 1500.0)
    mean: List[float] = field(default_factory=lambda: list(contract.IMAGENET_MEAN))
    std: List[float] = field(default_factory=lambda: list(contract.IMAGENET_STD))
    batch: int = 8
    steps: int = 3000
    lr: float = 2e-3
    weight_decay: float = 1e-2
    dice_weight: float = 1.0       # loss = weighted cross entropy + dice_weight * soft dice over labels 1..8
    foreground_weight: float = 3.0  # cross-entropy weight of labels 1..8 against background
    presence_weight: float = 0.5   # + presence_weight * BCE of the slice's label presence (training-only head)
    focus_fraction: float = 0.6    # share of slices drawn from the cervical spine (labels 1..7 present)
    seed: int = 1001
    # How the true labels reach the model's resolution for training: "nearest" (contract.resize_labels_nearest,
    # what 1.1.x learned from) or "majority" (contract.resize_labels, the ground truth of the quality report; the
    # 1.2.0 experiment: no better, see models/README.md).
    label_resize: str = "nearest"
    # The study-level rule applied to the argmax before masks leave the segmenter ("" for none).
    level_ordering: str = contract.LEVEL_ORDERING_V2

    @staticmethod
    def full():
        """The seed's size: EfficientNet-B0 at width 1, 320 x 320 (export by command; not shipped)."""
        return SegConfig(name="spine-seg-b0-320", width=1.0, decoder_width=1.0, size=320, train_crop=0)


def build(config: SegConfig) -> nets.SegmentationUNet:
    return nets.SegmentationUNet(config.width, config.decoder_width, classes=len(contract.LABELS))


def inputs_25d(windowed, indices):
    """[len(indices), 3, S, S]: for each slice index its neighbours i-1, i, i+1 (edges repeated)."""
    n = windowed.shape[0]
    return torch.stack([windowed[contract.neighbours(i, n)] for i in indices]).to(torch.float32)


def soft_dice_loss(logits, labels, classes):
    probs = torch.softmax(logits, dim=1)[:, 1:]
    onehot = F.one_hot(labels.long(), classes).permute(0, 3, 1, 2)[:, 1:].to(probs.dtype)
    inter = (probs * onehot).sum(dim=(0, 2, 3))
    denom = probs.sum(dim=(0, 2, 3)) + onehot.sum(dim=(0, 2, 3))
    present = onehot.sum(dim=(0, 2, 3)) > 0
    dice = (2 * inter + 1) / (denom + 1)
    return (1 - dice[present]).mean() if present.any() else logits.sum() * 0


def train(config: SegConfig, volumes, log=print):
    """volumes: list of (windowed [n, S, S] float16, labels [n, S, S] uint8) at the model's size, z order."""
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model = build(config)
    classes = len(contract.LABELS)
    counts = torch.zeros(classes)
    for _, labels in volumes:
        counts += torch.bincount(labels.reshape(-1).long(), minlength=classes).float()
    nets.set_prior_bias(model.head, (counts / counts.sum()).tolist())
    focus = [torch.nonzero(((labels >= 1) & (labels <= 7)).flatten(1).any(1)).flatten() for _, labels in volumes]
    class_weights = torch.tensor([1.0] + [config.foreground_weight] * (classes - 1))
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: augment.warmup_cosine(s, config.steps))
    model.train()
    start = time.time()
    running = 0.0
    for step in range(config.steps):
        images, targets = [], []
        for _ in range(config.batch):
            v = int(torch.randint(len(volumes), (1,), generator=generator))
            windowed, labels = volumes[v]
            if len(focus[v]) > 0 and float(torch.rand(1, generator=generator)) < config.focus_fraction:
                i = int(focus[v][int(torch.randint(len(focus[v]), (1,), generator=generator))])
            else:
                i = int(torch.randint(windowed.shape[0], (1,), generator=generator))
            image, target = inputs_25d(windowed, [i])[0], labels[i]
            if config.train_crop:
                # The network is fully convolutional: a window teaches it what the whole slice would, at a
                # fraction of the cost, as long as it still holds the neck and its level landmarks.
                y0, x0 = (int(torch.randint(config.size - config.train_crop + 1, (1,), generator=generator))
                          for _ in range(2))
                image = image[:, y0:y0 + config.train_crop, x0:x0 + config.train_crop]
                target = target[y0:y0 + config.train_crop, x0:x0 + config.train_crop]
            images.append(image)
            targets.append(target)
        x, y = augment.augment(torch.stack(images), torch.stack(targets), generator)
        x = contract.normalise(x, config.mean, config.std)
        logits, presence = model.forward_with_presence(x)
        present = F.one_hot(y.long(), classes).flatten(1, 2).amax(dim=1).to(torch.float32)
        loss = (F.cross_entropy(logits, y.long(), weight=class_weights)
                + config.dice_weight * soft_dice_loss(logits, y, classes)
                + config.presence_weight * F.binary_cross_entropy_with_logits(presence, present))
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        running += float(loss)
        if (step + 1) % 100 == 0:
            log("seg step %d/%d loss %.4f lr %.2e %.0f s" % (step + 1, config.steps, running / 100,
                                                           schedule.get_last_lr()[0], time.time() - start))
            running = 0.0
    return model.eval()


@torch.no_grad()
def predict(model, windowed, config: SegConfig, batch=16):
    """Label maps [n, S, S] uint8 (argmax, then the level ordering) of a windowed study [n, S, S], as the segmenter
    service computes them."""
    n = windowed.shape[0]
    out = []
    for b in range(0, n, batch):
        x = contract.normalise(inputs_25d(windowed, range(b, min(n, b + batch))), config.mean, config.std)
        out.append(model(x).argmax(dim=1).to(torch.uint8))
    labels = torch.cat(out)
    return contract.postprocess(config.level_ordering, labels)


def dice_per_label(predicted, truth, labels=range(1, 8)):
    """3D dice per label over one study; None where the label is absent from both."""
    result = {}
    for label in labels:
        p = predicted == label
        t = truth == label
        total = int(p.sum()) + int(t.sum())
        result[label] = None if total == 0 else 2.0 * int((p & t).sum()) / total
    return result


def config_dict(config: SegConfig):
    return asdict(config)
