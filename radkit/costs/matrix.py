"""Cost matrices, expected cost and the Bayes decision.

Convention (Elkan, IJCAI 2001, with rows and columns named the way a
confusion table is read): ``C[i, j]`` is the cost of calling a case of true
class ``i`` class ``j``. For two classes ``(negative, positive)`` that makes
``C[0, 1]`` the cost of a false positive and ``C[1, 0]`` the cost of a false
negative. The Bayes decision for a case with class probabilities ``p`` is
``argmin_j sum_i p_i C[i, j]``: the call whose expected cost is lowest.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit._validate import check_fraction, check_prevalence, check_probabilities, check_threshold
from radkit.metrics.calibration import prior_correct

__all__ = [
    "CostMatrix",
    "bayes_threshold",
    "shift_threshold",
    "shift_probabilities",
    "check_probabilities",
    "bayes_decision",
    "confusion_matrix",
    "expected_cost",
    "cost_by_threshold",
    "threshold_regret",
]


@dataclass(frozen=True)
class CostMatrix:
    """A validated K x K cost matrix with named classes.

    Build one with :meth:`from_array` (any K) or :meth:`binary` (two classes).

    Attributes
    ----------
    values : ndarray of shape (K, K)
        ``values[i, j]``: cost of calling true class ``i`` class ``j``.
    classes : tuple of str
        Class names, in the order of the rows (and columns).

    Examples
    --------
    >>> c = CostMatrix.binary(cost_fp=1, cost_fn=9)
    >>> c.values.tolist(), c.classes
    ([[0.0, 1.0], [9.0, 0.0]], ('negative', 'positive'))
    >>> c.to_frame().loc["positive", "negative"]  # true positive called negative: a miss
    np.float64(9.0)
    """

    values: np.ndarray
    classes: tuple[str, ...]

    @classmethod
    def from_array(cls, values: ArrayLike, *, classes: Sequence[str], allow_diagonal: bool = False) -> CostMatrix:
        """Validate ``values`` (K x K, finite, non-negative) and attach class names.

        Parameters
        ----------
        values : array-like of shape (K, K)
            ``values[i][j]``: cost of calling true class ``i`` class ``j``.
        classes : sequence of str
            K distinct names, in row order.
        allow_diagonal : bool, keyword-only
            Allow costs for correct calls (e.g. the cost of the work-up a true
            positive triggers). By default the diagonal must be zero.

        Examples
        --------
        >>> CostMatrix.from_array([[0, 1], [5, 0]], classes=["normal", "abnormal"]).classes
        ('normal', 'abnormal')
        """
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
            raise ValueError(
                f"a cost matrix must be square (K x K, rows = true class, columns = "
                f"called class); got shape {arr.shape}."
            )
        k = arr.shape[0]
        if k < 2:
            raise ValueError("a cost matrix needs at least two classes.")
        names = tuple(str(c) for c in classes)
        if len(names) != k:
            raise ValueError(
                f"the cost matrix is {k} x {k} but {len(names)} class names were given "
                f"({list(names)}); name every row, in row order."
            )
        if len(set(names)) != k:
            raise ValueError(f"class names must be distinct, got {list(names)}.")
        if not np.all(np.isfinite(arr)):
            raise ValueError("the cost matrix has NaN or infinite entries; give every cost a number.")
        if np.any(arr < 0):
            i, j = np.argwhere(arr < 0)[0]
            raise ValueError(
                f"costs must be non-negative, but calling {names[i]!r} as {names[j]!r} "
                f"costs {arr[i, j]:g}; express a benefit as a smaller cost instead."
            )
        if not allow_diagonal and np.any(np.diag(arr) != 0):
            raise ValueError(
                "correct calls cost something on the diagonal "
                f"({np.diag(arr).tolist()}); pass allow_diagonal=True if that is meant."
            )
        off = arr[~np.eye(k, dtype=bool)]
        if np.all(off == 0):
            raise ValueError(
                "every error costs 0, so every decision is equally good; give at least one error a positive cost."
            )
        arr = arr.copy()
        arr.setflags(write=False)
        return cls(values=arr, classes=names)

    @classmethod
    @renamed_arguments(c_fp="cost_fp", c_fn="cost_fn")
    def binary(cls, *, cost_fp: float, cost_fn: float, classes: Sequence[str] = ("negative", "positive")) -> CostMatrix:
        """Two-class matrix ``[[0, cost_fp], [cost_fn, 0]]`` (negative first).

        Parameters
        ----------
        cost_fp, cost_fn : float, keyword-only
            Cost of a false positive (a false alarm) and of a false negative (a miss).
        classes : (str, str), keyword-only
            Names of the negative and the positive class.

        Examples
        --------
        >>> CostMatrix.binary(cost_fp=1, cost_fn=4).values[1, 0]
        np.float64(4.0)
        """
        return cls.from_array([[0.0, cost_fp], [cost_fn, 0.0]], classes=classes)

    @property
    def k(self) -> int:
        """Number of classes."""
        return len(self.classes)

    @property
    def cost_fp(self) -> float:
        """Cost of a false positive (binary matrices only)."""
        self._need_binary("cost_fp")
        return float(self.values[0, 1])

    @property
    def cost_fn(self) -> float:
        """Cost of a false negative (binary matrices only)."""
        self._need_binary("cost_fn")
        return float(self.values[1, 0])

    @property
    def c_fp(self) -> float:
        """Deprecated name of :attr:`cost_fp` (the same value, with a ``FutureWarning``)."""
        warnings.warn(
            "CostMatrix.c_fp is deprecated: use CostMatrix.cost_fp (the same value).", FutureWarning, stacklevel=2
        )
        return self.cost_fp

    @property
    def c_fn(self) -> float:
        """Deprecated name of :attr:`cost_fn` (the same value, with a ``FutureWarning``)."""
        warnings.warn(
            "CostMatrix.c_fn is deprecated: use CostMatrix.cost_fn (the same value).", FutureWarning, stacklevel=2
        )
        return self.cost_fn

    def _need_binary(self, what: str) -> None:
        if self.k != 2:
            raise ValueError(
                f"{what} is defined for two classes; this matrix has {self.k} "
                f"({list(self.classes)}). Index values[i, j] instead."
            )

    def to_frame(self) -> pd.DataFrame:
        """The matrix as a table: rows = true class, columns = called class."""
        return pd.DataFrame(
            self.values, index=pd.Index(self.classes, name="true"), columns=pd.Index(self.classes, name="called")
        )


def _as_cost(cost: CostMatrix | ArrayLike) -> CostMatrix:
    if isinstance(cost, CostMatrix):
        return cost
    arr = np.asarray(cost, dtype=np.float64)
    names = [str(i) for i in range(arr.shape[0])] if arr.ndim == 2 else []
    return CostMatrix.from_array(arr, classes=names, allow_diagonal=True)


def bayes_threshold(cost: CostMatrix) -> float:
    """Probability threshold of the binary Bayes decision: call positive if ``p >= p*``.

    ``p* = (C01 - C00) / ((C01 - C00) + (C10 - C11))``, which with free correct
    calls is ``C_FP / (C_FP + C_FN)``. It assumes calibrated probabilities at the
    prevalence the decision is made in (see :func:`shift_threshold` otherwise).

    Examples
    --------
    >>> bayes_threshold(CostMatrix.binary(cost_fp=1, cost_fn=9))
    0.1
    """
    c = _as_cost(cost)
    c._need_binary("bayes_threshold")
    gains = _gains(c.values)
    if gains is None:
        raise ValueError(f"a correct call must cost no more than the wrong one in each row; got {c.values.tolist()}.")
    gain_neg, gain_pos = gains
    return float(gain_neg / (gain_neg + gain_pos))


def _gains(v: np.ndarray) -> tuple[float, float] | None:
    """What a correct call saves over the wrong one for a negative and a positive case (None if < 0, or both 0)."""
    gain_neg, gain_pos = v[0, 1] - v[0, 0], v[1, 0] - v[1, 1]
    if gain_neg < 0 or gain_pos < 0 or gain_neg + gain_pos == 0:
        return None
    return gain_neg, gain_pos


def shift_threshold(threshold: float, *, train_prevalence: float, deploy_prevalence: float) -> float:
    """Move a probability threshold to a deployment population with another prevalence.

    A model calibrated where the finding has prevalence ``train_prevalence``
    over- or under-states the risk where it has ``deploy_prevalence``. The
    posterior odds scale by the ratio of prior odds (Saerens et al. 2002), so the
    threshold on the model's (training-calibrated) probability becomes
    ``odds(t') = odds(t) * odds(train) / odds(deploy)``.

    Examples
    --------
    Equal costs (t = 0.5), trained at 50%, deployed at 10%: call positive only
    above 0.9 on the model's scale.

    >>> round(shift_threshold(0.5, train_prevalence=0.5, deploy_prevalence=0.1), 12)
    0.9
    """
    t = float(check_fraction(threshold, "threshold"))
    train = check_prevalence(train_prevalence, "train_prevalence")
    deploy = check_prevalence(deploy_prevalence, "deploy_prevalence")
    # the threshold moves the opposite way to the probabilities: undo the correction deploy -> train
    return float(prior_correct(np.array([t]), train_prevalence=deploy, true_prevalence=train)[0])


@renamed_arguments(y_prob="y_score")
def shift_probabilities(y_score: ArrayLike, *, train_prevalence: ArrayLike, deploy_prevalence: ArrayLike) -> np.ndarray:
    """Adjust K-class probabilities to other class priors (Saerens, Latinne & Decaestecker 2002).

    ``p'_k ∝ p_k * deploy_k / train_k``, renormalized per case: the K-class form of
    :func:`radkit.metrics.prior_correct`, which computes it.

    Examples
    --------
    >>> shift_probabilities([[0.5, 0.5]], train_prevalence=[0.5, 0.5],
    ...                     deploy_prevalence=[0.9, 0.1]).round(3).tolist()
    [[0.9, 0.1]]
    """
    p = check_probabilities(y_score)
    return prior_correct(p, train_prevalence=train_prevalence, true_prevalence=deploy_prevalence)


@renamed_arguments(y_prob="y_score")
def bayes_decision(y_score: ArrayLike, cost: CostMatrix | ArrayLike) -> np.ndarray:
    """The cheapest call for each case: ``argmin_j sum_i p_i C[i, j]``.

    Parameters
    ----------
    y_score : array-like of shape (n, K)
        Calibrated class probabilities (rows sum to one), in the matrix's class order.
    cost : CostMatrix or array-like of shape (K, K)

    Returns
    -------
    ndarray of int, shape (n,)
        Index of the called class. Ties go to the higher index: for two classes a
        case at exactly ``p = p*`` is called positive, the rule ``p >= p*`` of
        :func:`bayes_threshold` and :func:`cost_by_threshold` (and scikit-learn's
        ``roc_curve``). For two classes the call is made by that comparison, so the
        three agree to the last bit.

    Examples
    --------
    A 20% chance of pneumothorax is worth calling when a miss costs 9 times a
    false alarm, though the most likely class is "no pneumothorax":

    >>> bayes_decision([[0.8, 0.2]], CostMatrix.binary(cost_fp=1, cost_fn=9)).tolist()
    [1]
    >>> bayes_decision([[0.9, 0.1]], CostMatrix.binary(cost_fp=1, cost_fn=9)).tolist()  # p = p* = 0.1
    [1]
    """
    c = _as_cost(cost)
    p = check_probabilities(y_score, k=c.k)
    if c.k == 2 and _gains(c.values) is not None:
        return (p[:, 1] >= bayes_threshold(c)).astype(np.int64)
    expected = p @ c.values
    return c.k - 1 - np.argmin(expected[:, ::-1], axis=1)  # the last of the cheapest calls


def _labels(values: ArrayLike, k: int, name: str) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D class indices, got shape {arr.shape}.")
    if arr.dtype == bool:
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer class indices 0..{k - 1}, got dtype {arr.dtype}.")
    if arr.size and (arr.min() < 0 or arr.max() >= k):
        raise ValueError(
            f"{name} has class indices outside 0..{k - 1} (found {sorted(set(arr.tolist()))[:6]}); "
            "the cost matrix's row order defines the indices."
        )
    return arr.astype(np.int64)


def confusion_matrix(y_true: ArrayLike, y_pred: ArrayLike, *, k: int) -> np.ndarray:
    """K x K counts: ``[i, j]`` cases of true class ``i`` called ``j``.

    Examples
    --------
    >>> confusion_matrix([0, 1, 2, 2], [0, 2, 2, 1], k=3).tolist()
    [[1, 0, 0], [0, 0, 1], [0, 1, 1]]
    """
    t, p = _labels(y_true, k, "y_true"), _labels(y_pred, k, "y_pred")
    if t.size != p.size:
        raise ValueError(f"y_true has {t.size} cases but y_pred has {p.size}; pair them case by case.")
    return np.bincount(t * k + p, minlength=k * k).reshape(k, k)


def expected_cost(y_true: ArrayLike, y_pred: ArrayLike, cost: CostMatrix | ArrayLike) -> float:
    """Mean cost per case of the calls ``y_pred``: ``sum(confusion * C) / n``.

    Examples
    --------
    Hand-worked: 2 false positives at cost 1 and 1 false negative at cost 9
    among 10 cases cost (2 + 9) / 10 = 1.1 per case.

    >>> y_true = [0] * 6 + [1] * 4
    >>> y_pred = [0, 0, 0, 0, 1, 1, 0, 1, 1, 1]
    >>> expected_cost(y_true, y_pred, CostMatrix.binary(cost_fp=1, cost_fn=9))
    1.1
    """
    c = _as_cost(cost)
    m = confusion_matrix(y_true, y_pred, k=c.k)
    n = m.sum()
    if n == 0:
        raise ValueError("no cases given; pass at least one.")
    return float(round((m * c.values).sum() / n, 12))


def cost_by_threshold(
    y_true: ArrayLike, y_score: ArrayLike, cost: CostMatrix, *, thresholds: ArrayLike | None = None
) -> pd.DataFrame:
    """Expected cost per case of the rule ``y_score >= t`` for each threshold ``t``.

    Binary only. Vectorized: one sort, then counts by ``searchsorted``.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        0/1 labels.
    y_score : array-like of shape (n,)
        Probabilities or scores.
    cost : CostMatrix
        Two-class matrix.
    thresholds : array-like, optional
        Default 0.005, 0.01, ..., 0.995.

    Returns
    -------
    DataFrame
        Columns ``threshold, fp, fn, sensitivity, specificity, expected_cost``.

    Examples
    --------
    >>> t = cost_by_threshold([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], CostMatrix.binary(cost_fp=1, cost_fn=9),
    ...                       thresholds=[0.3, 0.5])
    >>> t["expected_cost"].tolist()
    [0.25, 2.5]
    """
    from radkit._validate import check_binary

    c = _as_cost(cost)
    c._need_binary("cost_by_threshold")
    y, s = check_binary(y_true, y_score, both_classes=False, kind="prob")  # thresholds are on [0, 1]
    ts = np.arange(1, 200) / 200 if thresholds is None else np.asarray(thresholds, dtype=np.float64).ravel()
    pos, neg = np.sort(s[y == 1]), np.sort(s[y == 0])
    tp = pos.size - np.searchsorted(pos, ts, side="left")
    fp = neg.size - np.searchsorted(neg, ts, side="left")
    fn, tn = pos.size - tp, neg.size - fp
    v = c.values
    total = tn * v[0, 0] + fp * v[0, 1] + fn * v[1, 0] + tp * v[1, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        sens, spec = tp / pos.size, tn / neg.size
    return pd.DataFrame(
        {"threshold": ts, "fp": fp, "fn": fn, "sensitivity": sens, "specificity": spec, "expected_cost": total / y.size}
    )


@renamed_arguments(y_prob="y_score")
def threshold_regret(
    y_true: ArrayLike, y_score: ArrayLike, cost: CostMatrix, *, threshold: float, thresholds: ArrayLike | None = None
) -> float:
    """Relative extra cost of ``threshold`` over the cheapest threshold on the same data.

    ``cost(threshold) / min_t cost(t) - 1`` with ``t`` over ``thresholds`` (default
    0.005, 0.01, ..., 0.995, plus ``threshold`` itself). The minimum is found on
    the evaluation data, so it is an optimistic reference: a small regret means
    the threshold is among the nearly-cheapest choices.

    Examples
    --------
    >>> threshold_regret([0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9], CostMatrix.binary(cost_fp=1, cost_fn=9),
    ...                  threshold=0.5)
    9.0
    """
    threshold = check_threshold(threshold, unit=True)
    grid = np.arange(1, 200) / 200 if thresholds is None else np.asarray(thresholds, dtype=np.float64)
    table = cost_by_threshold(y_true, y_score, cost, thresholds=np.r_[threshold, grid.ravel()])
    values = table["expected_cost"].to_numpy()
    best = values.min()
    if best == 0:
        return 0.0 if values[0] == 0 else float("inf")
    return float(values[0] / best - 1)
