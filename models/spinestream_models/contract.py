"""The model contract shared with the Java services (models/README.md, "The contract").

Every function here has a Java twin that must compute the same numbers; the twin is named in each docstring.
Training and the quality report use these functions, so what the services serve is what was trained.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F

LABELS = ["background", "C1", "C2", "C3", "C4", "C5", "C6", "C7", "T1-T12"]
VERTEBRAE = ["C1", "C2", "C3", "C4", "C5", "C6", "C7"]
SAMPLED_SLICES = 24
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


def window(hu, low, high):
    """HU (any integer or float tensor) to [0, 1] in float32: (clip(hu, low, high) - low) / (high - low).
    Java: io.spinestream.common.imaging.Preprocess.window."""
    v = hu.to(torch.float32).clamp(low, high)
    return (v - low) / (high - low)


def resize_bilinear(images, height, width):
    """[..., H, W] float32 to [..., height, width]: bilinear, align_corners=False, no antialiasing.
    Java: Preprocess.resizeBilinear (equal to this within 1e-7)."""
    shape = images.shape
    if shape[-2] == height and shape[-1] == width:
        return images.clone()
    flat = images.reshape(-1, 1, shape[-2], shape[-1])
    out = F.interpolate(flat, size=(height, width), mode="bilinear", align_corners=False)
    return out.reshape(*shape[:-2], height, width)


def resize_labels(labels, height, width):
    """Label maps [..., H, W] (uint8) to the model's resolution: each model pixel takes the label that covers most
    of its source window, rows floor(d * in / out) to ceil((d + 1) * in / out) - 1 and columns alike (the windows
    of torch's adaptive average pooling), ties to the smaller label. This is how the ground truth is compared with
    the segmenter's output (dice, crop IoU); SegConfig.label_resize says what a segmenter learns from. Nearest
    neighbour (source floor(d * in / out), resize_labels_nearest) sits up to 0.8 source pixels off the centre
    that bilinear resizing gives the image, so its labels jitter against the picture: two nearest-neighbour
    conventions of the same truth agree at dice 0.91 only, at 160 from 256 pixels, which left no room to measure
    a segmenter's 0.90.
    Java: io.spinestream.phantom.LabelResampling.majority."""
    shape = labels.shape
    flat = labels.reshape(-1, shape[-2], shape[-1])
    if shape[-2] == height and shape[-1] == width:
        return labels.clone()
    out = []
    for chunk in torch.split(flat, 16):
        onehot = F.one_hot(chunk.long(), len(LABELS)).permute(0, 3, 1, 2).to(torch.float32)
        # Equal counts in a window give equal averages, so argmax (first maximum) ties to the smaller label.
        out.append(F.adaptive_avg_pool2d(onehot, (height, width)).argmax(dim=1).to(torch.uint8))
    return torch.cat(out).reshape(*shape[:-2], height, width)


def resize_labels_nearest(labels, height, width):
    """Nearest neighbour, source floor(d * in / out): the shipped segmenter learned from labels resized this way,
    and the shipped classifier 1.1.0 from crops planned on them (SegConfig / ClsConfig.label_resize = "nearest")."""
    shape = labels.shape
    flat = labels.reshape(-1, 1, shape[-2], shape[-1]).to(torch.float32)
    out = F.interpolate(flat, size=(height, width), mode="nearest")
    return out.reshape(*shape[:-2], height, width).to(torch.uint8)


def normalise(windowed, mean, std):
    """[..., 3, H, W] windowed channels to (v - mean[c]) / std[c]. Java: SliceCollector / CropScorer.input."""
    m = torch.tensor(mean, dtype=torch.float32).reshape(3, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).reshape(3, 1, 1)
    return (windowed - m) / s


def neighbours(index, count):
    """The 2.5D channels of slice `index` in z order: i-1, i, i+1, the edge slice repeated at the ends.
    Java: SliceCollector (segmenter) and StudyState.channelSop (classifier)."""
    return [min(max(index - 1 + c, 0), count - 1) for c in range(3)]


def regions(label_map, rows, columns):
    """Per label 1..8 present in a model-resolution label map [h, w]: (pixel count, box in original pixels
    x0, y0, x1, y1 half-open) with X0 = floor(x0 * columns / w), X1 = ceil((x1 + 1) * columns / w), the same for
    rows. Java: io.spinestream.segmenter.MaskRegions.of."""
    h, w = label_map.shape
    lm = label_map if isinstance(label_map, np.ndarray) else label_map.numpy()
    out = {}
    for label in range(1, len(LABELS)):
        ys, xs = np.nonzero(lm == label)
        if len(xs) == 0:
            continue
        x0 = int(xs.min()) * columns // w
        y0 = int(ys.min()) * rows // h
        x1 = -((-(int(xs.max()) + 1) * columns) // w)
        y1 = -((-(int(ys.max()) + 1) * rows) // h)
        out[label] = (len(xs), x0, y0, x1, y1)
    return out


# The study-level rules that name each slice's vertebral level consistently along z (card
# postprocessing.level_ordering). v1: the levels only never go up from the skull down; v2: besides, the level of a
# body below C2 (C3..C7) never spans a gap between two bodies, so that the bodies are counted (see level_states).
LEVEL_ORDERING_V1 = "monotone-levels-v1"
LEVEL_ORDERING_V2 = "monotone-levels-v2"
LEVEL_ORDERINGS = (LEVEL_ORDERING_V1, LEVEL_ORDERING_V2)
# Levels that are one body each, so one run between two gaps: C3..C7 (C1 and C2 interlock, with gaps inside the
# pair; T1-T12 is one label for twelve bodies; state 0 is above the spine).
SINGLE_BODY_LEVELS = range(3, 8)
# A gap between bodies: a slice whose vertebra pixel count is under a third of the peaks on both sides.
GAP_DEPTH = 3


def body_gaps(foreground):
    """Which slices separate two vertebral bodies, from each slice's vertebra pixel count (z order, index 0 the
    most inferior). Between two bodies an axial slice cuts only the disc and some posterior bone, so the count
    drops: slice k is a gap when on both sides the count rises to more than GAP_DEPTH * foreground[k] before it
    falls below foreground[k] again (on the superior side strictly below, on the inferior side below or equal,
    so that a flat valley has one gap, its most inferior slice). A fracture cleft or a thin slice through a
    body dips far less. Java: io.spinestream.segmenter.LevelOrdering.bodyGaps."""
    f = [int(v) for v in foreground]
    n = len(f)
    gaps = [False] * n
    for k in range(n):
        superior = f[k]
        for j in range(k + 1, n):
            if f[j] < f[k]:
                break
            superior = max(superior, f[j])
        inferior = f[k]
        for j in range(k - 1, -1, -1):
            if f[j] <= f[k]:
                break
            inferior = max(inferior, f[j])
        gaps[k] = GAP_DEPTH * f[k] < min(superior, inferior)
    return gaps


def level_states(counts, rule=LEVEL_ORDERING_V1):
    """The state of each slice under a level-ordering rule. counts: per slice in z order (index 0 the most
    inferior: z ascending is inferior to superior), the pixel count of each label 0..8 of the model's argmax.

    Going from the most superior slice down, the level never decreases: states 0 (above the spine: nothing
    there is a vertebra), 1..7 (C1..C7), 8 (thoracic). Under monotone-levels-v2 moreover no gap between bodies
    (body_gaps) has one of C3..C7 on both of its neighbours: the level changes at each gap below C2, so a level
    the network never names (two bodies both called C4) is counted in rather than merged into its neighbour.
    Among all such sequences the one that keeps the most pixels at the label the model gave them wins (state 0
    keeps none), so that a slice labelled out of order (a level swapped with its neighbour, a skull-base ring
    taken for a vertebra) takes the level its neighbours agree on. Ties go to the smaller state (v2: the
    smaller (state, closed) key below). Integer arithmetic, so the Java twin agrees exactly.
    Returns the state of each slice, in the order of `counts`. Java: io.spinestream.segmenter.LevelOrdering."""
    if rule not in LEVEL_ORDERINGS:
        raise ValueError("unknown level ordering %r (known: %s)" % (rule, ", ".join(LEVEL_ORDERINGS)))
    states = len(LABELS)
    n = len(counts)
    if n == 0:
        return []
    gaps = body_gaps([sum(int(c) for c in row[1:states]) for row in counts]) if rule == LEVEL_ORDERING_V2 \
        else [False] * n
    # Key 2 * s + closed. closed: the slice is a gap and the slice above has the same single-body level s, so the
    # slice below must have a larger one. Without gaps (v1) every key is even and this is the plain monotone DP.
    keys = 2 * states
    best = [0 if key % 2 == 0 else None for key in range(keys)]  # above the top slice: any level, nothing kept
    back = []
    for k in range(n - 1, -1, -1):  # superior to inferior
        new_best, pointer = [None] * keys, [0] * keys
        for key in range(keys):
            s, closed = divmod(key, 2)
            single_body_gap = gaps[k] and s in SINGLE_BODY_LEVELS
            if closed and not single_body_gap:
                continue
            choice = None
            for above in range(2 * s + 2):  # keys of states <= s, in increasing order: ties to the smaller key
                if best[above] is None:
                    continue
                same = above // 2 == s
                if (same and above % 2) or (closed and not same) or (not closed and same and single_body_gap):
                    continue
                if choice is None or best[above] > best[choice]:
                    choice = above
            if choice is not None:
                new_best[key] = best[choice] + (0 if s == 0 else int(counts[k][s]))
                pointer[key] = choice
        back.append(pointer)
        best = new_best
    key = max((key for key in range(keys) if best[key] is not None), key=lambda key: (best[key], -key))
    result = [0] * n
    for k in range(n):  # back[n - 1 - k] holds slice k's pointers to the slice above it
        result[k] = key // 2
        key = back[n - 1 - k][key]
    return result


def order_levels(label_maps, rule=LEVEL_ORDERING_V1):
    """Applies level_states under `rule` to label maps [n, h, w] (z order): a slice in state 0 loses its
    foreground, a slice in state s >= 1 has every vertebra pixel (labels 1..8) relabelled s, except that in a C1
    slice pixels labelled C2 stay C2 (the dens rises into the ring of the atlas). Java: LevelOrdering.apply."""
    lm = label_maps if isinstance(label_maps, np.ndarray) else label_maps.numpy()
    counts = [np.bincount(lm[k].ravel(), minlength=len(LABELS))[:len(LABELS)] for k in range(lm.shape[0])]
    out = lm.copy()
    for k, state in enumerate(level_states(counts, rule)):
        vertebra = (lm[k] >= 1) & (lm[k] < len(LABELS))
        if state == 1:
            vertebra &= lm[k] != 2
        out[k][vertebra] = state
    return out if isinstance(label_maps, np.ndarray) else torch.from_numpy(out)


def postprocess(rule, label_maps):
    """What the segmenter service does to a study's argmax before its masks leave: the card's
    postprocessing.level_ordering ("" or None for none)."""
    return order_levels(label_maps, rule) if rule else label_maps


def linspace_indices(first, last, count=SAMPLED_SLICES):
    """numpy.linspace(first, last, count).astype(int). Java: CropPlanner.linspaceIndices."""
    return [int(v) for v in np.linspace(first, last, count).astype(int)]


def plan_crop(per_slice, rows, columns, min_pixels, margin_fraction):
    """A vertebra's crop from its per-slice regions (list over z of (count, x0, y0, x1, y1) or None):
    the longest run of slices with at least min_pixels (tie: larger total), the union box widened by
    max(1, floor(margin * size)) per side and clamped, and 24 linspace-sampled indices; None if not found.
    Returns (x0, x1, y0, y1, z0, z1, sampled). Java: io.spinestream.cropper.CropPlanner.plan."""
    best = None  # (length, total, start, end)
    start, total = -1, 0
    for k in range(len(per_slice) + 1):
        region = per_slice[k] if k < len(per_slice) else None
        if region is not None and region[0] >= min_pixels:
            if start < 0:
                start, total = k, 0
            total += region[0]
            continue
        if start >= 0:
            length = k - start
            if best is None or length > best[0] or (length == best[0] and total > best[1]):
                best = (length, total, start, k)
            start = -1
    if best is None:
        return None
    _, _, z0, z1 = best
    run = per_slice[z0:z1]
    x0 = min(r[1] for r in run)
    y0 = min(r[2] for r in run)
    x1 = max(r[3] for r in run)
    y1 = max(r[4] for r in run)
    mx = max(1, math.floor(margin_fraction * (x1 - x0)))
    my = max(1, math.floor(margin_fraction * (y1 - y0)))
    return (max(0, x0 - mx), min(columns, x1 + mx), max(0, y0 - my), min(rows, y1 + my), z0, z1,
            linspace_indices(z0, z1 - 1))


def plan_crops(label_maps, rows, columns, min_pixels, margin_fraction):
    """Crops of C1..C7 (1..7 -> plan or None) from model-resolution label maps [n, h, w] in z order."""
    per_slice = [regions(label_maps[k], rows, columns) for k in range(label_maps.shape[0])]
    return {v: plan_crop([r.get(v) for r in per_slice], rows, columns, min_pixels, margin_fraction)
            for v in range(1, 8)}


def crop_windowed(hu_volume, plan, size, hu_window):
    """The classifier input of one vertebra before normalisation, [24, 3, size, size] float32: step t,
    channel c is slice clamp(s_t - 1 + c) of the HU volume [n, rows, columns] (z order), box [y0:y1, x0:x1]
    windowed to [0, 1] and resized bilinear to size x size. Java: io.spinestream.classifier.CropScorer.input."""
    x0, x1, y0, y1, _, _, sampled = plan
    n = hu_volume.shape[0]
    needed = sorted({i for s in sampled for i in neighbours(s, n)})
    boxes = resize_bilinear(window(hu_volume[needed][:, y0:y1, x0:x1], hu_window[0], hu_window[1]), size, size)
    prepared = {i: boxes[j] for j, i in enumerate(needed)}
    return torch.stack([torch.stack([prepared[i] for i in neighbours(s, n)]) for s in sampled])


def crop_input(hu_volume, plan, size, hu_window, mean, std):
    """crop_windowed, normalised: what the classifier model receives."""
    return normalise(crop_windowed(hu_volume, plan, size, hu_window), mean, std)
