"""Domain adaptation (DANN) and domain generalization (scanner-style randomisation).

**DANN** (Ganin et al., JMLR 2016) adds a second head that tries to tell the
source site from the target site, behind a *gradient-reversal layer*: the
forward pass is the identity, the backward pass multiplies the gradient by
``-lambda``. The domain head learns to tell the sites apart; the shared
features learn to make that impossible, while the label head keeps them useful
for the finding. Target images need no labels. It trains with the kit's one
loop, :func:`radkit.train.fit`: the model returns two logits (finding, domain)
and target rows carry ``NaN`` for the finding, which the default loss ignores.

**Scanner-style randomisation** (domain generalization; no target images at
all): every training batch is given random contrast curves, windows, blur and
noise, so a model cannot lean on the look of one scanner. It is an ``augment``
hook for :func:`radkit.train.fit`.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from radkit.seeding import check_seed, torch_generator

__all__ = ["GradientReversal", "grad_reverse", "DANN", "dann_data", "StyleRandomization"]


class GradientReversal(torch.autograd.Function):
    """Identity forward; gradient times ``-lambd`` backward."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, lambd: float) -> torch.Tensor:
        ctx.lambd = lambd
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return grad.neg() * ctx.lambd, None


def grad_reverse(x: torch.Tensor, lambd: float = 1.0) -> torch.Tensor:
    """Gradient-reversal layer as a function.

    Examples
    --------
    >>> x = torch.ones(3, requires_grad=True)
    >>> grad_reverse(x, 0.5).sum().backward()
    >>> x.grad.tolist()
    [-0.5, -0.5, -0.5]
    """
    if not (isinstance(lambd, (int, float)) and np.isfinite(lambd) and lambd >= 0):
        raise ValueError(f"lambd={lambd!r} must be a finite number >= 0 (0 switches the adversary off).")
    return GradientReversal.apply(x, float(lambd))


class DANN(nn.Module):
    """A classifier with a domain head behind a gradient-reversal layer.

    Parameters
    ----------
    backbone : nn.Module
        A classifier whose last ``nn.Linear`` predicts the finding: any model of
        ``radkit.models.make_model`` (SmallCNN's ``features``/``pool``/``head``, or
        ResNet/DenseNet, whose last linear layer's input is read with a hook).
    lambd : float
        Strength of the reversal (0: plain training plus a domain probe).
    hidden : int
        Width of the domain head's hidden layer.

    The forward pass returns N x (K + 1) logits: the backbone's K finding logits,
    then the domain logit (1 = target site).

    Examples
    --------
    >>> import radkit.models
    >>> m = DANN(radkit.models.make_model("smallcnn", num_classes=1, seed=0), lambd=0.3)
    >>> tuple(m(torch.rand(2, 1, 32, 32)).shape)
    (2, 2)
    """

    def __init__(self, backbone: nn.Module, *, lambd: float = 0.3, hidden: int = 64) -> None:
        super().__init__()
        split = all(hasattr(backbone, a) for a in ("features", "pool")) and isinstance(
            getattr(backbone, "head", None), nn.Linear
        )
        # other architectures (the full profile's ResNet-18): the input of the last nn.Linear, read by a hook
        linears = [name for name, m in backbone.named_modules() if name and isinstance(m, nn.Linear)]
        if not split and not linears:
            raise TypeError(
                "backbone needs 'features', 'pool' and a Linear 'head' (SmallCNN), or a last "
                "nn.Linear layer that predicts the finding (ResNet, DenseNet); this one has neither. "
                "Use radkit.models.make_model(...)."
            )
        grad_reverse(torch.zeros(1), lambd)  # validates lambd
        self.backbone, self.lambd = backbone, float(lambd)
        self._head_name = "head" if split else linears[-1]
        self._split = split
        d = backbone.get_submodule(self._head_name).in_features
        self.domain = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, 1))
        self.radkit_in_channels = getattr(backbone, "radkit_in_channels", None)

    def _features_and_logits(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self._split:
            f = torch.flatten(self.backbone.pool(self.backbone.features(x)), 1)
            return f, self.backbone.head(f)
        seen: list[torch.Tensor] = []
        hook = self.backbone.get_submodule(self._head_name).register_forward_hook(
            lambda _m, inputs, _o: seen.append(inputs[0])
        )
        try:
            logits = self.backbone(x)
        finally:
            hook.remove()
        return torch.flatten(seen[-1], 1), logits

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """The shared features (N x D) the two heads read."""
        return self._features_and_logits(x)[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f, logits = self._features_and_logits(x)
        return torch.cat([logits, self.domain(grad_reverse(f, self.lambd))], dim=1)


def dann_data(
    x_source: torch.Tensor, y_source: torch.Tensor, x_target: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Training tensors for :class:`DANN` with :func:`radkit.train.fit`.

    Returns ``(X, Y)``: source and target images stacked; ``Y`` has the finding
    columns (``NaN`` for target rows: unlabeled) and a last domain column (0
    source, 1 target).

    Examples
    --------
    >>> X, Y = dann_data(torch.zeros(2, 1, 8, 8), torch.tensor([[1.0], [0.0]]), torch.zeros(3, 1, 8, 8))
    >>> Y[:, 1].tolist(), int(Y[:, 0].isnan().sum())
    ([0.0, 0.0, 1.0, 1.0, 1.0], 3)
    """
    y = torch.as_tensor(y_source, dtype=torch.float32)
    y = y[:, None] if y.ndim == 1 else y
    if x_source.ndim != 4 or x_target.ndim != 4 or x_source.shape[1:] != x_target.shape[1:]:
        raise ValueError(
            f"x_source {tuple(x_source.shape)} and x_target {tuple(x_target.shape)} must both be "
            "N x C x H x W with the same C, H, W."
        )
    if len(y) != len(x_source):
        raise ValueError(f"{len(x_source)} source images but {len(y)} labels.")
    if len(x_target) == 0 or len(x_source) == 0:
        raise ValueError("DANN needs source images with labels and at least one (unlabeled) target image.")
    if torch.isnan(y).all():
        raise ValueError("y_source is all NaN: the source needs labels.")
    k = y.shape[1]
    nan = torch.full((len(x_target), k), float("nan"))
    Y = torch.cat([torch.cat([y, torch.zeros(len(y), 1)], 1), torch.cat([nan, torch.ones(len(x_target), 1)], 1)])
    return torch.cat([x_source, x_target]), Y


class StyleRandomization:
    """``augment`` hook for :func:`radkit.train.fit`: a random scanner per image.

    Each image gets a random window (low, high), contrast curve (gamma),
    blur (mixed with a 3 x 3 Gaussian blur of itself) and added noise, drawn
    from the ranges below, then is clipped to [0, 1]. Labels are unchanged.

    Parameters
    ----------
    seed : int
    gamma : (float, float)
        Range of the contrast-curve exponent (log-uniform).
    window : float
        Largest shift of each window end.
    blur : float
        Largest blend weight of the blurred image.
    noise : float
        Largest noise standard deviation.

    Examples
    --------
    >>> aug = StyleRandomization(seed=0)
    >>> x, y = aug(torch.rand(4, 1, 16, 16), torch.ones(4, 1))
    >>> tuple(x.shape), bool(x.min() >= 0 and x.max() <= 1)
    ((4, 1, 16, 16), True)
    """

    def __init__(
        self,
        *,
        seed: int,
        gamma: tuple[float, float] = (0.7, 1.5),
        window: float = 0.08,
        blur: float = 1.0,
        noise: float = 0.03,
    ) -> None:
        if not (0 < gamma[0] <= gamma[1]):
            raise ValueError(f"gamma={gamma} must be (low, high) with 0 < low <= high.")
        for name, v, hi in (("window", window, 0.45), ("blur", blur, 1.0), ("noise", noise, 0.5)):
            if not 0 <= v <= hi:
                raise ValueError(f"{name}={v} must be in [0, {hi}].")
        self.seed, self.gamma, self.window, self.blur, self.noise = check_seed(seed), gamma, window, blur, noise
        self._gen: dict[str, torch.Generator] = {}

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        from radkit._validate import check_images

        x = check_images(x, where="StyleRandomization: images")  # 0-255 pixels would be clipped to white
        dev = x.device
        key = str(dev)
        if key not in self._gen:
            self._gen[key] = torch_generator(self.seed, dev)
        g = self._gen[key]
        n = x.shape[0]
        u = torch.rand(n, 5, generator=g, device=dev)
        view = (n, 1, 1, 1)
        lo = (u[:, 0] * 2 - 1).mul(self.window).view(view)
        hi = 1 + (u[:, 1] * 2 - 1).mul(self.window).view(view)
        lg = np.log(self.gamma[0]) + u[:, 2] * (np.log(self.gamma[1]) - np.log(self.gamma[0]))
        gam = torch.exp(lg).view(view)
        out = ((x - lo) / (hi - lo)).clamp(1e-6, 1.0) ** gam
        k = torch.tensor([1.0, 2.0, 1.0], device=dev)
        k = (k[:, None] * k[None, :] / 16).view(1, 1, 3, 3).repeat(x.shape[1], 1, 1, 1)
        blurred = nn.functional.conv2d(nn.functional.pad(out, (1, 1, 1, 1), mode="replicate"), k, groups=x.shape[1])
        a = (u[:, 3] * self.blur).view(view)
        out = (1 - a) * out + a * blurred
        sd = (u[:, 4] * self.noise).view(view)
        out = out + sd * torch.randn(out.shape, generator=g, device=dev)
        return out.clamp(0.0, 1.0), y
