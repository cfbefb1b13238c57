"""A model that localises: class maps trained with the lesion masks (weak supervision at image level too).

The paper: localisation models need region-level annotations. With the
synthetic masks we can train one and compare it with "a classifier explained
afterwards" on the same scores. :class:`LocalizationNet` is a small fully
convolutional network that outputs one map per finding at a quarter of the
image size; the image-level logit is a smooth maximum (log-sum-exp pooling) of
its map, so the map *is* the explanation. :func:`fit_localizer` trains it with
:func:`radkit.train.fit`, adding a pixel-wise loss against the masks.
"""

from __future__ import annotations

import math
import numbers

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["LocalizationNet", "fit_localizer", "mask_targets"]


class LocalizationNet(nn.Module):
    """Fully convolutional: N x 1 x H x W -> image logits N x K; :meth:`maps` gives the K maps.

    Parameters
    ----------
    num_classes : int
    width : int, default 16
    sharpness : float, default 4.0
        ``r`` of the log-sum-exp pooling: 0 would be the mean of the map, large values its maximum.
    seed : int
        Seeds the initial weights (global random state untouched).

    Examples
    --------
    >>> import torch
    >>> net = LocalizationNet(2, seed=0)
    >>> x = torch.rand(3, 1, 32, 32)
    >>> net(x).shape, net.maps(x).shape
    (torch.Size([3, 2]), torch.Size([3, 2, 32, 32]))
    """

    def __init__(
        self, num_classes: int, *, width: int = 16, in_channels: int = 1, sharpness: float = 4.0, seed: int
    ) -> None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, numbers.Integral) or num_classes < 1:
            raise ValueError(f"num_classes must be a positive int, got {num_classes!r}.")
        super().__init__()

        def block(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
            return [nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU()]

        def build() -> None:
            w = width
            self.features = nn.Sequential(
                *block(in_channels, w, 2),
                *block(w, 2 * w),
                nn.MaxPool2d(2),
                *block(2 * w, 4 * w),
                *block(4 * w, 4 * w, 1),
            )
            self.classifier = nn.Conv2d(4 * w, num_classes, 1)

        from radkit.seeding import check_seed

        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(check_seed(seed))
            build()
        self.num_classes = num_classes
        self.sharpness = float(sharpness)
        self.emit_maps = False  # set by fit_localizer while training
        self.radkit_in_channels = in_channels

    def map_logits(self, x: torch.Tensor) -> torch.Tensor:
        """Per-class map logits at a quarter of the image size, N x K x H/4 x W/4."""
        return self.classifier(self.features(x))

    def pool(self, s: torch.Tensor) -> torch.Tensor:
        r = self.sharpness
        hw = s.shape[-1] * s.shape[-2]
        return (torch.logsumexp(r * s.flatten(2), dim=2) - math.log(hw)) / r

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.map_logits(x)
        logits = self.pool(s)
        return torch.cat([logits, s.flatten(1)], 1) if self.emit_maps else logits

    @torch.no_grad()
    def maps(self, x: torch.Tensor, *, batch_size: int = 256) -> torch.Tensor:
        """Class maps (probabilities) upsampled to the image size, N x K x H x W."""
        was = self.training
        self.eval()
        try:
            out = [
                torch.sigmoid(
                    F.interpolate(
                        self.map_logits(x[i : i + batch_size]), size=x.shape[-2:], mode="bilinear", align_corners=False
                    )
                )
                for i in range(0, x.shape[0], batch_size)
            ]
        finally:
            self.train(was)
        return torch.cat(out)


def mask_targets(masks: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Masks N x K x H x W -> {0, 1} targets at the map size (a cell is 1 if any lesion pixel is in it).

    Examples
    --------
    >>> m = torch.zeros(1, 1, 8, 8, dtype=torch.bool); m[0, 0, 0, 0] = True
    >>> mask_targets(m, (2, 2))[0, 0].tolist()
    [[1.0, 0.0], [0.0, 0.0]]
    """
    if masks.ndim != 4:
        raise ValueError(f"masks must be N x K x H x W (one channel per finding), got {tuple(masks.shape)}.")
    return F.adaptive_max_pool2d(masks.float(), size)


def fit_localizer(
    model: LocalizationNet,
    X: torch.Tensor,
    y: torch.Tensor,
    masks: torch.Tensor,
    *,
    num_epochs: int,
    lr: float,
    batch_size: int = 64,
    mask_weight: float = 1.0,
    seed: int,
    progress: bool = True,
    **fit_options,
):
    """Train with :func:`radkit.train.fit`: image-level BCE plus ``mask_weight`` x pixel-wise BCE on the maps.

    Parameters
    ----------
    X : tensor N x 1 x H x W
    y : tensor N x K of 0/1 labels
    masks : tensor N x K x H x W (bool), the lesion masks of the K findings (empty where absent)
    """
    from radkit.train import fit

    if not isinstance(model, LocalizationNet):
        raise TypeError(f"model must be a LocalizationNet, got {type(model).__name__}.")
    y = torch.as_tensor(y, dtype=torch.float32).reshape(len(y), -1)
    k = model.num_classes
    if (
        y.shape[1] != k
        or masks.ndim != 4
        or masks.shape[1] != k
        or masks.shape[0] != len(y)
        or masks.shape[-2:] != X.shape[-2:]
    ):
        raise ValueError(
            f"need y N x {k} and masks N x {k} x H x W matching X {tuple(X.shape)}; got y "
            f"{tuple(y.shape)}, masks {tuple(masks.shape)}."
        )
    with torch.no_grad():
        h, w = model.map_logits(X[:1].to(next(model.parameters()).device)).shape[-2:]
    target = torch.cat([y, mask_targets(masks, (h, w)).flatten(1)], 1)

    def loss(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        image = F.binary_cross_entropy_with_logits(out[:, :k], t[:, :k])
        pixel = F.binary_cross_entropy_with_logits(out[:, k:], t[:, k:])
        return image + mask_weight * pixel

    model.emit_maps = True
    try:
        return fit(
            model,
            (X, target),
            num_epochs=num_epochs,
            lr=lr,
            batch_size=batch_size,
            seed=seed,
            loss=loss,
            progress=progress,
            **fit_options,
        )
    finally:
        model.emit_maps = False
