"""Where the burned-in site marker sits: the region a shortcut model looks at.

Zech et al. (PLoS Med 2018) showed CNNs learning the hospital from its
radiographs' text markers. The synthetic generator burns each site's token
into a known corner (``radkit.synth.Site``); with ``marker_corr`` the token can
be tied to a finding, a shortcut by construction. :func:`marker_region` gives
the token's box for each image, so attribution energy on the marker can be
measured. (Notebook 08's ``radkit.generalization`` builds the same set-up; the
two should share this function once both exist.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["marker_box", "marker_region"]


def marker_box(site, *, size: int) -> tuple[int, int, int, int] | None:
    """``(row0, row1, col0, col1)`` of ``site``'s burned-in token in a ``size`` px image (None: no token).

    Same geometry as ``radkit.synth.acquisition.burn_markers``.

    Examples
    --------
    >>> from radkit.synth import DEFAULT_SITES
    >>> marker_box(DEFAULT_SITES[1], size=64)   # site B: "P", top right
    (2, 9, 57, 62)
    """
    from radkit.synth.acquisition import glyph_bitmap

    if not site.marker:
        return None
    scale = max(1, round(size / 64))
    pad = max(2, size // 32)
    bm = glyph_bitmap(site.marker, scale=scale)
    gh, gw = min(bm.shape[0], size - 2 * pad), min(bm.shape[1], size - 2 * pad)
    r0 = pad if site.marker_corner[0] == "t" else size - pad - gh
    c0 = pad if site.marker_corner[1] == "l" else size - pad - gw
    return r0, r0 + gh, c0, c0 + gw


def marker_region(
    meta: pd.DataFrame, *, size: int, sites=None, margin: int = 1, only_burned: bool = True
) -> np.ndarray:
    """Boolean N x size x size masks of each image's marker box (grown by ``margin`` pixels).

    Parameters
    ----------
    meta : DataFrame
        ``site`` and ``marker`` columns, as in ``SynthCXR.meta``.
    sites : list of Site, optional
        The sites the images were generated with (default ``radkit.synth.DEFAULT_SITES``).
    only_burned : bool, default True
        Empty masks for images whose token was not burned in (``marker == 0``).

    Examples
    --------
    >>> import pandas as pd
    >>> m = marker_region(pd.DataFrame({"site": ["A", "B", "C"], "marker": [1, 1, 1]}), size=64)
    >>> m.sum(axis=(1, 2)).tolist()    # C has no token
    [63, 63, 0]
    """
    from radkit.synth.spec import resolve_sites

    for col in ("site", "marker"):
        if col not in meta:
            raise ValueError(f"meta needs a {col!r} column (SynthCXR.meta has it); got {list(meta.columns)}.")
    by_name = {s.name: s for s in resolve_sites(sites)}
    unknown = sorted(set(meta["site"]) - set(by_name))
    if unknown:
        raise ValueError(
            f"sites {unknown} are not among {sorted(by_name)}; pass the sites= the images were generated with."
        )
    out = np.zeros((len(meta), size, size), dtype=bool)
    for i, (site, burned) in enumerate(zip(meta["site"], meta["marker"])):
        box = marker_box(by_name[site], size=size)
        if box is None or (only_burned and not burned):
            continue
        r0, r1, c0, c1 = box
        out[i, max(0, r0 - margin) : r1 + margin, max(0, c0 - margin) : c1 + margin] = True
    return out
