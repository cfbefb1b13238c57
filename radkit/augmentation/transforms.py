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

from radkit._compat import renamed_arguments
from radkit.augmentation.operations import (  # the operations, re-exported here
    add_noise,
    adjust_brightness,
    adjust_contrast,
    adjust_gamma,
    affine,
    check_images,
    elastic_field,
    gaussian_blur,
    hflip,
    mixup,
)
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
        limits = {
            "rotate": 180.0,
            "translate": 0.5,
            "scale": 0.9,
            "gamma": 3.0,
            "contrast": 1.0,
            "brightness": 1.0,
            "noise": 1.0,
            "blur": 0.25,
            "elastic": 0.25,
            "elastic_sigma": 1.0,
            "hflip": 1.0,
            "mixup": 100.0,
        }
        for name, top in limits.items():
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= top:
                raise ValueError(
                    f"Policy.{name}={v!r} must be a number in [0, {top:g}]. "
                    "0 switches the operation off; see radkit.augmentation.Policy."
                )
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
        return Policy(
            rotate=self.rotate,
            translate=self.translate,
            scale=self.scale,
            elastic=self.elastic,
            elastic_sigma=self.elastic_sigma,
            hflip=self.hflip,
            padding=self.padding,
        )

    def scaled(self, strength: float) -> Policy:
        """The same policy with every strength multiplied by ``strength`` (hflip and mixup kept)."""
        if not strength >= 0:
            raise ValueError(f"strength must be >= 0, got {strength}.")
        keep = {"hflip", "mixup", "elastic_sigma", "padding"}
        top = {"translate": 0.5, "scale": 0.9, "blur": 0.25, "elastic": 0.25, "contrast": 1.0, "brightness": 1.0}
        return replace(
            self,
            **{
                f.name: min(getattr(self, f.name) * strength, top.get(f.name, math.inf))
                for f in fields(self)
                if f.name not in keep
            },
        )


#: The operations a :class:`Policy` can switch on, in the order they are applied.
OPERATIONS: tuple[str, ...] = (
    "hflip",
    "rotate",
    "translate",
    "scale",
    "elastic",
    "gamma",
    "contrast",
    "brightness",
    "blur",
    "noise",
    "mixup",
)

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
SAFE_CXR = Policy(
    rotate=7.0, translate=0.06, scale=0.08, gamma=0.22, contrast=0.15, brightness=0.10, noise=0.015, blur=0.008
)


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
        raise TypeError(
            f"A policy is a radkit.augmentation.Policy or a dict of strengths, not "
            f"{type(policy).__name__}. Example: make_policy(rotate=7, noise=0.02)."
        )
    base.update(strengths)
    known = {f.name for f in fields(Policy)}
    for name in base:
        if name not in known:
            import difflib

            close = difflib.get_close_matches(name, list(known), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ValueError(
                f"Unknown augmentation {name!r}. Known: {', '.join(OPERATIONS)} (and elastic_sigma, padding).{hint}"
            )
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


def augment_batch(
    x: torch.Tensor, y: torch.Tensor | None = None, *, policy: Policy | dict = SAFE_CXR, seed: int
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
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
            disp = elastic_field(
                n,
                h,
                w,
                alpha=p["elastic"].to(dev, dt),
                sigma=pol.elastic_sigma * min(h, w),
                generator=field_gen,
                device=dev,
                dtype=dt,
            )
        out = affine(
            out,
            angle=p["angle"].to(dev, dt),
            translate=p["translate"].to(dev, dt),
            scale=p["scale"].to(dev, dt),
            displacement=disp,
            padding=pol.padding,
        )
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
