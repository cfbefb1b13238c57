"""Batched, per-image random augmentation of radiograph tensors, deterministic under a seed.

Each operation takes a batch ``N×1×H×W`` in [0, 1] on any device and one
parameter *per image* (a tensor of length N), and runs as one batched call:
one ``affine_grid`` + ``grid_sample`` for rotation, translation, scale (and
elastic warping), one grouped convolution for blur, broadcast arithmetic for
gamma, contrast, brightness and noise. Every operation equals the
corresponding ``torchvision.transforms.v2.functional`` operation applied to one
image at a time with that image's parameter (``tests/test_augmentation.py``
checks it). What radkit adds to torchvision: torchvision's transforms draw one
set of parameters per call (so a batch gets one rotation) and draw it from the
global random state; here every image gets its own draw, from a generator
seeded explicitly, on the batch's device, and the policy is chest-specific
(no left-right flip by default; see :data:`SAFE_CXR`).

Examples
--------
>>> import torch
>>> from radkit.augmentation import SAFE_CXR, augment_batch
>>> x = torch.rand(4, 1, 32, 32)
>>> out = augment_batch(x, policy=SAFE_CXR, seed=0)
>>> tuple(out.shape), bool(out.min() >= 0 and out.max() <= 1)
((4, 1, 32, 32), True)
>>> bool(torch.equal(out, augment_batch(x, policy=SAFE_CXR, seed=0)))
True
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

import torch
import torch.nn.functional as F

from radkit._compat import renamed_arguments
from radkit._validate import check_images as _check_images
from radkit.seeding import check_seed, torch_generator

__all__ = [
    "IDENTITY",
    "OPERATIONS",
    "SAFE_CXR",
    "Augment",
    "Policy",
    "add_noise",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "affine",
    "augment_batch",
    "check_images",
    "draw_params",
    "elastic_field",
    "gaussian_blur",
    "hflip",
    "make_policy",
    "mixup",
]


# ----------------------------------------------------------------------------- validation


def check_images(x: object, *, where: str = "images") -> torch.Tensor:
    """Return ``x`` if it is a float batch ``N×C×H×W`` with values in [0, 1]; raise otherwise.

    The one image check of the kit (:func:`radkit._validate.check_images`), with [0, 1] required.

    Examples
    --------
    >>> import torch
    >>> check_images(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 1, 8, 8])
    """
    return _check_images(x, where=where, unit_range=True)


def _per_image(value: object, n: int, x: torch.Tensor, name: str) -> torch.Tensor:
    t = torch.as_tensor(value, dtype=x.dtype, device=x.device)
    if t.ndim == 0:
        t = t.expand(n)
    if t.shape != (n,):
        raise ValueError(f"{name} must be a number or one value per image (length {n}), "
                         f"got shape {tuple(t.shape)}.")
    return t


def _view(t: torch.Tensor) -> torch.Tensor:
    return t.view(-1, 1, 1, 1)


# ----------------------------------------------------------------------------- operations


def _theta(angle: torch.Tensor, translate: torch.Tensor, scale: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Inverse affine matrices (N×2×3) in ``affine_grid``'s normalised coordinates.

    Same convention as torchvision's ``affine``: ``angle`` in degrees, clockwise;
    ``translate`` (N×2) in pixels (x right, y down); scaling about the centre.
    """
    rot = torch.deg2rad(angle)
    cos, sin = torch.cos(rot) / scale, torch.sin(rot) / scale
    # pixel coordinates centred on the image: input = M (output - t), M = [[cos, sin], [-sin, cos]] / s
    m = torch.stack([torch.stack([cos, sin], -1), torch.stack([-sin, cos], -1)], -2)  # N×2×2
    d = torch.tensor([w / 2, h / 2], dtype=angle.dtype, device=angle.device)
    m_norm = m * d.view(1, 1, 2) / d.view(1, 2, 1)  # D⁻¹ M D
    shift = -(m @ translate.unsqueeze(-1)).squeeze(-1) / d  # D⁻¹ (−M t)
    return torch.cat([m_norm, shift.unsqueeze(-1)], dim=-1)


def affine(x: torch.Tensor, *, angle: object = 0.0, translate: object = (0.0, 0.0), scale: object = 1.0,
           displacement: torch.Tensor | None = None, padding: str = "zeros") -> torch.Tensor:
    """Rotate, translate and scale every image by its own parameters, in one ``grid_sample``.

    Parameters
    ----------
    x : Tensor
        ``N×C×H×W`` in [0, 1].
    angle : float or Tensor (N,)
        Degrees, clockwise (the convention of torchvision's ``affine``; its ``rotate`` turns the other way).
    translate : (float, float) or Tensor (N, 2)
        Pixels, ``(right, down)``.
    scale : float or Tensor (N,)
        Zoom factor about the image centre (> 1 enlarges).
    displacement : Tensor (N, H, W, 2), optional
        Extra offsets of the sampling grid in normalised coordinates (elastic warping,
        see :func:`elastic_field`).
    padding : {"zeros", "border", "reflection"}
        What fills the area that moves in from outside the image.

    Returns
    -------
    Tensor
        Same shape; bilinear interpolation. With ``padding="zeros"`` and no
        displacement, image ``i`` equals ``torchvision.transforms.v2.functional.affine``
        of image ``i`` with ``interpolation=BILINEAR`` and no shear.

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(2, 1, 5, 5); x[:, :, 2, 3] = 1      # a dot right of the centre
    >>> y = affine(x, angle=torch.tensor([0.0, 90.0]))
    >>> [tuple((im[0] > 0.5).nonzero()[0].tolist()) for im in y]   # 90° clockwise moves it down
    [(2, 3), (3, 2)]
    """
    n, _, h, w = x.shape
    angle = _per_image(angle, n, x, "angle")
    scale = _per_image(scale, n, x, "scale")
    if bool((scale <= 0).any()):
        raise ValueError("scale must be > 0 for every image (1 keeps the size).")
    tr = torch.as_tensor(translate, dtype=x.dtype, device=x.device)
    tr = tr.expand(n, 2) if tr.shape == (2,) else tr
    if tr.shape != (n, 2):
        raise ValueError(f"translate must be (dx, dy) or an N×2 tensor, got shape {tuple(tr.shape)}.")
    if padding not in ("zeros", "border", "reflection"):
        raise ValueError(f"padding must be 'zeros', 'border' or 'reflection', got {padding!r}.")
    grid = F.affine_grid(_theta(angle, tr, scale, h, w), [n, x.shape[1], h, w], align_corners=False)
    if displacement is not None:
        grid = grid + displacement
    return F.grid_sample(x, grid, mode="bilinear", padding_mode=padding, align_corners=False)


def adjust_gamma(x: torch.Tensor, gamma: object) -> torch.Tensor:
    """``x ** gamma`` per image (gamma > 1 darkens mid-tones), like torchvision's ``adjust_gamma``.

    Examples
    --------
    >>> import torch
    >>> adjust_gamma(torch.full((2, 1, 1, 1), 0.25), torch.tensor([1.0, 0.5])).flatten().tolist()
    [0.25, 0.5]
    """
    g = _per_image(gamma, x.shape[0], x, "gamma")
    if bool((g <= 0).any()):
        raise ValueError("gamma must be > 0 for every image (1 leaves the image unchanged).")
    return x.clamp_min(0).pow(_view(g)).clamp(0, 1)


def adjust_contrast(x: torch.Tensor, factor: object) -> torch.Tensor:
    """Blend each image with its own mean grey level: ``factor·x + (1 − factor)·mean``.

    As torchvision's ``adjust_contrast`` for one-channel images: 0 gives a flat
    grey image, 1 the original, > 1 more contrast; clipped to [0, 1].

    Examples
    --------
    >>> import torch
    >>> adjust_contrast(torch.tensor([[[[0.2, 0.6]]]]), 0.0).flatten().tolist()
    [0.4000000059604645, 0.4000000059604645]
    """
    f = _view(_per_image(factor, x.shape[0], x, "contrast factor"))
    if x.shape[1] == 1:
        mean = x.mean(dim=(-3, -2, -1), keepdim=True)
    else:  # torchvision: mean of the luminance image
        lum = (0.2989 * x[:, 0] + 0.587 * x[:, 1] + 0.114 * x[:, 2]).unsqueeze(1)
        mean = lum.mean(dim=(-3, -2, -1), keepdim=True)
    return (f * x + (1 - f) * mean).clamp(0, 1)


def adjust_brightness(x: torch.Tensor, factor: object) -> torch.Tensor:
    """Multiply each image by its own factor and clip to [0, 1] (torchvision's ``adjust_brightness``).

    Examples
    --------
    >>> import torch
    >>> adjust_brightness(torch.full((1, 1, 1, 2), 0.6), 2.0).flatten().tolist()
    [1.0, 1.0]
    """
    f = _per_image(factor, x.shape[0], x, "brightness factor")
    return (x * _view(f)).clamp(0, 1)


def add_noise(x: torch.Tensor, sigma: object, *, generator: torch.Generator) -> torch.Tensor:
    """Add Gaussian noise of per-image standard deviation ``sigma`` and clip to [0, 1].

    Examples
    --------
    >>> import torch
    >>> from radkit.seeding import torch_generator
    >>> x = torch.full((2, 1, 16, 16), 0.5)
    >>> y = add_noise(x, torch.tensor([0.0, 0.1]), generator=torch_generator(0))
    >>> bool(torch.equal(y[0], x[0])), 0.05 < float(y[1].std()) < 0.15
    (True, True)
    """
    s = _view(_per_image(sigma, x.shape[0], x, "noise sigma"))
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return (x + s * noise).clamp(0, 1)


def _kernels(sigma: torch.Tensor, size: int) -> torch.Tensor:
    """Normalised 1-D Gaussian kernels, N×size (torchvision's ``_get_gaussian_kernel1d``)."""
    half = (size - 1) * 0.5
    pos = torch.linspace(-half, half, steps=size, dtype=sigma.dtype, device=sigma.device)
    k = torch.exp(-0.5 * (pos.view(1, -1) / sigma.clamp_min(1e-6).view(-1, 1)) ** 2)
    k = torch.where(sigma.view(-1, 1) > 0, k, (pos.abs() < 0.5).to(k.dtype).view(1, -1))  # sigma 0: identity
    return k / k.sum(dim=1, keepdim=True)


def gaussian_blur(x: torch.Tensor, sigma: object, *, kernel_size: int | None = None) -> torch.Tensor:
    """Gaussian blur with a per-image sigma (pixels), as one grouped separable convolution.

    Parameters
    ----------
    x : Tensor
        ``N×C×H×W``.
    sigma : float or Tensor (N,)
        Standard deviation in pixels; 0 leaves an image unchanged.
    kernel_size : int, optional
        Odd; default ``2·ceil(3·max sigma) + 1``, capped at the image size. With the
        same kernel size, image ``i`` equals torchvision's ``gaussian_blur`` of it
        (reflect padding).

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(2, 1, 9, 9); x[:, :, 4, 4] = 1
    >>> y = gaussian_blur(x, torch.tensor([0.0, 1.0]))
    >>> float(y[0, 0, 4, 4]), round(float(y[1].sum()), 4), float(y[1, 0, 4, 4]) < 0.2
    (1.0, 1.0, True)
    """
    n, c, h, w = x.shape
    s = _per_image(sigma, n, x, "blur sigma")
    if bool((s < 0).any()):
        raise ValueError("blur sigma must be >= 0 (0 leaves the image unchanged).")
    if kernel_size is None:
        kernel_size = 2 * math.ceil(3 * float(s.max())) + 1 if n else 1
        kernel_size = min(kernel_size, (min(h, w) - 1) // 2 * 2 + 1)
    if kernel_size % 2 != 1 or kernel_size < 1:
        raise ValueError(f"kernel_size must be a positive odd number, got {kernel_size}.")
    if kernel_size == 1:
        return x
    k = _kernels(s, kernel_size).repeat_interleave(c, dim=0)  # (N·C)×k
    pad = kernel_size // 2
    flat = F.pad(x.reshape(1, n * c, h, w), (pad, pad, pad, pad), mode="reflect")
    flat = F.conv2d(flat, k.view(n * c, 1, 1, kernel_size), groups=n * c)
    flat = F.conv2d(flat, k.view(n * c, 1, kernel_size, 1), groups=n * c)
    return flat.view(n, c, h, w)


def elastic_field(n: int, h: int, w: int, *, alpha: torch.Tensor, sigma: float, generator: torch.Generator,
                  device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Smooth random displacement fields (N×H×W×2) for :func:`affine`'s ``displacement``.

    Uniform noise in [−1, 1] per pixel and axis, Gaussian-smoothed with ``sigma``
    pixels and scaled so its largest displacement is ``alpha`` pixels (per image),
    returned in ``grid_sample``'s normalised units (as torchvision's
    ``ElasticTransform``, with the magnitude set directly instead of by
    ``alpha`` before smoothing, so it does not shrink as ``sigma`` grows).

    Examples
    --------
    >>> import torch
    >>> from radkit.seeding import torch_generator
    >>> d = elastic_field(2, 16, 16, alpha=torch.tensor([0.0, 2.0]), sigma=3.0, generator=torch_generator(0))
    >>> tuple(d.shape), float(d[0].abs().max()), round(float(d[1, ..., 0].abs().max() * 16 / 2), 3)
    ((2, 16, 16, 2), 0.0, 2.0)
    """
    raw = torch.rand((n, 2, h, w), generator=generator, device=device, dtype=dtype) * 2 - 1
    smooth = gaussian_blur(raw, torch.full((n,), float(sigma), device=device, dtype=dtype))
    peak = smooth.abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-8)
    pixels = smooth / peak * alpha.to(device=device, dtype=dtype).view(-1, 1, 1, 1)
    scale = torch.tensor([2.0 / w, 2.0 / h], device=device, dtype=dtype).view(1, 2, 1, 1)
    return (pixels * scale).permute(0, 2, 3, 1)


def hflip(x: torch.Tensor, flip: torch.Tensor) -> torch.Tensor:
    """Mirror the images where ``flip`` (bool, N) is True.

    Not in the default policy: on a chest radiograph a mirror image puts the
    heart on the wrong side (an artificial dextrocardia) and mirrors the
    burned-in L/R marker, so the model learns from anatomy that does not exist.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[[[0.0, 1.0]]], [[[0.0, 1.0]]]])
    >>> hflip(x, torch.tensor([True, False])).flatten().tolist()
    [1.0, 0.0, 0.0, 1.0]
    """
    return torch.where(_view(flip.to(x.device)), x.flip(-1), x)


def mixup(x: torch.Tensor, y: torch.Tensor, *, lam: torch.Tensor, partner: torch.Tensor
          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Mix each image and its label with a partner's: ``λ·(x, y) + (1 − λ)·(x_j, y_j)`` (Zhang et al. 2018).

    Labels become soft (fractions), which ``radkit.train.fit``'s BCE loss accepts.

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[[[0.0]]], [[[1.0]]]]); y = torch.tensor([[0.0], [1.0]])
    >>> xm, ym = mixup(x, y, lam=torch.tensor([0.75, 1.0]), partner=torch.tensor([1, 0]))
    >>> xm.flatten().tolist(), ym.flatten().tolist()
    ([0.25, 1.0], [0.25, 1.0])
    """
    lam_x = _view(lam.to(x.device, x.dtype))
    xm = lam_x * x + (1 - lam_x) * x[partner]
    lam_y = lam.to(y.device, y.dtype).view(-1, *([1] * (y.ndim - 1)))
    return xm, lam_y * y + (1 - lam_y) * y[partner]


# ----------------------------------------------------------------------------- policies


@dataclass(frozen=True)
class Policy:
    """How strongly to apply each augmentation; 0 switches an operation off.

    Sizes are fractions of the image side, so one policy serves 32² to 1024².
    Each image draws its own parameters uniformly within these bounds.

    Attributes
    ----------
    rotate : float
        Largest rotation in degrees (either way).
    translate : float
        Largest shift, as a fraction of the image side, each axis.
    scale : float
        Largest relative zoom: factors in ``[1 − scale, 1 + scale]``.
    gamma : float
        Largest ``|log gamma|``: gamma in ``[exp(−g), exp(g)]`` (scanner contrast curve).
    contrast : float
        Contrast factors in ``[1 − c, 1 + c]``.
    brightness : float
        Brightness factors in ``[1 − b, 1 + b]``.
    noise : float
        Largest noise standard deviation (image units), drawn in ``[0, noise]``.
    blur : float
        Largest blur sigma, as a fraction of the side, drawn in ``[0, blur]``.
    elastic : float
        Largest elastic displacement, as a fraction of the side (0 = off).
    elastic_sigma : float
        Smoothness of the elastic field, fraction of the side.
    hflip : float
        Probability of a left-right mirror. **0 for chest radiographs** (see :func:`hflip`).
    mixup : float
        Beta(α, α) parameter for mixup; 0 = off. Needs labels.
    padding : str
        ``grid_sample`` padding for the geometric part.
    """

    rotate: float = 0.0
    translate: float = 0.0
    scale: float = 0.0
    gamma: float = 0.0
    contrast: float = 0.0
    brightness: float = 0.0
    noise: float = 0.0
    blur: float = 0.0
    elastic: float = 0.0
    elastic_sigma: float = 0.08
    hflip: float = 0.0
    mixup: float = 0.0
    padding: str = "zeros"

    def __post_init__(self) -> None:
        limits = {"rotate": 180.0, "translate": 0.5, "scale": 0.9, "gamma": 3.0, "contrast": 1.0,
                  "brightness": 1.0, "noise": 1.0, "blur": 0.25, "elastic": 0.25, "elastic_sigma": 1.0,
                  "hflip": 1.0, "mixup": 100.0}
        for name, top in limits.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= top:
                raise ValueError(f"Policy.{name}={v!r} must be a number in [0, {top:g}]. "
                                 "0 switches the operation off; see radkit.augmentation.Policy.")
        if self.padding not in ("zeros", "border", "reflection"):
            raise ValueError(f"Policy.padding={self.padding!r}: use 'zeros', 'border' or 'reflection'.")

    @property
    def active(self) -> list[str]:
        """Names of the operations switched on."""
        return [op for op in OPERATIONS if getattr(self, op) > 0]

    @property
    def is_identity(self) -> bool:
        return not self.active

    def to_dict(self) -> dict:
        return asdict(self)

    def geometric(self) -> Policy:
        """Only the geometric part (flip, rotation, shift, zoom, elastic).

        With the same seed it moves pixels exactly as the full policy does, so
        ``augment_batch(mask, policy=p.geometric(), seed=s)`` is the mask of
        ``augment_batch(image, policy=p, seed=s)`` (every draw is made whether
        or not its operation is on).
        """
        return Policy(rotate=self.rotate, translate=self.translate, scale=self.scale, elastic=self.elastic,
                      elastic_sigma=self.elastic_sigma, hflip=self.hflip, padding=self.padding)

    def scaled(self, strength: float) -> Policy:
        """The same policy with every strength multiplied by ``strength`` (hflip and mixup kept)."""
        if not strength >= 0:
            raise ValueError(f"strength must be >= 0, got {strength}.")
        keep = {"hflip", "mixup", "elastic_sigma", "padding"}
        top = {"translate": 0.5, "scale": 0.9, "blur": 0.25, "elastic": 0.25, "contrast": 1.0, "brightness": 1.0}
        return replace(self, **{f.name: min(getattr(self, f.name) * strength, top.get(f.name, math.inf))
                                for f in fields(self) if f.name not in keep})


#: The operations a :class:`Policy` can switch on, in the order they are applied.
OPERATIONS: tuple[str, ...] = ("hflip", "rotate", "translate", "scale", "elastic", "gamma", "contrast",
                               "brightness", "blur", "noise", "mixup")

#: Nothing: ``fit(augment=Augment(IDENTITY, ...))`` trains exactly as without augmentation.
IDENTITY = Policy()

#: The "safe for CXR" default: what a change of patient position, scanner and exposure would do
#: to a real radiograph, and nothing a real radiograph cannot look like. Small rotation (±7°, a
#: patient not quite straight), shift (±6% of the side) and zoom (±8%, a different source-detector
#: distance), scanner contrast curve (gamma 0.8-1.25), contrast and brightness (±15%, ±10%),
#: a little blur and quantum noise. **No left-right flip** (dextrocardia, mirrored side marker),
#: no vertical flip, no large rotations (the diaphragm is at the bottom of every frontal film),
#: no elastic warping (it bends ribs and the heart border), no mixup (two overlaid chests are not
#: a radiograph). Strengths follow common CXR practice (e.g. the CheXpert and torchxrayvision
#: training recipes: ±10-15° rotation, ±10% translation and scale at most).
SAFE_CXR = Policy(rotate=7.0, translate=0.06, scale=0.08, gamma=0.22, contrast=0.15, brightness=0.10,
                  noise=0.015, blur=0.008)


@renamed_arguments(spec="policy")
def make_policy(policy: Policy | dict | None = None, **strengths: float) -> Policy:
    """A :class:`Policy` from a dict or keywords; unknown operation names are an error.

    Parameters
    ----------
    policy : Policy or dict of strengths, optional
        The policy to start from (e.g. :data:`SAFE_CXR`); nothing is applied when left out.
        It was called ``spec`` (the old keyword still works, with a ``FutureWarning``).
    **strengths : float
        Operations to add or override, e.g. ``elastic=0.02``.

    Examples
    --------
    >>> make_policy({"rotate": 10}, noise=0.02).active
    ['rotate', 'noise']
    >>> make_policy(flip=1)
    Traceback (most recent call last):
    ...
    ValueError: Unknown augmentation 'flip'. Known: hflip, rotate, translate, scale, elastic, gamma, \
contrast, brightness, blur, noise, mixup (and elastic_sigma, padding). Did you mean 'hflip'?
    """
    if isinstance(policy, Policy):
        base = policy.to_dict()
    elif policy is None:
        base = {}
    elif isinstance(policy, dict):
        base = dict(policy)
    else:
        raise TypeError(f"A policy is a radkit.augmentation.Policy or a dict of strengths, not "
                        f"{type(policy).__name__}. Example: make_policy(rotate=7, noise=0.02).")
    base.update(strengths)
    known = {f.name for f in fields(Policy)}
    for name in base:
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(f"Unknown augmentation {name!r}. Known: {', '.join(OPERATIONS)} "
                             f"(and elastic_sigma, padding).{hint}")
    return Policy(**base)


def draw_params(n: int, h: int, w: int, *, policy: Policy, generator: torch.Generator) -> dict[str, torch.Tensor]:
    """Per-image parameters of ``policy`` for a batch of ``n`` images (on the CPU).

    Every draw is made whether or not the operation is on (mixup's, drawn last,
    only when it is on), so switching one operation off does not change the
    parameters the others get.

    Examples
    --------
    >>> from radkit.seeding import torch_generator
    >>> p = draw_params(3, 64, 64, policy=SAFE_CXR, generator=torch_generator(0))
    >>> sorted(p)[:4], bool((p["angle"].abs() <= 7).all())
    (['angle', 'blur', 'brightness', 'contrast'], True)
    """
    def u(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)

    side = min(h, w)
    out = {
        "flip": torch.rand(n, generator=generator) < policy.hflip,
        "angle": u(-policy.rotate, policy.rotate),
        "translate": torch.stack([u(-1, 1) * policy.translate * w, u(-1, 1) * policy.translate * h], 1),
        "scale": u(1 - policy.scale, 1 + policy.scale),
        "elastic": u(0, 1) * policy.elastic * side,
        "gamma": torch.exp(u(-policy.gamma, policy.gamma)),
        "contrast": u(1 - policy.contrast, 1 + policy.contrast),
        "brightness": u(1 - policy.brightness, 1 + policy.brightness),
        "blur": u(0, 1) * policy.blur * side,
        "noise": u(0, policy.noise),
        "partner": torch.randperm(n, generator=generator),
        "noise_seed": torch.randint(0, 2**62, (1,), generator=generator),
    }
    if policy.mixup > 0:  # drawn last, so mixup on or off leaves every other draw as it was
        g1, g2 = _gamma_draw(policy.mixup, n, generator), _gamma_draw(policy.mixup, n, generator)
        beta = g1 / (g1 + g2)  # Beta(a, a) from two Gamma(a) draws of the seeded generator
        out["lam"] = torch.maximum(beta, 1 - beta)  # the image keeps the larger share: its label dominates
    else:
        out["lam"] = torch.ones(n, dtype=torch.float64)
    return out


def _gamma_draw(a: float, n: int, generator: torch.Generator) -> torch.Tensor:
    """Gamma(a, 1) draws from a seeded generator (Marsaglia-Tsang; a < 1 boosted)."""
    boost = a < 1
    d = (a + 1 if boost else a) - 1 / 3
    c = 1 / math.sqrt(9 * d)
    out = torch.empty(n, dtype=torch.float64)
    todo = torch.arange(n)
    while todo.numel():
        z = torch.randn(todo.numel(), generator=generator, dtype=torch.float64)
        v = (1 + c * z) ** 3
        u = torch.rand(todo.numel(), generator=generator, dtype=torch.float64)
        ok = (v > 0) & (torch.log(u.clamp_min(1e-300)) < 0.5 * z**2 + d - d * v + d * torch.log(v.clamp_min(1e-300)))
        out[todo[ok]] = (d * v)[ok]
        todo = todo[~ok]
    if boost:
        out = out * torch.rand(n, generator=generator, dtype=torch.float64) ** (1 / a)
    return out


def augment_batch(x: torch.Tensor, y: torch.Tensor | None = None, *, policy: Policy | dict = SAFE_CXR,
                  seed: int) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Augment a batch with per-image random parameters drawn from ``seed``.

    Parameters
    ----------
    x : Tensor
        ``N×C×H×W`` in [0, 1], on any device (the work stays there).
    y : Tensor, optional
        Labels (N×K); needed for mixup, returned (mixed or unchanged) when given.
    policy : Policy or dict
        Default :data:`SAFE_CXR`.
    seed : int
        Same seed, same batch, same device: same output.

    Returns
    -------
    Tensor, or (Tensor, Tensor) when ``y`` is given
        Augmented images in [0, 1] (and labels).

    Examples
    --------
    >>> import torch
    >>> x, y = torch.rand(6, 1, 16, 16), torch.eye(2).repeat(3, 1)
    >>> xa, ya = augment_batch(x, y, policy={"rotate": 10, "mixup": 0.4}, seed=1)
    >>> tuple(xa.shape), bool(((ya >= 0.5) & (ya <= 1)).any(dim=1).all())
    ((6, 1, 16, 16), True)
    """
    pol = policy if isinstance(policy, Policy) else make_policy(policy)
    check_images(x, where="augment_batch")
    seed = check_seed(seed)
    if pol.mixup > 0 and y is None:
        raise ValueError("The policy uses mixup, which mixes labels too: call augment_batch(x, y, ...).")
    if y is not None and len(y) != len(x):
        raise ValueError(f"{len(x)} images but {len(y)} labels; pass one label row per image.")
    if pol.is_identity:
        return x if y is None else (x, y)
    n, _, h, w = x.shape
    p = draw_params(n, h, w, policy=pol, generator=torch_generator(seed))
    dev, dt = x.device, x.dtype
    out = x
    if pol.hflip > 0:
        out = hflip(out, p["flip"])
    if pol.rotate or pol.translate or pol.scale or pol.elastic:
        disp = None
        field_gen = torch_generator(int(p["noise_seed"]) % 2**62 + 1, dev)
        if pol.elastic > 0:
            disp = elastic_field(n, h, w, alpha=p["elastic"].to(dev, dt), sigma=pol.elastic_sigma * min(h, w),
                                 generator=field_gen, device=dev, dtype=dt)
        out = affine(out, angle=p["angle"].to(dev, dt), translate=p["translate"].to(dev, dt),
                     scale=p["scale"].to(dev, dt), displacement=disp, padding=pol.padding)
    if pol.gamma > 0:
        out = adjust_gamma(out, p["gamma"].to(dev, dt))
    if pol.contrast > 0:
        out = adjust_contrast(out, p["contrast"].to(dev, dt))
    if pol.brightness > 0:
        out = adjust_brightness(out, p["brightness"].to(dev, dt))
    if pol.blur > 0:
        out = gaussian_blur(out, p["blur"].to(dev, dt))
    if pol.noise > 0:
        out = add_noise(out, p["noise"].to(dev, dt), generator=torch_generator(int(p["noise_seed"]) % 2**62, dev))
    out = out.clamp(0, 1)
    if y is None:
        return out
    if pol.mixup > 0:
        out, y = mixup(out, y, lam=p["lam"], partner=p["partner"].to(dev))
    return out, y


class Augment:
    """A seeded stream of augmentations: the ``augment=`` hook of :func:`radkit.train.fit`.

    Each call augments one batch with fresh parameters; the sequence of batches
    is fixed by ``seed``, so a training run is reproducible. It holds state (the
    stream position), which is why it is a class; :meth:`reset` rewinds it.

    Parameters
    ----------
    policy : Policy or dict
        Default :data:`SAFE_CXR`.
    seed : int
        Seed of the stream.

    Examples
    --------
    >>> import torch, radkit.models as M, radkit.train as T
    >>> from radkit.augmentation import Augment, SAFE_CXR
    >>> x, y = torch.rand(32, 1, 32, 32), (torch.rand(32, 1) < 0.5).float()
    >>> m = M.make_model("smallcnn", num_classes=1, seed=0)
    >>> h = T.fit(m, (x, y), num_epochs=1, lr=1e-3, seed=0, progress=False, augment=Augment(SAFE_CXR, seed=0))
    >>> len(h.rows)
    1
    """

    def __init__(self, policy: Policy | dict = SAFE_CXR, *, seed: int) -> None:
        self.policy = policy if isinstance(policy, Policy) else make_policy(policy)
        self.seed = check_seed(seed)
        self.reset()

    def reset(self) -> None:
        """Start the stream again from the seed."""
        self._gen = torch_generator(self.seed)
        self.calls = 0

    def __call__(self, x: torch.Tensor, y: torch.Tensor | None = None):
        sub = int(torch.randint(0, 2**62, (1,), generator=self._gen))
        self.calls += 1
        return augment_batch(x, y, policy=self.policy, seed=sub)

    def __repr__(self) -> str:
        ops = ", ".join(f"{k}={getattr(self.policy, k):g}" for k in self.policy.active) or "identity"
        return f"Augment({ops}; seed={self.seed})"
