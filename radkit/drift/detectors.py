"""Two-sample drift tests: has the distribution of incoming images (or scores) changed?

All tests compare a reference sample (images the model was validated on) with
a new one (this week's images), usually as model embeddings, and return a
:class:`DriftTest` whose ``p_value`` is valid under "no change". They need no
labels, so they see covariate shift (and the change of p(x) that a prior shift
brings) but never a concept drift, where only the labelling rule moves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from radkit._validate import check_count, check_two_samples

__all__ = ["DriftTest", "ks_test", "median_bandwidth", "mmd2_unbiased", "mmd_test", "classifier_test", "score_test"]


@dataclass(frozen=True)
class DriftTest:
    """Result of a two-sample drift test.

    Attributes
    ----------
    method : str
        Which test.
    statistic : float
        KS distance (largest over features), unbiased MMD², or held-out AUC.
    p_value : float
        Probability of a statistic at least this large without drift
        (corrected for the number of features where that applies).
    alpha : float
        Level at which ``drift`` is decided.
    n_ref, n_new : int
        Sample sizes.
    details : DataFrame
        Per-feature results (KS) or test settings (bandwidth, permutations).
    """

    method: str
    statistic: float
    p_value: float
    alpha: float
    n_ref: int
    n_new: int
    details: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    @property
    def drift(self) -> bool:
        """True when ``p_value < alpha``."""
        return bool(self.p_value < self.alpha)

    def to_frame(self) -> pd.DataFrame:
        """One row: method, statistic, p_value, alpha, drift, n_ref, n_new."""
        row = {k: v for k, v in asdict(self).items() if k != "details"}
        row["drift"] = self.drift
        return pd.DataFrame([row]).set_index("method")


def _alpha(alpha: float) -> float:
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must be between 0 and 1 (e.g. 0.05), got {alpha!r}.")
    return float(alpha)


def _adjust(p: np.ndarray, correction: str) -> np.ndarray:
    """Family-wise corrected p-values (Bonferroni or Holm's step-down)."""
    m = p.size
    if correction == "bonferroni":
        return np.minimum(1.0, p * m)
    if correction == "holm":
        order = np.argsort(p, kind="stable")
        stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
        out = np.empty_like(p)
        out[order] = np.minimum(1.0, stepped)
        return out
    if correction == "none":
        return p.copy()
    raise ValueError(f"correction={correction!r} is unknown; use 'holm', 'bonferroni' or 'none'.")


def ks_test(
    ref: ArrayLike, new: ArrayLike, *, correction: str = "holm", alpha: float = 0.05, method: str = "auto"
) -> DriftTest:
    """Kolmogorov-Smirnov test on every feature, corrected for testing many features.

    Parameters
    ----------
    ref, new : array-like, n x d
        Reference and new samples (e.g. embeddings); 1-D arrays are one feature.
    correction : {"holm", "bonferroni", "none"}
        Multiple-testing correction across the d features; the overall p-value
        is the smallest corrected one (drift if any feature drifted).
    alpha : float
        Level of the overall decision.
    method : {"auto", "exact", "asymp"}
        P-value method of :func:`scipy.stats.ks_2samp` (``"asymp"`` is much
        faster for hundreds of features and accurate beyond ~100 per sample).

    Returns
    -------
    DriftTest
        ``details`` has one row per feature: ``statistic``, ``p_value``, ``p_adjusted``.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> r = ks_test(g.normal(size=(200, 4)), g.normal(size=(200, 4)) + [0, 0, 0, 1])
    >>> r.drift, int(r.details["p_adjusted"].idxmin())
    (True, 3)
    """
    a, b = check_two_samples(ref, new, what="features")
    alpha = _alpha(alpha)
    res = stats.ks_2samp(a, b, axis=0, method=method)
    stat, p = np.atleast_1d(res.statistic).astype(float), np.atleast_1d(res.pvalue).astype(float)
    adj = _adjust(p, correction)
    details = pd.DataFrame({"statistic": stat, "p_value": p, "p_adjusted": adj})
    details.index.name = "feature"
    return DriftTest(f"KS ({correction})", float(stat.max()), float(adj.min()), alpha, len(a), len(b), details)


def _sq_dists(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.maximum(d, 0.0)


def median_bandwidth(z: ArrayLike, *, max_points: int = 1000) -> float:
    """Median heuristic: the median distance between distinct points of ``z`` (n x d).

    At most ``max_points`` evenly spaced rows are used (the median is stable and
    the cost quadratic).

    Examples
    --------
    >>> median_bandwidth([[0.0], [1.0], [3.0]])
    2.0
    """
    arr = np.asarray(z, dtype=np.float64)
    arr = arr[:, None] if arr.ndim == 1 else arr
    if arr.ndim != 2 or len(arr) < 2:
        raise ValueError(f"median_bandwidth needs at least 2 points (n x d), got shape {arr.shape}.")
    if len(arr) > max_points:
        arr = arr[np.linspace(0, len(arr) - 1, max_points).astype(int)]
    d2 = _sq_dists(arr, arr)[np.triu_indices(len(arr), k=1)]
    d2 = d2[d2 > 0]
    if d2.size == 0:
        raise ValueError("all points are identical, so no kernel bandwidth can be chosen; pass bandwidth=.")
    return float(np.sqrt(np.median(d2)))  # the median commutes with the square root


def _kernel(z: np.ndarray, bandwidth: float) -> np.ndarray:
    return np.exp(-_sq_dists(z, z) / (2.0 * bandwidth**2))


def _bandwidth(z: np.ndarray, bandwidth: float | None) -> float:
    if bandwidth is None:
        return median_bandwidth(z)
    bw = float(bandwidth)
    if not np.isfinite(bw) or bw <= 0:
        raise ValueError(f"bandwidth must be a positive number (or None for the median heuristic), got {bandwidth!r}.")
    return bw


def mmd2_unbiased(ref: ArrayLike, new: ArrayLike, *, bandwidth: float | None = None) -> float:
    """Unbiased squared maximum mean discrepancy with a Gaussian kernel.

    ``MMD² = mean k(x, x') + mean k(y, y') - 2 mean k(x, y)``, the first two
    means over distinct pairs only (Gretton et al. 2012, eq. 3), with
    ``k(u, v) = exp(-|u - v|² / (2 bandwidth²))``; ``bandwidth=None`` takes the
    median heuristic on the pooled sample. Being unbiased, it is near 0 on either
    side without drift, and can be negative.

    Examples
    --------
    >>> round(mmd2_unbiased([[0.0], [1.0]], [[0.0], [2.0]], bandwidth=1.0), 4)
    -0.4323
    """
    a, b = check_two_samples(ref, new)
    z = np.vstack([a, b])
    k = _kernel(z, _bandwidth(z, bandwidth))
    m, n = len(a), len(b)
    kxx, kyy, kxy = k[:m, :m], k[m:, m:], k[:m, m:]
    return float(
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1)) + (kyy.sum() - np.trace(kyy)) / (n * (n - 1)) - 2.0 * kxy.mean()
    )


def _mmd2_many(k0: np.ndarray, x: np.ndarray, m: int, total: float, rows: np.ndarray) -> np.ndarray:
    """MMD² for each column of the 0/1 matrix ``x`` (1 = in the first sample) from one kernel matrix.

    ``k0`` has a zero diagonal, so x'k0x sums the within-sample pairs (i != j).
    """
    n = k0.shape[0] - m
    kx = k0 @ x
    xx = (x * kx).sum(0)  # sum over pairs inside sample 1
    x1 = rows @ x  # row sums of k0 over sample 1 = x'k0 1
    yy = total - 2.0 * x1 + xx  # pairs inside sample 2
    xy = x1 - xx  # cross pairs
    return xx / (m * (m - 1)) + yy / (n * (n - 1)) - 2.0 * xy / (m * n)


def mmd_test(
    ref: ArrayLike,
    new: ArrayLike,
    *,
    n_perm: int = 1000,
    bandwidth: float | None = None,
    alpha: float = 0.05,
    seed: int,
    chunk: int = 250,
) -> DriftTest:
    """MMD two-sample test with a permutation p-value.

    One kernel matrix of the pooled sample is computed once; every permutation
    only relabels its rows, so all permutations cost one matrix product per
    ``chunk`` of them.

    Parameters
    ----------
    ref, new : array-like, n x d
        Reference and new embeddings.
    n_perm : int
        Number of random relabellings; the p-value is ``(1 + #{MMD²_perm >= MMD²}) / (1 + n_perm)``.
    bandwidth : float, optional
        Gaussian kernel width; default the median heuristic on the pooled sample.
    alpha : float
        Level of the decision.
    seed : int
        Seed of the permutations.
    chunk : int
        Permutations per matrix product (memory ``(m + n) x chunk`` floats).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(1)
    >>> same = mmd_test(g.normal(size=(50, 2)), g.normal(size=(50, 2)), n_perm=200, seed=0)
    >>> same.drift
    False
    """
    from radkit.seeding import check_seed, rng

    a, b = check_two_samples(ref, new)
    alpha = _alpha(alpha)
    n_perm = check_count(n_perm, "n_perm", hint="the number of random relabellings, e.g. 1000")
    chunk = check_count(chunk, "chunk", hint="permutations per matrix product, e.g. 250")
    z = np.vstack([a, b])
    bw = _bandwidth(z, bandwidth)
    k0 = _kernel(z, bw)
    np.fill_diagonal(k0, 0.0)
    m, n = len(a), len(b)
    rows, total = k0.sum(1), float(k0.sum())
    first = np.zeros((m + n, 1))
    first[:m] = 1.0
    observed = float(_mmd2_many(k0, first, m, total, rows)[0])
    # permutations in single precision (twice as fast; the statistic's rounding, ~1e-7, is far below
    # the spread of permuted values), compared with the observed value computed the same way
    k32, rows32 = k0.astype(np.float32), rows.astype(np.float32)
    observed32 = float(_mmd2_many(k32, first.astype(np.float32), m, total, rows32)[0])
    g = rng(check_seed(seed))
    base = np.r_[np.ones(m, np.float32), np.zeros(n, np.float32)]
    count, done = 0, 0
    while done < n_perm:
        c = min(chunk, n_perm - done)
        x = np.ascontiguousarray(g.permuted(np.tile(base, (c, 1)), axis=1).T)  # a random m-subset per column
        count += int((_mmd2_many(k32, x, m, total, rows32) >= observed32 - 1e-7).sum())
        done += c
    p = (1 + count) / (1 + n_perm)
    details = pd.DataFrame({"bandwidth": [bw], "n_perm": [n_perm]})
    return DriftTest("MMD (permutation)", observed, float(p), alpha, m, n, details)


def classifier_test(ref: ArrayLike, new: ArrayLike, *, alpha: float = 0.05, seed: int) -> DriftTest:
    """Classifier two-sample test: can a logistic regression tell new from reference?

    Half of each sample (stratified) trains a standardised logistic regression;
    its AUC on the other half is the statistic, and the one-sided Mann-Whitney
    test of held-out scores (new above reference) gives the p-value, valid
    because the held-out half was not used to fit.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(2)
    >>> r = classifier_test(g.normal(size=(200, 3)), g.normal(0.8, size=(200, 3)), seed=0)
    >>> bool(r.statistic > 0.7), r.drift
    (True, True)
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from radkit.seeding import check_seed

    a, b = check_two_samples(ref, new)
    alpha = _alpha(alpha)
    if min(len(a), len(b)) < 4:
        raise ValueError("classifier_test needs at least 4 samples on each side (2 to fit, 2 to test).")
    z = np.vstack([a, b])
    s = np.r_[np.zeros(len(a), int), np.ones(len(b), int)]
    z_fit, z_hold, s_fit, s_hold = train_test_split(z, s, test_size=0.5, stratify=s, random_state=check_seed(seed))
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(z_fit, s_fit)
    score = clf.decision_function(z_hold)
    u = stats.mannwhitneyu(score[s_hold == 1], score[s_hold == 0], alternative="greater")
    auc = float(u.statistic) / ((s_hold == 1).sum() * (s_hold == 0).sum())
    return DriftTest("classifier (held-out AUC)", auc, float(u.pvalue), alpha, len(a), len(b))


def score_test(ref_scores: ArrayLike, new_scores: ArrayLike, *, alpha: float = 0.05) -> DriftTest:
    """Output drift: KS test on the model's scores (one number per image).

    Examples
    --------
    >>> score_test([0.1, 0.2, 0.3, 0.4] * 10, [0.6, 0.7, 0.8, 0.9] * 10).drift
    True
    """
    a, b = check_two_samples(ref_scores, new_scores, what="scores")
    if a.shape[1] != 1:
        raise ValueError(
            f"score_test compares one score per image; got {a.shape[1]} columns. "
            "Pass the score of one finding, or use ks_test for many features."
        )
    r = ks_test(a, b, correction="none", alpha=alpha)
    return DriftTest("scores (KS)", r.statistic, r.p_value, r.alpha, r.n_ref, r.n_new)
