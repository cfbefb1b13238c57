"""Hospitals as federated clients: synthetic sites with real non-IID structure.

Each client keeps its own train and test images; nothing here pools them
except :func:`pooled`, which builds the (forbidden) pooled data set that a
lesson uses as the ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd
import torch

if TYPE_CHECKING:
    from radkit.config import Profile

__all__ = [
    "Client",
    "FEDERATED_SITES",
    "federated_sites",
    "make_clients",
    "source_clients",
    "check_clients",
    "pooled",
    "describe",
]

from radkit.synth import Site

#: Four hospitals: a large outpatient clinic (A), a sicker inpatient hospital (B, more
#: positives, portable films), a small clinic (C) and a hospital whose scanner no other
#: site has (D: a steep contrast curve and a narrow window, so much darker films).
FEDERATED_SITES: tuple[Site, ...] = (
    Site("A", weight=0.36, ap_fraction=0.10, risk=-0.6, age_mean=50, gamma=1.0, noise=0.015),
    Site("B", weight=0.24, ap_fraction=0.60, risk=0.9, age_mean=68, gamma=1.2, window=(0.0, 1.0), noise=0.025),
    Site("C", weight=0.06, ap_fraction=0.20, risk=0.0, age_mean=57, gamma=0.9, noise=0.02),
    Site(
        "D", weight=0.34, ap_fraction=0.25, risk=0.3, age_mean=60, gamma=3.0, window=(0.35, 1.0), noise=0.02, blur=0.3
    ),
)


def federated_sites(*, scanner_skew: float = 1.0, prevalence_skew: float = 1.0) -> tuple[Site, ...]:
    """:data:`FEDERATED_SITES` with their differences scaled (the widget's knobs).

    Parameters
    ----------
    scanner_skew : float in [0, 1]
        0 gives every site site A's scanner; 1 the sites' own scanners.
    prevalence_skew : float in [0, 1]
        0 gives every site the same risk (same prevalence); 1 the sites' own.

    Examples
    --------
    >>> [round(s.gamma, 2) for s in federated_sites(scanner_skew=0.5)]
    [1.0, 1.1, 0.95, 2.0]
    """
    for name, v in (("scanner_skew", scanner_skew), ("prevalence_skew", prevalence_skew)):
        if not (isinstance(v, (int, float)) and 0.0 <= v <= 1.0):
            raise ValueError(f"{name} must be a number in [0, 1] (0 = all sites alike, 1 = as they are), got {v!r}.")
    ref = FEDERATED_SITES[0]
    mix = lambda a, b: a + scanner_skew * (b - a)
    out = []
    for s in FEDERATED_SITES:
        out.append(
            replace(
                s,
                gamma=mix(ref.gamma, s.gamma),
                noise=mix(ref.noise, s.noise),
                blur=mix(ref.blur, s.blur),
                window=(mix(ref.window[0], s.window[0]), mix(ref.window[1], s.window[1])),
                risk=prevalence_skew * s.risk,
            )
        )
    return tuple(out)


@dataclass
class Client:
    """One hospital's data, which never leaves it.

    Attributes
    ----------
    name : str
    X, y : Tensor
        Training images (N×1×H×W, float in [0, 1]) and labels (N×1, 0/1).
    X_test, y_test : Tensor
        The hospital's own test images and labels.
    """

    name: str
    X: torch.Tensor
    y: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor

    @property
    def n(self) -> int:
        return len(self.X)

    def __repr__(self) -> str:
        return (
            f"Client({self.name!r}, n={self.n}, prevalence={float(self.y.float().mean()):.2f}, "
            f"n_test={len(self.X_test)})"
        )


def check_clients(clients: object) -> list[Client]:
    """Validate a list of clients; errors say which client is wrong and what to do.

    Examples
    --------
    >>> c = Client("A", torch.rand(4, 1, 8, 8), torch.tensor([[0.], [1.], [0.], [1.]]),
    ...            torch.rand(2, 1, 8, 8), torch.tensor([[0.], [1.]]))
    >>> len(check_clients([c]))
    1
    """
    if isinstance(clients, Client):
        clients = [clients]
    if not isinstance(clients, (list, tuple)) or not clients:
        raise ValueError(
            "clients must be a non-empty list of radkit.federated.Client (one per hospital); "
            "build them with radkit.federated.make_clients(prof)."
        )
    names = set()
    shape = None
    for c in clients:
        if not isinstance(c, Client):
            raise TypeError(f"every client must be a radkit.federated.Client, got {type(c).__name__}.")
        if c.name in names:
            raise ValueError(f"two clients are named {c.name!r}; give each hospital its own name.")
        names.add(c.name)
        if c.n == 0:
            raise ValueError(
                f"client {c.name!r} has no training images: a hospital with no data cannot train. "
                "Leave it out of the federation (it can still receive the global model)."
            )
        if len(c.y) != c.n:
            raise ValueError(f"client {c.name!r}: {c.n} images but {len(c.y)} labels; they must match.")
        if torch.isnan(c.y.float()).any():
            raise ValueError(f"client {c.name!r} has NaN labels; drop those images or label them.")
        classes = torch.unique(c.y)
        if len(classes) < 2:
            raise ValueError(
                f"client {c.name!r} has only one class ({float(classes[0]):g}) in its training "
                "labels: its local update cannot learn to separate classes and its local AUC "
                "is undefined. Give it cases of both classes or leave it out."
            )
        if shape is None:
            shape = tuple(c.X.shape[1:])
        elif tuple(c.X.shape[1:]) != shape:
            raise ValueError(
                f"client {c.name!r} has images of shape {tuple(c.X.shape[1:])} but the first client "
                f"has {shape}; every hospital must preprocess to the same size."
            )
    return list(clients)


def make_clients(
    prof: Profile,
    *,
    sites: tuple[Site, ...] | None = None,
    finding: str = "cardiomegaly",
    n_train: int | None = None,
    n_test: int | None = None,
    size: int = 32,
    iid: bool = False,
    difficulty: float = 1.0,
    seed: int | None = None,
) -> list[Client]:
    """One :class:`Client` per site, from :func:`radkit.data.lesson_data` (synthetic sites).

    Parameters
    ----------
    prof : Profile
        From ``radkit.setup()``; default sizes and seed.
    sites : tuple of Site, optional
        Default :data:`FEDERATED_SITES`.
    finding : str
        The lesson finding used as the label.
    n_train, n_test : int, optional
        Images over all sites (default ``prof.n_train``, ``prof.n_test``).
    size : int
        Image side in pixels (32 keeps many trainings cheap).
    iid : bool
        If True, the same images are dealt to the clients at random (same client
        sizes): the IID control for the same data.
    difficulty : float
        :func:`radkit.synth.generate`'s difficulty (0 obvious findings, 1 the default).
    seed : int, optional
        Default ``prof.seed``.

    Examples
    --------
    >>> import radkit
    >>> prof = radkit.setup(profile_name="quick", verbose=False)
    >>> cs = make_clients(prof, n_train=200, n_test=80, size=16)
    >>> [c.name for c in cs]
    ['A', 'B', 'C', 'D']
    """
    from radkit.data import lesson_data
    from radkit.seeding import check_seed, rng

    seed = check_seed(prof.seed if seed is None else seed)
    sites = FEDERATED_SITES if sites is None else tuple(sites)
    data = lesson_data(
        prof,
        findings=finding,
        n_train=n_train,
        n_test=n_test,
        size=size,
        seed=seed,
        source="synthetic",
        sites=list(sites),
        masks=False,
        difficulty=difficulty,
    )
    X, y = data.train.tensors()
    Xt, yt = data.test.tensors()
    site = data.train.meta["site"].to_numpy()
    site_t = data.test.meta["site"].to_numpy()
    names = [s.name for s in sites]
    if iid:
        gen = rng(seed + 7)
        site, site_t = gen.permutation(site), gen.permutation(site_t)
    return [
        Client(
            name,
            X[torch.from_numpy(site == name)],
            y[torch.from_numpy(site == name)],
            Xt[torch.from_numpy(site_t == name)],
            yt[torch.from_numpy(site_t == name)],
        )
        for name in names
    ]


def source_clients(
    prof: Profile,
    *,
    finding: str = "cardiomegaly",
    n_train: int | None = None,
    n_test: int | None = None,
    size: int = 32,
    n_sites: int = 3,
    seed: int | None = None,
):
    """Real hospitals as clients: one per real source, or one source split into sites by patient.

    With ``RADKIT_EXTERNAL`` set, each source (``prof.images``, then ``prof.external``) is
    one hospital: its own films, train and test, drawn by :func:`radkit.data.lesson_data`
    (``source=``), the finding mapped by the one crosswalk (:mod:`radkit.findings`), so
    every hospital's label means the same thing. With one real source only, its patients
    are dealt at random to ``n_sites`` sites (all films of a patient at one site, train and
    test alike): these are **not** real hospitals, only the same source cut into parts, so
    they share scanners, labelling and population and are close to IID.

    Parameters
    ----------
    prof : Profile
        From ``radkit.setup()`` with a real ``RADKIT_IMAGES``.
    finding : str, keyword-only
        The lesson finding used as the label; every source must have it.
    n_train, n_test : int, optional, keyword-only
        Films per source (default the profile's); with one source, over all its sites.
    size : int, keyword-only
        Image side in pixels.
    n_sites : int, keyword-only
        Sites one source is split into (used only when there is one source).
    seed : int, optional, keyword-only
        Default ``prof.seed``: which films are drawn and, with one source, which patient goes where.

    Returns
    -------
    clients : list of Client
        One per hospital, named by its source (or ``"<source> part k"``).
    tests : dict of str to Split
        Each client's test :class:`~radkit.data._base.Split` (its metadata for
        :func:`radkit.data.compare_sources`), under the client's name.

    Examples
    --------
    >>> import radkit
    >>> prof = radkit.setup(profile_name="quick", verbose=False)
    >>> source_clients(prof)  # doctest: +ELLIPSIS  # synthetic images: the synthetic sites are make_clients'
    Traceback (most recent call last):
    ...
    ValueError: source_clients needs real images (RADKIT_IMAGES=nih, ...); prof.images is 'synthetic'. ...
    """
    import numpy as np

    from radkit.data import lesson_data
    from radkit.data._base import Split
    from radkit.seeding import check_seed, rng

    images = getattr(prof, "images", "synthetic")
    if images == "synthetic":
        raise ValueError(
            "source_clients needs real images (RADKIT_IMAGES=nih, ...); prof.images is 'synthetic'. "
            "For synthetic hospitals use make_clients(prof)."
        )
    if isinstance(n_sites, bool) or not isinstance(n_sites, int) or n_sites < 2:
        raise ValueError(f"n_sites must be an int >= 2 (sites one source is split into), got {n_sites!r}.")
    seed = check_seed(prof.seed if seed is None else seed)
    sources = (images, *getattr(prof, "external", ()))
    kw = dict(findings=finding, n_train=n_train, n_test=n_test, size=size, seed=seed)
    if len(sources) > 1:
        sets = {s: lesson_data(prof, source=s, **kw) for s in sources}
        parts = {s: (d.train, d.test) for s, d in sets.items()}
    else:
        d = lesson_data(prof, **kw)
        gen = rng(seed + 11)
        patients = np.unique(np.r_[d.train.meta["patient_id"].astype(str), d.test.meta["patient_id"].astype(str)])
        site_of = dict(zip(gen.permutation(patients), np.arange(len(patients)) % n_sites))

        def part(split: Split, k: int) -> Split:
            keep = np.flatnonzero(split.meta["patient_id"].astype(str).map(site_of).to_numpy() == k)
            films = torch.utils.data.Subset(split.dataset(), keep.tolist())
            labels, meta = split.labels.iloc[keep].reset_index(drop=True), split.meta.iloc[keep].reset_index(drop=True)
            return Split(labels=labels, meta=meta, synth=None, _dataset=films)

        parts = {f"{images} part {k + 1}": (part(d.train, k), part(d.test, k)) for k in range(n_sites)}
    clients, tests = [], {}
    for name, (train_split, test_split) in parts.items():
        X, y = train_split.tensors()
        Xt, yt = test_split.tensors()
        clients.append(Client(name, X, y, Xt, yt))
        tests[name] = test_split
    return check_clients(clients), tests


def pooled(clients: list[Client]) -> Client:
    """All clients' data in one place: what the law forbids, used as the ceiling.

    Examples
    --------
    >>> c = Client("A", torch.rand(4, 1, 8, 8), torch.tensor([[0.], [1.], [0.], [1.]]),
    ...            torch.rand(2, 1, 8, 8), torch.tensor([[0.], [1.]]))
    >>> pooled([c, Client("B", c.X, c.y, c.X_test, c.y_test)]).n
    8
    """
    clients = check_clients(clients)
    cat = lambda attr: torch.cat([getattr(c, attr) for c in clients])
    return Client("pooled", cat("X"), cat("y"), cat("X_test"), cat("y_test"))


def describe(clients: list[Client]) -> pd.DataFrame:
    """Images, positives and prevalence per client (train and test)."""
    rows = {
        c.name: {
            "train images": c.n,
            "train positives": int(c.y.sum()),
            "prevalence": round(float(c.y.float().mean()), 3),
            "test images": len(c.X_test),
            "test positives": int(c.y_test.sum()),
        }
        for c in clients
    }
    counts = ["train images", "train positives", "test images", "test positives"]
    return pd.DataFrame(rows).T.astype({"prevalence": float, **dict.fromkeys(counts, int)})
