"""Retraining policies over a deployment timeline: never, periodic, on alarm.

"Retraining" here is the cheapest update that answers all three drifts at the
output: refitting the model's last step on freshly labelled recent images
(logistic recalibration of its logit, Platt 1999). It moves the operating
point and the calibration back; it cannot repair a ranking the backbone has
lost (the AUC), which needs fine-tuning the network. Performance is the
weekly Brier score on all of a week's images (lower is better); the cost is
the number of labels bought.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.special import expit

from radkit._compat import renamed_arguments
from radkit._validate import check_level, check_scores
from radkit.drift.monitor import _one

__all__ = ["PolicyResult", "simulate_policy", "POLICIES"]

POLICIES = ("never", "periodic", "alarm")


@dataclass(frozen=True)
class PolicyResult:
    """What a retraining policy did over a timeline.

    Attributes
    ----------
    policy : str
    weekly : DataFrame
        Per week: ``brier`` (all images), ``retrained`` (an update took effect
        after this week), ``labels`` (bought this week).
    """

    policy: str
    weekly: pd.DataFrame

    @property
    def retrains(self) -> int:
        return int(self.weekly["retrained"].sum())

    @property
    def labels(self) -> int:
        return int(self.weekly["labels"].sum())

    @property
    def mean_brier(self) -> float:
        return float(self.weekly["brier"].mean())

    def to_frame(self) -> pd.DataFrame:
        """One row: policy, mean weekly Brier score, retrains, labels bought."""
        return pd.DataFrame(
            [{"policy": self.policy, "mean_brier": self.mean_brier, "retrains": self.retrains, "labels": self.labels}]
        ).set_index("policy")


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(q / (1 - q))


def _refit(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    from sklearn.linear_model import LogisticRegression

    if y.min() == y.max():  # one class only: keep the slope, move the intercept to the observed rate
        rate = np.clip(y.mean(), 0.5 / y.size, 1 - 0.5 / y.size)
        return 1.0, float(np.log(rate / (1 - rate)) - np.mean(z))
    lr = LogisticRegression(C=1e4, max_iter=1000).fit(z[:, None], y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


@renamed_arguments(y_prob="y_score")
def simulate_policy(
    y_true: ArrayLike,
    y_score: ArrayLike,
    week: ArrayLike,
    *,
    policy: str,
    n_retrain: int = 200,
    period: int = 8,
    k: int = 50,
    level: float = 0.99,
    seed: int,
) -> PolicyResult:
    """Run one retraining policy over a timeline.

    Parameters
    ----------
    y_true, y_score, week : array-like
        Labels under the rule of each week, the deployed model's probabilities, the week of each image.
    policy : {"never", "periodic", "alarm"}
        ``never``: the model as deployed. ``periodic``: every ``period`` weeks,
        buy ``n_retrain`` labels from that week and refit. ``alarm``: buy ``k``
        labels a week to monitor the observed-minus-expected positive rate of
        the current model; when its ``level`` interval excludes 0, buy
        ``n_retrain`` labels and refit (monitor labels are reused).
    n_retrain, period, k, level, seed
        As above; ``seed`` drives which images are labelled.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> week = np.repeat(np.arange(6), 300)
    >>> p = g.random(week.size) * 0.5                            # the model says <= 0.5 ...
    >>> y = (g.random(week.size) < np.where(week < 2, p, 0.9)).astype(int)  # ... but from week 2, 90% are ill
    >>> never = simulate_policy(y, p, week, policy="never", seed=0)
    >>> alarm = simulate_policy(y, p, week, policy="alarm", k=40, seed=0)
    >>> alarm.mean_brier < never.mean_brier, alarm.retrains >= 1
    (True, True)
    """
    from radkit.seeding import check_seed, rng

    if policy not in POLICIES:
        raise ValueError(f"policy={policy!r} is unknown; use one of {POLICIES}.")
    p = check_scores(y_score, "y_score", probability=True)
    y = np.asarray(y_true).astype(int)
    w = np.asarray(week)
    if y.shape != p.shape or w.shape != p.shape:
        raise ValueError("y_true, y_score and week must have one entry per image.")
    for name, v, lo in (("n_retrain", n_retrain, 2), ("period", period, 1), ("k", k, 2)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
            raise ValueError(f"{name} must be a whole number >= {lo}, got {v!r}.")
    lev = check_level(level)
    g = rng(check_seed(seed))
    z = _logit(p)
    a, b = 1.0, 0.0  # current update: p' = sigmoid(a z + b)
    rows = []
    for t, wk in enumerate(np.unique(w)):
        idx = np.flatnonzero(w == wk)
        q = expit(a * z[idx] + b)  # no overflow warning for very confident films
        brier = float(np.mean((q - y[idx]) ** 2))
        bought, retrain, labelled = 0, False, np.array([], int)
        if policy == "alarm":
            labelled = g.choice(idx, size=min(k, idx.size), replace=False)
            bought = labelled.size
            e = _one("oe", y[labelled].astype(float), expit(a * z[labelled] + b), lev)
            retrain = bool(e.low > 0 or e.high < 0)
        elif policy == "periodic":
            retrain = (t + 1) % period == 0
        if retrain:
            extra = np.setdiff1d(idx, labelled)
            more = g.choice(extra, size=min(max(n_retrain - labelled.size, 0), extra.size), replace=False)
            fit_rows = np.r_[labelled, more].astype(int)
            bought += more.size
            a, b = _refit(z[fit_rows], y[fit_rows])
        rows.append({"week": int(wk), "brier": brier, "retrained": retrain, "labels": int(bought)})
    return PolicyResult(policy, pd.DataFrame(rows).set_index("week"))
