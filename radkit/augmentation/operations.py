"""The operations of radiograph augmentation, one batched call each, one parameter per image.

Every function takes a batch ``N×1×H×W`` in [0, 1] and a parameter per image (a tensor of
length N, or a number for all) and equals the ``torchvision.transforms.v2.functional``
operation applied to one image at a time (``tests/test_augmentation.py``). The random draw of
those parameters, the chest-safe policy and the training hook live in
:mod:`radkit.augmentation.transforms`, which re-exports these functions.

Examples
--------
>>> import torch
>>> x = torch.full((2, 1, 8, 8), 0.25)
>>> adjust_gamma(x, torch.tensor([1.0, 2.0]))[:, 0, 0, 0].tolist()
[0.25, 0.0625]
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from radkit._validate import check_images as _check_images

__all__ = [
    "add_noise",
    "adjust_brightness",
    "adjust_contrast",
    "adjust_gamma",
    "affine",
    "check_images",
    "elastic_field",
    "gaussian_blur",
    "hflip",
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
        raise ValueError(f"{name} must be a number or one value per image (length {n}), got shape {tuple(t.shape)}.")
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


def affine(
    x: torch.Tensor,
    *,
    angle: object = 0.0,
    translate: object = (0.0, 0.0),
    scale: object = 1.0,
    displacement: torch.Tensor | None = None,
    padding: str = "zeros",
) -> torch.Tensor:
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


def elastic_field(
    n: int,
    h: int,
    w: int,
    *,
    alpha: torch.Tensor,
    sigma: float,
    generator: torch.Generator,
    device: torch.device | str = "cpu",
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
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


def mixup(
    x: torch.Tensor, y: torch.Tensor, *, lam: torch.Tensor, partner: torch.Tensor
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
    if not y.is_floating_point():
        # integer labels would truncate the mixing weight to 0 or 1 (swapping labels instead of mixing them);
        # class indices cannot be mixed at all
        raise TypeError(
            f"mixup needs float 0/1 labels of shape N x K (got dtype {y.dtype}); mixing makes them fractions. "
            "Pass y.float() for 0/1 labels; for class indices use one-hot labels "
            "(torch.nn.functional.one_hot(y, k).float())."
        )
    lam_x = _view(lam.to(x.device, x.dtype))
    xm = lam_x * x + (1 - lam_x) * x[partner]
    lam_y = lam.to(y.device, y.dtype).view(-1, *([1] * (y.ndim - 1)))
    return xm, lam_y * y + (1 - lam_y) * y[partner]
