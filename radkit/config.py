"""Profiles, device choice and the one-call notebook setup.

Every notebook starts with :func:`setup`. Sizes, epochs and batch sizes come
from the active *profile*, read from the ``RADKIT_PROFILE`` environment
variable in one place (:func:`profile`), so the same notebook runs in a minute
on a 2-core CPU (``quick``), in minutes on a laptop (``standard``) or at real
sizes on a GPU (``full``) without any edit to its source.
"""

from __future__ import annotations

import os
import platform
import random
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # torch is imported lazily: metrics and public loaders don't need it
    import torch

import numpy as np

__all__ = ["Profile", "PROFILES", "profile", "device", "setup", "seed_everything"]


@dataclass(frozen=True)
class Profile:
    """Sizes that notebooks read instead of hard-coding them.

    Attributes
    ----------
    name : str
        ``"quick"``, ``"standard"`` or ``"full"``.
    image_size : int
        Side of the square synthetic radiographs, in pixels.
    n_train, n_test : int
        Number of training / test images a notebook generates.
    num_epochs : int
        Training epochs for the notebook's main model.
    batch_size : int
        Mini-batch size for training and prediction.
    model : str
        Default architecture for :func:`radkit.models.make_model`.
    n_boot : int
        Bootstrap replicates for confidence intervals.
    """

    name: str
    image_size: int
    n_train: int
    n_test: int
    num_epochs: int
    batch_size: int
    model: str
    n_boot: int


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", image_size=64, n_train=1_500, n_test=1_000, num_epochs=3,
                     batch_size=128, model="smallcnn", n_boot=200),
    "standard": Profile("standard", image_size=128, n_train=6_000, n_test=2_000, num_epochs=8,
                        batch_size=128, model="smallcnn", n_boot=1_000),
    "full": Profile("full", image_size=224, n_train=20_000, n_test=5_000, num_epochs=20,
                    batch_size=256, model="resnet18", n_boot=2_000),
}

_ENV = "RADKIT_PROFILE"


def profile(name: str | None = None) -> Profile:
    """Return the active profile (``RADKIT_PROFILE``, default ``"standard"``).

    Parameters
    ----------
    name : str, optional
        Ask for a profile by name instead of reading the environment.

    Examples
    --------
    >>> import radkit
    >>> radkit.profile("quick").image_size
    64
    """
    chosen = (name if name is not None else os.environ.get(_ENV, "standard")).strip().lower()
    if chosen not in PROFILES:
        valid = ", ".join(PROFILES)
        source = "argument" if name is not None else f"environment variable {_ENV}"
        raise ValueError(
            f"Unknown radkit profile {chosen!r} (from the {source}). "
            f"Valid profiles: {valid}. Example: {_ENV}=quick make run"
        )
    return PROFILES[chosen]


def device() -> "torch.device":
    """Pick the fastest available device: CUDA, then Apple MPS, then CPU.

    Set ``RADKIT_DEVICE=cpu`` (or ``cuda:1``...) to override.

    Examples
    --------
    >>> import radkit
    >>> radkit.device().type in {"cpu", "cuda", "mps"}
    True
    """
    import torch

    forced = os.environ.get("RADKIT_DEVICE")
    if forced:
        return torch.device(forced)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch global generators (notebook use only).

    Library functions never call this; they take ``seed`` explicitly.
    """
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(seed: int = 0, *, profile_name: str | None = None, verbose: bool = True) -> Profile:
    """One call at the top of every notebook.

    Prints the versions that matter (Python, torch, radkit), the device, the
    profile and the seed; seeds Python/NumPy/torch once; returns the profile.

    Examples
    --------
    >>> import radkit
    >>> p = radkit.setup(seed=0, profile_name="quick", verbose=False)
    >>> p.name
    'quick'
    """
    import torch

    from radkit import __version__

    prof = profile(profile_name)
    seed_everything(seed)
    dev = device()
    if verbose:
        dev_name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else dev.type.upper()
        print(f"python {platform.python_version()} | torch {torch.__version__} | radkit {__version__}")
        print(f"device: {dev_name} | profile: {prof.name} | seed: {seed}")
        sizes = {k: v for k, v in vars(prof).items() if k != "name"}
        print("profile sizes: " + ", ".join(f"{k}={v}" for k, v in sizes.items()))
    return prof


def with_overrides(prof: Profile, **changes: object) -> Profile:
    """Return a copy of ``prof`` with some fields changed (profiles are frozen)."""
    return replace(prof, **changes)
