"""Calibration: reliability curves, ECE, Brier score, and recalibration.

Bins are right-closed, ``(edge[i], edge[i + 1]]`` with the first bin also
holding its left edge, which is scikit-learn's ``calibration_curve`` rule.
Temperature scaling (Guo et al., ICML 2017) divides logits by one fitted
number; Platt scaling (Platt 1999) fits a slope and an intercept on the
logit; isotonic regression (scikit-learn underneath) fits any monotone map.

Temperature scaling has no intercept: it can only stretch or squeeze the
logits around 0 (probability 0.5). A model trained with up-weighted positives
(``pos_weight``) has its logits shifted by about ``log(pos_weight)``; the
best temperature for such a model flattens everything toward 0.5 instead of
moving it back. Platt scaling fits the shift, so it is the two-parameter fix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit
from sklearn.isotonic import IsotonicRegression

from radkit._compat import renamed_arguments
from radkit._validate import check_binary, check_count, check_prevalence, check_probabilities, check_scores

__all__ = [
    "ReliabilityCurve",
    "TemperatureScaler",
    "PlattScaler",
    "IsotonicCalibrator",
    "reliability_curve",
    "expected_calibration_error",
    "brier_score",
    "fit_temperature",
    "fit_platt",
    "prior_correct",
]


def _bins(p: np.ndarray, n_bins: int, strategy: str) -> tuple[np.ndarray, np.ndarray]:
    """Bin edges and each probability's bin (right-closed, the first bin holding 0 too)."""
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, int(n_bins) + 1)
    elif strategy == "quantile":
        edges = np.percentile(p, np.linspace(0, 100, int(n_bins) + 1))
    else:
        raise ValueError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}.")
    return edges, np.searchsorted(edges[1:-1], p, side="left")


@renamed_arguments(y_prob="y_score")
def reliability_curve(
    y_true: ArrayLike, y_score: ArrayLike, *, n_bins: int = 10, strategy: Literal["uniform", "quantile"] = "uniform"
) -> ReliabilityCurve:
    """Observed fraction of positives against mean predicted probability, per bin.

    Parameters
    ----------
    y_true, y_score : array-like of shape (n,)
        Binary labels and predicted probabilities in [0, 1].
    n_bins : int, keyword-only
        Number of bins.
    strategy : {"uniform", "quantile"}, keyword-only
        Equal-width bins on [0, 1], or edges at quantiles of ``y_score`` (about
        equal counts per bin).

    Returns
    -------
    ReliabilityCurve
        Per bin: edges, centres, mean predicted, observed fraction (NaN where
        the bin is empty) and counts.

    Examples
    --------
    >>> r = reliability_curve([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.8], n_bins=2)
    >>> r.mean_predicted.tolist(), r.observed.tolist(), r.counts.tolist()
    ([0.2, 0.7], [0.0, 1.0], [2, 2])
    """
    y, p = check_binary(y_true, y_score, names=("y_score",), kind="prob", both_classes=False)
    n_bins = check_count(n_bins, "n_bins", hint="e.g. n_bins=10")
    edges, ids = _bins(p, n_bins, strategy)
    counts = np.bincount(ids, minlength=int(n_bins))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pred = np.bincount(ids, weights=p, minlength=int(n_bins)) / counts
        observed = np.bincount(ids, weights=y, minlength=int(n_bins)) / counts
    return ReliabilityCurve(
        edges=edges, centres=(edges[:-1] + edges[1:]) / 2, mean_predicted=mean_pred, observed=observed, counts=counts
    )


@renamed_arguments(y_prob="y_score")
def expected_calibration_error(
    y_true: ArrayLike,
    y_score: ArrayLike,
    *,
    n_bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
    sample_weight: ArrayLike | None = None,
) -> float:
    """Expected calibration error: count-weighted mean gap between observed and predicted.

    ``ECE = sum_b (n_b / n) * |observed_b - mean_predicted_b|`` over non-empty bins
    of :func:`reliability_curve`. It depends on the binning; report ``n_bins``.
    With ``sample_weight`` (scikit-learn's name) every count, observed fraction
    and mean prediction is weighted: e.g. with
    :func:`radkit.imbalance.prevalence_weights`, the ECE the same cases would
    have at another prevalence. The kit's one ECE.

    Examples
    --------
    >>> round(expected_calibration_error([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.8], n_bins=2), 3)
    0.25
    >>> round(expected_calibration_error([0, 0, 1, 1], [0.1, 0.3, 0.6, 0.8], n_bins=2,
    ...                                  sample_weight=[1, 1, 1, 3]), 3)  # (2 * 0.2 + 4 * 0.25) / 6
    0.233
    """
    if sample_weight is not None:
        y, p = check_binary(y_true, y_score, names=("y_score",), kind="prob", both_classes=False)
        w = check_scores(sample_weight, "sample_weight")
        if w.shape != p.shape or np.any(w < 0) or not w.sum() > 0:
            raise ValueError(
                f"sample_weight must hold one non-negative weight per case ({p.size}), with a "
                f"positive sum; got {w.size} weights, min {w.min():.3g}, sum {w.sum():.3g}."
            )
        _, ids = _bins(p, check_count(n_bins, "n_bins", hint="e.g. n_bins=10"), strategy)
        W = np.bincount(ids, weights=w, minlength=int(n_bins))
        full = W > 0
        obs = np.bincount(ids, weights=w * y, minlength=int(n_bins))[full] / W[full]
        pred = np.bincount(ids, weights=w * p, minlength=int(n_bins))[full] / W[full]
        return float(np.sum(W[full] * np.abs(obs - pred)) / W.sum())
    r = reliability_curve(y_true, y_score, n_bins=n_bins, strategy=strategy)
    full = r.counts > 0
    gaps = np.abs(r.observed[full] - r.mean_predicted[full])
    return float(np.sum(r.counts[full] * gaps) / r.counts.sum())


@renamed_arguments(y_prob="y_score")
def brier_score(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """Brier score: mean squared difference between probability and outcome (lower is better).

    Examples
    --------
    >>> round(brier_score([0, 1], [0.2, 0.6]), 6)
    0.1
    """
    y, p = check_binary(y_true, y_score, names=("y_score",), kind="prob", both_classes=False)
    return float(np.mean((p - y) ** 2))


def _reweight(p: np.ndarray, from_prevalence: ArrayLike, to_prevalence: ArrayLike) -> np.ndarray:
    """Bayes' rule on the odds for P(y = 1) (broadcasts; no checks): keep the likelihood ratio, swap the prior.

    ``a = p * (q / pi)``, ``b = (1 - p) * ((1 - q) / (1 - pi))``, result ``a / (a + b)``: the
    two-class case of :func:`prior_correct`'s ``p_k * q_k / pi_k``, renormalized.
    """
    pi, q = np.asarray(from_prevalence, dtype=np.float64), np.asarray(to_prevalence, dtype=np.float64)
    a = p * (q / pi)
    return a / (a + (1 - p) * ((1 - q) / (1 - pi)))


def _class_shares(value: ArrayLike, name: str, k: int) -> np.ndarray:
    a = np.asarray(value, dtype=np.float64).ravel()
    if a.size != k or not np.all(np.isfinite(a)) or np.any(a <= 0) or abs(a.sum() - 1) > 1e-6:
        raise ValueError(f"{name} must give {k} positive class shares summing to 1, got {a.tolist()}.")
    return a


def prior_correct(y_score: ArrayLike, *, train_prevalence: ArrayLike, true_prevalence: ArrayLike) -> np.ndarray:
    """Move probabilities from the prevalence a model was trained at to another one (prior shift).

    The kit's one prior-shift correction (Saerens, Latinne & Decaestecker,
    Neural Comput 2002; Elkan, IJCAI 2001). If only the prevalence changes and
    the images of each class stay alike (label shift), Bayes' rule keeps the
    likelihood ratio and swaps the prior odds::

        odds' = odds * [q / (1 - q)] / [pi / (1 - pi)]

    with ``pi`` the training prevalence (after resampling or weighting: see
    :func:`radkit.imbalance.effective_prevalence`) and ``q`` the true one. The
    result is calibrated at ``q`` if the input was calibrated at ``pi``; the
    ranking (ROC-AUC) does not change. For K classes each probability is
    multiplied by ``q_k / pi_k`` and the row renormalized.

    Parameters
    ----------
    y_score : array-like of shape (n,) or (n, K)
        Probabilities P(y = 1) in [0, 1] (not logits), or K-class probabilities
        whose rows sum to one.
    train_prevalence, true_prevalence : float, or array-like of K class shares
        Prevalences strictly between 0 and 1 (for K classes: K positive shares summing to 1).

    Returns
    -------
    numpy.ndarray
        The corrected probabilities, same shape as ``y_score``.

    Examples
    --------
    >>> prior_correct([0.5, 0.9], train_prevalence=0.5, true_prevalence=0.1).round(3).tolist()
    [0.1, 0.5]
    >>> prior_correct([[0.5, 0.5]], train_prevalence=[0.5, 0.5], true_prevalence=[0.9, 0.1]).round(3).tolist()
    [[0.9, 0.1]]
    """
    if np.ndim(y_score) == 2 and np.shape(y_score)[1] > 1:
        p = check_probabilities(y_score, name="y_score")
        pi = _class_shares(train_prevalence, "train_prevalence", p.shape[1])
        q = _class_shares(true_prevalence, "true_prevalence", p.shape[1])
        w = p * (q / pi)
        return w / w.sum(axis=1, keepdims=True)
    p = check_scores(y_score, "y_score", probability=True)
    pi = check_prevalence(train_prevalence, "train_prevalence")
    q = check_prevalence(true_prevalence, "true_prevalence")
    return _reweight(p, pi, q)


def _nll(log_t: float, z: np.ndarray, y: np.ndarray) -> float:
    a = z / np.exp(log_t)
    return float(np.mean(np.logaddexp(0.0, a) - y * a))


@renamed_arguments(y="y_true")
def fit_temperature(logits: ArrayLike, y_true: ArrayLike) -> float:
    """Temperature ``T > 0`` minimizing the log loss of ``expit(logits / T)``.

    Binary (one logit per case). ``T > 1`` softens over-confident outputs, ``T < 1``
    sharpens them; the ranking, hence the AUC, is unchanged. Searched on
    ``log T`` in [-7, 7]. For probabilities pass ``scipy.special.logit(p)``
    (clip away exact 0 and 1 first).

    Examples
    --------
    >>> z = np.array([-4.0, -2.0, 2.0, 4.0, 3.0, -3.0]); y = np.array([0, 1, 1, 1, 0, 0])
    >>> bool(fit_temperature(z, y) > 1)  # over-confident logits get softened
    True
    """
    yy, z = check_binary(y_true, logits, names=("logits",), purpose="temperature scaling")
    res = minimize_scalar(
        _nll, bounds=(-7.0, 7.0), args=(z, yy.astype(np.float64)), method="bounded", options={"xatol": 1e-10}
    )
    return float(np.exp(res.x))


def _platt_loss(params: np.ndarray, z: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    a = params[0] * z + params[1]
    q = expit(a)
    loss = float(np.sum(np.logaddexp(0.0, a) - t * a))
    g = q - t
    return loss, np.array([float(g @ z), float(g.sum())])


@renamed_arguments(y="y_true")
def fit_platt(logits: ArrayLike, y_true: ArrayLike, *, smooth_targets: bool = False) -> tuple[float, float]:
    """Slope ``a`` and intercept ``b`` minimizing the log loss of ``expit(a * logits + b)``.

    This is logistic regression of ``y_true`` on the logit, without a penalty. The
    intercept is what temperature scaling lacks: it moves the whole logit scale,
    which undoes the shift that class re-weighting (``pos_weight``) or a change
    of prevalence puts in. The ranking (AUC) is unchanged when ``a > 0``.

    Parameters
    ----------
    logits : array-like of shape (n,)
        One logit (or any real score) per calibration case. For probabilities
        pass ``scipy.special.logit(p)`` (clip away exact 0 and 1 first).
    y_true : array-like of shape (n,)
        Binary labels of the same cases (both classes).
    smooth_targets : bool, keyword-only
        Use Platt's (1999) targets ``(n+ + 1) / (n+ + 2)`` and ``1 / (n- + 2)``
        instead of 1 and 0, a small-sample guard against over-confident fits;
        this is what scikit-learn's ``CalibratedClassifierCV(method="sigmoid")``
        does.

    Returns
    -------
    (float, float)
        ``(a, b)``.

    Examples
    --------
    >>> z = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    >>> y = np.array([0, 0, 0, 0, 1, 0, 1, 1])  # logits shifted up by about 3
    >>> a, b = fit_platt(z, y)
    >>> bool(a > 0 and b < -2)
    True
    """
    yy, z = check_binary(y_true, logits, names=("logits",), purpose="Platt scaling")
    t = yy.astype(np.float64)
    if smooth_targets:
        n_pos, n_neg = float(t.sum()), float(t.size - t.sum())
        t = np.where(yy == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
    scale = max(float(np.max(np.abs(z))), 1.0)  # the fit is scale-free; this keeps it well conditioned
    zs = z / scale
    start = np.array([1.0, float(np.log((t.mean() + 1e-12) / (1 - t.mean() + 1e-12)))])
    res = minimize(
        _platt_loss,
        start,
        args=(zs, t),
        jac=True,
        method="L-BFGS-B",
        options={"gtol": 1e-10, "ftol": 1e-14, "maxiter": 1000},
    )
    return float(res.x[0] / scale), float(res.x[1])


class TemperatureScaler:
    """Recalibrate logits by one fitted temperature (scikit-learn-like verbs).

    Examples
    --------
    >>> ts = TemperatureScaler().fit([-4.0, -2.0, 2.0, 4.0, 3.0, -3.0], [0, 1, 1, 1, 0, 0])
    >>> ts.transform([0.0]).tolist()
    [0.5]
    """

    def __init__(self) -> None:
        self.temperature_: float | None = None

    @renamed_arguments(y="y_true")
    def fit(self, logits: ArrayLike, y_true: ArrayLike) -> TemperatureScaler:
        """Fit the temperature on held-out (calibration) logits and labels.

        Parameters
        ----------
        logits : array-like of shape (n,)
            The model's output as a logit (any real number), not a probability; for
            probabilities pass ``scipy.special.logit(p)``, or use :class:`IsotonicCalibrator`,
            which takes probabilities. Model output first, labels second, as in every calibrator.
        y_true : array-like of shape (n,)
            Binary labels of the same cases (both classes).
        """
        self.temperature_ = fit_temperature(logits, y_true)
        return self

    def transform(self, logits: ArrayLike) -> np.ndarray:
        """Calibrated probabilities ``expit(logits / temperature_)``."""
        if self.temperature_ is None:
            raise RuntimeError("this TemperatureScaler is not fitted; call fit(logits, y_true) first.")
        return expit(check_scores(logits, "logits") / self.temperature_)

    @renamed_arguments(y="y_true")
    def fit_transform(self, logits: ArrayLike, y_true: ArrayLike) -> np.ndarray:
        """``fit`` then ``transform`` on the same logits."""
        return self.fit(logits, y_true).transform(logits)


class PlattScaler:
    """Recalibrate logits with a fitted slope and intercept (Platt scaling; scikit-learn-like verbs).

    ``transform(z) = expit(slope_ * z + intercept_)``. Use it where the logits are
    shifted (class re-weighting, a new prevalence) as well as too sharp or too
    flat; :class:`TemperatureScaler` fixes only the latter.

    Parameters
    ----------
    smooth_targets : bool, keyword-only
        Platt's smoothed targets (see :func:`fit_platt`).

    Examples
    --------
    >>> z = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    >>> ps = PlattScaler().fit(z, [0, 0, 0, 0, 1, 0, 1, 1])
    >>> p = ps.transform(z)
    >>> round(float(p.mean()), 3)  # the fitted probabilities average to the observed rate
    0.375
    """

    def __init__(self, *, smooth_targets: bool = False) -> None:
        self.smooth_targets = smooth_targets
        self.slope_: float | None = None
        self.intercept_: float | None = None

    @renamed_arguments(y="y_true")
    def fit(self, logits: ArrayLike, y_true: ArrayLike) -> PlattScaler:
        """Fit slope and intercept on held-out (calibration) logits and labels.

        Parameters
        ----------
        logits : array-like of shape (n,)
            The model's output as a logit (any real number), not a probability; for
            probabilities pass ``scipy.special.logit(p)``. Model output first, labels second.
        y_true : array-like of shape (n,)
            Binary labels of the same cases (both classes).
        """
        self.slope_, self.intercept_ = fit_platt(logits, y_true, smooth_targets=self.smooth_targets)
        return self

    def transform(self, logits: ArrayLike) -> np.ndarray:
        """Calibrated probabilities ``expit(slope_ * logits + intercept_)``."""
        if self.slope_ is None or self.intercept_ is None:
            raise RuntimeError("this PlattScaler is not fitted; call fit(logits, y_true) first.")
        return expit(self.slope_ * check_scores(logits, "logits") + self.intercept_)

    @renamed_arguments(y="y_true")
    def fit_transform(self, logits: ArrayLike, y_true: ArrayLike) -> np.ndarray:
        """``fit`` then ``transform`` on the same logits."""
        return self.fit(logits, y_true).transform(logits)


class IsotonicCalibrator:
    """Recalibrate scores with a monotone step function (isotonic regression).

    Flexible but needs more calibration cases than temperature scaling, and can
    create ties (equal probabilities) that lower the AUC slightly.

    Examples
    --------
    >>> iso = IsotonicCalibrator().fit([0.1, 0.4, 0.6, 0.9], [0, 1, 0, 1])
    >>> iso.transform([0.1, 0.5, 0.9]).tolist()
    [0.0, 0.5, 1.0]
    """

    def __init__(self) -> None:
        self.model_: IsotonicRegression | None = None

    @renamed_arguments(y="y_true")
    def fit(self, y_score: ArrayLike, y_true: ArrayLike) -> IsotonicCalibrator:
        """Fit on held-out scores and labels.

        Parameters
        ----------
        y_score : array-like of shape (n,)
            The model's output: a probability, or any score on any scale (a logit works too,
            since the fitted map is only required to be monotone). Model output first, labels
            second, as in :class:`TemperatureScaler` and :class:`PlattScaler` (which take logits).
        y_true : array-like of shape (n,)
            Binary labels of the same cases (both classes).
        """
        yy, s = check_binary(y_true, y_score, purpose="isotonic calibration")
        self.model_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(s, yy)
        return self

    def transform(self, y_score: ArrayLike) -> np.ndarray:
        """Calibrated probabilities; scores outside the fitted range are clipped to it."""
        if self.model_ is None:
            raise RuntimeError("this IsotonicCalibrator is not fitted; call fit(y_score, y_true) first.")
        return np.asarray(self.model_.predict(check_scores(y_score, "y_score")), dtype=np.float64)

    @renamed_arguments(y="y_true")
    def fit_transform(self, y_score: ArrayLike, y_true: ArrayLike) -> np.ndarray:
        """``fit`` then ``transform`` on the same scores."""
        return self.fit(y_score, y_true).transform(y_score)


@dataclass(frozen=True)
class ReliabilityCurve:
    """Reliability-diagram bins (see :func:`reliability_curve`)."""

    edges: np.ndarray
    centres: np.ndarray
    mean_predicted: np.ndarray
    observed: np.ndarray
    counts: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row per bin."""
        return pd.DataFrame(
            {
                "left": self.edges[:-1],
                "right": self.edges[1:],
                "centre": self.centres,
                "mean_predicted": self.mean_predicted,
                "observed": self.observed,
                "count": self.counts,
            }
        )
