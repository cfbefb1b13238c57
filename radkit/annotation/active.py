"""Active learning: which images should the expert label next?

Three ways to spend the next labels: **uncertainty** (the images the current
model is least sure about: entropy or margin of its probabilities),
**diversity** (k-center greedy on embeddings, Sener & Savarese 2018: cover the
pool so that no image is far from a labelled one) and **random**.
:func:`active_learning` runs the loop with a simulated expert who answers
from the known truth, until a label budget is spent, and records the test AUC
after every batch of labels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from radkit._compat import renamed_arguments
from radkit._validate import check_count, check_labels
from radkit.seeding import check_seed, rng
from radkit.stats import t_interval

__all__ = [
    "STRATEGIES",
    "entropy",
    "margin",
    "k_center_greedy",
    "select",
    "logistic_learner",
    "ActiveResult",
    "active_learning",
    "curve_summary",
]

STRATEGIES = ("entropy", "margin", "k-center", "random")
Learner = Callable[[np.ndarray, np.ndarray], Callable[[np.ndarray], np.ndarray]]


def _probabilities(y_score) -> np.ndarray:
    p = np.asarray(y_score, dtype=float)
    if p.ndim == 1:
        p = np.stack([1 - p, p], axis=1)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(
            "y_score must be 1-D (probability of the positive class) or N x K class probabilities, "
            f"got shape {np.shape(y_score)}."
        )
    if np.any((p < 0) | (p > 1)) or not np.allclose(p.sum(1), 1, atol=1e-6):
        raise ValueError(
            "y_score must hold probabilities: values in [0, 1], rows of an N x K array summing to 1. "
            "Apply a sigmoid / softmax to logits first."
        )
    return p


@renamed_arguments(prob="y_score")
def entropy(y_score) -> np.ndarray:
    """Predictive entropy in bits per image (0 certain, 1 for p = 0.5 with two classes).

    Examples
    --------
    >>> entropy([0.5, 1.0, 0.9]).round(3).tolist()
    [1.0, 0.0, 0.469]
    """
    p = _probabilities(y_score)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log2(p), 0.0)
    return terms.sum(1)


@renamed_arguments(prob="y_score")
def margin(y_score) -> np.ndarray:
    """One minus the gap between the two most probable classes (1 = a tie, 0 = certain).

    With two classes it ranks images exactly as :func:`entropy` does (both are
    monotone in ``|p - 0.5|``); the two differ with three or more classes.

    Examples
    --------
    >>> margin([0.5, 0.9]).round(3).tolist()
    [1.0, 0.2]
    """
    p = np.sort(_probabilities(y_score), axis=1)
    return 1.0 - (p[:, -1] - p[:, -2])


def k_center_greedy(embeddings, labeled: Sequence[int], n: int) -> np.ndarray:
    """Pick ``n`` pool indices, each the point farthest (Euclidean) from everything chosen so far.

    Parameters
    ----------
    embeddings : array N x D
    labeled : sequence of int
        Indices already labelled (the centres to start from). When empty, the first
        pick is the point nearest the pool mean (a deterministic start).
    n : int
        How many to pick (from the unlabelled points).

    Returns
    -------
    numpy.ndarray of int, in the order picked.

    Examples
    --------
    >>> x = np.array([[0.0], [1.0], [10.0], [4.0]])
    >>> k_center_greedy(x, [0], 2).tolist()
    [2, 3]
    """
    x = np.asarray(embeddings, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"embeddings must be N x D, got shape {x.shape}; flatten each image's features.")
    chosen = [int(i) for i in labeled]
    if chosen and (min(chosen) < 0 or max(chosen) >= len(x)):
        raise ValueError(f"labeled holds indices outside 0..{len(x) - 1}; pass row positions of embeddings.")
    n = check_count(n, "n", minimum=0, hint="how many points to pick")
    free = len(x) - len(set(chosen))
    if not 0 <= n <= free:
        raise ValueError(f"n={n} must be between 0 and the {free} unlabelled points.")
    picks = []
    if chosen:
        dist = np.full(len(x), np.inf)
        for c in chosen:
            dist = np.minimum(dist, ((x - x[c]) ** 2).sum(1))
    else:
        first = int(np.argmin(((x - x.mean(0)) ** 2).sum(1)))
        if n == 0:
            return np.array([], dtype=int)
        picks.append(first)
        dist = ((x - x[first]) ** 2).sum(1)
    dist[chosen + picks] = -np.inf  # never buy a point twice, even when duplicates leave every distance at 0
    while len(picks) < n:
        nxt = int(np.argmax(dist))
        picks.append(nxt)
        dist = np.minimum(dist, ((x - x[nxt]) ** 2).sum(1))
        dist[nxt] = -np.inf
    return np.asarray(picks, dtype=int)


@renamed_arguments(prob="y_score")
def select(
    strategy: str,
    n: int,
    *,
    labeled: Sequence[int],
    y_score: np.ndarray | None = None,
    embeddings: np.ndarray | None = None,
    seed: int,
) -> np.ndarray:
    """The next ``n`` pool indices to send to the expert under ``strategy``.

    ``y_score`` (the current model's probabilities on the pool) is needed for
    ``"entropy"`` / ``"margin"``, ``embeddings`` for ``"k-center"``. Ties are broken at
    random (``seed``), so a model that cannot yet tell images apart (all probabilities
    equal) picks at random.

    Examples
    --------
    >>> select("entropy", 2, labeled=[0], y_score=np.array([0.5, 0.52, 0.99, 0.1]), seed=0).tolist()
    [1, 3]
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy {strategy!r}; choose from {STRATEGIES}.")
    size = len(y_score) if y_score is not None else (len(embeddings) if embeddings is not None else None)
    if size is None:
        raise ValueError("Pass y_score= (uncertainty strategies) or embeddings= (k-center) to define the pool.")
    gen = rng(seed)
    mask = np.ones(size, bool)
    mask[np.asarray(labeled, dtype=int)] = False
    pool = np.flatnonzero(mask)
    if n > pool.size:
        raise ValueError(f"Asked for {n} images but only {pool.size} are unlabelled.")
    if strategy == "random":
        return gen.choice(pool, n, replace=False)
    if strategy == "k-center":
        if embeddings is None:
            raise ValueError("k-center needs embeddings=... (N x D features of the pool).")
        return k_center_greedy(embeddings, labeled, n)
    if y_score is None:
        raise ValueError(f"{strategy} needs y_score=... (the current model's probabilities on the pool).")
    score = (entropy if strategy == "entropy" else margin)(y_score)[pool]
    order = np.lexsort((gen.random(pool.size), -np.round(score, 12)))  # highest score first, random ties
    return pool[order[:n]]


def _newton_logistic(
    X: np.ndarray, y: np.ndarray, C: float, max_iter: int = 50, tol: float = 1e-8
) -> tuple[np.ndarray, float]:
    """L2 logistic regression by Newton's method: minimise 0.5 |w|^2 + C * sum(log-loss), bias unpenalised.

    The objective of scikit-learn's ``LogisticRegression(C=C)``; with few labelled images and a
    few hundred features Newton converges in a handful of steps, far faster than a general solver.
    """
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    beta = np.zeros(d + 1)
    reg = np.r_[np.ones(d), 0.0] / C
    for _ in range(max_iter):
        z = A @ beta
        p = 1.0 / (1.0 + np.exp(-z))
        grad = A.T @ (p - y) + reg * beta
        W = p * (1 - p)
        H = (A * W[:, None]).T @ A + np.diag(reg + 1e-10)
        step = np.linalg.solve(H, grad)
        beta -= step
        if np.max(np.abs(step)) < tol:
            break
    return beta[:-1], float(beta[-1])


def logistic_learner(*, C: float = 1.0) -> Learner:
    """A learner for :func:`active_learning`: L2 logistic regression on embeddings (Newton's method).

    Same objective as scikit-learn's ``LogisticRegression(C=C)`` (the tests check the
    coefficients agree), about a hundred times faster for the small labelled sets of an
    active-learning loop. Returns ``fit(X, y) -> predict``, where ``predict(X)`` gives
    probabilities of the positive class. Before both classes have been labelled it
    predicts the labelled rate for every image (no model can rank yet).

    Examples
    --------
    >>> fit = logistic_learner()
    >>> predict = fit(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1]))
    >>> bool(predict(np.array([[3.0]]))[0] > 0.5)
    True
    """
    if not C > 0:
        raise ValueError(f"C (inverse regularisation strength) must be > 0, got {C!r}.")

    def fit(X: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        y = np.asarray(y).astype(float).ravel()
        if np.unique(y).size < 2:
            rate = float(y.mean()) if y.size else 0.5
            return lambda Z: np.full(len(Z), rate)
        w, b = _newton_logistic(np.asarray(X, dtype=float), y, C)
        return lambda Z: 1.0 / (1.0 + np.exp(-(np.asarray(Z, dtype=float) @ w + b)))

    return fit


@dataclass
class ActiveResult:
    """What :func:`active_learning` returns.

    Attributes
    ----------
    curve : DataFrame
        One row per round: ``n_labels``, ``auc`` (test), ``positives`` (labelled so far).
    order : numpy.ndarray
        Pool indices in the order the expert labelled them.
    strategy : str
    """

    curve: pd.DataFrame
    order: np.ndarray
    strategy: str

    def to_frame(self) -> pd.DataFrame:
        return self.curve.assign(strategy=self.strategy)


def active_learning(
    X_pool,
    y_pool,
    X_test,
    y_test,
    *,
    strategy: str,
    n_initial: int,
    batch_size: int,
    budget: int,
    seed: int,
    learner: Learner | None = None,
    expert: Callable[[np.ndarray], np.ndarray] | None = None,
) -> ActiveResult:
    """Simulate an annotation project: label ``n_initial`` random images, then batches chosen by ``strategy``.

    Parameters
    ----------
    X_pool, y_pool : arrays
        Unlabelled pool (N x D features) and its truth, which only the simulated expert reads.
    X_test, y_test : arrays
        Test set for the AUC after each round.
    strategy : {"entropy", "margin", "k-center", "random"}
    n_initial : int
        Random images labelled before the first model (the cold start).
    batch_size : int
        Images labelled per round.
    budget : int
        Total labels to buy (including the initial ones).
    seed : int
        Seeds the initial draw and tie-breaking.
    learner : callable, optional
        ``fit(X, y) -> predict``; default :func:`logistic_learner`.
    expert : callable, optional
        ``expert(indices) -> labels``; default answers from ``y_pool`` (a perfect expert).

    Returns
    -------
    ActiveResult

    Examples
    --------
    >>> g = np.random.default_rng(0)
    >>> X = g.normal(size=(300, 2)); y = (X[:, 0] > 0).astype(int)
    >>> res = active_learning(X[:200], y[:200], X[200:], y[200:], strategy="entropy", n_initial=10,
    ...                       batch_size=10, budget=40, seed=0)
    >>> res.curve["n_labels"].tolist(), bool(res.curve["auc"].iloc[-1] > 0.95)
    ([10, 20, 30, 40], True)
    """
    from sklearn.metrics import roc_auc_score

    check_seed(seed)
    Xp, Xt = np.asarray(X_pool, dtype=float), np.asarray(X_test, dtype=float)
    # soft or coded labels would be truncated by astype(int) (0.7 -> 0): refuse anything but 0/1
    yp, yt = check_labels(np.ravel(y_pool), "y_pool").astype(int), check_labels(np.ravel(y_test), "y_test").astype(int)
    if Xp.ndim != 2 or len(Xp) != len(yp) or Xt.ndim != 2 or len(Xt) != len(yt):
        raise ValueError("X_pool / X_test must be N x D with one label per row in y_pool / y_test.")
    for name, v in (("n_initial", n_initial), ("batch_size", batch_size), ("budget", budget)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive int, got {v!r}.")
    if budget < n_initial or budget > len(Xp):
        raise ValueError(f"budget={budget} must be between n_initial={n_initial} and the pool size {len(Xp)}.")
    if strategy not in STRATEGIES:
        raise ValueError(f"Unknown strategy {strategy!r}; choose from {STRATEGIES}.")
    learner = learner or logistic_learner()
    expert = expert or (lambda idx: yp[idx])
    gen = rng(seed)
    order = list(gen.choice(len(Xp), n_initial, replace=False))
    answers = list(expert(np.asarray(order)))
    rows = []
    round_seed = int(gen.integers(2**31))
    while True:
        predict = learner(Xp[order], np.asarray(answers))
        p_test = predict(Xt)
        auc = roc_auc_score(yt, p_test) if np.ptp(p_test) > 0 else 0.5
        rows.append({"n_labels": len(order), "auc": float(auc), "positives": int(np.sum(answers))})
        if len(order) >= budget:
            break
        n = min(batch_size, budget - len(order))
        score = predict(Xp) if strategy in ("entropy", "margin") else None
        new = select(strategy, n, labeled=order, y_score=score, embeddings=Xp, seed=round_seed + len(order))
        order += [int(i) for i in new]
        answers += list(expert(np.asarray(new)))
    return ActiveResult(pd.DataFrame(rows), np.asarray(order), strategy)


@renamed_arguments(by="groups")
def curve_summary(
    curves: pd.DataFrame, *, groups: Sequence[str] = ("strategy", "n_labels"), value: str = "auc", level: float = 0.95
) -> pd.DataFrame:
    """Mean of ``value`` over replicates (seeds) with a t interval, per group of the columns ``groups``.

    Examples
    --------
    >>> df = pd.DataFrame({"strategy": "random", "n_labels": 10, "auc": [0.6, 0.7, 0.8]})
    >>> s = curve_summary(df)
    >>> round(float(s["estimate"].iloc[0]), 3), int(s["n"].iloc[0])
    (0.7, 3)
    >>> curve_summary(df, groups=["strategy"]).index.tolist()  # one column: plain labels, not 1-tuples
    ['random']
    """

    missing = [c for c in [*groups, value] if c not in curves.columns]
    if missing:
        raise KeyError(f"curve_summary: no column(s) {missing}; the table has {list(curves.columns)}.")
    rows = {}
    for key, g in curves.groupby(list(groups), sort=True):
        if isinstance(key, tuple) and len(groups) == 1:  # pandas keys one grouping column by a 1-tuple
            key = key[0]
        rows[key] = t_interval(g[value].to_numpy(dtype=float), level=level).as_dict()
    out = pd.DataFrame.from_dict(rows, orient="index")
    out["n"] = out["n"].astype(int)  # a count of replicates
    out.index = pd.MultiIndex.from_tuples(out.index, names=list(groups)) if len(groups) > 1 else out.index
    return out
