"""Stage 2: training and inference of the vertebra fracture classifier on crops cut by the contract."""
import math
import time
from dataclasses import asdict, dataclass, field
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F

from . import augment, contract, data, nets


@dataclass
class ClsConfig:
    name: str = "spine-cls-plainw025-96"
    version: str = "1.4.0"
    backbone: str = "plain"            # the seed: efficientnet_v2_s (efficientnet_b0 also by option)
    width: float = 0.25
    gru_hidden: int = 64
    size: int = 96                     # each crop resized to size x size (the seed: 224)
    hu_window: Tuple[float, float] = (-200.0, 1200.0)
    mean: List[float] = field(default_factory=lambda: list(contract.IMAGENET_MEAN))
    std: List[float] = field(default_factory=lambda: list(contract.IMAGENET_STD))
    # The crop contract (the cropper's settings must match: cropper.min.pixels, cropper.margin.fraction).
    min_pixels: int = 10
    margin_fraction: float = 0.125
    mask_size: int = 256               # the segmenter's resolution the crops are planned at (SegConfig.size)
    batch: int = 8
    epochs: int = 12
    # How the true labels reach mask_size to plan the training crops: "nearest" (what 1.1.0 learned from) or
    # "majority" (contract.resize_labels, the ground truth of the quality report).
    label_resize: str = "nearest"
    # 2e-3 (up to 1.3.0) left some seeds at the constant's loss: --cls-seed 7 still at 0.555 after 6 epochs,
    # while at 5e-4 the same draw is at 0.23 after 4 (models/README.md, "The plateau").
    lr: float = 5e-4
    weight_decay: float = 1e-2
    spatial_dropout: float = 0.2
    dropout: float = 0.3
    jitter_copies: int = 1             # extra copies of each vertebra with a perturbed box (segmenter error)
    jitter_box: float = 0.08           # every box edge of a copy moves up to this fraction of the box's size
    jitter_z: float = 0.0              # each z end up to max(2, jitter_z x the vertebra's slices)
    # From epoch late_from (0-based; None: never) the copies are replaced by copies with the errors a trained
    # segmenter makes (models/README.md, "The classifier recipe"): z ends moved up to late_jitter_z of the slices,
    # and with spill_probability one end (x0, x1, y0, y1, z0 or z1) spilled outwards by spill_min..spill_max of
    # the box's size, as a stray blob of the label stretches the union box (C6 called on the cricoid cartilage,
    # C1 on the skull base). Late, because the network must first have found the fracture signal on clean crops:
    # with such copies from the first epoch one run (at lr 2e-3) stayed at the constant's loss for all 12 epochs.
    late_from: Optional[int] = 6
    late_jitter_z: float = 0.15
    spill_probability: float = 0.5
    spill_min: float = 0.1
    spill_max: float = 0.6
    train_prevalence: float = 0.25     # fracture probability of the training phantoms (more positives to learn)
    target_prevalence: float = 0.0943  # per-vertebra prevalence the exported model is calibrated to
    seed: int = 1002

    @staticmethod
    def full():
        """The seed's size: EfficientNetV2-S, GRU 256, 224 x 224 crops (export by command; not shipped)."""
        return ClsConfig(name="spine-cls-v2s-224", backbone="efficientnet_v2_s", width=1.0, gru_hidden=256,
                         size=224, mask_size=320)


def build(config: ClsConfig) -> nets.VertebraClassifier:
    return nets.VertebraClassifier(config.backbone, config.width, config.gru_hidden, config.spatial_dropout,
                                   config.dropout)


def jitter(plan, rows, columns, n, generator, box=0.08, z_fraction=0.0, spill_probability=0.0, spill=(0.1, 0.6)):
    """A plan with its box edges and z range moved a little, as a slightly wrong segmentation would, and with
    spill_probability one end (x0, x1, y0, y1, z0 or z1) pushed outwards by spill[0]..spill[1] of the box's size,
    as a stray blob of the label stretches the union box. With z_fraction 0 and spill_probability 0 the draws are
    those of 1.2.0's jitter (z +-2 slices)."""
    x0, x1, y0, y1, z0, z1, _ = plan

    def uniform(lo, hi):
        return lo + float(torch.rand(1, generator=generator)) * (hi - lo)

    def move(value, size):
        return value + int(round(uniform(-1, 1) * box * size))

    w, h, depth = x1 - x0, y1 - y0, z1 - z0
    x0, x1 = max(0, move(x0, w)), min(columns, move(x1, w))
    y0, y1 = max(0, move(y0, h)), min(rows, move(y1, h))
    z = max(2, int(round(z_fraction * depth)))
    z0 = max(0, z0 + int(torch.randint(-z, z + 1, (1,), generator=generator)))
    z1 = min(n, z1 + int(torch.randint(-z, z + 1, (1,), generator=generator)))
    if spill_probability > 0 and float(torch.rand(1, generator=generator)) < spill_probability:
        end = int(torch.randint(0, 6, (1,), generator=generator))
        amount = uniform(*spill)
        reach = max(1, int(round(amount * [w, w, h, h, depth, depth][end])))
        ends = [x0, x1, y0, y1, z0, z1]
        # even ends (x0, y0, z0) spill towards 0, odd ones towards the study's columns, rows or slices
        ends[end] = max(0, ends[end] - reach) if end % 2 == 0 else min([columns, rows, n][end // 2], ends[end] + reach)
        x0, x1, y0, y1, z0, z1 = ends
    if x1 - x0 < 2 or y1 - y0 < 2 or z1 - z0 < 1:
        return plan
    return (x0, x1, y0, y1, z0, z1, contract.linspace_indices(z0, z1 - 1))


def crop_dataset(studies, config: ClsConfig, generator, log=print):
    """(windowed crops [M, 24, 3, S, S] float16, labels [M], late) from the studies' ground-truth labels, planned
    exactly as the cropper plans from the segmenter's masks (labels at mask_size by config.label_resize); late
    is None without config.late_from, else (positions [K], crops [K, 24, 3, S, S]): the copies that replace the
    crops at those positions from epoch late_from on (drawn from their own generator, so the early copies are
    what they would be without them)."""
    resize = data.LABEL_RESIZE[config.label_resize]
    late_generator = torch.Generator().manual_seed(config.seed + 1)
    crops, targets, late_positions, late_crops = [], [], [], []
    for study in studies:
        n, rows, columns = study.hu.shape
        maps = resize(study.labels, config.mask_size, config.mask_size)
        plans = contract.plan_crops(maps, rows, columns, config.min_pixels, config.margin_fraction)
        for v in range(1, 8):
            if plans[v] is None:
                continue
            for copy in range(1 + config.jitter_copies):
                plan = plans[v] if copy == 0 else jitter(plans[v], rows, columns, n, generator, config.jitter_box,
                                                         config.jitter_z)
                crops.append(contract.crop_windowed(study.hu, plan, config.size, config.hu_window).to(torch.float16))
                targets.append(study.fractured[contract.VERTEBRAE[v - 1]])
                if copy > 0 and config.late_from is not None:
                    late = jitter(plans[v], rows, columns, n, late_generator, config.jitter_box, config.late_jitter_z,
                                  config.spill_probability, (config.spill_min, config.spill_max))
                    late_positions.append(len(crops) - 1)
                    late_crops.append(contract.crop_windowed(study.hu, late, config.size,
                                                             config.hu_window).to(torch.float16))
    log("classifier data: %d crops, %d fractured, %d late copies" % (len(crops), sum(targets), len(late_crops)))
    late = (torch.tensor(late_positions, dtype=torch.long), torch.stack(late_crops)) if late_crops else None
    return torch.stack(crops), torch.tensor(targets, dtype=torch.float32), late


def training_batch(crops, idx, late=None):
    """crops[idx] as float32; with late = (positions, copies), the items at those positions taken from copies."""
    x = crops[idx].to(torch.float32)
    if late is not None:
        positions, copies = late
        match = idx.unsqueeze(1) == positions.unsqueeze(0)
        replaced = match.any(1)
        x[replaced] = copies[match[replaced].to(torch.uint8).argmax(1)].to(torch.float32)
    return x


def train(config: ClsConfig, crops, targets, late=None, log=print):
    torch.manual_seed(config.seed)
    generator = torch.Generator().manual_seed(config.seed)
    model = build(config)
    with torch.no_grad():
        prior = float(targets.mean().clamp(1e-3, 1 - 1e-3))
        model.head.bias.fill_(math.log(prior / (1 - prior)))
    optimiser = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps_per_epoch = math.ceil(len(targets) / config.batch)
    total = steps_per_epoch * config.epochs
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: augment.warmup_cosine(s, total))
    model.train()
    start = time.time()
    for epoch in range(config.epochs):
        order = torch.randperm(len(targets), generator=generator)
        running = 0.0
        for b in range(steps_per_epoch):
            idx = order[b * config.batch:(b + 1) * config.batch]
            x = training_batch(crops, idx, late if late is not None and epoch >= config.late_from else None)
            m, t, c, h, w = x.shape
            # One transform per vertebra, the same for its 24 steps and 3 channels.
            x, _ = augment.augment(x.reshape(m, t * c, h, w), None, generator)
            x = contract.normalise(x.reshape(m, t, c, h, w), config.mean, config.std)
            loss = F.binary_cross_entropy_with_logits(model(x).squeeze(1), targets[idx])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            running += float(loss)
        log("cls epoch %d/%d loss %.4f %.0f s" % (epoch + 1, config.epochs, running / steps_per_epoch,
                                                 time.time() - start))
    model.eval()
    recalibrate(model, config)
    return model


def recalibrate(model, config: ClsConfig):
    """Prior shift: the model learnt at train_prevalence; serving sees target_prevalence. Adding the log-odds
    difference to the head's bias makes its probabilities calibrated for the population it serves."""
    def logit(p):
        return math.log(p / (1 - p))

    with torch.no_grad():
        model.head.bias.add_(logit(config.target_prevalence) - logit(config.train_prevalence))


@torch.no_grad()
def predict(model, windowed_crops, config: ClsConfig, batch=8):
    """Fracture probabilities of windowed crops [M, 24, 3, S, S]."""
    out = []
    for b in range(0, windowed_crops.shape[0], batch):
        x = contract.normalise(windowed_crops[b:b + batch].to(torch.float32), config.mean, config.std)
        out.append(torch.sigmoid(model(x).reshape(-1)))
    return torch.cat(out) if out else torch.zeros(0)


def config_dict(config: ClsConfig):
    return asdict(config)
