"""A small conditional GAN that learns radiographs of a rare finding, and a memorisation check.

Why this GAN: a DCGAN generator (transposed convolutions) with a
spectrally normalised discriminator, the hinge loss and a projection
discriminator for the class condition (Miyato et al. 2018; Miyato & Koyama
2018), plus an exponential moving average of the generator's weights for
sampling. Spectral normalisation keeps the discriminator Lipschitz the way
WGAN-GP's gradient penalty does, but with one discriminator step per generator
step and no double back-propagation, which is what makes it train in seconds
on a CPU. Conditioning on the label lets the generator learn anatomy from the
many negative images and the finding from the few positives: the usual set-up
for synthesising a rare pathology.

Examples
--------
>>> import torch
>>> from radkit.augmentation.gan import train_gan
>>> x, y = torch.rand(32, 1, 16, 16), (torch.arange(32) % 2)
>>> gan = train_gan(x, y, num_steps=2, batch_size=16, seed=0, progress=False)
>>> fake = gan.sample(5, label=1, seed=0)
>>> tuple(fake.shape), bool(fake.min() >= 0 and fake.max() <= 1)
((5, 1, 16, 16), True)
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from radkit.seeding import check_seed, torch_generator

__all__ = [
    "GAN",
    "Discriminator",
    "Generator",
    "Memorisation",
    "memorisation_check",
    "nearest_distances",
    "train_gan",
]


def _check_size(image_size: int) -> int:
    if not isinstance(image_size, (int, np.integer)) or image_size < 16 or image_size & (image_size - 1):
        raise ValueError(
            f"image_size must be a power of two >= 16 (16, 32, 64, 128), got {image_size!r}. "
            "Resize the images first, e.g. torch.nn.functional.interpolate."
        )
    return image_size


class Generator(nn.Module):
    """Noise and a class label to an image in [0, 1] (DCGAN: 4×4 seed, doubling to ``image_size``)."""

    def __init__(self, *, image_size: int = 32, num_classes: int = 2, z_dim: int = 64, width: int = 16) -> None:
        super().__init__()
        self.image_size, self.num_classes, self.z_dim = _check_size(image_size), num_classes, z_dim
        n_up = int(math.log2(image_size)) - 2
        chans = [width * 2 ** min(n_up - i, 2) for i in range(n_up + 1)]
        self.embed = nn.Embedding(num_classes, z_dim)
        self.fc = nn.Linear(2 * z_dim, chans[0] * 16)
        blocks: list[nn.Module] = [nn.BatchNorm2d(chans[0]), nn.ReLU(True)]
        for c_in, c_out in zip(chans[:-1], chans[1:]):
            blocks += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]
        blocks += [nn.Conv2d(chans[-1], 1, 3, padding=1)]
        self.net = nn.Sequential(*blocks)
        self._c0 = chans[0]

    def forward(self, z: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        h = self.fc(torch.cat([z, self.embed(label)], dim=1)).view(len(z), self._c0, 4, 4)
        return torch.sigmoid(self.net(h))


class Discriminator(nn.Module):
    """Spectrally normalised CNN with a projection head for the class label."""

    def __init__(self, *, image_size: int = 32, num_classes: int = 2, width: int = 16) -> None:
        super().__init__()
        n_down = int(math.log2(_check_size(image_size))) - 2
        chans = [1] + [width * 2 ** min(i, 3) for i in range(n_down)]
        blocks: list[nn.Module] = []
        for c_in, c_out in zip(chans[:-1], chans[1:]):
            blocks += [spectral_norm(nn.Conv2d(c_in, c_out, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        blocks += [spectral_norm(nn.Conv2d(chans[-1], chans[-1], 3, 1, 1)), nn.LeakyReLU(0.2, True)]
        self.net = nn.Sequential(*blocks)
        self.out = spectral_norm(nn.Linear(chans[-1], 1))
        self.embed = spectral_norm(nn.Embedding(num_classes, chans[-1]))

    def forward(self, x: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        h = self.net(x * 2 - 1).sum(dim=(2, 3))
        return self.out(h).squeeze(1) + (self.embed(label) * h).sum(1)


@dataclass
class GAN:
    """A conditional GAN: build it, :meth:`fit` it (or call :func:`train_gan`), then :meth:`sample`.

    Attributes
    ----------
    image_size, num_classes, z_dim, width : int
        Architecture.
    generator, discriminator : nn.Module
        The networks; ``generator_ema`` (a moving average of the generator's
        weights, which samples better) is what :meth:`sample` uses.
    steps : int
        Training steps taken so far (0 = untrained).
    history : list of dict
        Losses every step and whatever ``callback`` returned.
    """

    image_size: int = 32
    num_classes: int = 2
    z_dim: int = 64
    width: int = 16
    steps: int = 0
    history: list[dict] = field(default_factory=list)
    generator: Generator = field(init=False, repr=False)
    discriminator: Discriminator = field(init=False, repr=False)
    generator_ema: Generator = field(init=False, repr=False)

    def __post_init__(self) -> None:
        _check_size(self.image_size)
        if not isinstance(self.num_classes, int) or self.num_classes < 1:
            raise ValueError(f"num_classes must be a positive int, got {self.num_classes!r}.")
        self.generator = Generator(
            image_size=self.image_size, num_classes=self.num_classes, z_dim=self.z_dim, width=self.width
        )
        self.discriminator = Discriminator(image_size=self.image_size, num_classes=self.num_classes, width=self.width)
        self.generator_ema = copy.deepcopy(self.generator).eval().requires_grad_(False)

    def history_frame(self) -> pd.DataFrame:
        """``history`` as a DataFrame indexed by step."""
        return pd.DataFrame(self.history).set_index("step") if self.history else pd.DataFrame()

    to_frame = history_frame

    def fit(
        self,
        images: torch.Tensor,
        labels: torch.Tensor | np.ndarray,
        *,
        num_steps: int,
        batch_size: int = 64,
        lr: float = 2e-4,
        ema: float = 0.99,
        seed: int,
        device: torch.device | str | None = None,
        callback: Callable[[GAN, int], dict | None] | None = None,
        eval_every: int = 0,
        progress: bool = True,
    ) -> GAN:
        """Train (or keep training) on ``images`` with integer class ``labels``; see :func:`train_gan`."""
        from radkit.augmentation.transforms import check_images

        check_images(images, where="GAN training images")
        if images.shape[1] != 1 or images.shape[-1] != self.image_size or images.shape[-2] != self.image_size:
            raise ValueError(
                f"GAN training images must be N×1×{self.image_size}×{self.image_size}, got "
                f"{tuple(images.shape)}. Resize them or build GAN(image_size=...)."
            )
        y = torch.as_tensor(np.asarray(labels)).long().view(-1)
        if len(y) != len(images):
            raise ValueError(f"{len(images)} images but {len(y)} labels; give one class index per image.")
        if len(y) and (int(y.min()) < 0 or int(y.max()) >= self.num_classes):
            raise ValueError(
                f"labels must be class indices 0..{self.num_classes - 1}, got values "
                f"{sorted(set(y.tolist()))[:5]}. For one finding use the 0/1 column."
            )
        if not isinstance(num_steps, (int, np.integer)) or num_steps < 1:
            raise ValueError(f"num_steps must be a positive int, got {num_steps!r}.")
        seed = check_seed(seed)
        from radkit.config import device as default_device

        dev = torch.device(device) if device is not None else default_device()
        g, d, g_ema = self.generator.to(dev), self.discriminator.to(dev), self.generator_ema.to(dev)
        opt_g = torch.optim.Adam(g.parameters(), lr=lr, betas=(0.0, 0.9))
        opt_d = torch.optim.Adam(d.parameters(), lr=lr * 2, betas=(0.0, 0.9))  # TTUR (Heusel et al. 2017)
        gen = torch_generator(seed)
        x_all, y_all = images, y
        # sample the classes evenly so the rare class is seen as often as the common one
        counts = torch.bincount(y_all, minlength=self.num_classes).double()
        weights = (1.0 / counts.clamp_min(1))[y_all]
        from tqdm.auto import tqdm

        bar = tqdm(range(num_steps), desc="GAN", disable=not progress, unit="step")
        for _ in bar:
            idx = torch.multinomial(weights, batch_size, replacement=True, generator=gen)
            real, lab = x_all[idx].to(dev), y_all[idx].to(dev)
            z = torch.randn(batch_size, self.z_dim, generator=gen).to(dev)
            fake = g(z, lab)
            loss_d = torch.relu(1 - d(real, lab)).mean() + torch.relu(1 + d(fake.detach(), lab)).mean()
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
            loss_g = -d(fake, lab).mean()
            opt_g.zero_grad(set_to_none=True)
            loss_g.backward()
            opt_g.step()
            with torch.no_grad():
                decay = min(ema, (1 + self.steps) / (10 + self.steps))  # warm-up: follow closely at first
                for p_ema, p in zip(g_ema.parameters(), g.parameters()):
                    p_ema.lerp_(p, 1 - decay)
                for b_ema, b in zip(g_ema.buffers(), g.buffers()):
                    b_ema.copy_(b)
            self.steps += 1
            row = {"step": self.steps, "loss_d": float(loss_d.detach()), "loss_g": float(loss_g.detach())}
            if callback is not None and eval_every and (self.steps % eval_every == 0):
                row |= callback(self, self.steps) or {}
            self.history.append(row)
            if self.steps % 25 == 0:
                bar.set_postfix(loss_d=round(row["loss_d"], 3), loss_g=round(row["loss_g"], 3))
        bar.close()
        return self

    @torch.no_grad()
    def sample(self, n: int, *, label: int = 1, seed: int, device: torch.device | str | None = None) -> torch.Tensor:
        """``n`` generated images (N×1×H×W in [0, 1], on the CPU) of class ``label``.

        Raises
        ------
        RuntimeError
            If the GAN has not been trained (or loaded) yet.
        """
        if self.steps == 0:
            raise RuntimeError(
                "This GAN has not been trained: call gan.fit(images, labels, ...) or "
                "train_gan(...) first, or GAN.load(path) a trained one."
            )
        if not isinstance(n, (int, np.integer)) or n < 0:
            raise ValueError(f"n must be a non-negative int, got {n!r}.")
        if not 0 <= int(label) < self.num_classes:
            raise ValueError(f"label must be a class index in 0..{self.num_classes - 1}, got {label!r}.")
        dev = torch.device(device) if device is not None else next(self.generator_ema.parameters()).device
        g = self.generator_ema.to(dev).eval()
        z = torch.randn(n, self.z_dim, generator=torch_generator(seed)).to(dev)
        lab = torch.full((n,), int(label), dtype=torch.long, device=dev)
        out = [g(z[i : i + 512], lab[i : i + 512]).cpu() for i in range(0, n, 512)]
        return torch.cat(out) if out else torch.empty(0, 1, self.image_size, self.image_size)

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Save all three networks and the architecture through :func:`radkit.checkpoint.save_checkpoint`."""
        from radkit.checkpoint import save_checkpoint

        return save_checkpoint(
            _Bundle(self),
            path,
            overwrite=overwrite,
            kind="radkit.augmentation.GAN",
            image_size=self.image_size,
            num_classes=self.num_classes,
            z_dim=self.z_dim,
            width=self.width,
            steps=self.steps,
        )

    @classmethod
    def load(cls, path: str | Path) -> GAN:
        """A GAN saved by :meth:`save` (weights read with ``weights_only=True``)."""
        from radkit.checkpoint import load_checkpoint

        blob = torch.load(path, map_location="cpu", weights_only=True) if Path(path).is_file() else None
        meta = (blob or {}).get("meta", {})
        if blob is not None and meta.get("kind") != "radkit.augmentation.GAN":
            raise ValueError(
                f"{path} is not a saved radkit GAN (kind={meta.get('kind')!r}); save one with gan.save(path)."
            )
        gan = cls(**{k: meta[k] for k in ("image_size", "num_classes", "z_dim", "width")}) if meta else cls()
        load_checkpoint(_Bundle(gan), path)
        gan.steps = int(meta.get("steps", 0))
        return gan


class _Bundle(nn.Module):
    def __init__(self, gan: GAN) -> None:
        super().__init__()
        self.generator, self.discriminator, self.generator_ema = gan.generator, gan.discriminator, gan.generator_ema


def train_gan(
    images: torch.Tensor,
    labels: torch.Tensor | np.ndarray,
    *,
    num_steps: int,
    batch_size: int = 64,
    lr: float = 2e-4,
    z_dim: int = 64,
    width: int = 16,
    seed: int,
    device: torch.device | str | None = None,
    callback: Callable[[GAN, int], dict | None] | None = None,
    eval_every: int = 0,
    progress: bool = True,
) -> GAN:
    """Train a conditional GAN on ``images`` (N×1×S×S in [0, 1], S a power of two) and class ``labels``.

    Parameters
    ----------
    images : Tensor
    labels : array-like of int
        Class index per image (0/1 for one finding). Batches sample the classes
        evenly, so a rare class is seen as often as the common one.
    num_steps : int
        Generator steps (one discriminator step each).
    batch_size, lr : int, float
        Adam(0, 0.9) with ``lr`` for the generator and ``2·lr`` for the discriminator.
    z_dim, width : int
        Noise size and channel width.
    seed : int
        Initial weights, batches and noise.
    callback : callable, optional
        ``callback(gan, step) -> dict`` every ``eval_every`` steps (e.g. an FD);
        its values go into ``gan.history``.

    Returns
    -------
    GAN
    """
    seed = check_seed(seed)
    with torch.random.fork_rng(devices=[]):  # initial weights from the seed, global state untouched
        torch.manual_seed(seed)
        gan = GAN(
            image_size=int(images.shape[-1]) if isinstance(images, torch.Tensor) else 32,
            num_classes=int(max(2, int(np.asarray(labels).max()) + 1)) if len(labels) else 2,
            z_dim=z_dim,
            width=width,
        )
    return gan.fit(
        images,
        labels,
        num_steps=num_steps,
        batch_size=batch_size,
        lr=lr,
        seed=seed,
        device=device,
        callback=callback,
        eval_every=eval_every,
        progress=progress,
    )


# ----------------------------------------------------------------------------- memorisation


def nearest_distances(
    queries: torch.Tensor, reference: torch.Tensor, *, exclude_self: bool = False, batch_size: int = 1024
) -> np.ndarray:
    """Root-mean-square pixel distance from each query image to its nearest reference image.

    With ``exclude_self`` (queries and reference are the same set), an image's
    distance to itself is skipped: the nearest *other* image.

    Examples
    --------
    >>> import torch
    >>> ref = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2)])
    >>> nearest_distances(torch.full((1, 1, 2, 2), 0.9), ref).round(3).tolist()
    [0.1]
    """
    q = queries.reshape(len(queries), -1).double()
    r = reference.reshape(len(reference), -1).double()
    if q.shape[1] != r.shape[1]:
        raise ValueError(
            f"Queries and reference have different image sizes ({tuple(queries.shape[1:])} vs "
            f"{tuple(reference.shape[1:])})."
        )
    if exclude_self and len(q) != len(r):
        raise ValueError("exclude_self=True needs queries and reference to be the same set.")
    out = []
    r2 = (r * r).sum(1)
    for start in range(0, len(q), batch_size):
        qb = q[start : start + batch_size]
        d2 = (qb * qb).sum(1, keepdim=True) + r2 - 2 * qb @ r.T
        if exclude_self:
            rows = torch.arange(len(qb))
            d2[rows, rows + start] = math.inf
        out.append(d2.clamp_min(0).min(1).values)
    return torch.sqrt(torch.cat(out) / q.shape[1]).numpy()


@dataclass(frozen=True)
class Memorisation:
    """Nearest-neighbour distances of generated images to the training set, against the training set's own.

    Attributes
    ----------
    sample_to_train : ndarray
        For each generated image, the distance to its nearest training image.
    train_to_train : ndarray
        For each training image, the distance to its nearest *other* training image.
    threshold : float
        A generated image closer than this to a training image counts as a near-copy:
        ``copy_quantile`` of ``train_to_train`` (by default its 1st percentile: closer
        than 99% of real images are to each other).
    """

    sample_to_train: np.ndarray
    train_to_train: np.ndarray
    threshold: float

    @property
    def near_copies(self) -> int:
        return int((self.sample_to_train < self.threshold).sum())

    @property
    def ratio(self) -> float:
        """Median sample-to-train over median train-to-train distance (≈1 or more: no copying)."""
        return float(np.median(self.sample_to_train) / np.median(self.train_to_train))

    def to_frame(self) -> pd.DataFrame:
        rows = {
            "generated → nearest training": self.sample_to_train,
            "training → nearest other training": self.train_to_train,
        }
        return pd.DataFrame(
            {
                k: {"n": len(v), "min": v.min(), "5%": np.quantile(v, 0.05), "median": np.median(v)}
                for k, v in rows.items()
            }
        ).T


def memorisation_check(samples: torch.Tensor, train: torch.Tensor, *, copy_quantile: float = 0.01) -> Memorisation:
    """Are generated images copies of training images? Compare their nearest-neighbour distances.

    A GAN that memorises returns training images (distance ≈ 0 to one of them);
    one that generalises produces images as far from every training image as
    real images are from each other.

    Examples
    --------
    >>> import torch
    >>> g = torch.Generator().manual_seed(0)
    >>> train = torch.rand(50, 1, 8, 8, generator=g)
    >>> memorisation_check(train[:5].clone(), train).near_copies     # copies are caught
    5
    >>> memorisation_check(torch.rand(5, 1, 8, 8, generator=g), train).near_copies
    0
    """
    if not 0 < copy_quantile < 0.5:
        raise ValueError(f"copy_quantile must be in (0, 0.5), got {copy_quantile}.")
    from radkit._validate import check_images

    # both on the [0, 1] float scale: a uint8 copy of a training image would otherwise sit far from it
    samples = check_images(samples, where="memorisation_check: samples", non_empty=True)
    train = check_images(train, where="memorisation_check: train", non_empty=True)
    if samples.shape[1:] != train.shape[1:]:
        raise ValueError(
            f"samples {tuple(samples.shape[1:])} and train {tuple(train.shape[1:])} images differ in shape."
        )
    s2t = nearest_distances(samples, train)
    t2t = nearest_distances(train, train, exclude_self=True)
    return Memorisation(s2t, t2t, float(np.quantile(t2t, copy_quantile)))
