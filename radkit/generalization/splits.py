"""Site-aware splits: an internal hold-out from the training sites and a site left out entirely.

A random hold-out from the sources a model was trained on shares their
scanners, markers, populations and prevalences, so it overstates how the model
will do at a hospital it has never seen. :func:`site_split` keeps one (or more)
sites out of training altogether; :func:`leave_one_site_out` makes every site
the external one in turn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit.seeding import check_seed, rng

__all__ = ["SiteSplit", "site_split", "leave_one_site_out"]


@dataclass(frozen=True)
class SiteSplit:
    """Row positions of a site-aware split.

    Attributes
    ----------
    train, internal, external : ndarray of int
        Training rows, the internal hold-out (same sites as training) and the
        external test rows (sites never trained on).
    external_sites : tuple of str
        The sites held out.
    """

    train: np.ndarray
    internal: np.ndarray
    external: np.ndarray
    external_sites: tuple[str, ...]

    def to_frame(self, site: ArrayLike | None = None) -> pd.DataFrame:
        """Rows per part (and per site when ``site`` is given)."""
        parts = {"train": self.train, "internal": self.internal, "external": self.external}
        if site is None:
            return pd.DataFrame({"rows": {k: len(v) for k, v in parts.items()}})
        s = np.asarray(site)
        return pd.DataFrame({k: pd.Series(s[v]).value_counts() for k, v in parts.items()}).fillna(0).astype(int)


def _site_array(site: ArrayLike) -> np.ndarray:
    s = np.asarray(site, dtype=object)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"site must be a non-empty 1-D array of site names (e.g. meta['site']), got shape {s.shape}.")
    if pd.isna(s).any():
        raise ValueError(f"site has {int(pd.isna(s).sum())} missing values; drop those rows or name their site.")
    return s


def _check_positives(
    site: np.ndarray, y_true: ArrayLike | None, rows: np.ndarray, what: str, *, per_site: bool
) -> None:
    if y_true is None:
        return
    y = np.asarray(y_true, dtype=float)
    if y.shape != site.shape:
        raise ValueError(f"y_true has shape {y.shape} but site has {site.shape}; pass one label per row.")
    groups = (
        [(name, rows[site[rows] == name]) for name in pd.unique(site[rows])]
        if per_site
        else [("+".join(map(str, pd.unique(site[rows]))), rows)]
    )
    for name, at in groups:
        yy = y[at]
        if np.nansum(yy == 1) == 0 or np.nansum(yy == 0) == 0:
            kind = "positives" if np.nansum(yy == 1) == 0 else "negatives"
            raise ValueError(
                f"Site {name!r} has no {kind} in the {what} rows ({len(at)} rows): an AUC "
                "there is undefined. Pool it with another site, or choose another finding."
            )


def site_split(
    site: ArrayLike,
    *,
    external: str | Sequence[str],
    test_fraction: float = 0.3,
    seed: int,
    y_true: ArrayLike | None = None,
) -> SiteSplit:
    """Hold out whole sites as an external test; split the rest into train and internal test.

    Parameters
    ----------
    site : array-like of str
        Site of every row (``meta["site"]``).
    external : str or sequence of str
        Site(s) that never enter training.
    test_fraction : float
        Share of each training site's rows kept as the internal hold-out
        (stratified by site).
    seed : int
        Seeds the internal split.
    y_true : array-like, optional
        Binary labels; if given, the internal test (pooled) and every external
        site must have positives and negatives, else a clear error.

    Returns
    -------
    SiteSplit

    Examples
    --------
    >>> s = site_split(["A"] * 6 + ["B"] * 4 + ["C"] * 5, external="C", test_fraction=0.5, seed=0)
    >>> len(s.train), len(s.internal), len(s.external), s.external_sites
    (5, 5, 5, ('C',))
    """
    s = _site_array(site)
    seed = check_seed(seed)
    held = (external,) if isinstance(external, str) else tuple(external)
    known = list(pd.unique(s))
    unknown = [h for h in held if h not in known]
    if not held or unknown:
        raise ValueError(
            f"external site(s) {unknown or held!r} not found; the data have sites {known}. Name one of them."
        )
    if len(set(held)) == len(known):
        raise ValueError(f"Holding out every site ({known}) leaves nothing to train on; keep at least one.")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction={test_fraction} must be in (0, 1), e.g. 0.3.")
    g = rng(seed)
    train, internal = [], []
    for name in known:
        if name in held:
            continue
        at = np.flatnonzero(s == name)
        at = at[g.permutation(at.size)]
        k = int(round(test_fraction * at.size))
        internal.append(np.sort(at[:k]))
        train.append(np.sort(at[k:]))
    out = SiteSplit(
        train=np.sort(np.concatenate(train)),
        internal=np.sort(np.concatenate(internal)),
        external=np.flatnonzero(np.isin(s, held)),
        external_sites=held,
    )
    _check_positives(s, y_true, out.internal, "internal test", per_site=False)
    _check_positives(s, y_true, out.external, "external test", per_site=True)
    return out


def leave_one_site_out(
    site: ArrayLike, *, test_fraction: float = 0.3, seed: int, y_true: ArrayLike | None = None
) -> list[SiteSplit]:
    """One :func:`site_split` per site, each site external once.

    Examples
    --------
    >>> folds = leave_one_site_out(["A", "A", "B", "B", "C", "C"], test_fraction=0.5, seed=0)
    >>> [f.external_sites[0] for f in folds]
    ['A', 'B', 'C']
    """
    s = _site_array(site)
    names = list(pd.unique(s))
    if len(names) < 2:
        raise ValueError(f"leave_one_site_out needs at least two sites, got {names}.")
    return [site_split(s, external=name, test_fraction=test_fraction, seed=seed, y_true=y_true) for name in names]
