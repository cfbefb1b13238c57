"""Every method of the lesson as one object: fit on embeddings, then scikit-learn's verbs.

A *method* combines a head (logistic regression on the embeddings, or on a
small PCA of them) with a fix for imbalance: none, class weights, a sampler of
imbalanced-learn, a balanced bagging ensemble, or a one-class model trained on
normals only. :func:`fit_method` returns a :class:`FittedMethod` that knows the
prevalence it was effectively trained at, so its probabilities can be
prior-corrected (:func:`radkit.imbalance.prior_correct`). Like a scikit-learn
classifier, ``predict`` gives 0/1 labels and ``predict_proba`` an (n, 2) array of
probabilities; ``decision_function`` gives one score per row for every method,
the one-class model included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from radkit.imbalance.resample import SAMPLERS, _check_xy, make_sampler
from radkit.seeding import check_seed

__all__ = ["METHODS", "HEADS", "FittedMethod", "fit_method"]

#: Method name -> level and what it does.
METHODS: dict[str, str] = {
    "plain": "no fix: the sum of the losses over all cases",
    "class weights": "algorithm: each class weighs the same in the loss (sklearn class_weight='balanced')",
    **{name: "data: " + what for name, what in SAMPLERS.items()},
    "balanced bagging": "algorithm: 10 heads, each on a balanced bootstrap (imblearn BalancedBaggingClassifier)",
    "one-class": "algorithm: IsolationForest on normals only; abnormal = unusual (a score, not a probability)",
}
#: Head name -> description. "small" is logistic regression on 8 principal components, "large" on all features.
HEADS: dict[str, str] = {
    "large": "logistic regression on all embedding dimensions",
    "small": "logistic regression on the first 8 principal components",
}


@dataclass
class FittedMethod:
    """A fitted method, with scikit-learn's verbs.

    - ``predict_proba(X)``: probabilities, shape (n, 2) (column 1: the finding), as
      scikit-learn gives them; the one-class model has none and raises.
    - ``predict(X)``: 0/1 labels (probability >= 0.5; for one-class, IsolationForest's
      outliers are called 1).
    - ``decision_function(X)``: one score per row, higher = more likely abnormal: the
      probability of the finding for the probability methods, the unusualness
      (``-score_samples``) for one-class. Use it where every method must give a score (AUC).

    Attributes
    ----------
    name, head : str
    train_prevalence : float
        Share of positives the head was effectively trained at (0.5 after balancing; NaN for one-class).
    is_probability : bool
        False for one-class, whose scores are not probabilities.
    """

    name: str
    head: str
    model: Any
    reduce: Any
    train_prevalence: float
    is_probability: bool

    def _z(self, X) -> np.ndarray:
        return self.reduce.transform(np.asarray(X, dtype=np.float64))

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities of shape (n, 2): ``[:, 1]`` is P(finding)."""
        if not self.is_probability:
            raise ValueError(
                f"method {self.name!r} gives a score, not a probability: use "
                "decision_function(X) for its scores, or predict(X) for 0/1 labels."
            )
        return self.model.predict_proba(self._z(X))

    def decision_function(self, X) -> np.ndarray:
        """One score per row, higher = more likely abnormal (a probability unless one-class)."""
        if self.is_probability:
            return self.model.predict_proba(self._z(X))[:, 1]
        return -self.model.score_samples(self._z(X))  # higher = more unusual = more likely abnormal

    def predict(self, X) -> np.ndarray:
        """0/1 labels: probability >= 0.5, or for one-class the cases IsolationForest calls outliers."""
        if self.is_probability:
            return (self.predict_proba(X)[:, 1] >= 0.5).astype(np.int64)
        return (self.model.predict(self._z(X)) == -1).astype(np.int64)


def _reducer(head: str, X: np.ndarray) -> Any:
    from sklearn.decomposition import PCA
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if head == "large":
        return StandardScaler().fit(X)
    return make_pipeline(StandardScaler(), PCA(n_components=min(8, X.shape[1]), random_state=0)).fit(X)


def fit_method(name: str, X, y, *, head: str = "large", k_neighbors: int = 5, seed: int) -> FittedMethod:
    """Fit one method of :data:`METHODS` with one head of :data:`HEADS` on embeddings ``X`` and 0/1 labels ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> X = np.r_[g.normal(0, 1, (90, 4)), g.normal(2, 1, (10, 4))]; y = np.r_[[0] * 90, [1] * 10]
    >>> m = fit_method("SMOTE", X, y, seed=0)
    >>> m.train_prevalence, m.predict_proba(X[:2]).shape, m.predict(X[:2]).tolist()
    (0.5, (2, 2), [0, 0])
    """
    from imblearn.ensemble import BalancedBaggingClassifier
    from sklearn.ensemble import IsolationForest
    from sklearn.linear_model import LogisticRegression

    if name not in METHODS:
        raise ValueError(f"Unknown method {name!r}. Valid: {', '.join(METHODS)}.")
    if head not in HEADS:
        raise ValueError(f"Unknown head {head!r}. Valid: {', '.join(HEADS)}.")
    seed = check_seed(seed)
    X, y = _check_xy(X, y, method=name, k_neighbors=k_neighbors)
    if set(np.unique(y).tolist()) != {0, 1}:
        raise ValueError(f"y must be 0/1 (one finding), got classes {np.unique(y).tolist()}.")
    y = y.astype(np.int64)
    reduce = _reducer(head, X)
    Z = reduce.transform(X)
    lr = LogisticRegression(max_iter=2000)
    if name == "one-class":
        model = IsolationForest(n_estimators=100, random_state=seed).fit(Z[y == 0])
        return FittedMethod(name, head, model, reduce, np.nan, False)
    if name == "plain":
        return FittedMethod(name, head, lr.fit(Z, y), reduce, float(y.mean()), True)
    if name == "class weights":
        return FittedMethod(
            name, head, LogisticRegression(max_iter=2000, class_weight="balanced").fit(Z, y), reduce, 0.5, True
        )
    if name == "balanced bagging":
        model = BalancedBaggingClassifier(estimator=lr, n_estimators=10, random_state=seed).fit(Z, y)
        return FittedMethod(name, head, model, reduce, 0.5, True)
    Z_res, y_res = make_sampler(name, k_neighbors=k_neighbors, seed=seed).fit_resample(Z, y)
    return FittedMethod(name, head, lr.fit(Z_res, y_res), reduce, float(np.mean(y_res)), True)
