"""Sanity checks for saliency maps (Adebayo et al., NeurIPS 2018).

If a map stays the same when the model's learned weights are replaced by
random ones, it does not explain the model: it shows the image (edges,
bright structures) whatever the model has learned. The *cascading
randomisation* test re-initialises the layers from the output back to the
input, one at a time, and measures after each step how similar each method's
map still is to the map of the trained model: Spearman rank correlation of the
absolute maps and SSIM of the min-max scaled maps.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from scipy.stats import rankdata
from torch import nn

from radkit.explain.attribution import METHODS, attribute

__all__ = [
    "rank_correlation",
    "ssim",
    "randomizable_layers",
    "randomize_layers",
    "SanityResult",
    "cascading_randomization",
]


def _flat(a: object) -> np.ndarray:
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 4:
        a = a.sum(1)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise ValueError(f"maps must be N x H x W or N x C x H x W, got shape {a.shape}.")
    return a


def rank_correlation(a: object, b: object, *, absolute: bool = True) -> np.ndarray:
    """Spearman rank correlation between paired maps, one value per image.

    Examples
    --------
    >>> a = np.arange(16.0).reshape(1, 4, 4)
    >>> rank_correlation(a, a ** 2).round(6).tolist(), rank_correlation(a, -a, absolute=False).tolist()
    ([1.0], [-1.0])
    """
    x, y = _flat(a), _flat(b)
    if x.shape != y.shape:
        raise ValueError(f"the two sets of maps differ in shape: {x.shape} and {y.shape}.")
    if absolute:
        x, y = np.abs(x), np.abs(y)
    rx = rankdata(x.reshape(len(x), -1), axis=1)
    ry = rankdata(y.reshape(len(y), -1), axis=1)
    rx -= rx.mean(1, keepdims=True)
    ry -= ry.mean(1, keepdims=True)
    den = np.sqrt((rx**2).sum(1) * (ry**2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (rx * ry).sum(1) / np.where(den > 0, den, 1), np.nan)


def _scale01(a: np.ndarray) -> np.ndarray:
    lo = a.min(axis=(1, 2), keepdims=True)
    hi = a.max(axis=(1, 2), keepdims=True)
    return np.where(hi > lo, (a - lo) / np.where(hi > lo, hi - lo, 1), 0.0)


def ssim(a: object, b: object, *, win_size: int = 7, absolute: bool = True) -> np.ndarray:
    """Structural similarity of paired maps after min-max scaling each to [0, 1], one value per image.

    Same conventions as ``skimage.metrics.structural_similarity`` with
    ``data_range=1`` (uniform ``win_size`` window, sample covariance, K1 = 0.01,
    K2 = 0.03, the border of half a window left out).

    Examples
    --------
    >>> a = np.random.default_rng(0).random((2, 16, 16))
    >>> ssim(a, a).tolist()
    [1.0, 1.0]
    """
    x, y = _flat(a), _flat(b)
    if x.shape != y.shape:
        raise ValueError(f"the two sets of maps differ in shape: {x.shape} and {y.shape}.")
    if isinstance(win_size, bool) or not isinstance(win_size, (int, np.integer)) or win_size < 3 or win_size % 2 == 0:
        raise ValueError(f"win_size must be an odd int >= 3, got {win_size!r}.")
    if min(x.shape[1:]) < win_size:
        raise ValueError(f"maps of {x.shape[1:]} pixels are smaller than win_size={win_size}; use a smaller window.")
    if absolute:
        x, y = np.abs(x), np.abs(y)
    x, y = _scale01(x), _scale01(y)
    t = torch.as_tensor(np.stack([x, y, x * x, y * y, x * y], 1))
    m = F.avg_pool2d(t, win_size, stride=1).numpy()
    ux, uy, uxx, uyy, uxy = (m[:, i] for i in range(5))
    cov = win_size**2 / (win_size**2 - 1)
    vx, vy, vxy = cov * (uxx - ux * ux), cov * (uyy - uy * uy), cov * (uxy - ux * uy)
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    return s.mean(axis=(1, 2))


def randomizable_layers(model: nn.Module) -> list[str]:
    """Names of the layers with learned weights (Conv, Linear), from the output back to the input.

    Normalisation layers are left as trained: the test asks what the learned
    filters contribute.

    Examples
    --------
    >>> import radkit.models
    >>> randomizable_layers(radkit.models.make_model("smallcnn", num_classes=1, seed=0))[:2]
    ['head', 'features.11']
    """
    names = [n for n, m in model.named_modules() if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear))]
    return names[::-1]


def randomize_layers(model: nn.Module, layers: Sequence[str], *, seed: int) -> nn.Module:
    """A copy of ``model`` with ``layers`` re-initialised (their ``reset_parameters``), the rest as trained.

    The caller's model and the global random state are left untouched.

    Examples
    --------
    >>> import torch, radkit.models
    >>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> r = randomize_layers(m, ["head"], seed=1)
    >>> bool(torch.equal(r.head.weight, m.head.weight)), bool(torch.equal(r.features[0].weight, m.features[0].weight))
    (False, True)
    """
    from radkit.seeding import check_seed

    seed = check_seed(seed)
    valid = randomizable_layers(model)
    unknown = [n for n in layers if n not in valid]
    if unknown:
        raise ValueError(
            f"layers {unknown} cannot be randomised: not Conv/Linear modules of this model. "
            f"Valid, output first: {valid}."
        )
    out = copy.deepcopy(model)
    modules = dict(out.named_modules())
    devices = [d for d in {p.device for p in out.parameters()} if d.type == "cuda"]
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        for name in layers:
            modules[name].reset_parameters()
    return out


@dataclass
class SanityResult:
    """What :func:`cascading_randomization` measured.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per (method, step): ``step`` (0 = trained model), ``randomized``
        (the layer re-initialised at this step; all layers above it are random too),
        ``spearman`` and ``ssim`` (means over images, with ``_low``/``_high`` bootstrap bounds).
    maps : dict
        method -> list over steps of maps N x 1 x H x W (the first ``keep`` images), for figures.
    """

    table: pd.DataFrame
    maps: dict[str, list[torch.Tensor]] = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def final(self) -> pd.DataFrame:
        """Similarity to the trained model's map once every layer is random, per method."""
        last = self.table[self.table["step"] == self.table["step"].max()]
        return last.set_index("method")[["spearman", "spearman_low", "spearman_high", "ssim", "ssim_low", "ssim_high"]]


def _mean_ci(v: np.ndarray, seed: int, n_boot: int = 500) -> tuple[float, float, float]:
    from radkit.seeding import rng
    from radkit.stats import percentile_interval

    v = v[np.isfinite(v)]
    if v.size == 0:
        return float("nan"), float("nan"), float("nan")
    idx = rng(seed).integers(0, v.size, size=(n_boot, v.size))
    lo, hi = percentile_interval(v[idx].mean(1))
    return float(v.mean()), float(lo), float(hi)


def cascading_randomization(
    model: nn.Module,
    x: torch.Tensor,
    *,
    target: int | Sequence[int],
    methods: Sequence[str] = ("saliency", "grad_cam", "edge"),
    options: Mapping[str, Mapping] | None = None,
    layers: Sequence[str] | None = None,
    seed: int,
    keep: int = 4,
) -> SanityResult:
    """Adebayo's cascading randomisation: maps of each method as layers are re-initialised top-down.

    Parameters
    ----------
    model : nn.Module
        The trained model (left unchanged).
    x : torch.Tensor
        Images N x C x H x W on the model's device.
    target : int or sequence of int
    methods : sequence of str
        Names from :data:`radkit.explain.METHODS`.
    options : dict, optional
        method -> keyword options, e.g. ``{"grad_cam": {"layer": "features.13"}}``.
    layers : sequence of str, optional
        Layers to randomise, in order; default all Conv/Linear layers, output first.
    seed : int
        Seeds the new weights and the bootstrap.
    keep : int, default 4
        Maps of the first ``keep`` images are kept for figures.

    Examples
    --------
    >>> import torch, radkit.models
    >>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> r = cascading_randomization(m, torch.rand(3, 1, 32, 32), target=0, methods=("saliency", "edge"), seed=0)
    >>> float(r.final().loc["edge", "spearman"])
    1.0
    """
    from radkit.seeding import check_seed

    seed = check_seed(seed)
    options = dict(options or {})
    unknown = [m for m in list(methods) + list(options) if m not in METHODS]
    if unknown:
        raise ValueError(f"unknown method(s) {unknown}. Valid: {', '.join(METHODS)}.")
    order = randomizable_layers(model) if layers is None else list(layers)
    if not order:
        raise ValueError("the model has no Conv/Linear layer to randomise.")
    rows, kept = [], {m: [] for m in methods}
    reference: dict[str, torch.Tensor] = {}
    for step in range(len(order) + 1):
        current = model if step == 0 else randomize_layers(model, order[:step], seed=seed)
        for method in methods:
            opts = dict(options.get(method, {}))
            if method == "smoothgrad":  # its noise draws follow this function's seed unless given
                opts.setdefault("seed", seed)
            a = attribute(current, x, method=method, target=target, **opts).detach()
            if step == 0:
                reference[method] = a
            rho = rank_correlation(reference[method], a)
            ss = ssim(reference[method], a)
            r_m, r_lo, r_hi = _mean_ci(rho, seed + step)
            s_m, s_lo, s_hi = _mean_ci(ss, seed + step)
            rows.append(
                {
                    "method": method,
                    "step": step,
                    "randomized": "none (trained)" if step == 0 else order[step - 1],
                    "spearman": r_m,
                    "spearman_low": r_lo,
                    "spearman_high": r_hi,
                    "ssim": s_m,
                    "ssim_low": s_lo,
                    "ssim_high": s_hi,
                }
            )
            kept[method].append(a[:keep].cpu())
    return SanityResult(table=pd.DataFrame(rows), maps=kept)
