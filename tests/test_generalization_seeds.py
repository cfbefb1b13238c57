"""radkit.generalization.compare_over_seeds: paired comparison of training methods over seeds."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps
from sklearn.metrics import roc_auc_score

import radkit.generalization as G

Y = np.array([0, 1] * 60)
EXTERNAL, INTERNAL = np.arange(80), np.arange(80, 120)


def noisy(signal: float):
    """A stand-in 'training run': the seed draws the noise, the signal sets how good it is."""
    return lambda seed: Y * signal + np.random.default_rng(seed).normal(size=Y.size)


def test_matches_per_seed_sklearn_auc_and_scipy_paired_t_interval():
    seeds = [3, 5, 8, 13]
    c = G.compare_over_seeds(
        {"plain": noisy(0.6), "better": noisy(1.5)}, Y, seeds=seeds, external=EXTERNAL, internal=INTERNAL
    )
    auc = {
        m: np.array([roc_auc_score(Y[EXTERNAL], noisy(s_)(s)[EXTERNAL]) for s in seeds])
        for m, s_ in (("plain", 0.6), ("better", 1.5))
    }
    per = c.per_seed.set_index(["method", "seed"])["external"]
    assert per.loc["better"].to_numpy() == pytest.approx(auc["better"])
    ref = sps.ttest_rel(auc["better"], auc["plain"]).confidence_interval(0.95)
    p = c.paired["better"]
    assert p.estimate == pytest.approx((auc["better"] - auc["plain"]).mean())
    assert (p.low, p.high) == pytest.approx((ref.low, ref.high))
    assert p.n == 4 and p.method == "paired t over seeds"
    one = sps.ttest_1samp(auc["plain"], 0).confidence_interval(0.95)
    assert c.external["plain"].ci == pytest.approx((one.low, one.high))
    assert set(c.drop) == {"plain", "better"}
    assert list(c.to_frame().index) == [
        "plain: external AUC",
        "better: external AUC",
        "better - plain: external AUC",
        "plain: internal - external",
        "better: internal - external",
    ]


def test_paired_interval_is_narrower_than_unpaired_when_seed_noise_is_shared():
    # both methods see the same seed-driven noise: pairing cancels it
    c = G.compare_over_seeds({"plain": noisy(1.0), "same": noisy(1.0)}, Y, seeds=[1, 2, 3], external=EXTERNAL)
    assert c.paired["same"].estimate == 0 and c.paired["same"].width == 0
    assert c.external["plain"].width > 0


def test_is_deterministic_and_calls_each_method_once_per_seed():
    calls = []

    def fn(seed):
        calls.append(seed)
        return noisy(1.0)(seed)

    a = G.compare_over_seeds({"a": fn, "b": noisy(0.5)}, Y, seeds=[7, 9], external=EXTERNAL)
    b = G.compare_over_seeds({"a": fn, "b": noisy(0.5)}, Y, seeds=[7, 9], external=EXTERNAL)
    assert calls == [7, 9, 7, 9]
    assert a.to_frame().equals(b.to_frame())


def test_bad_input():
    fns = {"plain": noisy(1.0), "other": noisy(1.0)}
    with pytest.raises(ValueError, match="at least two distinct seeds"):
        G.compare_over_seeds(fns, Y, seeds=[1], external=EXTERNAL)
    with pytest.raises(ValueError, match="at least two distinct seeds"):
        G.compare_over_seeds(fns, Y, seeds=[1, 1], external=EXTERNAL)
    with pytest.raises(ValueError, match="reference='dann' is not one of"):
        G.compare_over_seeds(fns, Y, seeds=[1, 2], external=EXTERNAL, reference="dann")
    with pytest.raises(ValueError, match="empty"):
        G.compare_over_seeds({}, Y, seeds=[1, 2], external=EXTERNAL)
    with pytest.raises(ValueError, match="only one class"):
        G.compare_over_seeds(fns, Y, seeds=[1, 2], external=np.arange(0, 80, 2))
    with pytest.raises(ValueError, match="row positions"):
        G.compare_over_seeds(fns, Y, seeds=[1, 2], external=[0, 500])
    with pytest.raises(ValueError, match="returned 3 scores for 120"):
        G.compare_over_seeds({"plain": lambda s: np.zeros(3)}, Y, seeds=[1, 2], external=EXTERNAL)
    with pytest.raises(ValueError, match="NaN"):
        G.compare_over_seeds({"plain": lambda s: np.full(Y.size, np.nan)}, Y, seeds=[1, 2], external=EXTERNAL)


def test_auc_gap_interval_is_delong_se_at_any_level():
    from scipy.stats import norm

    from radkit.metrics import delong_auc

    g = np.random.default_rng(1)
    yi, ye = g.integers(0, 2, 200), g.integers(0, 2, 100)
    si, se = yi + g.normal(0, 1.5, 200), ye + g.normal(0, 0.3, 100)
    gap = G.auc_gap(yi, si, ye, se, level=0.9)
    z = norm.ppf(0.95)
    for est, (y, s) in ((gap.internal, (yi, si)), (gap.external, (ye, se))):
        r = delong_auc(y, s)
        assert est.ci == pytest.approx((max(0.0, r.auc - z * r.se), min(1.0, r.auc + z * r.se)))
        assert est.level == 0.9
