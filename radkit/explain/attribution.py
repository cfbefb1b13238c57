"""Attribution maps for any ``nn.Module``: where in the image did the score come from?

Five methods, all batched and run on the device of the input:

- :func:`saliency`: the gradient of the target logit with respect to the pixels
  (Simonyan et al. 2014);
- :func:`smoothgrad`: the gradient averaged over noisy copies of the image
  (Smilkov et al. 2017);
- :func:`integrated_gradients`: the gradient integrated along a straight path from
  a baseline image, whose attributions add up to ``f(x) - f(baseline)``
  (Sundararajan et al. 2017);
- :func:`grad_cam`: a named convolutional layer's activations weighted by their
  mean gradients (Selvaraju et al. 2017);
- :func:`occlusion`: how much the score drops when a window of the image is
  greyed out (Zeiler & Fergus 2014).

:func:`edge_map` is the control of the sanity checks: a Sobel edge detector that
never looks at the model. Every method takes the model's *logit* for class
``target``. Gradients are taken with respect to the input only (the parameters'
``.grad`` are left untouched) and the model's train/eval mode is restored.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "METHODS",
    "attribute",
    "saliency",
    "smoothgrad",
    "integrated_gradients",
    "grad_cam",
    "occlusion",
    "edge_map",
    "conv_layers",
    "target_logit",
]

Target = int | torch.Tensor | np.ndarray | list[int]


# ----------------------------------------------------------------------------- checks


def _check_model(model: object) -> nn.Module:
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module returning logits N x K, got {type(model).__name__}.")
    return model


def _check_x(x: object, model: nn.Module) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or not torch.is_floating_point(x):
        raise TypeError(
            f"x must be a floating-point tensor of images N x C x H x W, got "
            f"{getattr(x, 'dtype', type(x).__name__)}. Use x.float()."
        )
    if x.ndim != 4 or x.shape[0] == 0:
        raise ValueError(
            f"x must have shape N x C x H x W with N >= 1, got {tuple(x.shape)}. "
            "For one image use x[None] (and x.unsqueeze(1) to add a channel axis)."
        )
    if not torch.isfinite(x).all():
        raise ValueError(
            "x holds NaN or infinite pixels; attributions of such images mean nothing. Clean the images first."
        )
    param = next(model.parameters(), None)
    if param is not None and param.device != x.device:
        raise ValueError(
            f"The images are on {x.device} but the model is on {param.device}. "
            f"Move one of them: x.to({str(param.device)!r}) or model.to({str(x.device)!r})."
        )
    return x.detach()


def _targets(target: Target, n: int, k: int, device: torch.device) -> torch.Tensor:
    t = torch.as_tensor(target, device=device)
    if t.dtype.is_floating_point or t.dtype == torch.bool:
        raise TypeError(f"target must be a class index (int) or one index per image, got dtype {t.dtype}.")
    t = t.long().reshape(-1)
    if t.numel() == 1:
        t = t.expand(n)
    if t.numel() != n:
        raise ValueError(
            f"target has {t.numel()} entries for {n} images: give one int for all images or one class index per image."
        )
    if (t < 0).any() or (t >= k).any():
        raise ValueError(
            f"target indices must lie in 0..{k - 1} (the model returns {k} logits), got {sorted(set(t.tolist()))}."
        )
    return t


def target_logit(model: nn.Module, x: torch.Tensor, target: Target) -> torch.Tensor:
    """The model's logit for ``target``, one value per image (shape N).

    Examples
    --------
    >>> import torch
    >>> m = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    >>> target_logit(m, torch.zeros(3, 1, 2, 2), 1).shape
    torch.Size([3])
    """
    out = model(x)
    if out.ndim != 2:
        raise ValueError(
            f"The model must return logits of shape N x K, got {tuple(out.shape)}. "
            "Wrap it so that it does (e.g. flatten a N x K x 1 x 1 output)."
        )
    return out.gather(1, _targets(target, x.shape[0], out.shape[1], x.device)[:, None])[:, 0]


@contextmanager
def _eval_mode(model: nn.Module):
    was = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was)


def _grad(model: nn.Module, x: torch.Tensor, target: Target) -> torch.Tensor:
    """d logit_target / d x, for each image (inputs only: parameters keep their .grad)."""
    x = x.detach().requires_grad_(True)
    with torch.enable_grad():
        out = target_logit(model, x, target)
        (g,) = torch.autograd.grad(out.sum(), x)
    return g


def _batched(
    fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x: torch.Tensor, t: torch.Tensor, batch_size: int
) -> torch.Tensor:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    return torch.cat([fn(x[i : i + batch_size], t[i : i + batch_size]) for i in range(0, x.shape[0], batch_size)])


def _prepare(model: object, x: object, target: Target) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = _check_model(model)
    x = _check_x(x, model)
    with torch.no_grad(), _eval_mode(model):
        k = model(x[:1]).shape[-1]
    return model, x, _targets(target, x.shape[0], k, x.device)


# ----------------------------------------------------------------------------- methods


def saliency(
    model: nn.Module, x: torch.Tensor, *, target: Target, absolute: bool = True, batch_size: int = 64
) -> torch.Tensor:
    """Vanilla gradient saliency: ``|d logit_target / d x|`` (Simonyan et al. 2014).

    Parameters
    ----------
    model : nn.Module
        Returns logits N x K.
    x : torch.Tensor
        Images N x C x H x W, on the model's device.
    target : int or sequence of int
        Class index for all images, or one per image.
    absolute : bool, default True
        Return the absolute gradient (as captum's ``Saliency``); False keeps the sign.
    batch_size : int, default 64

    Returns
    -------
    torch.Tensor
        Same shape as ``x``.

    Examples
    --------
    >>> import torch
    >>> m = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 1))
    >>> with torch.no_grad(): _ = m[1].weight.copy_(torch.tensor([[1., -2., 0., 3.]]))
    >>> saliency(m, torch.rand(1, 1, 2, 2), target=0).flatten().tolist()
    [1.0, 2.0, 0.0, 3.0]
    """
    model, x, t = _prepare(model, x, target)
    with _eval_mode(model):
        g = _batched(lambda xb, tb: _grad(model, xb, tb), x, t, batch_size)
    return g.abs() if absolute else g


def smoothgrad(
    model: nn.Module,
    x: torch.Tensor,
    *,
    target: Target,
    n_samples: int = 16,
    noise: float = 0.15,
    seed: int,
    absolute: bool = True,
    batch_size: int = 64,
) -> torch.Tensor:
    """SmoothGrad: saliency averaged over ``n_samples`` noisy copies (Smilkov et al. 2017).

    Parameters
    ----------
    n_samples : int, default 16
        Noisy copies per image.
    noise : float, default 0.15
        Noise standard deviation as a share of each image's value range (max - min).
    seed : int
        Seeds the noise (a private generator: global random state is untouched).
    absolute : bool, default True
        Average the absolute gradients (captum's ``NoiseTunnel`` over ``Saliency``).

    Examples
    --------
    >>> import torch
    >>> m = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 1))
    >>> x = torch.rand(2, 1, 2, 2)
    >>> torch.allclose(smoothgrad(m, x, target=0, seed=0), saliency(m, x, target=0))  # linear: noise changes nothing
    True
    """
    from radkit.seeding import check_seed, torch_generator

    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)) or n_samples < 1:
        raise ValueError(f"n_samples must be a positive int, got {n_samples!r}.")
    if not (isinstance(noise, (int, float)) and 0 <= noise < 10):
        raise ValueError(f"noise must be a number >= 0 (a share of the image range, e.g. 0.15), got {noise!r}.")
    model, x, t = _prepare(model, x, target)
    gen = torch_generator(check_seed(seed), device=x.device)
    span = (x.amax(dim=(1, 2, 3)) - x.amin(dim=(1, 2, 3))).view(-1, 1, 1, 1)
    total = torch.zeros_like(x)
    with _eval_mode(model):
        for _ in range(n_samples):
            eps = torch.randn(x.shape, generator=gen, device=x.device, dtype=x.dtype) * noise * span
            g = _batched(lambda xb, tb: _grad(model, xb, tb), x + eps, t, batch_size)
            total += g.abs() if absolute else g
    return total / n_samples


def _path_points(steps: int, method: str) -> tuple[np.ndarray, np.ndarray]:
    """Points alpha in [0, 1] and weights of the path integral (captum's conventions)."""
    if method == "gausslegendre":
        nodes, weights = np.polynomial.legendre.leggauss(steps)
        return 0.5 * (nodes + 1), 0.5 * weights
    if method == "riemann_trapezoid":
        alphas = np.linspace(0, 1, steps)
        w = np.full(steps, 1.0 / (steps - 1))
        w[[0, -1]] *= 0.5
        return alphas, w
    if method == "riemann_middle":
        return (np.arange(steps) + 0.5) / steps, np.full(steps, 1.0 / steps)
    raise ValueError(
        f"method={method!r} is unknown. Use 'gausslegendre' (default, as captum), "
        "'riemann_trapezoid' or 'riemann_middle'."
    )


def integrated_gradients(
    model: nn.Module,
    x: torch.Tensor,
    *,
    target: Target,
    baseline: torch.Tensor | float | None = None,
    steps: int = 50,
    method: str = "gausslegendre",
    batch_size: int = 256,
    return_delta: bool = False,
) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
    """Integrated Gradients from ``baseline`` to ``x`` (Sundararajan et al. 2017).

    ``(x - baseline) * integral_0^1 grad f(baseline + a (x - baseline)) da``,
    the integral taken with ``steps`` points of ``method``. Completeness: the
    attributions of an image sum to ``f(x) - f(baseline)``, up to the error of the
    quadrature (``return_delta=True`` returns that error, per image).

    Parameters
    ----------
    baseline : tensor or float, optional
        The "absence of signal" image: default all zeros (black). A float fills
        every pixel; a tensor must have the shape of one image (C x H x W) or of ``x``.
    steps : int, default 50
    method : {"gausslegendre", "riemann_trapezoid", "riemann_middle"}
        Quadrature rule; ``gausslegendre`` is captum's default (identical results).
        The trapezoid rule's weights sum to 1 here (captum's sum to (steps - 1) / steps).
    batch_size : int, default 256
        Images per forward pass: the points of the path are batched together up to this many.
    return_delta : bool, default False
        Also return ``sum(attributions) - (f(x) - f(baseline))`` per image.

    Examples
    --------
    >>> import torch
    >>> m = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 1))
    >>> x = torch.rand(3, 1, 2, 2)
    >>> a, delta = integrated_gradients(m, x, target=0, return_delta=True)
    >>> bool(delta.abs().max() < 1e-5)   # a linear model is integrated exactly
    True
    """
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 2:
        raise ValueError(f"steps must be an int >= 2 (points on the path; 32-128 is typical), got {steps!r}.")
    model, x, t = _prepare(model, x, target)
    base = _baseline(baseline, x)
    alphas, weights = _path_points(steps, method)

    def one(xb: torch.Tensor, tb: torch.Tensor, bb: torch.Tensor) -> torch.Tensor:
        # several path points per forward pass: about batch_size images in each
        per = max(1, batch_size // xb.shape[0])
        a_all = torch.as_tensor(alphas, dtype=xb.dtype, device=xb.device)
        w_all = torch.as_tensor(weights, dtype=xb.dtype, device=xb.device)
        total = torch.zeros_like(xb)
        diff = xb - bb
        for i in range(0, steps, per):
            a, w = a_all[i : i + per].view(-1, 1, 1, 1, 1), w_all[i : i + per].view(-1, 1, 1, 1, 1)
            points = (bb.unsqueeze(0) + a * diff.unsqueeze(0)).flatten(0, 1)
            g = _grad(model, points, tb.repeat(len(a))).view(len(a), *xb.shape)
            total += (w * g).sum(0)
        return diff * total

    with _eval_mode(model):
        n = x.shape[0]
        if not isinstance(batch_size, (int, np.integer)) or isinstance(batch_size, bool) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
        attr = torch.cat(
            [
                one(x[i : i + batch_size], t[i : i + batch_size], base[i : i + batch_size])
                for i in range(0, n, batch_size)
            ]
        )
        if not return_delta:
            return attr
        with torch.no_grad():
            gap = target_logit(model, x, t) - target_logit(model, base, t)
    return attr, attr.sum(dim=(1, 2, 3)) - gap


def _baseline(baseline: torch.Tensor | float | None, x: torch.Tensor) -> torch.Tensor:
    if baseline is None:
        return torch.zeros_like(x)
    if isinstance(baseline, (int, float)) and not isinstance(baseline, bool):
        if not math.isfinite(baseline):
            raise ValueError(f"baseline={baseline!r} must be a finite number (e.g. 0.0, a black image).")
        return torch.full_like(x, float(baseline))
    if not isinstance(baseline, torch.Tensor):
        raise TypeError(f"baseline must be None, a number or a tensor, got {type(baseline).__name__}.")
    b = baseline.to(device=x.device, dtype=x.dtype)
    if not torch.isfinite(b).all():
        raise ValueError("baseline holds NaN or infinite values; every attribution would be NaN. Pass a finite image.")
    if tuple(b.shape) == tuple(x.shape[1:]):
        b = b.expand_as(x)
    if tuple(b.shape) != tuple(x.shape):
        raise ValueError(
            f"baseline has shape {tuple(baseline.shape)}; it must be one image "
            f"{tuple(x.shape[1:])} or one per image {tuple(x.shape)} (or a number)."
        )
    return b


def conv_layers(model: nn.Module) -> list[str]:
    """Names of the model's ``Conv2d`` layers (the usual Grad-CAM targets), in order.

    Examples
    --------
    >>> import radkit.models
    >>> conv_layers(radkit.models.make_model("smallcnn", num_classes=1, seed=0))[-1]
    'features.11'
    """
    return [name for name, m in _check_model(model).named_modules() if isinstance(m, nn.Conv2d)]


def _layer(model: nn.Module, layer: str) -> nn.Module:
    modules = dict(model.named_modules())
    if not isinstance(layer, str) or layer not in modules or layer == "":
        convs = conv_layers(model)
        named = [n for n in modules if n]
        raise ValueError(
            f"layer={layer!r} is not a module of this model. Convolutional layers: {convs}; "
            f"all named modules: {named[:40]}{' ...' if len(named) > 40 else ''}."
        )
    return modules[layer]


def grad_cam(
    model: nn.Module,
    x: torch.Tensor,
    *,
    target: Target,
    layer: str,
    upsample: bool = True,
    relu: bool = True,
    batch_size: int = 64,
) -> torch.Tensor:
    """Grad-CAM on the layer named ``layer`` (Selvaraju et al. 2017).

    The layer's activations ``A_k`` are weighted by the spatial mean of
    ``d logit_target / d A_k`` and summed over channels; ``relu`` keeps the part
    that raises the score.

    Parameters
    ----------
    layer : str
        A name from ``model.named_modules()`` whose output is N x C x h x w
        (see :func:`conv_layers`; the last convolutional block is usual).
    upsample : bool, default True
        Resize the map bilinearly to the image size (N x 1 x H x W); False returns
        it at the layer's resolution (N x 1 x h x w), as captum's ``LayerGradCam``.
    relu : bool, default True

    Examples
    --------
    >>> import torch, radkit.models
    >>> m = radkit.models.make_model("smallcnn", num_classes=2, seed=0)
    >>> grad_cam(m, torch.rand(2, 1, 32, 32), target=1, layer="features.12").shape
    torch.Size([2, 1, 32, 32])
    """
    model = _check_model(model)
    module = _layer(model, layer)
    model, x, t = _prepare(model, x, target)
    store: dict[str, torch.Tensor] = {}

    def keep(_m, _inp, out):
        store["a"] = out

    def one(xb: torch.Tensor, tb: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            xb = xb.detach().requires_grad_(True)  # so the graph reaches the layer even with frozen weights
            out = target_logit(model, xb, tb)
            act = store["a"]
            if not isinstance(act, torch.Tensor) or act.ndim != 4:
                raise ValueError(
                    f"layer {layer!r} outputs {getattr(act, 'shape', type(act).__name__)}, not "
                    f"N x C x h x w. Pick a convolutional layer: {conv_layers(model)}."
                )
            (g,) = torch.autograd.grad(out.sum(), act)
        cam = (g.mean(dim=(2, 3), keepdim=True) * act).sum(1, keepdim=True).detach()
        return F.relu(cam) if relu else cam

    handle = module.register_forward_hook(keep)
    try:
        with _eval_mode(model):
            cam = _batched(one, x, t, batch_size)
    finally:
        handle.remove()
    if upsample and cam.shape[-2:] != x.shape[-2:]:
        cam = F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)
    return cam


def occlusion(
    model: nn.Module,
    x: torch.Tensor,
    *,
    target: Target,
    window: int = 8,
    stride: int = 4,
    fill: float = 0.0,
    batch_size: int = 256,
) -> torch.Tensor:
    """Occlusion: the drop of the target logit when a ``window`` x ``window`` patch is set to ``fill``.

    Each pixel gets the mean drop over the windows that cover it (captum's
    ``Occlusion`` with a baseline of ``fill``); pixels no window covers get 0.

    Examples
    --------
    >>> import torch
    >>> class Corner(torch.nn.Module):          # looks only at the top-left 2 x 2 block
    ...     def forward(self, x): return x[:, :, :2, :2].sum((1, 2, 3))[:, None]
    >>> a = occlusion(Corner(), torch.ones(1, 1, 4, 4), target=0, window=2, stride=2)
    >>> a[0, 0].tolist()
    [[4.0, 4.0, 0.0, 0.0], [4.0, 4.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]]
    """
    for nm, v in (("window", window), ("stride", stride)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{nm} must be a positive int (pixels), got {v!r}.")
    model, x, t = _prepare(model, x, target)
    n, c, h, w = x.shape
    if window > min(h, w):
        raise ValueError(f"window={window} is larger than the image ({h} x {w}); use a smaller window.")
    rows = list(range(0, h - window + 1, stride))
    cols = list(range(0, w - window + 1, stride))
    total = torch.zeros(n, 1, h, w, device=x.device, dtype=x.dtype)
    count = torch.zeros(1, 1, h, w, device=x.device, dtype=x.dtype)
    boxes = [(r, q) for r in rows for q in cols]
    with torch.no_grad(), _eval_mode(model):
        base = target_logit(model, x, t)
        per_batch = max(1, batch_size // n)
        for i in range(0, len(boxes), per_batch):
            chunk = boxes[i : i + per_batch]
            xs = x.unsqueeze(0).repeat(len(chunk), 1, 1, 1, 1)
            for j, (r, q) in enumerate(chunk):
                xs[j, :, :, r : r + window, q : q + window] = fill
            drop = base[None] - target_logit(model, xs.flatten(0, 1), t.repeat(len(chunk))).view(len(chunk), n)
            for j, (r, q) in enumerate(chunk):
                total[:, :, r : r + window, q : q + window] += drop[j].view(n, 1, 1, 1)
        for r, q in boxes:
            count[:, :, r : r + window, q : q + window] += 1
    out = torch.where(count > 0, total / count.clamp_min(1), torch.zeros_like(total))
    return out.expand(n, c, h, w).clone() if c > 1 else out


def edge_map(x: torch.Tensor) -> torch.Tensor:
    """Sobel edge magnitude of the image: a "map" that ignores the model (the sanity-check control).

    Examples
    --------
    >>> import torch
    >>> x = torch.zeros(1, 1, 6, 6); x[..., 3:] = 1
    >>> e = edge_map(x)
    >>> bool(e[0, 0, 2, 2] > 0), float(e[0, 0, 2, 0])
    (True, 0.0)
    """
    if not isinstance(x, torch.Tensor) or x.ndim != 4:
        raise ValueError(f"x must be a tensor of images N x C x H x W, got {getattr(x, 'shape', type(x).__name__)}.")
    k = torch.tensor([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]], device=x.device, dtype=x.dtype)
    g = x.detach().mean(1, keepdim=True)
    g = F.pad(g, (1, 1, 1, 1), mode="replicate")
    gx = F.conv2d(g, k.view(1, 1, 3, 3))
    gy = F.conv2d(g, k.t().reshape(1, 1, 3, 3))
    return torch.sqrt(gx**2 + gy**2)


#: Method name -> ``f(model, x, *, target, **options)``; the names :func:`attribute` accepts.
METHODS: dict[str, Callable[..., torch.Tensor]] = {
    "saliency": saliency,
    "smoothgrad": smoothgrad,
    "integrated_gradients": integrated_gradients,
    "grad_cam": grad_cam,
    "occlusion": occlusion,
    "edge": lambda model, x, *, target, **_: edge_map(_check_x(x, _check_model(model))),
}


def attribute(model: nn.Module, x: torch.Tensor, *, method: str, target: Target, **options) -> torch.Tensor:
    """Any method of :data:`METHODS` by name, as a map N x 1 x H x W (channels summed by absolute value).

    ``options`` go to the method (``layer=`` for ``grad_cam``, ``steps=`` for
    ``integrated_gradients``...). Integrated Gradients' signed attributions are
    returned as their absolute value, so every map reads "larger = more important".

    Examples
    --------
    >>> import torch, radkit.models
    >>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> attribute(m, torch.rand(2, 1, 32, 32), method="saliency", target=0).shape
    torch.Size([2, 1, 32, 32])
    """
    if method not in METHODS:
        raise ValueError(f"method={method!r} is unknown. Valid methods: {', '.join(METHODS)}.")
    if method == "grad_cam" and "layer" not in options:
        convs = conv_layers(model)
        if not convs:
            raise ValueError(
                "grad_cam needs layer=...: this model has no Conv2d layer; name a module whose output is N x C x h x w."
            )
        options["layer"] = convs[-1]
    a = METHODS[method](model, x, target=target, **options)
    return a.abs().sum(1, keepdim=True) if a.shape[1] > 1 or method == "integrated_gradients" else a
