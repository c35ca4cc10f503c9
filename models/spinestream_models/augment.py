"""The seed's augmentations written with torch ops, applied per item to a batch [N, C, H, W] (images windowed
to [0, 1], before normalisation, so that padding is air) and, for segmentation, to its label maps [N, H, W]:
HorizontalFlip(0.5), ShiftScaleRotate(shift 0.0625, scale 0.05, rotate 10 degrees, p 0.5),
OneOf(GridDistortion, ElasticTransform) p 0.25. (Resize is the contract's resize, done before.)"""
import math

import torch
import torch.nn.functional as F


def _identity_grid(n, h, w):
    theta = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]).expand(n, 2, 3)
    return F.affine_grid(theta, [n, 1, h, w], align_corners=False)


def _shift_scale_rotate(n, h, w, generator, shift=0.0625, scale=0.05, rotate_degrees=10.0):
    angle = (torch.rand(n, generator=generator) * 2 - 1) * math.radians(rotate_degrees)
    s = 1 + (torch.rand(n, generator=generator) * 2 - 1) * scale
    tx = (torch.rand(n, generator=generator) * 2 - 1) * shift * 2  # normalised coordinates span 2
    ty = (torch.rand(n, generator=generator) * 2 - 1) * shift * 2
    cos, sin = torch.cos(angle) / s, torch.sin(angle) / s
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    return F.affine_grid(theta, [n, 1, h, w], align_corners=False)


def _grid_distortion(n, h, w, generator, steps=5, limit=0.3):
    """Albumentations' GridDistortion: a coarse grid of cells whose sizes vary by up to `limit`."""
    offsets = (torch.rand(n, 2, steps, steps, generator=generator) * 2 - 1) * limit * (2.0 / steps)
    field = F.interpolate(offsets, size=(h, w), mode="bicubic", align_corners=True)
    return field.permute(0, 2, 3, 1)


def _elastic(n, h, w, generator, selected, alpha=0.04, sigma_fraction=0.08):
    """ElasticTransform: a random field, smoothed (box blur of width ~ sigma, three times ~ gaussian), for the
    `selected` items (zero elsewhere: the others do not use it). The field is drawn for all n, so the generator's
    stream, and with it every transform, is what it was when all were smoothed; smoothing only the selected ones
    keeps the blur from being a quarter of a segmenter training step."""
    field = (torch.rand(n, 2, h, w, generator=generator) * 2 - 1)
    smoothed = torch.zeros_like(field)
    if bool(selected.any()):
        k = max(3, int(sigma_fraction * h) | 1)
        part = field[selected]
        for _ in range(3):
            part = F.avg_pool2d(part, k, stride=1, padding=k // 2, count_include_pad=False)
        smoothed[selected] = part / part.abs().amax(dim=(2, 3), keepdim=True).clamp_min(1e-6) * alpha * 2
    return smoothed.permute(0, 2, 3, 1)


def augment(images, labels=None, generator=None, p_flip=0.5, p_ssr=0.5, p_distort=0.25):
    """Returns augmented (images, labels); images bilinear, labels nearest, outside the image is 0."""
    n, _, h, w = images.shape
    flip = torch.rand(n, generator=generator) < p_flip
    images = torch.where(flip.view(n, 1, 1, 1), images.flip(-1), images)
    if labels is not None:
        labels = torch.where(flip.view(n, 1, 1), labels.flip(-1), labels)
    grid = _identity_grid(n, h, w)
    ssr = (torch.rand(n, generator=generator) < p_ssr).view(n, 1, 1, 1)
    grid = torch.where(ssr, _shift_scale_rotate(n, h, w, generator), grid)
    distort = torch.rand(n, generator=generator) < p_distort
    use_grid = torch.rand(n, generator=generator) < 0.5
    displacement = torch.where(use_grid.view(n, 1, 1, 1), _grid_distortion(n, h, w, generator),
                               _elastic(n, h, w, generator, distort & ~use_grid))
    grid = grid + displacement * distort.view(n, 1, 1, 1).to(grid.dtype)
    images = F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    if labels is not None:
        labels = F.grid_sample(labels.unsqueeze(1).to(torch.float32), grid, mode="nearest", padding_mode="zeros",
                               align_corners=False).squeeze(1).to(labels.dtype)
    return images, labels


def warmup_cosine(step, total, warmup_fraction=0.05, floor=0.01):
    """Learning-rate factor: linear warm-up, then cosine annealing down to `floor`."""
    warm = max(1, int(total * warmup_fraction))
    if step < warm:
        return (step + 1) / warm
    progress = (step - warm) / max(1, total - warm)
    return floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * progress))
