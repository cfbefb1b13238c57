"""Label models fitted by EM: Dawid-Skene (1979) and Raykar et al. (2010), and their results.

The EM steps are vectorized: items and readers are coded to integers once and
each E- or M-step is one sparse matrix product over the annotations.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize, sparse
from scipy.special import expit
from threadpoolctl import threadpool_limits

from radkit.adjudication._table import _check_options, _Coded, _encode, _is_real
from radkit.adjudication.voting import _votes
from radkit.seeding import rng_if_needed


# --------------------------------------------------------------------------- #
# EM machinery shared by Dawid-Skene and Raykar
# --------------------------------------------------------------------------- #
def _design(coded: _Coded) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Sparse (reader*K + label) x item incidence and its transpose."""
    k, n, r = coded.n_classes, len(coded.items), len(coded.readers)
    rows = coded.reader * k + coded.label
    ones = np.ones(len(rows))
    s = sparse.csr_matrix((ones, (rows, coded.item)), shape=(r * k, n))
    return s, s.T.tocsr()


def _m_confusion(s: sparse.csr_matrix, post: np.ndarray, n_readers: int, k: int, smoothing: float) -> np.ndarray:
    """Confusion matrices pi[r, true, observed] from posteriors (n_items, K).

    The pseudo-count ``smoothing`` is spread over the observed labels in
    proportion to the reader's own label rates, so a row the data say nothing
    about (a reader who, softly, never saw class k) falls back to how often
    the reader uses each label -- uninformative -- not to a uniform guess.
    """
    counts = np.asarray(s @ post).reshape(n_readers, k, k)  # [r, observed, true]
    used = counts.sum(axis=2) + smoothing  # [r, observed]: label use (+ floor: no log(0))
    rate = used / used.sum(axis=1, keepdims=True)
    cells = counts.transpose(0, 2, 1) + smoothing * rate[:, None, :]
    return cells / cells.sum(axis=2, keepdims=True)


def _e_step(s_t: sparse.csr_matrix, pi: np.ndarray, log_prior: np.ndarray) -> tuple[np.ndarray, float]:
    """Posteriors (n_items, K) and the observed-data log-likelihood."""
    n_readers, k, _ = pi.shape
    log_pi = np.log(pi).transpose(0, 2, 1).reshape(n_readers * k, k)  # [(r, observed), true]
    # Work class-major, (K, n_items): reductions over K short rows are far
    # faster in NumPy than axis=1 reductions over an (n_items, K) array.
    joint = np.ascontiguousarray(np.asarray(s_t @ log_pi).T)
    joint += log_prior.T if log_prior.ndim == 2 else log_prior[:, None]
    top = joint.max(axis=0)  # shift before exp: no underflow
    joint -= top
    np.exp(joint, out=joint)
    total = joint.sum(axis=0)
    joint /= total
    return joint.T, float(np.log(total).sum() + top.sum())


def _initial_posteriors(coded: _Coded, init: str, seed: int | None, where: str) -> np.ndarray:
    if init == "majority":
        votes = _votes(coded).astype(np.float64)
        return votes / votes.sum(1, keepdims=True)
    rng = rng_if_needed(seed, where=where, why='init="random" draws random starting posteriors')
    return rng.dirichlet(np.ones(coded.n_classes), size=len(coded.items))


def _reader_table(coded: _Coded, pi: np.ndarray, s: sparse.csr_matrix, post: np.ndarray) -> pd.DataFrame:
    r, k = len(coded.readers), coded.n_classes
    idx = pd.Index(coded.readers, name="reader")
    out = pd.DataFrame({"n_labels": np.bincount(coded.reader, minlength=r)}, index=idx)
    # Expected number of items of each true class the reader read: a sensitivity or
    # specificity resting on ~0 such items is a fallback, not a measurement.
    seen = np.asarray(s @ post).reshape(r, k, k).sum(axis=1)
    if k == 2:
        out["sensitivity"], out["n_pos"] = pi[:, 1, 1], seen[:, 1]
        out["specificity"], out["n_neg"] = pi[:, 0, 0], seen[:, 0]
    else:
        for c in range(k):
            out[f"recall_{c}"], out[f"n_{c}"] = pi[:, c, c], seen[:, c]
    return out


def _confusion_frame(coded: _Coded, pi: np.ndarray) -> pd.DataFrame:
    r, k, _ = pi.shape
    index = pd.MultiIndex.from_product([coded.readers, range(k)], names=["reader", "true"])
    return pd.DataFrame(pi.reshape(r * k, k), index=index, columns=pd.RangeIndex(k, name="observed"))


def _posterior_frame(coded: _Coded, post: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        post, index=pd.Index(coded.items, name="item"), columns=pd.RangeIndex(coded.n_classes, name="label")
    )


# --------------------------------------------------------------------------- #
# Dawid-Skene
# --------------------------------------------------------------------------- #
def dawid_skene(
    table: pd.DataFrame,
    *,
    n_classes: int | None = None,
    max_iter: int = 100,
    tol: float = 1e-6,
    seed: int | None = None,
    init: Literal["majority", "random"] = "majority",
    smoothing: float = 1e-6,
) -> DawidSkeneResult:
    """Estimate each reader's confusion matrix and each item's true class (EM).

    Dawid & Skene (1979): every reader ``r`` reports class ``l`` for an item
    whose true class is ``k`` with probability ``pi[r, k, l]``, independently
    of the other readers given the truth. EM alternates the posterior of each
    item's class (E-step) with the readers' confusion matrices and the class
    priors (M-step), starting from the soft majority vote.

    Parameters
    ----------
    table : DataFrame
        Long table with columns ``item, reader, label`` (one finding).
    n_classes : int, optional
        Number of classes K (default: largest label + 1, at least 2).
    max_iter : int, default 100
        Maximum number of EM iterations (one M-step plus one E-step each).
    tol : float, default 1e-6
        Stop when the log-likelihood per annotation changes by less than this;
        0 runs all ``max_iter`` iterations.
    seed : int, optional
        Seed for ``init="random"``, needed there (unused by ``"majority"``,
        which is deterministic).
    init : {"majority", "random"}, default "majority"
        Starting posteriors: vote shares, or random Dirichlet draws.
    smoothing : float, default 1e-6
        Pseudo-count added to every confusion-matrix cell and class count
        so that no probability is exactly 0 (no ``log(0)``).

    Returns
    -------
    DawidSkeneResult

    Examples
    --------
    >>> import pandas as pd
    >>> from radkit.adjudication import dawid_skene
    >>> t = pd.DataFrame({"item": [1, 1, 1, 2, 2, 2, 3, 3, 3],
    ...                   "reader": ["A", "B", "C"] * 3,
    ...                   "label": [1, 1, 0, 0, 0, 0, 1, 1, 1]})
    >>> res = dawid_skene(t)
    >>> res.labels.tolist()
    [1, 0, 1]
    """
    _check_options(max_iter=max_iter, tol=tol, init=init, smoothing=smoothing)
    coded = _encode(table, where="dawid_skene", n_classes=n_classes)
    k, n, r = coded.n_classes, len(coded.items), len(coded.readers)
    s, s_t = _design(coded)
    post = _initial_posteriors(coded, init, seed, "dawid_skene")
    trace: list[float] = []
    converged = False
    for _ in range(max_iter):
        pi = _m_confusion(s, post, r, k, smoothing)
        prior = (post.sum(0) + smoothing) / (n + k * smoothing)
        post, ll = _e_step(s_t, pi, np.log(prior))
        trace.append(ll)
        if len(trace) > 1 and abs(trace[-1] - trace[-2]) < tol * len(coded.label):
            converged = True
            break
    return DawidSkeneResult(
        posteriors=_posterior_frame(coded, post),
        confusion=_confusion_frame(coded, pi),
        readers=_reader_table(coded, pi, s, post),
        priors=pd.Series(prior, index=pd.RangeIndex(k, name="label"), name="prior"),
        log_likelihood=np.asarray(trace),
        converged=converged,
        n_iter=len(trace),
    )


# --------------------------------------------------------------------------- #
# Raykar et al. (2010): learning from crowds
# --------------------------------------------------------------------------- #
def _align_features(X: Any, items: pd.Index, feature_items: Any) -> np.ndarray:
    if isinstance(X, pd.DataFrame):
        if feature_items is not None:
            raise ValueError("raykar: X is a DataFrame; its index names the items, so leave items out.")
        frame = X
    else:
        arr = np.asarray(X, dtype=np.float64)
        if arr.ndim != 2:
            raise ValueError(f"raykar: X must be 2-D (n_items x n_features); got shape {arr.shape}.")
        if feature_items is None:
            raise ValueError(
                "raykar: say which item each row of X is: pass X as a DataFrame indexed by item, "
                "or items=[...] (one id per row)."
            )
        if len(feature_items) != len(arr):
            raise ValueError(f"raykar: items has {len(feature_items)} ids but X has {len(arr)} rows.")
        frame = pd.DataFrame(arr, index=pd.Index(feature_items))
    if frame.index.has_duplicates:
        raise ValueError("raykar: X has several rows for one item; keep one feature row per item.")
    absent = items.difference(frame.index)
    if len(absent):
        raise ValueError(
            f"raykar: {len(absent)} labelled item(s) have no feature row, e.g. {list(absent[:3])}. "
            "Give features for every item in the table, or drop those items from the table."
        )
    out = frame.loc[items].to_numpy(dtype=np.float64)
    if not np.isfinite(out).all():
        raise ValueError("raykar: X holds NaN or infinite values; impute or drop those items first.")
    return out


def _fit_logistic(z: np.ndarray, target: np.ndarray, l2: float, w0: np.ndarray) -> np.ndarray:
    """L2-penalised logistic regression on soft targets; z has a leading ones column."""
    penal = np.r_[0.0, np.full(z.shape[1] - 1, l2)]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        eta = z @ w
        nll = np.sum(np.logaddexp(0.0, eta) - target * eta) + 0.5 * np.sum(penal * w * w)
        grad = z.T @ (expit(eta) - target) + penal * w
        return float(nll), grad

    return optimize.minimize(loss, w0, jac=True, method="L-BFGS-B").x


def _raykar_em(
    z: np.ndarray,
    s: sparse.csr_matrix,
    s_t: sparse.csr_matrix,
    post: np.ndarray,
    r: int,
    coded: _Coded,
    *,
    max_iter: int,
    tol: float,
    l2: float,
    smoothing: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[float], bool]:
    """Raykar's EM loop: reader confusion, classifier refit, posteriors, until the likelihood settles."""
    w = np.zeros(z.shape[1])
    trace: list[float] = []
    converged = False
    pi = np.empty(0)
    for _ in range(max_iter):
        pi = _m_confusion(s, post, r, 2, smoothing)
        w = _fit_logistic(z, post[:, 1], l2, w)
        eta = z @ w
        log_prior = np.column_stack([-np.logaddexp(0.0, eta), -np.logaddexp(0.0, -eta)])
        post, ll = _e_step(s_t, pi, log_prior)
        trace.append(ll - 0.5 * l2 * float(w[1:] @ w[1:]))
        if len(trace) > 1 and abs(trace[-1] - trace[-2]) < tol * len(coded.label):
            converged = True
            break
    return w, pi, post, trace, converged


def raykar(
    table: pd.DataFrame,
    X: Any,
    *,
    items: Any = None,
    max_iter: int = 100,
    tol: float = 1e-6,
    l2: float = 1.0,
    seed: int | None = None,
    init: Literal["majority", "random"] = "majority",
    smoothing: float = 1e-6,
) -> RaykarResult:
    """Learn reader reliability and an image classifier jointly (binary).

    Raykar et al. (2010): as in Dawid-Skene each reader has a sensitivity and a
    specificity, but the prior probability that an item is positive comes from
    a logistic regression on the item's features ``X`` instead of one
    prevalence. EM alternates posteriors (E-step, classifier prediction as the
    prior) with reader sensitivity/specificity and a refit of the classifier on the soft
    posteriors (M-step).

    Parameters
    ----------
    table : DataFrame
        Long table with columns ``item, reader, label``; labels 0/1.
    X : DataFrame or array (n_items, n_features)
        Features (image embeddings, say). A DataFrame is matched to the items
        by its index; an array needs ``items``.
    items : sequence, optional
        Item id of each row of an array ``X``.
    max_iter, tol, init, smoothing
        As in :func:`dawid_skene` (``tol`` on the penalised log-likelihood per
        annotation).
    l2 : float, default 1.0
        Ridge penalty on the (standardised) feature weights; not on the intercept.
    seed : int, optional
        Seed for ``init="random"``.

    Returns
    -------
    RaykarResult
        Has ``predict_proba(X_new)`` for unseen images.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from radkit.adjudication import raykar
    >>> t = pd.DataFrame({"item": np.repeat([0, 1, 2, 3], 2), "reader": ["A", "B"] * 4,
    ...                   "label": [1, 1, 0, 0, 1, 0, 0, 0]})
    >>> X = pd.DataFrame({"opacity": [2.0, -1.5, 1.0, -2.0]}, index=[0, 1, 2, 3])
    >>> res = raykar(t, X)
    >>> res.labels.tolist()
    [1, 0, 1, 0]
    """
    _check_options(max_iter=max_iter, tol=tol, init=init, smoothing=smoothing)
    if not _is_real(l2) or not np.isfinite(l2) or l2 < 0:
        raise ValueError(f"raykar: l2 must be >= 0; got {l2!r}.")
    coded = _encode(table, where="raykar", n_classes=2)
    feats = _align_features(X, coded.items, items)
    mean, scale = feats.mean(0), feats.std(0)
    scale[scale == 0] = 1.0
    z = np.column_stack([np.ones(len(feats)), (feats - mean) / scale])
    r = len(coded.readers)
    s, s_t = _design(coded)
    post = _initial_posteriors(coded, init, seed, "raykar")
    # the problems are tiny (n x ~10): multithreaded BLAS only adds hand-offs, and on a busy
    # 2-core machine L-BFGS-B ran 20x slower with it (bench/raykar_threads.py)
    with threadpool_limits(1, user_api="blas"):
        w, pi, post, trace, converged = _raykar_em(
            z, s, s_t, post, r, coded, max_iter=max_iter, tol=tol, l2=l2, smoothing=smoothing
        )
    coef = w[1:] / scale
    return RaykarResult(
        posteriors=_posterior_frame(coded, post),
        confusion=_confusion_frame(coded, pi),
        readers=_reader_table(coded, pi, s, post),
        priors=pd.Series(
            [1 - post[:, 1].mean(), post[:, 1].mean()], index=pd.RangeIndex(2, name="label"), name="prior"
        ),
        log_likelihood=np.asarray(trace),
        converged=converged,
        n_iter=len(trace),
        coef=coef,
        intercept=float(w[0] - coef @ mean),
        feature_names=list(X.columns) if isinstance(X, pd.DataFrame) else None,
    )


# --------------------------------------------------------------------------- #
# Result objects
# --------------------------------------------------------------------------- #
@dataclass(frozen=True)
class DawidSkeneResult:
    """What :func:`dawid_skene` estimates.

    Attributes
    ----------
    posteriors : DataFrame
        P(true class = k | all labels), indexed by item, one column per class.
    confusion : DataFrame
        ``pi[r, true, observed]``: rows (reader, true class), columns observed label.
    readers : DataFrame
        Per reader: ``n_labels``; binary: ``sensitivity``, ``n_pos``, ``specificity``, ``n_neg``
        (``n_pos``/``n_neg``: expected number of truly positive/negative items the
        reader read; a sensitivity resting on ``n_pos`` near 0 is not measured
        but falls back to the reader's overall label rate); K classes:
        ``recall_k`` and ``n_k``.
    priors : Series
        Estimated class prevalence.
    log_likelihood : ndarray
        Observed-data log-likelihood after each iteration (non-decreasing).
    converged : bool
        Whether the change fell below ``tol`` before ``max_iter``.
    n_iter : int
        Iterations run.
    """

    posteriors: pd.DataFrame
    confusion: pd.DataFrame
    readers: pd.DataFrame
    priors: pd.Series
    log_likelihood: np.ndarray = field(repr=False)
    converged: bool
    n_iter: int

    def to_frame(self) -> pd.DataFrame:
        """One row per item: the posterior of each class (``p_0, p_1, ...``) and the ``label``.

        The readers' estimates are :attr:`readers`; the class priors :attr:`priors`.
        """
        out = self.posteriors.add_prefix("p_")
        out["label"] = self.labels
        return out

    @property
    def labels(self) -> pd.Series:
        """Most probable class per item (ties go to the smaller class code)."""
        return pd.Series(self.posteriors.to_numpy().argmax(1), index=self.posteriors.index, name="label")

    @property
    def sensitivity(self) -> pd.Series:
        """Per-reader sensitivity (binary only)."""
        return self._binary("sensitivity")

    @property
    def specificity(self) -> pd.Series:
        """Per-reader specificity (binary only)."""
        return self._binary("specificity")

    @property
    def sens(self) -> pd.Series:
        """Deprecated name of :attr:`sensitivity` (the same values, with a ``FutureWarning``)."""
        warnings.warn(
            "DawidSkeneResult.sens is deprecated: use .sensitivity (the same values); the readers "
            "table's column is 'sensitivity' now.",
            FutureWarning,
            stacklevel=2,
        )
        return self.sensitivity

    @property
    def spec(self) -> pd.Series:
        """Deprecated name of :attr:`specificity` (the same values, with a ``FutureWarning``)."""
        warnings.warn(
            "DawidSkeneResult.spec is deprecated: use .specificity (the same values); the readers "
            "table's column is 'specificity' now.",
            FutureWarning,
            stacklevel=2,
        )
        return self.specificity

    def _binary(self, col: str) -> pd.Series:
        if col not in self.readers.columns:
            raise ValueError(
                f"{col} is defined for binary labels; use .confusion or .readers (recall_k columns) for K classes."
            )
        return self.readers[col]


@dataclass(frozen=True)
class RaykarResult(DawidSkeneResult):
    """What :func:`raykar` estimates: a :class:`DawidSkeneResult` plus a classifier.

    Attributes
    ----------
    coef : ndarray (n_features,)
        Logistic-regression weights on the original feature scale.
    intercept : float
    feature_names : list or None
    """

    coef: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    intercept: float = 0.0
    feature_names: list | None = None

    def predict_proba(self, X_new: Any) -> np.ndarray:
        """Class probabilities ``(n, 2)`` for new items, like scikit-learn.

        Examples
        --------
        >>> import numpy as np, pandas as pd
        >>> from radkit.adjudication import raykar
        >>> t = pd.DataFrame({"item": np.repeat([0, 1, 2, 3], 2), "reader": ["A", "B"] * 4,
        ...                   "label": [1, 1, 0, 0, 1, 0, 0, 0]})
        >>> res = raykar(t, np.array([[2.0], [-1.5], [1.0], [-2.0]]), items=[0, 1, 2, 3])
        >>> res.predict_proba(np.array([[3.0], [-3.0]]))[:, 1].round(1).tolist()
        [0.9, 0.1]
        """
        arr = np.asarray(X_new, dtype=np.float64)
        if arr.ndim == 1 and len(self.coef) == 1:
            arr = arr[:, None]
        if arr.ndim != 2 or arr.shape[1] != len(self.coef):
            raise ValueError(
                f"predict_proba: X_new must have shape (n, {len(self.coef)}), the features "
                f"used in fitting; got {arr.shape}."
            )
        p = expit(arr @ self.coef + self.intercept)
        return np.column_stack([1 - p, p])
