"""One seed convention for the whole kit.

Library functions that draw at random take a keyword-only ``seed: int`` with no
default, so a notebook cannot forget to pass ``prof.seed`` and silently run every
``RADKIT_SEED`` as seed 0. They never touch global random state: they turn the seed
into a private generator with :func:`rng` (NumPy: tables, resamples, draws of cases)
or :func:`torch_generator` (torch: tensors). Notebooks take their seed from
``radkit.setup()`` (``prof.seed``, read from ``RADKIT_SEED``) and derive the
independent streams they need with :func:`spawn`, so no literal seed appears in a
notebook and ``make claims`` can run every lesson under other seeds.

Three exceptions, each stated in the function's docstring:

* randomness that is optional (a bootstrap only when ``n_boot > 0``, a random
  tie-break only when asked for): ``seed: int | None = None``, and
  :func:`rng_if_needed` raises if the random step is taken without a seed;
* functions that take ``prof`` default to ``prof.seed``;
* figures that jitter points for display only use a fixed generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

__all__ = ["check_seed", "rng", "rng_if_needed", "spawn", "torch_generator"]


def check_seed(seed: object, *, name: str = "seed") -> int:
    """Return ``seed`` as an int, or raise a clear error.

    Examples
    --------
    >>> check_seed(3)
    3
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f"{name} must be a whole number (e.g. prof.seed from radkit.setup()), got {type(seed).__name__} {seed!r}."
        )
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {seed}.")
    return int(seed)


def rng(seed: int) -> np.random.Generator:
    """NumPy generator for ``seed`` (PCG64, the NumPy default).

    Examples
    --------
    >>> bool(rng(0).random() == rng(0).random())
    True
    """
    return np.random.default_rng(check_seed(seed))


def rng_if_needed(seed: int | None, *, where: str, why: str) -> np.random.Generator:
    """NumPy generator for an *optional* random step, or a clear error when no seed was given.

    For functions whose randomness is optional (a bootstrap only when ``n_boot > 0``,
    a random tie-break only when asked for): their ``seed`` may stay ``None``
    until the random path is taken; then it must be a whole number, so that no
    result ever comes from fresh, unrepeatable entropy.

    Examples
    --------
    >>> bool(rng_if_needed(1, where="f", why="n_boot > 0").random() == rng(1).random())
    True
    >>> rng_if_needed(None, where="fleiss_kappa", why="n_boot=200 resamples")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: fleiss_kappa: n_boot=200 resamples, so it needs seed= (e.g. seed=prof.seed ...
    """
    if seed is None:
        raise ValueError(
            f"{where}: {why}, so it needs seed= (e.g. seed=prof.seed from radkit.setup()) to be repeatable."
        )
    return rng(seed)


def torch_generator(seed: int, device: torch.device | str = "cpu") -> torch.Generator:
    """torch generator on ``device`` seeded with ``seed``.

    Examples
    --------
    >>> import torch
    >>> g1, g2 = torch_generator(0), torch_generator(0)
    >>> bool(torch.equal(torch.rand(3, generator=g1), torch.rand(3, generator=g2)))
    True
    """
    import torch

    gen = torch.Generator(device=device)
    gen.manual_seed(check_seed(seed))
    return gen


def spawn(seed: int, n: int) -> list[int]:
    """``n`` independent child seeds of ``seed`` (NumPy ``SeedSequence.spawn``).

    Use them for the replicates a claim is asserted over: reader panels,
    resamples, training runs. Children of different seeds do not overlap the
    way ``seed + k`` would.

    Examples
    --------
    >>> a = spawn(0, 3)
    >>> len(a), len(set(a)), a == spawn(0, 3)
    (3, 3, True)
    """
    check_seed(seed)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"n must be a whole number >= 0, got {n!r}.")
    children = np.random.SeedSequence(seed).spawn(int(n))
    return [int(c.generate_state(1, dtype=np.uint32)[0]) for c in children]
