"""The seed solution's two architectures (ARCHITECTURE.md section 1), built on torchvision's EfficientNet so
that full-size variants are the published ones and small variants only change the width."""
import math
from functools import partial
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.models.efficientnet import EfficientNet, FusedMBConvConfig, MBConvConfig, _efficientnet_conf


def efficientnet_features(backbone: str, width: float) -> nn.Sequential:
    """The feature extractor (stem, stages, last 1x1 conv) of efficientnet_b0 or efficientnet_v2_s, channels
    scaled by `width` (1.0 is the published network; weights start random: nothing is downloaded)."""
    if backbone == "efficientnet_b0":
        setting, last_channel = _efficientnet_conf("efficientnet_b0", width_mult=width, depth_mult=1.0)
    elif backbone == "efficientnet_v2_s":
        setting, last_channel = _efficientnet_conf("efficientnet_v2_s")
        if width != 1.0:
            scale = partial(MBConvConfig.adjust_channels, width_mult=width)
            for s in setting:
                s.input_channels = scale(s.input_channels)
                s.out_channels = scale(s.out_channels)
            last_channel = scale(last_channel)
    elif backbone == "plain":
        return plain_features(width)
    else:
        raise ValueError("backbone must be efficientnet_b0, efficientnet_v2_s or plain, got " + backbone)
    return EfficientNet(setting, dropout=0.0, last_channel=last_channel).features


def plain_features(width: float) -> nn.Sequential:
    """A light VGG-style extractor (four stride-2 stages of two 3x3 conv-BN-ReLU, 64..512 channels at width 1):
    the lighter backbone option, quick to train from random weights where depthwise networks are slow."""
    layers = []
    cin = 3
    for c in [64, 128, 256, 512]:
        cout = max(8, int(round(c * width)))
        layers.append(nn.Sequential(
            nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)))
        cin = cout
    return nn.Sequential(*layers)


def zero_init_residuals(features: nn.Module):
    """Starts every residual block as the identity (its last BatchNorm's scale at zero), which lets these
    networks train from random weights on little data (Goyal et al. 2017's trick for ResNets)."""
    for module in features.modules():
        if getattr(module, "use_res_connect", False):
            norms = [m for m in module.block.modules() if isinstance(m, nn.BatchNorm2d)]
            nn.init.zeros_(norms[-1].weight)


def _conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DecoderBlock(nn.Module):
    """U-Net decoder step: upsample x2 (nearest), concatenate the encoder's skip, two conv-BN-ReLU."""

    def __init__(self, cin: int, cskip: int, cout: int):
        super().__init__()
        self.conv1 = _conv_bn_relu(cin + cskip, cout)
        self.conv2 = _conv_bn_relu(cout, cout)

    def forward(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        if skip.shape[1] > 0:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class SegmentationUNet(nn.Module):
    """2.5D U-Net: input [N, 3, H, W] = slices i-1, i, i+1 (H, W multiples of 32), output [N, 9, H, W] logits
    over background, C1..C7, T1-T12. Encoder EfficientNet-B0 (width by option), decoder as segmentation_models'
    Unet (channels 256, 128, 64, 32, 16 at width 1)."""

    # Encoder stages whose outputs feed the decoder: strides 2, 4, 8, 16, 32.
    SKIP_STAGES = [1, 2, 3, 5, 7]

    def __init__(self, width: float = 1.0, decoder_width: float = 1.0, classes: int = 9):
        super().__init__()
        features = efficientnet_features("efficientnet_b0", width)
        # The last 1x1 conv (1280 channels) is a classification head; a U-Net stops at stage 7.
        self.stem = features[0]
        self.stages = nn.ModuleList([features[i] for i in range(1, 8)])
        skip_channels = [features[i][-1].out_channels for i in self.SKIP_STAGES]
        decoder = [max(8, int(round(c * decoder_width))) for c in [256, 128, 64, 32, 16]]
        ins = [skip_channels[-1]] + decoder[:-1]
        skips = list(reversed(skip_channels[:-1])) + [0]
        self.decoder = nn.ModuleList([DecoderBlock(i, s, o) for i, s, o in zip(ins, skips, decoder)])
        self.head = nn.Conv2d(decoder[-1], classes, 3, padding=1)
        # Training only: which labels the slice shows, from the deepest features. Naming the vertebra level
        # needs the whole slice (mandible, thyroid and cricoid cartilage, first ribs); this loss asks for it.
        self.presence = nn.Linear(skip_channels[-1], classes)
        zero_init_residuals(self.stages)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_with_presence(x)[0]

    def forward_with_presence(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        x = self.stem(x)
        skips: List[torch.Tensor] = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i + 1 in [1, 2, 3, 5]:
                skips.append(x)
        presence = self.presence(x.mean(dim=(2, 3)))
        empty = x[:, :0]
        for i, block in enumerate(self.decoder):
            skip = skips[len(skips) - 1 - i] if i < len(skips) else empty
            x = block(x, skip)
        return self.head(x), presence


class SpatialDropout(nn.Module):
    """Drops whole feature channels of a sequence [N, T, C] across all steps (Kaggle's SpatialDropout1D)."""

    def __init__(self, p: float):
        super().__init__()
        self.dropout = nn.Dropout2d(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dropout(x.permute(0, 2, 1).unsqueeze(3)).squeeze(3).permute(0, 2, 1)


class VertebraClassifier(nn.Module):
    """Stage 2: input [N, 24, 3, H, W] (24 crops of one vertebra, each slices s-1, s, s+1), output [N, 1] fracture
    logit. Per-slice CNN (EfficientNetV2-S as in the seed, or a narrower EfficientNet by option), SpatialDropout
    over the sequence features, bidirectional GRU over the 24 steps, attention pooling, linear head."""

    def __init__(self, backbone: str = "efficientnet_v2_s", width: float = 1.0, gru_hidden: int = 256,
                 spatial_dropout: float = 0.2, dropout: float = 0.3):
        super().__init__()
        self.cnn = efficientnet_features(backbone, width)
        zero_init_residuals(self.cnn)
        # Mean and max over the crop: a fracture line is small, the max keeps it from being averaged away.
        channels = 2 * [m for m in self.cnn.modules() if isinstance(m, nn.BatchNorm2d)][-1].num_features
        self.spatial_dropout = SpatialDropout(spatial_dropout)
        self.gru = nn.GRU(channels, gru_hidden, batch_first=True, bidirectional=True)
        self.attention = nn.Sequential(nn.Linear(2 * gru_hidden, gru_hidden), nn.Tanh(), nn.Linear(gru_hidden, 1))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(2 * gru_hidden, 1)
        self.init_gru()

    def init_gru(self):
        """The seed's explicit GRU initialisation: input weights Xavier-uniform, recurrent weights orthogonal
        (per gate), biases zero."""
        for name, param in self.gru.named_parameters():
            if "weight_ih" in name:
                for gate in param.data.chunk(3, 0):
                    nn.init.xavier_uniform_(gate)
            elif "weight_hh" in name:
                for gate in param.data.chunk(3, 0):
                    nn.init.orthogonal_(gate)
            elif "bias" in name:
                nn.init.zeros_(param.data)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, t = x.shape[0], x.shape[1]
        f = self.cnn(x.reshape(n * t, x.shape[2], x.shape[3], x.shape[4]))
        f = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3))], dim=1).reshape(n, t, -1)
        f = self.spatial_dropout(f)
        h, _ = self.gru(f)
        weights = torch.softmax(self.attention(h), dim=1)
        pooled = (weights * h).sum(dim=1)
        return self.head(self.dropout(pooled))


def parameter_count(model):
    return sum(p.numel() for p in model.parameters())


def set_prior_bias(layer: nn.Module, priors):
    """Starts a head at the class priors (log p), so the first steps do not spend themselves on the frequencies."""
    with torch.no_grad():
        layer.bias.copy_(torch.log(torch.tensor(priors, dtype=torch.float32).clamp_min(1e-6)))


def channels_last(model: nn.Module) -> nn.Module:
    """The model with its conv weights in channels-last (NHWC) memory: on these CPUs (oneDNN) a conv whose weight
    is channels-last runs in NHWC whatever its input's layout, and the shipped segmenter's inference costs 0.6x.
    Used for evaluation only. Training this way (a step 0.6x) changes the float rounding and with it the whole
    trajectory: the one such run of the shipped recipe came out at dice 0.888 instead of 0.945 (models/README.md)."""
    return model.to(memory_format=torch.channels_last)
