"""A transparent rule and how to game it: the cardiothoracic ratio measured from the film.

The paper: rule-based systems are transparent, but can be gamed. The rule here
is the textbook one: *cardiomegaly if the cardiothoracic ratio (CTR) is above
0.5*, with the CTR measured the way a reader measures it, the widest horizontal
extent of the heart divided by the widest internal width of the thorax.

- The **thoracic width** comes from the lung fields (a segmentation, here the
  generator's exact lung masks): the widest row from the outer edge of one lung
  to the outer edge of the other.
- The **cardiac width** is read from the film: in each row where both lungs
  are present above the right hemidiaphragm, the run of dense pixels
  (brighter than ``threshold``) that reaches into the gap between the two
  lungs (clipped to the thorax); the widest such run. ``threshold`` defaults to Otsu's
  threshold of the pixels inside the thoracic box, which splits dark lung from
  dense mediastinum.

Because every step is explicit, the minimal edit that flips the rule is
explicit too (:func:`minimal_flip`): paint a few pixels next to the heart
border in the widest row (or, to flip a positive film, dim the border pixels
of every row that is too wide). A handful of pixels, nothing a reader would
notice, turns the transparent rule's answer around.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CTRMeasurement", "RuleFlip", "measure_ctr", "ctr_rule", "minimal_flip", "otsu_threshold"]


@dataclass(frozen=True)
class CTRMeasurement:
    """The widths behind one CTR (pixels; columns are half-open ``[left, right)``).

    Attributes
    ----------
    ctr : float
        ``cardiac_width / thoracic_width``.
    cardiac_width, thoracic_width : int
    cardiac_row : int
        Row of the widest cardiac run; ``cardiac_cols`` its columns ``(left, right)``.
    thoracic_row : int
        Row of the widest thorax; ``thoracic_cols`` its columns ``(left, right)``.
    threshold : float
        Intensity above which a pixel counts as dense (heart).
    """

    ctr: float
    cardiac_width: int
    thoracic_width: int
    cardiac_row: int
    cardiac_cols: tuple[int, int]
    thoracic_row: int
    thoracic_cols: tuple[int, int]
    threshold: float

    def to_frame(self) -> pd.DataFrame:
        """One row with every field."""
        return pd.DataFrame(
            [
                {
                    "ctr": self.ctr,
                    "cardiac_width": self.cardiac_width,
                    "thoracic_width": self.thoracic_width,
                    "cardiac_row": self.cardiac_row,
                    "cardiac_left": self.cardiac_cols[0],
                    "cardiac_right": self.cardiac_cols[1],
                    "thoracic_row": self.thoracic_row,
                    "thoracic_left": self.thoracic_cols[0],
                    "thoracic_right": self.thoracic_cols[1],
                    "threshold": self.threshold,
                }
            ]
        )


@dataclass(frozen=True)
class RuleFlip:
    """The smallest edit found that flips :func:`ctr_rule`.

    Attributes
    ----------
    image : numpy.ndarray
        The edited film (a copy; the input is untouched).
    changed : numpy.ndarray
        bool H x W, the pixels that were changed.
    n_pixels : int
        ``changed.sum()``.
    before, after : CTRMeasurement
        The measurement of the original and of the edited film.
    """

    image: np.ndarray
    changed: np.ndarray
    n_pixels: int
    before: CTRMeasurement
    after: CTRMeasurement

    def to_frame(self) -> pd.DataFrame:
        """One row: pixels changed, CTR before and after."""
        return pd.DataFrame(
            [
                {
                    "n_pixels": self.n_pixels,
                    "ctr_before": self.before.ctr,
                    "ctr_after": self.after.ctr,
                    "cardiac_width_before": self.before.cardiac_width,
                    "cardiac_width_after": self.after.cardiac_width,
                    "thoracic_width": self.before.thoracic_width,
                }
            ]
        )


def _as_image(image, lungs) -> tuple[np.ndarray, np.ndarray]:
    img = np.asarray(image.detach().cpu() if hasattr(image, "detach") else image, dtype=np.float64)
    lung = np.asarray(lungs.detach().cpu() if hasattr(lungs, "detach") else lungs)
    img, lung = np.squeeze(img), np.squeeze(lung)
    if img.ndim != 2:
        raise ValueError(
            f"image must be one film, H x W (or 1 x H x W), got shape {np.shape(image)}; loop over a batch."
        )
    if lung.shape != img.shape:
        raise ValueError(f"lungs must be a mask of the image's size {img.shape}, got {lung.shape}.")
    if not np.isfinite(img).all():
        raise ValueError("image contains NaN or infinite values; clean the film before measuring it.")
    return img, lung.astype(bool)


def otsu_threshold(values: np.ndarray, *, bins: int = 256) -> float:
    """Otsu's threshold: the cut that maximises the between-class variance of ``values``.

    Examples
    --------
    >>> round(otsu_threshold(np.r_[np.zeros(50), np.ones(50)]), 2)
    0.5
    """
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size < 2 or np.ptp(v) == 0:
        raise ValueError("Otsu's threshold needs at least two different values; pass threshold= explicitly.")
    hist, edges = np.histogram(v, bins=bins)
    mids = (edges[:-1] + edges[1:]) / 2
    w0 = np.cumsum(hist)[:-1]
    w1 = v.size - w0
    m0 = np.cumsum(hist * mids)[:-1] / w0.clip(1)
    m1 = (np.sum(hist * mids) - np.cumsum(hist * mids)[:-1]) / w1.clip(1)
    between = w0 * w1 * (m0 - m1) ** 2
    ties = np.flatnonzero(between >= between.max() * (1 - 1e-12))
    return float((edges[ties[0] + 1] + edges[ties[-1] + 1]) / 2)  # the middle of a plateau of cuts


def _runs(row: np.ndarray) -> list[tuple[int, int]]:
    """Half-open [start, stop) runs of True in a 1-D bool array."""
    d = np.diff(np.r_[0, row.astype(np.int8), 0])
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist()))


def _cardiac_rows(lung: np.ndarray) -> list[int]:
    """Rows with both lungs, above the right hemidiaphragm.

    Going down from the row where the image-left lung (the patient's right) is widest, the
    rows end where that lung has narrowed to half its width: below, the dome of the
    diaphragm (as dense as the heart) would join the cardiac run.
    """
    rows = [r for r in np.flatnonzero(lung.any(1)) if len(_runs(lung[r])) >= 2]
    if not rows:
        return []
    width = {r: _runs(lung[r])[0][1] - _runs(lung[r])[0][0] for r in rows}
    top = max(rows, key=lambda r: width[r])
    keep = [r for r in rows if r <= top]
    for r in (r for r in rows if r > top):
        if width[r] < 0.5 * width[top]:
            break
        keep.append(r)
    return keep


def _cardiac_runs(dense_row: np.ndarray, lung_runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Dense runs that reach into the gap between the outermost lungs, clipped to the thorax."""
    gap_lo, gap_hi = lung_runs[0][1], lung_runs[-1][0]
    left, right = lung_runs[0][0], lung_runs[-1][1]
    out = []
    for a, b in _runs(dense_row):
        if a < gap_hi and b > gap_lo:
            a2, b2 = max(a, left), min(b, right)
            if b2 > a2:
                out.append((a2, b2))
    return out


def measure_ctr(image, lungs, *, threshold: float | None = None) -> CTRMeasurement:
    """Measure the cardiothoracic ratio of one film.

    Parameters
    ----------
    image : array or tensor, H x W (or 1 x H x W)
        The film, brighter = denser.
    lungs : array or tensor of bool, same size
        The lung fields (heart excluded), e.g. ``SynthCXR.lungs[i]``.
    threshold : float, optional
        Dense-pixel threshold. Default: Otsu's threshold of the pixels in the thoracic
        box (the rows and columns the lung fields span).

    Returns
    -------
    CTRMeasurement

    Examples
    --------
    >>> img = np.zeros((5, 20)); lungs = np.zeros((5, 20), bool)
    >>> lungs[1:4, 2:8] = lungs[1:4, 12:18] = True   # thorax: columns 2..17, 16 px
    >>> img[2, 8:12] = 1.0                             # heart: 4 px wide
    >>> m = measure_ctr(img, lungs, threshold=0.5)
    >>> m.cardiac_width, m.thoracic_width, m.ctr
    (4, 16, 0.25)
    """
    img, lung = _as_image(image, lungs)
    rows = np.flatnonzero(lung.any(1))
    cols = np.flatnonzero(lung.any(0))
    if rows.size == 0:
        raise ValueError("lungs is empty: the rule needs the lung fields to find the thorax.")
    if threshold is None:
        threshold = otsu_threshold(img[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
    elif not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite intensity, got {threshold!r}.")
    dense = img > threshold
    best_t, best_c = (0, -1, (0, 0)), (0, -1, (0, 0))
    for r in rows:
        lc = np.flatnonzero(lung[r])
        left, right = int(lc[0]), int(lc[-1]) + 1
        if right - left > best_t[0]:
            best_t = (right - left, int(r), (left, right))
    for r in _cardiac_rows(lung):
        for a2, b2 in _cardiac_runs(dense[r], _runs(lung[r])):
            if b2 - a2 > best_c[0]:
                best_c = (b2 - a2, int(r), (a2, b2))
    if best_c[1] < 0:
        raise ValueError(
            "found no dense run between two lung fields: check the lung mask (both lungs needed) or lower threshold."
        )
    return CTRMeasurement(
        ctr=best_c[0] / best_t[0],
        cardiac_width=best_c[0],
        thoracic_width=best_t[0],
        cardiac_row=best_c[1],
        cardiac_cols=best_c[2],
        thoracic_row=best_t[1],
        thoracic_cols=best_t[2],
        threshold=float(threshold),
    )


def ctr_rule(measurement: CTRMeasurement, *, cutoff: float = 0.5) -> bool:
    """The transparent rule: cardiomegaly when the measured CTR is above ``cutoff``.

    Examples
    --------
    >>> ctr_rule(CTRMeasurement(0.55, 11, 20, 0, (0, 11), 0, (0, 20), 0.5))
    True
    """
    if not 0 < cutoff < 1:
        raise ValueError(f"cutoff must be a ratio in (0, 1), got {cutoff!r}.")
    return bool(measurement.ctr > cutoff)


def minimal_flip(
    image, lungs, *, cutoff: float = 0.5, threshold: float | None = None, max_pixels: int | None = None
) -> RuleFlip:
    """The smallest edit of the film that turns the rule's answer around.

    *Negative film* (CTR <= cutoff): brighten the pixels just outside the heart border in
    the widest cardiac row, one at a time, towards the side that needs fewer, until the
    measured CTR exceeds the cutoff. *Positive film*: dim the border pixels of every row
    whose cardiac run is too wide, trimming from the side of each run that needs fewer.
    Brightened pixels take the heart's median intensity in that row; dimmed ones the lungs'
    median. The film is measured again after each change (with ``threshold=None`` Otsu's
    threshold is recomputed too), so the edit really flips the full rule.

    Parameters
    ----------
    image, lungs : as in :func:`measure_ctr`
    cutoff : float, default 0.5
    threshold : float, optional
        Passed to :func:`measure_ctr`.
    max_pixels : int, optional
        Give up (ValueError) beyond this many pixels; default: a tenth of the film.

    Returns
    -------
    RuleFlip

    Examples
    --------
    >>> img = np.zeros((5, 20)); lungs = np.zeros((5, 20), bool)
    >>> lungs[1:4, 2:8] = lungs[1:4, 12:18] = True    # thorax 16 px wide
    >>> img[2, 8:12] = 1.0                              # heart 4 px: CTR 0.25
    >>> flip = minimal_flip(img, lungs, threshold=0.5)  # needs 9 px: 9 / 16 > 0.5
    >>> flip.n_pixels, flip.after.cardiac_width
    (5, 9)
    """
    img, lung = _as_image(image, lungs)
    before = measure_ctr(img, lung, threshold=threshold)
    max_pixels = img.size // 10 if max_pixels is None else int(max_pixels)
    positive = ctr_rule(before, cutoff=cutoff)
    dense = img > before.threshold
    fill_bright = float(np.median(img[dense & ~lung])) if (dense & ~lung).any() else float(img.max())
    fill_dark = float(np.median(img[lung])) if lung.any() else float(img.min())

    def edited(order: list[tuple[int, int]], n: int) -> tuple[np.ndarray, np.ndarray, CTRMeasurement]:
        out, changed = img.copy(), np.zeros(img.shape, bool)
        for r, c in order[:n]:
            out[r, c] = fill_dark if positive else fill_bright
            changed[r, c] = True
        return out, changed, measure_ctr(out, lung, threshold=threshold)

    def attempt(order: list[tuple[int, int]], guess: int) -> RuleFlip | None:
        # the smallest prefix of `order` that flips; adding pixels of the same kind never
        # un-flips, so search from the closed-form guess instead of from one pixel
        def flips(n: int) -> bool:
            return ctr_rule(edited(order, n)[2], cutoff=cutoff) != positive

        top = min(len(order), max_pixels)
        n = min(max(guess, 1), top)
        if n == 0:
            return None
        if flips(n):
            while n > 1 and flips(n - 1):
                n -= 1
        else:
            while n < top and not flips(n):
                n += 1
            if not flips(n):
                return None
        out, changed, after = edited(order, n)
        return RuleFlip(out, changed, int(changed.sum()), before, after)

    candidates = []
    if not positive:
        r, (a, b) = before.cardiac_row, before.cardiac_cols
        w = img.shape[1]
        guess = int(np.floor(cutoff * before.thoracic_width)) + 1 - before.cardiac_width
        candidates.append(([(r, c) for c in range(b, w)], guess))  # grow towards image right
        candidates.append(([(r, c) for c in range(a - 1, -1, -1)], guess))  # grow towards image left
    else:
        limit = int(np.floor(cutoff * before.thoracic_width))
        for side in ("right", "left"):
            order = []
            for r in _cardiac_rows(lung):
                for a, b in _cardiac_runs(dense[r], _runs(lung[r])):
                    excess = (b - a) - limit
                    if excess > 0:
                        cols = range(b - 1, b - 1 - excess, -1) if side == "right" else range(a, a + excess)
                        order += [(int(r), c) for c in cols]
            candidates.append((order, len(order)))
    results = [f for f in (attempt(o, g) for o, g in candidates) if f is not None]
    if not results:
        raise ValueError(f"no edit of at most {max_pixels} pixels flips the rule on this film; raise max_pixels.")
    return min(results, key=lambda f: f.n_pixels)
