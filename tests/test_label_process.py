"""Tests for radkit.label_process against closed forms and brute-force simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.proportion import proportion_confint

from radkit.label_process import adjudicate, compare_label_models, expected_kappa, label_quality, wilson_ci
from radkit.synth import simulate_readers


def _reads(y, *, sens, spec, seed):
    return simulate_readers(np.asarray(y), sens=sens, spec=spec, seed=seed).labels


def test_expected_kappa_matches_simulation():
    rng = np.random.default_rng(0)
    n, p, se, sp = 400_000, 0.05, 0.8, 0.97
    y = rng.random(n) < p
    a = np.where(y, rng.random(n) < se, rng.random(n) > sp)
    b = np.where(y, rng.random(n) < se, rng.random(n) > sp)
    assert expected_kappa(se, sp, p) == pytest.approx(cohen_kappa_score(a, b), abs=0.01)


def test_expected_kappa_falls_with_prevalence_and_validates():
    k = expected_kappa(0.8, 0.98, [0.3, 0.1, 0.01])
    assert np.all(np.diff(k) < 0)
    assert expected_kappa(1, 1, 0.5) == 1
    with pytest.raises(ValueError, match="sens"):
        expected_kappa(1.2, 0.9, 0.1)


def test_wilson_matches_statsmodels():
    lo, hi = wilson_ci(np.array([0, 7, 30]), np.array([10, 10, 30]))
    ref = np.array([proportion_confint(k, n, method="wilson") for k, n in [(0, 10), (7, 10), (30, 30)]])
    np.testing.assert_allclose(lo, ref[:, 0], atol=1e-10)
    np.testing.assert_allclose(hi, ref[:, 1], atol=1e-10)
    with pytest.raises(ValueError):
        wilson_ci(11, 10)


def test_label_quality_counts():
    q = label_quality([1, 1, 1, 0, 0, 0, 0], [1, 1, 0, 1, 0, 0, 0])
    assert q.loc["sens", ["k", "n"]].tolist() == [2, 3]
    assert q.loc["ppv", ["k", "n"]].tolist() == [2, 3]
    assert q.loc["spec", "estimate"] == pytest.approx(0.75)
    assert (q.low <= q.estimate).all() and (q.estimate <= q.high).all()
    with pytest.raises(ValueError, match="0/1"):
        label_quality([0, 2], [0, 1])
    with pytest.raises(ValueError, match="length"):
        label_quality([0, 1], [0, 1, 1])


def test_compare_label_models_ds_beats_majority_with_unequal_readers():
    y = (np.random.default_rng(3).random(3000) < 0.2).astype(int)
    t = _reads(y, sens=[0.95, 0.65, 0.6], spec=[0.97, 0.7, 0.65], seed=4)
    res = compare_label_models(t, y, seed=0)
    assert res.loc["Dawid-Skene", "accuracy"] > res.loc["majority vote", "accuracy"] + 0.02
    X = pd.DataFrame({"signal": y + np.random.default_rng(5).normal(0, 0.7, len(y))})
    assert "Raykar" in compare_label_models(t, y, X=X, seed=0).index
    with pytest.raises(ValueError, match="Series"):
        compare_label_models(t.assign(item=t["item"].astype(str)), y, seed=0)


def test_adjudicate_only_disagreements_reach_the_expert():
    y = (np.random.default_rng(6).random(5000) < 0.3).astype(int)
    t = _reads(y, sens=[0.8, 0.7, 0.7], spec=[0.9, 0.8, 0.8], seed=7)
    res = adjudicate(t, y, expert_sens=1.0, expert_spec=1.0, seed=8)
    w = t.pivot(index="item", columns="reader", values="label")
    disagree = (w.min(axis=1) != w.max(axis=1)).to_numpy()
    np.testing.assert_array_equal(res.flagged.to_numpy(), disagree)
    assert res.n_expert_reads == disagree.sum()
    assert (res.labels.to_numpy()[disagree] == y[disagree]).all()  # perfect expert fixes all flagged
    np.testing.assert_array_equal(res.labels.to_numpy()[~disagree], w.to_numpy()[~disagree, 0])
    assert res.reads_per_item == pytest.approx(3 + disagree.mean())
    with pytest.raises(ValueError, match="expert_sens"):
        adjudicate(t, y, expert_sens=1.5, expert_spec=1.0, seed=0)


def test_wilson_interval_contains_the_estimate_at_zero_and_all():
    """At k = 0 or k = n rounding must not put a bound on the wrong side of k / n (a negative error bar)."""
    import numpy as np

    from radkit.label_process import wilson_ci

    for n in range(1, 400):
        k = np.arange(n + 1)
        lo, hi = wilson_ci(k, np.full_like(k, n))
        assert (k / n - lo >= 0).all() and (hi - k / n >= 0).all(), n
