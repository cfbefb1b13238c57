"""radkit.costs: closed forms, brute force, hand-worked tables, and clear errors."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
import torch
from scipy.stats import beta

from radkit import costs
from radkit.costs import CostMatrix
from radkit.metrics import cost_curve, threshold_for_sensitivity


@pytest.fixture
def rng():
    return np.random.default_rng(123)


def _random_probs(rng, n, k):
    return rng.dirichlet(np.ones(k), size=n)


# ----------------------------------------------------------------------------- matrix and p*


def test_p_star_for_1_and_9_is_exactly_a_tenth():
    assert costs.bayes_threshold(CostMatrix.binary(cost_fp=1, cost_fn=9)) == 0.1


@pytest.mark.parametrize(("c_fp", "c_fn"), [(1, 1), (1, 4), (3, 2), (0.5, 20)])
def test_p_star_closed_form_and_diagonal_costs(c_fp, c_fn):
    assert costs.bayes_threshold(CostMatrix.binary(cost_fp=c_fp, cost_fn=c_fn)) == pytest.approx(c_fp / (c_fp + c_fn))
    # costs on the diagonal only matter through the differences C01 - C00 and C10 - C11
    c = CostMatrix.from_array([[0.5, 0.5 + c_fp], [c_fn + 2, 2]], classes=["-", "+"], allow_diagonal=True)
    assert costs.bayes_threshold(c) == pytest.approx(c_fp / (c_fp + c_fn))


def test_bayes_threshold_equals_binary_bayes_decision(rng):
    c = CostMatrix.binary(cost_fp=2, cost_fn=7)
    p = rng.random(2_000)
    decided = costs.bayes_decision(np.c_[1 - p, p], c)
    np.testing.assert_array_equal(decided, (p >= costs.bayes_threshold(c)).astype(int))


@pytest.mark.parametrize("k", [2, 3, 4])
def test_bayes_decision_is_brute_force_minimum(rng, k):
    values = rng.integers(0, 10, (k, k)).astype(float)
    np.fill_diagonal(values, 0)
    values[0, 1] = max(values[0, 1], 1)
    c = CostMatrix.from_array(values, classes=[f"c{i}" for i in range(k)])
    p = _random_probs(rng, 300, k)
    got = costs.bayes_decision(p, c)
    for n in range(p.shape[0]):
        risks = [sum(p[n, i] * values[i, j] for i in range(k)) for j in range(k)]
        assert risks[got[n]] == pytest.approx(min(risks))


def test_bayes_rule_minimizes_expected_cost_over_all_decision_rules(rng):
    """Exhaustive: among all 3^6 ways to call six cases, none beats the Bayes decision in expectation."""
    c = costs.TRIAGE_COST
    p = _random_probs(rng, 6, 3)
    risk = p @ c.values  # expected cost of each call for each case
    bayes = risk[np.arange(6), costs.bayes_decision(p, c)].sum()
    best = min(risk[np.arange(6), list(calls)].sum() for calls in itertools.product(range(3), repeat=6))
    assert bayes == pytest.approx(best)


def test_expected_cost_by_hand():
    # tiny table: TN 3, FP 2, FN 1, TP 4 -> (2 * 1 + 1 * 9) / 10
    y_true = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    y_pred = [0, 0, 0, 1, 1, 0, 1, 1, 1, 1]
    assert costs.expected_cost(y_true, y_pred, CostMatrix.binary(cost_fp=1, cost_fn=9)) == pytest.approx(1.1)
    # three classes: one urgent called normal (50), one normal called routine (0.5), two right
    assert costs.expected_cost([2, 0, 1, 0], [0, 1, 1, 0], costs.TRIAGE_COST) == pytest.approx(50.5 / 4)


def test_confusion_matrix_matches_sklearn(rng):
    from sklearn.metrics import confusion_matrix

    t, p = rng.integers(0, 3, 500), rng.integers(0, 3, 500)
    np.testing.assert_array_equal(costs.confusion_matrix(t, p, k=3), confusion_matrix(t, p, labels=[0, 1, 2]))


def test_cost_by_threshold_matches_direct_count_and_cost_curve(rng):
    y = (rng.random(400) < 0.2).astype(int)
    s = np.clip(rng.normal(0.3 + 0.3 * y, 0.2), 0, 1)
    c = CostMatrix.binary(cost_fp=1, cost_fn=4)
    ts = np.array([0.1, 0.25, 0.5, 0.8])
    table = costs.cost_by_threshold(y, s, c, thresholds=ts)
    for t, got in zip(ts, table["expected_cost"], strict=True):
        assert got == pytest.approx(costs.expected_cost(y, (s >= t).astype(int), c))
    # the cheapest threshold's cost equals the cost curve's envelope at the same pc (Drummond & Holte)
    p = y.mean()
    pc = p * 4 / (p * 4 + (1 - p))
    cc = cost_curve(y, s, n_points=2001)
    nec = cc.envelope[np.argmin(np.abs(cc.pc - pc))]
    fine = costs.cost_by_threshold(y, s, c, thresholds=np.r_[np.unique(s), np.inf])
    normaliser = p * 4 + (1 - p) * 1
    assert fine["expected_cost"].min() / normaliser == pytest.approx(nec, abs=2e-3)


# ----------------------------------------------------------------------------- prior shift


def test_shift_threshold_known_case():
    # equal costs, trained at 50%, deployed at 10%: posterior odds drop 9-fold, so p must reach 0.9
    assert costs.shift_threshold(0.5, train_prevalence=0.5, deploy_prevalence=0.1) == pytest.approx(0.9)
    assert costs.shift_threshold(0.1, train_prevalence=0.2, deploy_prevalence=0.2) == pytest.approx(0.1)


def test_shift_threshold_agrees_with_shifted_probabilities(rng):
    p = rng.random(1_000)
    t = costs.shift_threshold(0.1, train_prevalence=0.3, deploy_prevalence=0.05)
    q = costs.shift_probabilities(np.c_[1 - p, p], train_prevalence=[0.7, 0.3], deploy_prevalence=[0.95, 0.05])
    np.testing.assert_array_equal(p >= t, q[:, 1] >= 0.1)


def test_shift_probabilities_is_bayes_on_a_known_mixture():
    # classes with likelihoods N(0,1) and N(2,1): the posterior at any prior is known in closed form
    from scipy.stats import norm

    x = np.linspace(-2, 4, 13)

    def posterior(prior):
        a, b = (1 - prior) * norm.pdf(x), prior * norm.pdf(x, 2)
        return b / (a + b)

    p_train = posterior(0.5)
    q = costs.shift_probabilities(
        np.c_[1 - p_train, p_train], train_prevalence=[0.5, 0.5], deploy_prevalence=[0.9, 0.1]
    )
    np.testing.assert_allclose(q[:, 1], posterior(0.1), rtol=1e-10)


# ----------------------------------------------------------------------------- training


def test_class_weights_binary_and_triage():
    np.testing.assert_allclose(costs.class_weights(CostMatrix.binary(cost_fp=2, cost_fn=6)), [1, 3])
    np.testing.assert_allclose(costs.class_weights(costs.TRIAGE_COST), np.array([1.5, 5, 60]) / 1.5)
    assert costs.pos_weight(CostMatrix.binary(cost_fp=2, cost_fn=6)) == 3


def test_weighted_logistic_regression_moves_the_threshold_to_half():
    """Elkan's theorem on an exactly specified model: weights (C_FP, C_FN) shift the logit by log(C_FN/C_FP)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    n = 40_000
    y = (rng.random(n) < 0.3).astype(int)
    x = rng.normal(1.5 * y, 1.0)[:, None]
    c = CostMatrix.binary(cost_fp=1, cost_fn=4)
    w = costs.class_weights(c)
    plain = LogisticRegression(C=1e6).fit(x, y)
    weighted = LogisticRegression(C=1e6).fit(x, y, sample_weight=w[y])
    shift = weighted.intercept_[0] - plain.intercept_[0]
    assert shift == pytest.approx(np.log(4), abs=0.05)
    assert weighted.coef_[0, 0] == pytest.approx(plain.coef_[0, 0], abs=0.05)
    # so: weighted model at 0.5 calls the same cases as the plain model at p* = 0.2
    grid = np.linspace(-3, 4, 200)[:, None]
    agree = (weighted.predict_proba(grid)[:, 1] >= 0.5) == (plain.predict_proba(grid)[:, 1] >= 0.2)
    assert agree.mean() > 0.98


def test_resampling_matches_weights():
    y = np.array([0] * 90 + [1] * 10)
    c = CostMatrix.binary(cost_fp=1, cost_fn=9)
    over = costs.resample_for_costs(y, c, seed=0)
    assert np.bincount(y[over]).tolist() == [90, 90]
    assert set(np.flatnonzero(y == 1)) <= set(over.tolist())  # every original case kept
    under = costs.resample_for_costs(y, c, seed=0, method="under")
    assert np.bincount(y[under]).tolist() == [10, 10]
    assert len(set(under.tolist())) == under.size  # without replacement
    np.testing.assert_array_equal(over, costs.resample_for_costs(y, c, seed=0))


def test_expected_cost_loss_value_and_gradient():
    c = costs.TRIAGE_COST
    logits = torch.tensor([[1.0, 0.0, -1.0], [0.0, 2.0, 0.0]], requires_grad=True)
    target = torch.tensor([2, 0])
    loss = costs.expected_cost_loss(c, ce_weight=0.0)(logits, target)
    p = torch.softmax(logits, 1).detach().numpy()
    by_hand = (p[0] @ c.values[2] + p[1] @ c.values[0]) / 2
    assert float(loss.detach()) == pytest.approx(by_hand, rel=1e-6)
    loss.backward()
    # pushing the urgent case's logit for "urgent" up lowers its cost
    assert logits.grad[0, 2] < 0


def test_fit_accepts_cost_sensitive_options():
    """Cost-weighted cross-entropy and the expected-cost loss run through radkit.train.fit unchanged."""
    from radkit import models, train

    gen = torch.Generator().manual_seed(0)
    X = torch.rand(96, 1, 16, 16, generator=gen)
    y = (X.mean((1, 2, 3)) * 6).long().clamp(0, 2)
    c = costs.TRIAGE_COST
    for kwargs in ({"class_weight": costs.class_weights(c)}, {"loss": costs.expected_cost_loss(c)}):
        m = models.make_model("smallcnn", num_classes=3, seed=0)
        h = train.fit(m, (X, y), num_epochs=1, lr=1e-2, progress=False, task="multiclass", seed=0, **kwargs)
        assert np.isfinite(h["train_loss"][0])
    m = models.make_model("smallcnn", num_classes=1, seed=0)
    yb = (y == 2).float()[:, None]
    h = train.fit(
        m,
        (X, yb),
        num_epochs=1,
        lr=1e-2,
        progress=False,
        pos_weight=[costs.pos_weight(CostMatrix.binary(cost_fp=1, cost_fn=9))],
        seed=0,
    )
    assert np.isfinite(h["train_loss"][0])


def test_triage_labels():
    df = pd.DataFrame({"nodule": [0, 1, 0, 1], "effusion": [0, 0, 1, 1], "pneumothorax": [0, 0, 0, 1]})
    assert costs.triage_labels(df).tolist() == [0, 1, 1, 2]
    assert costs.triage_labels(df, routine=["nodule"]).tolist() == [0, 1, 0, 2]


# ----------------------------------------------------------------------------- operating point


def test_operating_point_threshold_and_interval(rng):
    y = np.r_[np.ones(300), np.zeros(700)].astype(int)
    s = rng.normal(1.5 * y)
    op = costs.operating_point(y, s, target=0.95, n_boot=500, seed=1)
    assert op.threshold.estimate == threshold_for_sensitivity(y, s, target=0.95)
    assert op.sensitivity.estimate >= 0.95
    assert op.conservative <= op.threshold.estimate and op.bootstrap_lower <= op.threshold.estimate
    assert op.threshold.low <= op.threshold.estimate <= op.threshold.high
    table = op.evaluate(y, s)
    assert table.loc["conservative", "sensitivity"] >= table.loc["exact", "sensitivity"]
    assert set(op.to_frame().index) >= {"threshold", "conservative threshold"}


def test_shortfall_rates_match_order_statistic_theory():
    """Exact threshold: population sensitivity ~ Beta(k, m - k + 1) (k-th highest of m positives)."""
    pool = np.random.default_rng(5).normal(size=4_000)
    m, target = 60, 0.95
    r = costs.sensitivity_shortfall(pool, target=target, n_val=m, n_rep=600, n_boot=200, seed=2)
    k = int(np.ceil(target * m))
    expected = beta.cdf(target, k, m - k + 1)  # P(population sensitivity < target)
    exact = r.rate("exact")
    assert exact.low - 0.03 < expected < exact.high + 0.03
    assert r.rate("bootstrap lower").estimate < 0.5 * exact.estimate
    assert r.rate("conservative").estimate <= 0.08  # <= 5% by construction, plus simulation noise
    assert list(r.to_frame().index) == ["exact", "bootstrap lower", "conservative"]


def test_guaranteed_threshold_is_the_clopper_pearson_bound():
    from statsmodels.stats.proportion import proportion_confint

    s = np.random.default_rng(1).normal(size=120)
    t = costs.guaranteed_threshold(s, target=0.9, level=0.95)
    j = int(np.sum(s >= t))  # validation positives kept
    lower = lambda k: proportion_confint(k, s.size, alpha=0.10, method="beta")[0]  # one-sided 95%
    assert lower(j) >= 0.9 > lower(j - 1)
    with pytest.raises(ValueError, match="at least 59 positives"):
        costs.guaranteed_threshold(s[:40], target=0.95, level=0.95)


def test_best_threshold_matches_brute_force(rng):
    p = rng.random(300)
    y = (rng.random(300) < p).astype(int)
    c = CostMatrix.binary(cost_fp=1, cost_fn=3)
    e = costs.best_threshold(y, p, c, n_boot=50, seed=0)
    grid = np.unique(np.r_[p, 0.0, 1.0])
    mids = (grid[:-1] + grid[1:]) / 2
    brute = costs.cost_by_threshold(y, p, c, thresholds=mids)["expected_cost"].to_numpy()
    at_best = costs.cost_by_threshold(y, p, c, thresholds=[e.estimate])["expected_cost"].iloc[0]
    assert at_best == pytest.approx(brute.min())


# ----------------------------------------------------------------------------- intervals


def test_expected_cost_ci_and_paired_comparison(rng):
    c = CostMatrix.binary(cost_fp=1, cost_fn=9)
    y = (rng.random(500) < 0.2).astype(int)
    good = np.where(rng.random(500) < 0.9, y, 1 - y)
    e = costs.expected_cost_ci(y, good, c, n_boot=300, seed=0)
    assert e.low < e.estimate < e.high and e.n == 500
    t = costs.compare_costs(y, {"all negative": np.zeros(500, int), "model": good}, c, n_boot=300, seed=0)
    assert t.loc["model", "difference high"] < 0 and t.loc["model", "share cheaper"] == 1.0
    assert t.loc["all negative", "difference"] == 0


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: CostMatrix.binary(cost_fp=-1, cost_fn=9), "non-negative"),
        (lambda: CostMatrix.from_array([[0, 1, 2], [1, 0, 1]], classes=["a", "b"]), "square"),
        (lambda: CostMatrix.from_array([[0, 1], [1, 0]], classes=["a", "b", "c"]), "class names"),
        (lambda: CostMatrix.from_array([[0, 1], [1, 0]], classes=["a", "a"]), "distinct"),
        (lambda: CostMatrix.from_array([[1, 1], [1, 0]], classes=["a", "b"]), "diagonal"),
        (lambda: CostMatrix.from_array([[0, np.nan], [1, 0]], classes=["a", "b"]), "NaN"),
        (lambda: CostMatrix.from_array([[0, 0], [0, 0]], classes=["a", "b"]), "every error costs 0"),
    ],
)
def test_bad_cost_matrices(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_probabilities_and_labels():
    c = CostMatrix.binary(cost_fp=1, cost_fn=9)
    with pytest.raises(ValueError, match="sum to one"):
        costs.bayes_decision([[0.5, 0.6]], c)
    with pytest.raises(ValueError, match="columns but the cost matrix has 2"):
        costs.bayes_decision([[0.2, 0.3, 0.5]], c)
    with pytest.raises(ValueError, match="np.c_"):
        costs.bayes_decision([0.2, 0.3], c)
    with pytest.raises(ValueError, match="outside 0..1"):
        costs.expected_cost([0, 2], [0, 1], c)
    with pytest.raises(ValueError, match="cost_fp is defined for two classes"):
        _ = costs.TRIAGE_COST.cost_fp
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        costs.shift_threshold(0.1, train_prevalence=0.0, deploy_prevalence=0.1)


@pytest.mark.parametrize("target", [0, 1.5, 1.0, -0.1])
def test_bad_target_sensitivity(target):
    y, s = np.array([0, 1, 1, 0]), np.array([0.1, 0.8, 0.6, 0.3])
    with pytest.raises(ValueError, match=r"target=.* must lie strictly between 0 and 1 \(a sensitivity\)"):
        costs.operating_point(y, s, target=target, n_boot=10, seed=0)


def test_plots_smoke():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from radkit.costs import plots

    rng = np.random.default_rng(0)
    y = (rng.random(200) < 0.3).astype(int)
    p = np.clip(rng.normal(0.3 + 0.3 * y, 0.15), 0, 1)
    c = CostMatrix.binary(cost_fp=1, cost_fn=9)
    assert plots.plot_cost_vs_threshold(y, {"a": p, "b": p**2}, c).get_legend() is not None
    assert len(plots.plot_cost_at_ratio(y, p, ratio=3)) == 2
    t = costs.triage_labels(pd.DataFrame({"n": rng.integers(0, 2, 50), "pneumothorax": rng.integers(0, 2, 50)}))
    plots.plot_confusion_costs(t, rng.integers(0, 3, 50), costs.TRIAGE_COST, title="x")
    with pytest.raises(ValueError, match="ratio"):
        plots.plot_cost_at_ratio(y, p, ratio=0)
    plt.close("all")


def test_threshold_regret_by_hand():
    c = CostMatrix.binary(cost_fp=1, cost_fn=9)
    y, p = [0, 0, 1, 1], [0.1, 0.6, 0.4, 0.9]
    # at 0.5: one FP (1) + one FN (9) = 10 / 4; cheapest (t <= 0.4): one FP = 1 / 4 -> regret 9
    assert costs.threshold_regret(y, p, c, threshold=0.5) == pytest.approx(9.0)
    assert costs.threshold_regret(y, p, c, threshold=0.3) == 0.0


@pytest.mark.parametrize(("c_fp", "c_fn"), [(1, 9), (1, 2), (3, 7), (2, 5), (1, 1)])
def test_a_case_at_exactly_p_star_is_positive_everywhere(c_fp, c_fn):
    c = costs.CostMatrix.binary(cost_fp=c_fp, cost_fn=c_fn)
    p_star = costs.bayes_threshold(c)
    below = np.nextafter(p_star, 0.0)
    calls = costs.bayes_decision([[1 - p_star, p_star], [1 - below, below]], c)
    assert calls.tolist() == [1, 0]  # p >= p*: positive; just below: negative
    # cost_by_threshold applies y_score >= t: at t = p* a negative case scored p* is a false positive,
    # a positive case scored p* is no false negative
    t = costs.cost_by_threshold([0, 1], [p_star, p_star], c, thresholds=[p_star])
    assert t.loc[0, "fp"] == 1 and t.loc[0, "fn"] == 0


def test_bayes_decision_ties_go_to_the_later_class_for_k_classes():
    c = costs.CostMatrix.from_array([[0, 1, 1], [2, 0, 0], [2, 0, 0]], classes=["a", "b", "c"])
    assert costs.bayes_decision([[0.2, 0.4, 0.4], [0.9, 0.05, 0.05]], c).tolist() == [2, 0]
