"""Zech's shortcut with known truth: a burned-in site marker that predicts the label.

Zech et al. (PLoS Med 2018) trained a pneumonia detector on radiographs from
hospitals whose pneumonia prevalence differed (34.2% at one, 1.2% at another);
the network learned to recognise the *hospital*, down to its burned-in tokens,
and its performance fell at a new hospital. :func:`shortcut_data` rebuilds that
set-up from :mod:`radkit.synth`: two training sites with those prevalences,
each stamping its own marker on every film, and a third, marker-free site with
its own prevalence as the external test. The scanners are identical by default,
so the marker is the only thing that tells the sites apart.

Because the generator knows everything, :func:`counterfactual` re-renders the
very same patients (same anatomy, findings, labels and noise) with another
site's marker or scanner style: if the prediction moves, the model reads the
marker, not the lungs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np
import pandas as pd
import torch

from radkit.seeding import check_seed, spawn
from radkit.synth import PATHOLOGIES, Site, SynthCXR, generate

__all__ = [
    "ZECH_PREVALENCE",
    "SHORTCUT_SITES",
    "SCANNER_FIELDS",
    "ShortcutData",
    "shortcut_data",
    "counterfactual",
    "swap_markers",
    "mask_corners",
    "noisy_copy",
    "concat",
    "stamp_markers",
    "correlated_flags",
]

#: Pneumonia prevalence at Zech et al.'s two training hospitals (Mount Sinai 34.2%, NIH 1.2%).
ZECH_PREVALENCE: tuple[float, float] = (0.342, 0.012)

_STYLE = dict(gamma=1.0, window=(0.02, 0.95), noise=0.02, blur=0.5, ap_fraction=0.3, age_mean=58.0)
#: Two training sites that stamp a marker on every film ("P" top right, "L" top left) and a
#: marker-free external site; all three share one scanner, so the marker is the only site cue.
SHORTCUT_SITES: tuple[Site, Site, Site] = (
    Site("A", marker="P", marker_rate=1.0, marker_corner="tr", **_STYLE),
    Site("B", marker="L", marker_rate=1.0, marker_corner="tl", **_STYLE),
    Site("C", marker="", marker_rate=0.0, **_STYLE),
)
#: Site fields that change how a film looks but not who the patient is (what :func:`counterfactual` may change).
SCANNER_FIELDS: tuple[str, ...] = ("gamma", "window", "noise", "blur", "marker", "marker_rate", "marker_corner")


def concat(parts: list[SynthCXR]) -> SynthCXR:
    """Stack several :class:`~radkit.synth.SynthCXR` sets (same size and columns) into one.

    Examples
    --------
    >>> from radkit.synth import generate
    >>> a = generate(3, size=32, seed=0, masks=False, device="cpu")
    >>> len(concat([a, a]))
    6
    """
    if not parts:
        raise ValueError("concat needs at least one SynthCXR.")
    shapes = {tuple(p.images.shape[1:]) for p in parts}
    if len(shapes) != 1:
        raise ValueError(f"Cannot stack sets of different image shapes {sorted(shapes)}; generate them at one size.")
    masks = None
    if all(p.masks is not None for p in parts):
        masks = {k: torch.cat([p.masks[k] for p in parts]) for k in parts[0].masks}
    lungs = torch.cat([p.lungs for p in parts]) if all(p.lungs is not None for p in parts) else None
    return SynthCXR(
        images=torch.cat([p.images for p in parts]),
        labels=pd.concat([p.labels for p in parts], ignore_index=True),
        masks=masks,
        lungs=lungs,
        meta=pd.concat([p.meta for p in parts], ignore_index=True),
        params={"parts": [p.params for p in parts]},
    )


def _site_from(spec: dict) -> Site:
    spec = dict(spec)
    spec["window"] = tuple(spec["window"])
    return Site(**spec)


def _check_changes(changes: dict[str, dict], names: list[str]) -> None:
    if not isinstance(changes, dict) or not changes:
        raise ValueError(
            "changes must be a non-empty dict {site_name: {field: value}}, "
            "e.g. {'A': {'marker': 'L', 'marker_corner': 'tl'}}."
        )
    unknown = [s for s in changes if s not in names]
    if unknown:
        raise ValueError(f"changes name unknown site(s) {unknown}; the data have sites {names}.")
    for s, ch in changes.items():
        bad = sorted(set(ch) - set(SCANNER_FIELDS))
        if bad:
            raise ValueError(
                f"changes[{s!r}] touches {bad}, which would change the patients, not the film. "
                f"A counterfactual may change only {', '.join(SCANNER_FIELDS)}."
            )


def counterfactual(data: SynthCXR, changes: dict[str, dict]) -> SynthCXR:
    """The same patients re-rendered with some sites' scanner or marker changed.

    Parameters
    ----------
    data : SynthCXR
        A set from :func:`radkit.synth.generate` (or :func:`concat` of such sets).
    changes : dict
        ``{site_name: {field: value}}`` with fields from :data:`SCANNER_FIELDS`
        (``marker=""`` removes the marker; another site's ``gamma``, ``window``,
        ``noise`` and ``blur`` give its scanner style).

    Returns
    -------
    SynthCXR
        Same labels, metadata (but ``marker``) and masks; only the film differs.

    Examples
    --------
    >>> from radkit.synth import generate
    >>> d = generate(8, size=32, seed=0, masks=False, device="cpu", sites=SHORTCUT_SITES[:1])
    >>> cf = counterfactual(d, {"A": {"marker": ""}})
    >>> bool((cf.labels == d.labels).all().all()), bool((cf.images != d.images).any())
    (True, True)
    """
    if not isinstance(data, SynthCXR):
        raise TypeError(f"data must be a radkit.synth.SynthCXR, got {type(data).__name__}.")
    if "parts" in data.params:
        parts, start = [], 0
        for p in data.params["parts"]:
            sub = data.subset(np.arange(start, start + p["n"]))
            sub.params = p
            start += p["n"]
            names = [s["name"] for s in p["sites"]]
            own = {k: v for k, v in changes.items() if k in names}
            parts.append(counterfactual(sub, own) if own else sub)
        all_names = sorted({s["name"] for p in data.params["parts"] for s in p["sites"]})
        _check_changes(changes, all_names)
        return concat(parts)
    p = data.params
    if not p or "sites" not in p:
        raise ValueError("data has no generation parameters (params); pass a set made by radkit.synth.generate.")
    sites = [_site_from(s) for s in p["sites"]]
    _check_changes(changes, [s.name for s in sites])
    new_sites = [replace(s, **changes.get(s.name, {})) for s in sites]
    from radkit.synth import Drift

    drift = None
    if p.get("drift"):
        drift = Drift(**{f.name: p["drift"][f.name] for f in fields(Drift)})
    out = generate(
        p["n"],
        size=p["size"],
        seed=p["seed"],
        prevalence=p["prevalence"],
        sites=new_sites,
        difficulty=p["difficulty"],
        drift=drift,
        dates=tuple(p["dates"]),
        marker_corr=p["marker_corr"],
        marker_pathology=p["marker_pathology"],
        masks=p["masks"],
        device="cpu",
    )
    return out


def swap_markers(a: Site, b: Site) -> dict[str, dict]:
    """``changes`` for :func:`counterfactual` that give each of two sites the other's marker.

    Examples
    --------
    >>> swap_markers(SHORTCUT_SITES[0], SHORTCUT_SITES[1])["A"]
    {'marker': 'L', 'marker_corner': 'tl'}
    """
    return {
        a.name: {"marker": b.marker, "marker_corner": b.marker_corner},
        b.name: {"marker": a.marker, "marker_corner": a.marker_corner},
    }


def mask_corners(images: torch.Tensor, *, frac: float = 0.2, value: float = 0.0) -> torch.Tensor:
    """A copy of ``images`` with the four corner squares (``frac`` of the side) set to ``value``.

    The blunt way to remove burned-in markers before training (they sit in corners).

    Examples
    --------
    >>> x = torch.ones(1, 1, 10, 10)
    >>> float(mask_corners(x, frac=0.2).sum())
    84.0
    """
    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        raise ValueError(f"images must be a tensor N x C x H x W, got {getattr(images, 'shape', type(images))}.")
    if not 0 < frac < 0.5:
        raise ValueError(f"frac={frac} must be in (0, 0.5): the corner square's side as a share of the image side.")
    h, w = images.shape[-2:]
    kh, kw = max(1, int(round(frac * h))), max(1, int(round(frac * w)))
    out = images.clone()
    for rows in (slice(0, kh), slice(h - kh, h)):
        for cols in (slice(0, kw), slice(w - kw, w)):
            out[..., rows, cols] = value
    return out


def noisy_copy(images: torch.Tensor, *, sd: float, seed: int) -> torch.Tensor:
    """``images`` plus independent Gaussian noise of standard deviation ``sd``, clipped to [0, 1].

    A second exposure of the same patient, roughly: the control for a counterfactual.

    Examples
    --------
    >>> x = torch.full((2, 1, 8, 8), 0.5)
    >>> round(float((noisy_copy(x, sd=0.02, seed=0) - x).std()), 2)
    0.02
    """
    from radkit._validate import check_images
    from radkit.seeding import torch_generator

    images = check_images(images, where="noisy_copy: images")  # 0-255 pixels would be clamped to white
    if (
        isinstance(sd, (bool, str))
        or not isinstance(sd, (int, float, np.integer, np.floating))
        or not (sd >= 0 and np.isfinite(sd))
    ):
        raise ValueError(f"sd={sd} must be a finite number >= 0 (on the [0, 1] intensity scale, e.g. 0.02).")
    g = torch_generator(check_seed(seed))
    return (images + sd * torch.randn(images.shape, generator=g)).clamp_(0.0, 1.0)


def stamp_markers(images: torch.Tensor, flags: np.ndarray, *, site: Site) -> torch.Tensor:
    """A copy of ``images`` with ``site``'s marker burned into the flagged ones.

    The generator burns markers last (after noise), so stamping a marker-free
    film gives exactly the film the generator would have drawn with the marker.

    Examples
    --------
    >>> x = torch.zeros(2, 1, 32, 32)
    >>> out = stamp_markers(x, np.array([True, False]), site=SHORTCUT_SITES[0])
    >>> bool(out[0].max() > 0.9), float(out[1].max())
    (True, 0.0)
    """
    from radkit.synth.acquisition import burn_markers

    if not isinstance(images, torch.Tensor) or images.ndim != 4:
        raise ValueError(f"images must be a tensor N x C x H x W, got {getattr(images, 'shape', type(images))}.")
    f = np.asarray(flags, dtype=bool).ravel()
    if f.size != images.shape[0]:
        raise ValueError(f"flags has {f.size} entries for {images.shape[0]} images; give one per image.")
    if not site.marker:
        raise ValueError(f"Site {site.name!r} has no marker token; use a Site with marker='P' (for example).")
    out = images.clone()
    burn_markers(out, torch.zeros(len(f), dtype=torch.long), torch.as_tensor(f.astype(np.int64)), [site])
    return out


def correlated_flags(y_true: np.ndarray, *, corr: float, rate: float = 0.5, seed: int) -> np.ndarray:
    """Marker flags tied to the label: with probability ``corr`` the flag *is* the label, else a coin of ``rate``.

    ``corr = 0``: the marker says nothing about the disease; ``corr = 1``: it
    is present exactly on the positive films (the generator's ``marker_corr``).

    Examples
    --------
    >>> y = np.array([0, 1] * 50)
    >>> bool((correlated_flags(y, corr=1.0, seed=0) == y).all())
    True
    """
    if not 0 <= corr <= 1 or not 0 <= rate <= 1:
        raise ValueError(f"corr={corr} and rate={rate} must be probabilities in [0, 1].")
    from radkit.seeding import rng

    y = np.asarray(y_true).astype(bool).ravel()
    g = rng(check_seed(seed))
    tie, coin = g.random(y.size) < corr, g.random(y.size) < rate
    return np.where(tie, y, coin)


@dataclass
class ShortcutData:
    """What :func:`shortcut_data` returns: training, internal and external sets with the recipe.

    Attributes
    ----------
    train, internal : SynthCXR
        Training sites (A and B); ``internal`` is an independent draw from them.
    external : SynthCXR
        The external site (C by default): no marker.
    finding : str
        The label the lesson predicts.
    sites : tuple of Site
    prevalence : dict
        Prevalence of ``finding`` per site.
    """

    train: SynthCXR
    internal: SynthCXR
    external: SynthCXR
    finding: str
    sites: tuple[Site, ...]
    prevalence: dict[str, float] = field(default_factory=dict)

    def xy(self, part: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``(X, y)`` of ``part`` (``"train"``, ``"internal"``, ``"external"``); ``y`` is N x 1 float."""
        data = self._part(part)
        return data.images, torch.tensor(data.labels[self.finding].to_numpy(np.float32))[:, None]

    def _part(self, part: str) -> SynthCXR:
        if part not in ("train", "internal", "external"):
            raise ValueError(f"part={part!r} is unknown; use 'train', 'internal' or 'external'.")
        return getattr(self, part)

    def to_frame(self) -> pd.DataFrame:
        """Images and prevalence of the finding per part and site."""
        rows = []
        for part in ("train", "internal", "external"):
            d = self._part(part)
            for s, g in d.labels[self.finding].groupby(d.meta["site"].to_numpy()):
                rows.append(
                    {
                        "part": part,
                        "site": s,
                        "images": len(g),
                        "positives": int(g.sum()),
                        "prevalence": round(float(g.mean()), 3),
                        "marker": float(d.meta["marker"][d.meta["site"] == s].mean()),
                    }
                )
        return pd.DataFrame(rows).set_index(["part", "site"])


def shortcut_data(
    *,
    n_train: int,
    n_test: int,
    size: int,
    seed: int,
    finding: str = "nodule",
    prevalence: tuple[float, float] = ZECH_PREVALENCE,
    external_prevalence: float = 0.15,
    sites: tuple[Site, Site, Site] = SHORTCUT_SITES,
    difficulty: float = 1.0,
    balance: bool = False,
    masks: bool = False,
) -> ShortcutData:
    """Zech's set-up: two training sites whose markers go with very different prevalences, one new site.

    Each training site contributes half of ``n_train`` (and of ``n_test`` for
    the internal test); the external site contributes ``n_test`` images.

    Parameters
    ----------
    n_train, n_test : int
        Training images (both sites) and images per test set.
    size, seed : int
        Image side and seed (every part gets its own seed derived from it).
    finding : str
        The label (one of :data:`radkit.synth.PATHOLOGIES`). ``"nodule"`` is
        subtle at 64 px, so the shortcut is tempting.
    prevalence : (float, float)
        Prevalence of ``finding`` at the two training sites (Zech: 34.2% and 1.2%).
    external_prevalence : float
        Prevalence at the external site.
    sites : (Site, Site, Site)
        Training site 1, training site 2, external site. Default :data:`SHORTCUT_SITES`.
    difficulty : float
        Passed to :func:`radkit.synth.generate`.
    balance : bool
        Give both training sites their mean prevalence (the fix "balance prevalence per site").
    masks : bool
        Also keep pathology masks.

    Returns
    -------
    ShortcutData

    Examples
    --------
    >>> d = shortcut_data(n_train=64, n_test=32, size=32, seed=0)
    >>> d.to_frame().loc["train", "marker"].tolist()
    [1.0, 1.0]
    """
    if finding not in PATHOLOGIES:
        raise ValueError(f"finding={finding!r} is unknown; use one of {PATHOLOGIES}.")
    for name, n in (("n_train", n_train), ("n_test", n_test)):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 4:
            raise ValueError(f"{name}={n!r} must be an int >= 4 (each training site gets half).")
    if len(prevalence) != 2 or not all(0 <= p <= 1 for p in (*prevalence, external_prevalence)):
        raise ValueError(
            f"prevalence={prevalence} must be two probabilities (one per training site) and "
            f"external_prevalence={external_prevalence} one probability."
        )
    if len(sites) != 3 or len({s.name for s in sites}) != 3:
        raise ValueError("sites must be three Site objects with distinct names: train 1, train 2, external.")
    seed = check_seed(seed)
    prev = tuple(prevalence)
    if balance:
        prev = (float(np.mean(prev)),) * 2
    s = spawn(seed, 5)

    def gen(site: Site, n: int, p: float, sd: int) -> SynthCXR:
        return generate(
            n,
            size=size,
            seed=sd,
            sites=[site],
            prevalence={finding: p},
            difficulty=difficulty,
            masks=masks,
            device="cpu",
        )

    a, b, c = sites
    train = concat([gen(a, n_train // 2, prev[0], s[0]), gen(b, n_train - n_train // 2, prev[1], s[1])])
    internal = concat([gen(a, n_test // 2, prev[0], s[2]), gen(b, n_test - n_test // 2, prev[1], s[3])])
    external = gen(c, n_test, external_prevalence, s[4])
    return ShortcutData(
        train=train,
        internal=internal,
        external=external,
        finding=finding,
        sites=tuple(sites),
        prevalence={a.name: prev[0], b.name: prev[1], c.name: external_prevalence},
    )
