"""Prior (label) shift: estimate the new prevalence without labels and correct the probabilities.

Under a pure prior shift the images of each class look as before
(p(x | y) is fixed) and only the prevalence moves. Two classic estimators use
that: black-box shift estimation (BBSE; Lipton, Wang & Smola 2018), which
inverts the validation confusion matrix of the model's hard decisions, and
Saerens, Latinne & Decaestecker's EM (2002), which re-weights the model's
probabilities until the prevalence they imply is stable. Both need a model
whose validation behaviour still holds: under covariate or concept drift
their answer is not a prevalence.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments
from radkit._validate import check_count, check_level, check_prevalence, check_scores, check_threshold
from radkit.metrics.calibration import _reweight, prior_correct
from radkit.stats import Estimate, percentile_interval

__all__ = ["bbse_prior", "em_prior", "adjust_probs", "estimate_prior", "weekly_prior"]


def _rates(y_val: np.ndarray, d_val: np.ndarray) -> tuple[float, float]:
    pos, neg = y_val == 1, y_val == 0
    if pos.sum() == 0 or neg.sum() == 0:
        raise ValueError(
            "y_val must contain both classes to measure the model's sensitivity and false-positive "
            "rate; use a labelled validation set with positives and negatives."
        )
    return float(d_val[pos].mean()), float(d_val[neg].mean())


def _bbse(tpr: np.ndarray | float, fpr: np.ndarray | float, rate: np.ndarray | float) -> np.ndarray:
    return np.clip((np.asarray(rate) - fpr) / (np.asarray(tpr) - fpr), 0.0, 1.0)


def _labels(y: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array of 0/1 labels, got shape {arr.shape}.")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{name} must contain only 0 and 1 (got {np.unique(arr)[:5].tolist()}...).")
    return arr.astype(int)


def bbse_prior(y_val: ArrayLike, pred_val: ArrayLike, pred_new: ArrayLike) -> float:
    """BBSE estimate of the new prevalence from hard decisions (binary case).

    With the validation confusion matrix ``C[i, j] = P(decision i, truth j)``
    and the new decision rates ``mu``, BBSE solves ``C w = mu`` and returns
    ``q = w * p_val``. For two classes this is
    ``q = (mean(pred_new) - FPR) / (TPR - FPR)``, clipped to [0, 1].

    Parameters
    ----------
    y_val, pred_val : array-like of 0/1
        Validation truth and the model's decisions on it.
    pred_new : array-like of 0/1
        Decisions on the unlabelled new sample.

    Examples
    --------
    >>> y_val = [1] * 10 + [0] * 90
    >>> pred_val = [1] * 8 + [0] * 2 + [1] * 9 + [0] * 81   # TPR 0.8, FPR 0.1
    >>> round(bbse_prior(y_val, pred_val, [1] * 31 + [0] * 69), 3)   # 0.1 + 0.7 q = 0.31
    0.3
    """
    y, d = _labels(y_val, "y_val"), _labels(pred_val, "pred_val")
    if y.shape != d.shape:
        raise ValueError(f"y_val ({y.size}) and pred_val ({d.size}) must pair case by case.")
    new = _labels(pred_new, "pred_new")
    tpr, fpr = _rates(y, d)
    if tpr - fpr <= 0:
        raise ValueError(
            f"the decisions do not separate the classes on validation (TPR {tpr:.3f} <= FPR {fpr:.3f}), "
            "so the confusion matrix cannot be inverted; use a better model or another threshold."
        )
    return float(_bbse(tpr, fpr, new.mean()))


def _em(p: np.ndarray, pi: float, *, tol: float = 1e-8, max_iter: int = 1000) -> np.ndarray:
    """Saerens' EM for each row of ``p`` (B x n); returns B prevalences."""
    q = np.full(p.shape[0], pi)
    for _ in range(max_iter):
        r = _reweight(p, pi, q[:, None])  # each row corrected to its own current guess
        q_new = r.mean(1)
        if np.max(np.abs(q_new - q)) < tol:
            return q_new
        q = q_new
    import warnings

    warnings.warn(
        f"EM prior estimate did not converge in max_iter={max_iter} steps (last change "
        f"{float(np.max(np.abs(r.mean(1) - q))):.2g} > tol={tol:g}); the estimate may be off. Raise max_iter, or "
        "check the probabilities: EM converges slowly when the new prevalence is near 0 or 1.",
        UserWarning,
        stacklevel=3,
    )
    return q


@renamed_arguments(p_new="y_score", train_prior="train_prevalence")
def em_prior(y_score: ArrayLike, train_prevalence: float, *, tol: float = 1e-8, max_iter: int = 1000) -> float:
    """Saerens-Latinne-Decaestecker EM estimate of the new prevalence.

    Alternates: correct each probability to the current prevalence guess
    (:func:`radkit.metrics.prior_correct`), then set the guess to their mean. Needs
    probabilities ``y_score`` on the new sample from a model calibrated on the
    training distribution (prevalence ``train_prevalence``).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(0)
    >>> y = g.random(20000) < 0.4                         # new prevalence 0.4
    >>> x = g.normal(np.where(y, 1.0, -1.0))              # log-likelihood ratio 2x
    >>> p = 1 / (1 + np.exp(-(2 * x + np.log(0.1 / 0.9))))  # calibrated at a prevalence of 0.1
    >>> abs(em_prior(p, 0.1) - 0.4) < 0.02
    True
    """
    p = check_scores(y_score, "y_score", probability=True)
    pi = check_prevalence(train_prevalence, "train_prevalence")
    if not (tol > 0 and np.isfinite(tol)):
        raise ValueError(f"tol must be a small positive number such as 1e-8, got {tol!r}.")
    max_iter = check_count(max_iter, "max_iter", hint="EM steps, e.g. 1000")
    return float(_em(p[None, :], pi, tol=tol, max_iter=max_iter)[0])


def adjust_probs(*args, **kwargs) -> np.ndarray:
    """Deprecated: call :func:`radkit.metrics.prior_correct` (the same correction).

    ``adjust_probs(p, train_prior, new_prior)`` is
    ``prior_correct(p, train_prevalence=train_prior, true_prevalence=new_prior)``; it keeps
    working for one release, with a ``FutureWarning``.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     adjust_probs([0.5], 0.1, 0.4).round(3).tolist()
    [0.857]
    """
    names = ("y_score", "train_prevalence", "true_prevalence")
    old = {"p": "y_score", "train_prior": "train_prevalence", "new_prior": "true_prevalence"}
    if len(args) > 3:
        raise TypeError(f"adjust_probs takes 3 arguments (p, train_prior, new_prior), got {len(args)}.")
    call = dict(zip(names, args))
    for key, value in kwargs.items():
        new = old.get(key, key)
        if new not in names or new in call:
            raise TypeError(f"adjust_probs() got an unexpected or repeated argument {key!r}.")
        call[new] = value
    missing = [n for n in names if n not in call]
    if missing:
        raise TypeError(
            f"adjust_probs() is missing {missing}; it is prior_correct(y_score, *, train_prevalence, true_prevalence)."
        )
    warnings.warn(
        "radkit.drift.adjust_probs(p, train_prior, new_prior) is deprecated: call "
        "radkit.metrics.prior_correct(y_score, train_prevalence=..., true_prevalence=...) "
        "(the same values).",
        FutureWarning,
        stacklevel=2,
    )
    return prior_correct(
        call["y_score"], train_prevalence=call["train_prevalence"], true_prevalence=call["true_prevalence"]
    )


@renamed_arguments(p_new="y_score")
def estimate_prior(
    y_score: ArrayLike,
    *,
    y_val: ArrayLike,
    p_val: ArrayLike,
    method: str = "bbse",
    threshold: float = 0.5,
    n_boot: int = 200,
    level: float = 0.95,
    seed: int,
) -> Estimate:
    """New prevalence with a bootstrap interval (the validation and the new sample both resampled).

    Parameters
    ----------
    y_score : array-like
        Model probabilities on the unlabelled new sample.
    y_val, p_val : array-like
        Labelled validation sample (the training distribution) and the model's probabilities on it.
    method : {"bbse", "em"}
        BBSE on decisions ``p >= threshold`` (a threshold near the validation
        prevalence balances sensitivity and specificity), or Saerens' EM with the
        validation prevalence as the training prior.
    n_boot, level, seed
        Bootstrap replicates, interval coverage, seed.

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(3)
    >>> def probs(y): return 1 / (1 + np.exp(-(np.where(y, 1.5, -1.5) + g.normal(size=y.size) - 1.0)))
    >>> y_val = (g.random(2000) < 0.2).astype(int)
    >>> est = estimate_prior(probs(g.random(1000) < 0.5), y_val=y_val, p_val=probs(y_val == 1), n_boot=100,
    ...                      seed=0)
    >>> est.low < 0.5 < est.high
    True
    """
    from radkit.seeding import check_seed, rng

    pn = check_scores(y_score, "y_score", probability=True)
    pv = check_scores(p_val, "p_val", probability=True)
    yv = _labels(y_val, "y_val")
    if yv.size != pv.size:
        raise ValueError(f"y_val ({yv.size}) and p_val ({pv.size}) must pair case by case.")
    if method not in ("bbse", "em"):
        raise ValueError(f"method={method!r} is unknown; use 'bbse' or 'em'.")
    lev = check_level(level)
    threshold = check_threshold(threshold, unit=True)
    n_boot = check_count(n_boot, "n_boot", minimum=0, hint="bootstrap replicates, e.g. 200 (0 for the estimate alone)")
    g = rng(check_seed(seed))
    iv = np.vstack([np.arange(yv.size), g.integers(0, yv.size, (n_boot, yv.size))])
    inew = np.vstack([np.arange(pn.size), g.integers(0, pn.size, (n_boot, pn.size))])
    yb, pvb, pnb = yv[iv], pv[iv], pn[inew]
    if method == "bbse":
        dv, dn = pvb >= threshold, pnb >= threshold
        npos = yb.sum(1)
        tpr = (dv & (yb == 1)).sum(1) / np.maximum(npos, 1)
        fpr = (dv & (yb == 0)).sum(1) / np.maximum(yb.shape[1] - npos, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = np.where(tpr - fpr > 0, _bbse(tpr, fpr, dn.mean(1)), np.nan)
        if not np.isfinite(q[0]):
            raise ValueError(
                "the decisions do not separate the classes on validation (TPR <= FPR); "
                "use a better model or another threshold."
            )
        label = "BBSE"
    else:
        pis = np.clip(yb.mean(1), 1e-6, 1 - 1e-6)
        q = np.array([_em(pnb[i][None, :], pis[i])[0] for i in range(pnb.shape[0])])
        label = "EM"
    low, high = percentile_interval(q[1:], level=lev)
    return Estimate(
        float(q[0]), low, high, level=lev, method=f"{label}, bootstrap percentile" if n_boot else label, n=int(pn.size)
    )


@renamed_arguments(p_new="y_score")
def weekly_prior(
    y_score: ArrayLike,
    week: ArrayLike,
    *,
    y_val: ArrayLike,
    p_val: ArrayLike,
    threshold: float,
    methods: tuple[str, ...] = ("bbse", "em"),
    n_boot: int = 200,
    level: float = 0.95,
    seed: int,
) -> pd.DataFrame:
    """Each week's prevalence estimated without labels, and the probabilities corrected to it.

    For every week, :func:`estimate_prior` with each of ``methods`` (seed
    ``seed + week``), and the week's mean probability before and after
    :func:`radkit.metrics.prior_correct` moves it from the validation prevalence to the first
    method's estimate.

    Parameters
    ----------
    y_score, week : array-like
        The model's probabilities on the deployed films and each film's week (integers).
    y_val, p_val, threshold, n_boot, level
        As in :func:`estimate_prior`.
    methods : tuple of {"bbse", "em"}
        The first one sets the correction.
    seed : int

    Returns
    -------
    pandas.DataFrame
        Indexed by week: ``n``, ``mean_prob``, ``mean_prob_adjusted`` and, per
        method, the estimate and its interval (``bbse``, ``bbse_low``, ``bbse_high`` ...).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.random.default_rng(3)
    >>> def probs(y): return 1 / (1 + np.exp(-(np.where(y, 1.5, -1.5) + g.normal(size=y.size) - 1.0)))
    >>> y_val = (g.random(2000) < 0.2).astype(int)
    >>> y_new = (g.random(600) < np.repeat([0.2, 0.5], 300)).astype(int)
    >>> t = weekly_prior(probs(y_new == 1), np.repeat([0, 1], 300), y_val=y_val, p_val=probs(y_val == 1),
    ...                  threshold=0.2, n_boot=50, seed=0)
    >>> bool(t.loc[1, "bbse"] > t.loc[0, "bbse"]), list(t.columns[:3])
    (True, ['n', 'mean_prob', 'mean_prob_adjusted'])
    """
    pn = check_scores(y_score, "y_score", probability=True)
    wk = np.asarray(week)
    if wk.shape != pn.shape:
        raise ValueError(f"week ({wk.shape}) must give one week per probability ({pn.shape}).")
    methods = tuple(methods)
    if not methods or any(m not in ("bbse", "em") for m in methods):
        raise ValueError(f"methods must be a non-empty tuple of 'bbse' and/or 'em', got {methods!r}.")
    prior_val = float(np.mean(_labels(y_val, "y_val")))
    rows = []
    for w in np.unique(wk):
        s = wk == w
        row: dict[str, float] = {"week": w, "n": int(s.sum()), "mean_prob": float(pn[s].mean())}
        for m in methods:
            e = estimate_prior(
                pn[s],
                y_val=y_val,
                p_val=p_val,
                method=m,
                threshold=threshold,
                n_boot=n_boot,
                level=level,
                seed=seed + int(w),
            )
            row.update({m: e.estimate, f"{m}_low": e.low, f"{m}_high": e.high})
        row["mean_prob_adjusted"] = float(
            prior_correct(pn[s], train_prevalence=prior_val, true_prevalence=row[methods[0]]).mean()
        )
        rows.append(row)
    out = pd.DataFrame(rows).set_index("week")
    return out[
        [
            "n",
            "mean_prob",
            "mean_prob_adjusted",
            *[c for c in out.columns if c not in ("n", "mean_prob", "mean_prob_adjusted")],
        ]
    ]
