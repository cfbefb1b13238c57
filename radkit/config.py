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

__all__ = [
    "Profile",
    "PROFILES",
    "SMOKE_CAPS",
    "SMOKE_ENV",
    "profile",
    "smoke",
    "notebook_seed",
    "device",
    "setup",
    "expected_time",
    "seed_everything",
    "IMAGES_ENV",
    "REAL_SOURCES",
    "SOURCES_OF_IMAGES",
    "images_source",
    "EXTERNAL_ENV",
    "external_sources",
]


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
    n_rep : int
        Replicates of the cheap random part of a lesson (reader panels,
        resamples, splits) that its claims are asserted over.
    seed : int
        The notebook's seed (``RADKIT_SEED``), set by :func:`setup`. Every seed a
        notebook uses is this one or derived from it (``prof.seed + 1``,
        :func:`radkit.seeding.spawn`), never a literal.
    images : str
        The image source (``RADKIT_IMAGES``: ``synthetic`` or a real dataset),
        set by :func:`setup`; :func:`radkit.data.lesson_data` reads it.
    external : tuple of str
        Further real sources (``RADKIT_EXTERNAL``), set by :func:`setup`: the
        hospitals a lesson tests on externally or treats as other sites
        (:func:`radkit.data.external_sets`). Empty by default.
    smoke : bool
        True when ``RADKIT_SMOKE=1`` capped the work (:meth:`Profile.smoke_caps`):
        the profile's image size, architecture and code path, on a few hundred
        films for one epoch, so that ``make smoke`` proves a profile's code path
        on a CPU. Claims are then recorded as "not checked (smoke)".
    """

    name: str
    image_size: int
    n_train: int
    n_test: int
    num_epochs: int
    batch_size: int
    model: str
    n_boot: int
    n_rep: int = 30
    seed: int = 0
    images: str = "synthetic"
    smoke: bool = False
    external: tuple[str, ...] = ()

    def smoke_caps(self) -> Profile:
        """This profile with every field that multiplies work capped to what a CPU does in minutes.

        Image size, architecture (``model``), name (and so the notebook's code path),
        seed and image source are kept; the data is capped to :data:`SMOKE_CAPS`
        films, the epochs to one, the batch size, bootstrap and replicate counts to
        small numbers. A notebook under ``RADKIT_SMOKE=1`` therefore executes the same
        statements at the same image size, only on less data; its claims are not checked.

        Examples
        --------
        >>> s = PROFILES["full"].smoke_caps()
        >>> s.image_size, s.model, s.n_train, s.num_epochs, s.smoke
        (224, 'resnet18', 300, 1, True)
        """
        return replace(self, smoke=True, **{k: min(getattr(self, k), cap) for k, cap in SMOKE_CAPS.items()})


#: The caps of a smoke run (``RADKIT_SMOKE=1``), one per :class:`Profile` field that multiplies work.
#: A new such field must be added here (tests/test_config.py checks that none is forgotten).
SMOKE_CAPS: dict[str, int] = {
    "n_train": 300,
    "n_test": 200,
    "num_epochs": 1,
    "batch_size": 32,
    "n_boot": 50,
    "n_rep": 5,
}

PROFILES: dict[str, Profile] = {
    "quick": Profile(
        "quick",
        image_size=64,
        n_train=1_500,
        n_test=1_000,
        num_epochs=3,
        batch_size=128,
        model="smallcnn",
        n_boot=200,
        n_rep=30,
    ),
    "standard": Profile(
        "standard",
        image_size=128,
        n_train=6_000,
        n_test=2_000,
        num_epochs=8,
        batch_size=128,
        model="smallcnn",
        n_boot=1_000,
        n_rep=40,
    ),
    "full": Profile(
        "full",
        image_size=224,
        n_train=20_000,
        n_test=5_000,
        num_epochs=20,
        batch_size=256,
        model="resnet18",
        n_boot=2_000,
        n_rep=50,
    ),
}

_ENV = "RADKIT_PROFILE"
_SEED_ENV = "RADKIT_SEED"
_DEVICE_ENV = "RADKIT_DEVICE"
#: The environment variable of the smoke switch (``RADKIT_SMOKE=1``; read by :func:`smoke`).
SMOKE_ENV = "RADKIT_SMOKE"
#: The environment variable that names a lesson's image source (read by :func:`images_source`).
IMAGES_ENV = "RADKIT_IMAGES"
#: The real datasets a lesson can take its images from (under ``RADKIT_DATA``).
REAL_SOURCES = ("nih", "chexpert", "rsna", "vindr", "padchest", "siim")
#: Every value ``RADKIT_IMAGES`` may take.
SOURCES_OF_IMAGES = ("synthetic", *REAL_SOURCES)
#: The environment variable that names further real sources, comma-separated (read by :func:`external_sources`).
EXTERNAL_ENV = "RADKIT_EXTERNAL"


def profile(name: str | None = None, *, smoke_run: bool | None = None) -> Profile:
    """Return the active profile (``RADKIT_PROFILE``, default ``"standard"``), capped under ``RADKIT_SMOKE=1``.

    Parameters
    ----------
    name : str, optional
        Ask for a profile by name instead of reading the environment.
    smoke_run : bool, optional, keyword-only
        Cap the work (:meth:`Profile.smoke_caps`) or not; default: the smoke switch
        ``RADKIT_SMOKE`` (:func:`smoke`).

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
    chosen_profile = PROFILES[chosen]
    return chosen_profile.smoke_caps() if (smoke() if smoke_run is None else smoke_run) else chosen_profile


def smoke(value: str | None = None) -> bool:
    """Whether the smoke switch is on: ``value`` if given, else ``RADKIT_SMOKE`` (off when unset).

    ``1``, ``true``, ``yes`` and ``on`` turn it on; ``0``, ``false``, ``no``, ``off`` and
    the empty string leave it off; anything else is an error that says what to write.

    Examples
    --------
    >>> smoke("1"), smoke("off"), smoke("")
    (True, False, False)
    """
    source = "argument" if value is not None else f"environment variable {SMOKE_ENV}"
    text = (value if value is not None else os.environ.get(SMOKE_ENV, "")).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValueError(
        f"Invalid smoke switch {text!r} (from the {source}): use 1 to turn it on, 0 or unset for off. "
        f"Example: {SMOKE_ENV}=1 RADKIT_PROFILE=full make smoke"
    )


def notebook_seed(value: int | str | None = None) -> int:
    """Return the notebook seed: ``value`` if given, else ``RADKIT_SEED`` (default 0).

    ``make claims`` runs every notebook with ``RADKIT_SEED`` = 1, 2, 3, 4 to show
    that its claims do not depend on one lucky draw.

    Examples
    --------
    >>> import radkit
    >>> radkit.config.notebook_seed(7)
    7
    """
    source = "argument" if value is not None else f"environment variable {_SEED_ENV}"
    raw = value if value is not None else (os.environ.get(_SEED_ENV, "").strip() or "0")
    if isinstance(raw, bool):
        raise TypeError(f"seed must be a whole number, not {raw!r}.")
    text = str(raw).strip()
    try:
        number = int(text)
    except ValueError:
        number = None
    if number is None or number < 0 or (not isinstance(raw, (int, np.integer)) and not text.isdigit()):
        raise ValueError(
            f"Invalid radkit seed {raw!r} (from the {source}): use a whole number >= 0. "
            f"Example: {_SEED_ENV}=3 make claims"
        )
    return number


def images_source(name: str | None = None) -> str:
    """The image source in use: ``name`` if given, else ``RADKIT_IMAGES`` (default ``synthetic``).

    Read once, by :func:`setup`, which stores it as ``Profile.images`` for
    :func:`radkit.data.lesson_data`.

    Examples
    --------
    >>> images_source("NIH ")
    'nih'
    """
    from_env = name is None
    chosen = (os.environ.get(IMAGES_ENV, "") if from_env else name).strip().lower() or "synthetic"
    if chosen not in SOURCES_OF_IMAGES:
        where = f"environment variable {IMAGES_ENV}" if from_env else "argument"
        raise ValueError(
            f"Unknown image source {chosen!r} (from the {where}). Valid: "
            f"{', '.join(SOURCES_OF_IMAGES)}. Example: {IMAGES_ENV}=nih RADKIT_DATA=/data/cxr make run"
        )
    return chosen


def external_sources(names: str | None = None, *, images: str) -> tuple[str, ...]:
    """Further real sources: ``names`` if given, else ``RADKIT_EXTERNAL`` (comma-separated; default none).

    They are the other hospitals of lessons that validate across sources (train on
    ``images``, test on each of these) or treat sources as sites. Each must be a real
    source other than ``images``, named once; with synthetic ``images`` there is nothing
    to be external to, and naming any is an error.

    Examples
    --------
    >>> external_sources("padchest, chexpert", images="nih")
    ('padchest', 'chexpert')
    >>> external_sources("", images="synthetic")
    ()
    """
    from_env = names is None
    raw = os.environ.get(EXTERNAL_ENV, "") if from_env else names
    chosen = tuple(part.strip().lower() for part in raw.split(",") if part.strip())
    where = f"environment variable {EXTERNAL_ENV}" if from_env else "argument"
    example = f"Example: {IMAGES_ENV}=nih {EXTERNAL_ENV}=padchest,chexpert RADKIT_DATA=/data/cxr make run"
    unknown = [c for c in chosen if c not in REAL_SOURCES]
    if unknown:
        raise ValueError(
            f"Unknown external source(s) {unknown} (from the {where}). Valid: {', '.join(REAL_SOURCES)}. {example}"
        )
    if chosen and images not in REAL_SOURCES:
        raise ValueError(
            f"{EXTERNAL_ENV}={','.join(chosen)} needs a real training source: set {IMAGES_ENV} to one of "
            f"{', '.join(REAL_SOURCES)} (now {images!r}), or unset {EXTERNAL_ENV}. {example}"
        )
    if images in chosen or len(set(chosen)) < len(chosen):
        raise ValueError(
            f"{EXTERNAL_ENV}={','.join(chosen)}: name each external source once and not the training source "
            f"{images!r} (testing on the training hospital is internal validation). {example}"
        )
    return chosen


def device() -> torch.device:
    """Pick the fastest available device: CUDA, then Apple MPS, then CPU.

    Set ``RADKIT_DEVICE=cpu`` (or ``cuda:1``...) to override. Under ``torchrun``
    each process takes the GPU of its ``LOCAL_RANK``.

    Examples
    --------
    >>> import radkit
    >>> radkit.device().type in {"cpu", "cuda", "mps"}
    True
    """
    import torch

    forced = os.environ.get(_DEVICE_ENV, "").strip().lower()
    if forced:
        return _forced_device(forced)
    if torch.cuda.is_available():
        local_rank = os.environ.get("LOCAL_RANK")  # under torchrun each rank takes its own GPU
        return torch.device("cuda", int(local_rank) % torch.cuda.device_count()) if local_rank else torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def _forced_device(name: str) -> torch.device:
    import torch

    hint = f"Set {_DEVICE_ENV} to cpu, cuda, cuda:N or mps, or unset it to let radkit choose."
    try:
        dev = torch.device(name)
    except (RuntimeError, ValueError):
        raise ValueError(f"{_DEVICE_ENV}={name!r} is not a device name. {hint}") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                f"{_DEVICE_ENV}={name!r} asks for a GPU, but PyTorch sees no CUDA device here "
                f"(no GPU, no driver, or a CPU-only torch build). Unset {_DEVICE_ENV} "
                "or set it to cpu."
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise RuntimeError(
                f"{_DEVICE_ENV}={name!r}: only {torch.cuda.device_count()} CUDA device(s) "
                f"are visible (cuda:0 .. cuda:{torch.cuda.device_count() - 1})."
            )
    elif dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise RuntimeError(f"{_DEVICE_ENV}={name!r} asks for Apple MPS, which is not available here. {hint}")
    elif dev.type != "cpu":
        raise ValueError(f"{_DEVICE_ENV}={name!r}: radkit runs on cpu, cuda or mps. {hint}")
    return dev


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch global generators (notebook use only).

    Library functions never call this; they take ``seed`` explicitly.
    """
    import torch

    from radkit.seeding import check_seed

    seed = check_seed(seed)
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 (the notebook-level global seeding is the point here)
    torch.manual_seed(seed)


def _notebook_name() -> str | None:
    """The path of the notebook this kernel runs, when the front end tells the kernel; else None.

    JupyterLab (jupyter_server) starts a notebook's kernel with ``JPY_SESSION_NAME``
    set to the notebook's path, which ipykernel also stores as ``__session__``;
    VS Code sets ``__vsc_ipynb_file__``; the claims runner sets ``JPY_SESSION_NAME``
    as JupyterLab does. nbclient/nbval alone set nothing. Only a name ending in
    ``.ipynb`` counts (a console's session name does not).
    """
    candidates = []
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is not None:
        candidates += [shell.user_ns.get("__vsc_ipynb_file__"), shell.user_ns.get("__session__")]
    candidates.append(os.environ.get("JPY_SESSION_NAME"))
    return next((c for c in candidates if isinstance(c, str) and c.strip().endswith(".ipynb")), None)


def expected_time(notebook: str | os.PathLike, prof: Profile) -> str:
    """What a set-up cell says to expect: the measured time of ``notebook`` in ``prof``, and how to switch.

    Read from ``radkit/_measured.json`` (:mod:`radkit._measured`, written by ``make claims``);
    a smoke run's time is looked up under ``<profile>+smoke``.

    Examples
    --------
    >>> print(expected_time("no_such_notebook", PROFILES["standard"]))  # doctest: +NORMALIZE_WHITESPACE
    expected: this notebook has not been timed in profile standard yet (make claims records it).
    For a first look, start Jupyter with RADKIT_PROFILE=quick (RADKIT_PROFILE=quick make lab).
    """
    from radkit._measured import describe

    key = f"{prof.name}+smoke" if prof.smoke else prof.name
    text = "expected: " + describe(notebook, key)
    if prof.name == "quick":
        return text + "\nThe laptop sizes: start Jupyter with RADKIT_PROFILE=standard (the default of make lab)."
    return text + "\nFor a first look, start Jupyter with RADKIT_PROFILE=quick (RADKIT_PROFILE=quick make lab)."


def setup(
    seed: int | None = None, *, profile_name: str | None = None, verbose: bool = True, notebook: str | None = None
) -> Profile:
    """One call at the top of every notebook.

    Reads the profile (``RADKIT_PROFILE``), the smoke switch (``RADKIT_SMOKE``) and the
    seed (``RADKIT_SEED``, default 0) in one place; prints the versions that matter
    (Python, torch, radkit), the device, the profile and the seed, and, when it knows
    which notebook it runs in, that notebook's measured time in this profile
    (:func:`expected_time`); seeds Python/NumPy/torch once; returns the profile with
    its ``seed`` set. Notebooks take every seed from ``prof.seed``.

    The notebook is found without any argument under JupyterLab, VS Code and
    ``make claims`` (:func:`_notebook_name`); elsewhere (nbval, a script) nothing is
    announced unless ``notebook=`` names it, e.g. ``"07_performance_measures"``.

    Examples
    --------
    >>> import radkit
    >>> p = radkit.setup(seed=5, profile_name="quick", verbose=False)
    >>> p.name, p.seed
    ('quick', 5)
    """
    import torch

    from radkit._version import __version__

    seed = notebook_seed(seed)
    images = images_source()
    prof = replace(profile(profile_name), seed=seed, images=images, external=external_sources(images=images))
    if notebook is not None and (not isinstance(notebook, str) or not notebook.strip()):
        raise TypeError(f"notebook must name the notebook, e.g. '07_performance_measures', got {notebook!r}.")
    seed_everything(seed)
    dev = device()
    if verbose and os.environ.get("RANK", "0") == "0":  # under torchrun, one set of printed versions
        dev_name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else dev.type.upper()
        print(f"python {platform.python_version()} | torch {torch.__version__} | radkit {__version__}")
        external = f" | external: {', '.join(prof.external)}" if prof.external else ""
        print(f"device: {dev_name} | profile: {prof.name} | seed: {seed} | images: {prof.images}{external}")
        sizes = {k: v for k, v in vars(prof).items() if k not in ("name", "seed", "images", "smoke", "external")}
        print("profile sizes: " + ", ".join(f"{k}={v}" for k, v in sizes.items()))
        if prof.smoke:
            print(
                f"smoke: ON ({SMOKE_ENV}=1): {prof.name}'s image size, model and code path on capped data "
                f"({', '.join(f'{k}<={v}' for k, v in SMOKE_CAPS.items())}); claims are not checked"
            )
        name = notebook or _notebook_name()
        if name:
            print(expected_time(name, prof))
    return prof
