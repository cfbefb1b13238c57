"""Active learning: acquisition functions on known probabilities, k-center vs brute force, the loop."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from radkit.annotation import (
    active_learning,
    curve_summary,
    entropy,
    k_center_greedy,
    logistic_learner,
    margin,
    select,
)
from radkit.annotation.active import _newton_logistic


def test_entropy_closed_form():
    p = np.array([0.5, 0.25, 0.0, 1.0])
    want = [1.0, -(0.25 * np.log2(0.25) + 0.75 * np.log2(0.75)), 0.0, 0.0]
    assert np.allclose(entropy(p), want)
    assert np.allclose(entropy(np.array([[1 / 3] * 3])), np.log2(3))


def test_margin_and_entropy_rank_binary_alike_but_not_multiclass():
    p = np.random.default_rng(0).random(50)
    assert (np.argsort(-entropy(p), kind="stable") == np.argsort(-margin(p), kind="stable")).all()
    q = np.array([[0.5, 0.5, 0.0], [0.4, 0.3, 0.3]])
    assert margin(q)[0] > margin(q)[1] and entropy(q)[0] < entropy(q)[1]


def test_select_entropy_picks_least_certain_unlabelled():
    prob = np.array([0.5, 0.49, 0.9, 0.05, 0.6, 0.3])
    assert set(select("entropy", 3, labeled=[0], y_score=prob, seed=0)) == {1, 4, 5}


def _brute_k_center(x, labeled, n):
    """Exhaustive greedy: at each step try every candidate, keep the one farthest from the chosen set."""
    chosen, picks = list(labeled), []
    for _ in range(n):
        best, best_d = None, -1.0
        for c in range(len(x)):
            if c in chosen:
                continue
            dist = min(np.linalg.norm(x[c] - x[j]) for j in chosen)
            if dist > best_d:
                best, best_d = c, dist
        chosen.append(best)
        picks.append(best)
    return picks


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_k_center_matches_brute_force(seed):
    x = np.random.default_rng(seed).normal(size=(40, 3))
    assert k_center_greedy(x, [0, 5], 6).tolist() == _brute_k_center(x, [0, 5], 6)


def test_k_center_minimises_covering_radius_reasonably():
    # greedy is a 2-approximation of the optimal k-center radius: check against exhaustive search
    x = np.random.default_rng(4).normal(size=(12, 2))
    picks = [0, *k_center_greedy(x, [0], 3).tolist()]
    radius = lambda c: max(min(np.linalg.norm(p - x[j]) for j in c) for p in x)
    best = min(radius([0, *c]) for c in itertools.combinations(range(1, 12), 3))
    assert radius(picks) <= 2 * best + 1e-12


def test_newton_logistic_equals_sklearn():
    g = np.random.default_rng(0)
    X = g.normal(size=(150, 20))
    y = (X[:, 0] + g.normal(size=150) > 0.5).astype(float)
    w, b = _newton_logistic(X, y, C=0.5)
    ref = LogisticRegression(C=0.5, tol=1e-10, max_iter=10_000).fit(X, y)
    assert np.allclose(w, ref.coef_[0], atol=1e-5) and b == pytest.approx(ref.intercept_[0], abs=1e-5)


def test_learner_before_both_classes_predicts_the_rate():
    predict = logistic_learner()(np.zeros((3, 2)), np.array([0, 0, 0]))
    assert predict(np.ones((4, 2))).tolist() == [0.0] * 4


def _blobs(seed=0, n=600):
    g = np.random.default_rng(seed)
    y = (g.random(n) < 0.15).astype(int)
    X = g.normal(size=(n, 5)) + 1.5 * y[:, None] * np.array([1, 1, 0, 0, 0])
    return X[:400], y[:400], X[400:], y[400:]


def test_loop_spends_the_budget_and_records_each_round():
    Xp, yp, Xt, yt = _blobs()
    res = active_learning(Xp, yp, Xt, yt, strategy="k-center", n_initial=10, batch_size=15, budget=55, seed=0)
    assert res.curve["n_labels"].tolist() == [10, 25, 40, 55]
    assert len(set(res.order.tolist())) == 55
    assert res.curve["positives"].iloc[-1] == yp[res.order].sum()
    again = active_learning(Xp, yp, Xt, yt, strategy="k-center", n_initial=10, batch_size=15, budget=55, seed=0)
    assert (again.order == res.order).all()


def test_uncertainty_sampling_finds_more_positives_than_random():
    # in a rare-positive pool, the uncertain images sit near the boundary, where positives are enriched
    found = {s: [] for s in ("entropy", "random")}
    for seed in range(8):
        Xp, yp, Xt, yt = _blobs(seed)
        for s in found:
            r = active_learning(Xp, yp, Xt, yt, strategy=s, n_initial=20, batch_size=20, budget=120, seed=seed)
            found[s].append(r.curve["positives"].iloc[-1])
    assert np.mean(found["entropy"]) > 1.3 * np.mean(found["random"])


def test_expert_is_called_with_the_chosen_images():
    Xp, yp, Xt, yt = _blobs()
    asked = []

    def expert(idx):
        asked.extend(idx.tolist())
        return yp[idx]

    res = active_learning(
        Xp, yp, Xt, yt, strategy="random", n_initial=5, batch_size=5, budget=20, seed=1, expert=expert
    )
    assert asked == res.order.tolist()


def test_bad_inputs():
    Xp, yp, Xt, yt = _blobs()
    with pytest.raises(ValueError, match="Unknown strategy"):
        active_learning(Xp, yp, Xt, yt, strategy="smart", n_initial=5, batch_size=5, budget=20, seed=0)
    with pytest.raises(ValueError, match="budget"):
        active_learning(Xp, yp, Xt, yt, strategy="random", n_initial=5, batch_size=5, budget=2, seed=0)
    with pytest.raises(ValueError, match="probabilities"):
        entropy(np.array([1.5]))
    with pytest.raises(ValueError, match="needs y_score"):
        select("margin", 2, labeled=[], embeddings=Xp, seed=0)
    with pytest.raises(ValueError, match="unlabelled"):
        k_center_greedy(Xp[:5], [0, 1], 4)


def test_curve_summary_t_interval():
    from scipy import stats

    v = np.array([0.6, 0.7, 0.8, 0.75])
    s = curve_summary(pd.DataFrame({"strategy": "a", "n_labels": 10, "auc": v}))
    half = stats.t.ppf(0.975, 3) * v.std(ddof=1) / 2
    assert s["low"].iloc[0] == pytest.approx(v.mean() - half)
