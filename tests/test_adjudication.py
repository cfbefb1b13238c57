"""Tests for radkit.adjudication, cross-checked against independent references.

References: scikit-learn's cohen_kappa_score, statsmodels' fleiss_kappa,
hand-worked kappas, crowd-kit's MajorityVote and DawidSkene (test-only peer),
naive item-resampling bootstraps, and known-truth reader simulations.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score, roc_auc_score
from statsmodels.stats.inter_rater import fleiss_kappa as sm_fleiss

from radkit.adjudication import (
    cohen_kappa,
    dawid_skene,
    fleiss_kappa,
    majority_vote,
    per_finding,
    raykar,
)

crowdkit = pytest.importorskip("crowdkit.aggregation")

# crowd-kit 1.4.2 uses pandas keywords that pandas 3 deprecates; not our concern here.
pytestmark = pytest.mark.filterwarnings("ignore:The inplace keyword", "ignore:The copy keyword")


def simulate(
    n_items: int, sens, spec, *, prevalence: float = 0.3, per_item: int = 3, seed: int = 0
) -> tuple[pd.DataFrame, pd.Series]:
    """Readers with known sens/spec; each item read by ``per_item`` random readers."""
    rng = np.random.default_rng(seed)
    sens, spec = np.asarray(sens), np.asarray(spec)
    truth = (rng.random(n_items) < prevalence).astype(int)
    readers = np.argsort(rng.random((n_items, len(sens))), axis=1)[:, :per_item]
    item = np.repeat(np.arange(n_items), per_item)
    reader = readers.ravel()
    p_pos = np.where(truth[item] == 1, sens[reader], 1 - spec[reader])
    label = (rng.random(item.size) < p_pos).astype(int)
    table = pd.DataFrame({"item": item, "reader": [f"R{r}" for r in reader], "label": label})
    return table, pd.Series(truth, index=pd.Index(np.arange(n_items), name="item"))


def to_crowdkit(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns={"item": "task", "reader": "worker"})


# ------------------------------------------------------------------ kappa
def test_cohen_kappa_hand_worked():
    # 2x2 table [[2, 1], [1, 2]]: po = 4/6, pe = 1/2, kappa = (2/3 - 1/2) / (1/2) = 1/3
    est = cohen_kappa([1, 1, 0, 0, 1, 0], [1, 0, 0, 0, 1, 1])
    assert est.estimate == pytest.approx(1 / 3)
    assert np.isnan(est.low) and np.isnan(est.high) and est.n == 6


@pytest.mark.parametrize("k", [2, 3, 5])
def test_cohen_kappa_matches_sklearn(k):
    rng = np.random.default_rng(k)
    a = rng.integers(0, k, 400)
    b = np.where(rng.random(400) < 0.6, a, rng.integers(0, k, 400))
    assert cohen_kappa(a, b).estimate == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    # arbitrary hashable labels are fine for vectors
    names = np.array(["no", "yes", "maybe", "x", "y"])[:k]
    assert cohen_kappa(names[a], names[b]).estimate == pytest.approx(cohen_kappa_score(a, b))


def test_cohen_kappa_from_table_uses_shared_items_only():
    table, _ = simulate(600, [0.9, 0.7, 0.8, 0.6], [0.95, 0.9, 0.85, 0.9], seed=1)
    wide = table.pivot(index="item", columns="reader", values="label")
    both = wide[["R0", "R2"]].dropna()
    est = cohen_kappa(table, readers=("R0", "R2"))
    assert est.n == len(both)
    assert est.estimate == pytest.approx(cohen_kappa_score(both["R0"], both["R2"]))


def test_cohen_kappa_bootstrap_matches_naive_item_resampling():
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2, 300)
    b = np.where(rng.random(300) < 0.7, a, 1 - a)
    est = cohen_kappa(a, b, n_boot=4000, seed=0)
    naive = []
    for _ in range(1500):  # resample items, recompute kappa from scratch
        i = rng.integers(0, 300, 300)
        x, y = a[i], b[i]
        po = np.mean(x == y)
        pe = x.mean() * y.mean() + (1 - x.mean()) * (1 - y.mean())
        naive.append((po - pe) / (1 - pe))
    lo, hi = np.percentile(naive, [2.5, 97.5])
    assert est.ci[0] < est.estimate < est.ci[1]
    assert est.ci[0] == pytest.approx(lo, abs=0.02) and est.ci[1] == pytest.approx(hi, abs=0.02)
    assert cohen_kappa(a, b, n_boot=200, seed=5).ci == cohen_kappa(a, b, n_boot=200, seed=5).ci


def test_cohen_kappa_undefined_when_constant():
    assert np.isnan(cohen_kappa([1, 1, 1], [1, 1, 1]).estimate)


def test_fleiss_kappa_hand_worked_with_varying_readers():
    # counts per item [0,3], [3,0], [2,1], [1,2]: P = (1 + 1 + 1/3 + 1/3)/4 = 2/3,
    # p = (1/2, 1/2), Pe = 1/2, kappa = 1/3 -- readers differ from item to item.
    t = pd.DataFrame(
        {
            "item": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
            "reader": list("ABCABDBCDACD"),
            "label": [1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0],
        }
    )
    assert fleiss_kappa(t).estimate == pytest.approx(1 / 3)


@pytest.mark.parametrize("k", [2, 3])
def test_fleiss_kappa_matches_statsmodels(k):
    rng = np.random.default_rng(10 + k)
    n, m = 500, 4
    truth = rng.integers(0, k, n)
    labels = np.where(rng.random((n, m)) < 0.6, truth[:, None], rng.integers(0, k, (n, m)))
    readers = np.argsort(rng.random((n, 9)), axis=1)[:, :m]  # 4 of 9 readers per item
    t = pd.DataFrame({"item": np.repeat(np.arange(n), m), "reader": readers.ravel(), "label": labels.ravel()})
    counts = np.stack([(labels == c).sum(1) for c in range(k)], axis=1)
    assert fleiss_kappa(t).estimate == pytest.approx(sm_fleiss(counts), abs=1e-12)


def test_fleiss_bootstrap_matches_naive_item_resampling():
    table, _ = simulate(400, [0.8, 0.7, 0.9, 0.6], [0.9, 0.8, 0.95, 0.85], seed=4)
    est = fleiss_kappa(table, n_boot=4000, seed=0)
    wide = table.pivot_table(index="item", columns="label", values="reader", aggfunc="count", fill_value=0).to_numpy()
    rng = np.random.default_rng(1)
    naive = [sm_fleiss(wide[rng.integers(0, 400, 400)]) for _ in range(1500)]
    lo, hi = np.percentile(naive, [2.5, 97.5])
    assert est.ci[0] == pytest.approx(lo, abs=0.02) and est.ci[1] == pytest.approx(hi, abs=0.02)
    assert est.to_frame().columns.tolist() == ["estimate", "low", "high", "level", "method", "n"]
    assert (est.method, est.n, est.level) == ("bootstrap percentile", 400, 0.95)


def test_fleiss_kappa_rejects_unequal_rating_counts():
    t = pd.DataFrame({"item": [1, 1, 1, 2, 2], "reader": list("ABCAB"), "label": [1, 0, 1, 0, 0]})
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa(t)


# ------------------------------------------------------------------ majority vote
def test_majority_vote_tie_policies():
    t = pd.DataFrame({"item": [1, 1, 2, 2, 2, 3, 3], "reader": list("ABABCAB"), "label": [1, 0, 0, 0, 1, 1, 1]})
    assert majority_vote(t, tie="positive").tolist() == [1, 0, 1]
    assert majority_vote(t, tie="negative").tolist() == [0, 0, 1]
    nan = majority_vote(t, tie="nan")
    assert np.isnan(nan.loc[1]) and nan.loc[2] == 0 and nan.dtype == float
    picks = {majority_vote(t, tie="random", seed=s).loc[1] for s in range(20)}
    assert picks == {0, 1}
    assert (majority_vote(t, tie="random", seed=3) == majority_vote(t, tie="random", seed=3)).all()


def test_majority_vote_multiclass_ties():
    t = pd.DataFrame({"item": [1, 1, 1, 1], "reader": list("ABCD"), "label": [0, 2, 2, 0]})
    assert majority_vote(t, tie="positive").loc[1] == 2
    assert majority_vote(t, tie="negative").loc[1] == 0


def test_majority_vote_tie_must_be_chosen():
    t = pd.DataFrame({"item": [1, 1], "reader": ["A", "B"], "label": [1, 0]})
    with pytest.raises(TypeError):
        majority_vote(t)  # no silent default
    with pytest.raises(ValueError, match="tie must be one of"):
        majority_vote(t, tie="coin")


def test_majority_vote_matches_crowdkit_without_ties():
    table, _ = simulate(500, [0.8, 0.7, 0.9, 0.6, 0.75], [0.9, 0.8, 0.95, 0.85, 0.9], seed=2)
    ours = majority_vote(table, tie="nan")
    ck = crowdkit.MajorityVote().fit_predict(to_crowdkit(table)).reindex(ours.index)
    assert (ours.to_numpy() == ck.to_numpy()).all()  # 3 readers, 2 classes: no ties


# ------------------------------------------------------------------ Dawid-Skene
SENS = [0.95, 0.85, 0.75, 0.6, 0.9, 0.55]
SPEC = [0.9, 0.95, 0.7, 0.9, 0.98, 0.6]


def test_dawid_skene_recovers_known_readers_and_beats_majority_vote():
    table, truth = simulate(6000, SENS, SPEC, prevalence=0.3, seed=7)
    res = dawid_skene(table)
    assert res.converged and res.n_iter < 100
    assert np.all(np.diff(res.log_likelihood) > -1e-8)  # EM never goes downhill
    read = table.assign(truth=truth.loc[table["item"]].to_numpy())
    for r, s, c in zip([f"R{i}" for i in range(6)], SENS, SPEC):
        n_pos = int(((read.reader == r) & (read.truth == 1)).sum())
        n_neg = int(((read.reader == r) & (read.truth == 0)).sum())
        assert abs(res.sensitivity[r] - s) < 4 * np.sqrt(s * (1 - s) / n_pos) + 0.01, r
        assert abs(res.specificity[r] - c) < 4 * np.sqrt(c * (1 - c) / n_neg) + 0.01, r
    assert res.priors[1] == pytest.approx(0.3, abs=0.03)
    n_read = read.groupby("reader").size()
    assert (res.readers["n_pos"] + res.readers["n_neg"]).to_numpy() == pytest.approx(
        n_read.loc[res.readers.index].to_numpy()
    )
    acc_ds = (res.labels == truth).mean()
    acc_mv = (majority_vote(table, tie="random", seed=0) == truth).mean()
    assert acc_ds > acc_mv + 0.01
    assert roc_auc_score(truth, res.posteriors[1]) > 0.9


def test_dawid_skene_matches_crowdkit():
    # Same model, same start (soft majority vote), same update order: after the
    # same number of EM iterations the two implementations agree.
    table, _ = simulate(800, SENS, SPEC, seed=11)
    ck = crowdkit.DawidSkene(n_iter=10, tol=-np.inf).fit(to_crowdkit(table))
    res = dawid_skene(table, max_iter=10, tol=0)
    p, q = res.posteriors[1], ck.probas_.reindex(res.posteriors.index)[1]
    assert np.abs(p - q).max() < 1e-5
    # crowd-kit reports reader errors from one more M-step on its final posteriors,
    # which is the confusion radkit uses in its 11th iteration.
    nxt = dawid_skene(table, max_iter=11, tol=0)
    for r in nxt.readers.index:
        assert nxt.sensitivity[r] == pytest.approx(ck.errors_.loc[(r, 1), 1], abs=1e-5)
        assert nxt.specificity[r] == pytest.approx(ck.errors_.loc[(r, 0), 0], abs=1e-5)
    assert nxt.priors[1] == pytest.approx(ck.priors_[1], abs=1e-5)


def test_dawid_skene_multiclass_recovers_confusion():
    rng = np.random.default_rng(5)
    n, k = 3000, 3
    truth = rng.choice(k, n, p=[0.5, 0.3, 0.2])
    acc = np.array([0.9, 0.8, 0.7, 0.6])
    rows = []
    for r, a in enumerate(acc):
        wrong = (truth + rng.integers(1, k, n)) % k
        lab = np.where(rng.random(n) < a, truth, wrong)
        rows.append(pd.DataFrame({"item": np.arange(n), "reader": r, "label": lab}))
    res = dawid_skene(pd.concat(rows, ignore_index=True))
    diag = res.confusion.to_numpy().reshape(4, k, k).diagonal(axis1=1, axis2=2)
    assert np.abs(diag - acc[:, None]).max() < 0.05
    assert res.priors.to_numpy() == pytest.approx([0.5, 0.3, 0.2], abs=0.03)
    assert list(res.readers.columns) == ["n_labels", "recall_0", "n_0", "recall_1", "n_1", "recall_2", "n_2"]
    assert (res.labels.to_numpy() == truth).mean() > 0.9
    with pytest.raises(ValueError, match="binary"):
        _ = res.sensitivity


def test_dawid_skene_is_invariant_to_row_order_and_deterministic():
    table, _ = simulate(800, SENS, SPEC, seed=12)
    a = dawid_skene(table)
    b = dawid_skene(table.sample(frac=1.0, random_state=0))
    pd.testing.assert_frame_equal(a.posteriors, b.posteriors, atol=1e-10)
    r1 = dawid_skene(table, init="random", seed=4)
    r2 = dawid_skene(table, init="random", seed=4)
    pd.testing.assert_frame_equal(r1.posteriors, r2.posteriors)


# ------------------------------------------------------------------ Raykar
def test_raykar_learns_readers_and_classifier():
    rng = np.random.default_rng(21)
    n = 3000
    X = rng.normal(size=(n, 3))
    truth = (rng.random(n) < 1 / (1 + np.exp(-(2.0 * X[:, 0] - 1.0 * X[:, 1] - 1.0)))).astype(int)
    sens, spec = [0.9, 0.7, 0.6], [0.95, 0.8, 0.7]
    rows = []
    for r in range(3):
        p = np.where(truth == 1, sens[r], 1 - spec[r])
        rows.append(pd.DataFrame({"item": np.arange(n), "reader": r, "label": (rng.random(n) < p).astype(int)}))
    table = pd.concat(rows, ignore_index=True)
    res = raykar(table, X, items=np.arange(n), l2=1.0)
    assert res.converged
    assert np.all(np.diff(res.log_likelihood) > -1e-6)
    assert res.sensitivity.to_numpy() == pytest.approx(sens, abs=0.05)
    assert res.specificity.to_numpy() == pytest.approx(spec, abs=0.05)
    assert np.sign(res.coef[:2]).tolist() == [1.0, -1.0] and abs(res.coef[2]) < 0.3
    X_new = rng.normal(size=(2000, 3))
    y_new = rng.random(2000) < 1 / (1 + np.exp(-(2.0 * X_new[:, 0] - X_new[:, 1] - 1.0)))
    proba = res.predict_proba(X_new)
    assert proba.shape == (2000, 2) and np.allclose(proba.sum(1), 1)
    assert roc_auc_score(y_new, proba[:, 1]) > 0.8
    ds = dawid_skene(table)
    assert (res.labels == truth).mean() >= (ds.labels == truth).mean()
    # DataFrame features align by index, whatever their row order
    frame = pd.DataFrame(X, index=np.arange(n)).iloc[::-1]
    res2 = raykar(table, frame)
    assert np.allclose(res2.posteriors[1], res.posteriors[1], atol=1e-6)


def test_raykar_feature_errors():
    table, _ = simulate(50, [0.9, 0.8], [0.9, 0.8], per_item=2)
    with pytest.raises(ValueError, match="which item"):
        raykar(table, np.zeros((50, 2)))
    with pytest.raises(ValueError, match="no feature row"):
        raykar(table, pd.DataFrame(np.zeros((10, 2))))
    res = raykar(table, pd.DataFrame(np.random.default_rng(0).normal(size=(50, 2))), max_iter=5)
    with pytest.raises(ValueError, match="shape"):
        res.predict_proba(np.zeros((3, 5)))


# ------------------------------------------------------------------ bad input
GOOD = pd.DataFrame({"item": [1, 1, 2, 2], "reader": ["A", "B", "A", "B"], "label": [1, 0, 0, 0]})


@pytest.mark.parametrize("func", [fleiss_kappa, dawid_skene, lambda t: majority_vote(t, tie="nan")])
@pytest.mark.parametrize(
    "bad, match",
    [
        (GOOD.drop(columns="reader"), "lacks column"),
        (pd.concat([GOOD, GOOD.iloc[:1]]), "duplicate"),
        (GOOD.assign(label=[0, 1, 2, -1]), "integer class codes"),
        (GOOD.assign(label=[0.5, 1, 0, 0]), "integer class codes"),
        (GOOD.assign(label=["yes", "no", "no", "no"]), "Map them first"),
        (GOOD[GOOD.reader == "A"], "at least 2 readers"),
        (pd.concat([GOOD.assign(finding="a"), GOOD.assign(finding="b")]), "per_finding"),
        (GOOD.iloc[:0], "empty"),
    ],
)
def test_bad_tables_raise_helpful_errors(func, bad, match):
    with pytest.raises(ValueError, match=match):
        func(bad)


def test_nan_labels_dropped_with_warning_and_empty_items_rejected():
    extra = pd.DataFrame({"item": [3, 3], "reader": ["A", "B"], "label": [np.nan, 1]})
    with pytest.warns(UserWarning, match="dropped 1 row"):
        got = majority_vote(pd.concat([GOOD, extra]), tie="nan")
    pd.testing.assert_series_equal(got, majority_vote(pd.concat([GOOD, extra.iloc[1:]]), tie="nan"))
    assert got.loc[3] == 1
    all_nan = pd.concat([GOOD, pd.DataFrame({"item": [3, 3], "reader": ["A", "B"], "label": [np.nan, np.nan]})])
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="no labels"):
        dawid_skene(all_nan)


def test_option_errors():
    with pytest.raises(ValueError, match="n_classes"):
        dawid_skene(GOOD.assign(label=[2, 0, 1, 0]), n_classes=2)
    with pytest.raises(ValueError, match="max_iter"):
        dawid_skene(GOOD, max_iter=0)
    with pytest.raises(ValueError, match="init"):
        dawid_skene(GOOD, init="mv")
    with pytest.raises(ValueError, match="n_boot"):
        fleiss_kappa(GOOD, n_boot=-1)
    with pytest.raises(ValueError, match="not in the table"):
        cohen_kappa(GOOD, readers=("A", "Z"))
    with pytest.raises(ValueError, match="name the two readers"):
        cohen_kappa(GOOD)


def test_per_finding_applies_each_finding():
    a, _ = simulate(300, SENS, SPEC, seed=1)
    b, _ = simulate(300, SENS, SPEC, seed=2)
    both = pd.concat([a.assign(finding="effusion"), b.assign(finding="nodule")])
    out = per_finding(fleiss_kappa, both, n_boot=50, seed=0)
    assert list(out) == ["effusion", "nodule"]
    assert out["nodule"].estimate == pytest.approx(fleiss_kappa(b).estimate)
    ds = per_finding(dawid_skene, both, max_iter=5)
    assert ds["effusion"].n_iter <= 5
    with pytest.raises(ValueError, match="finding"):
        per_finding(fleiss_kappa, a)


def test_vindr_kappa_facts_of_notebook_04():
    """Notebook 04, section 1: facts of the released VinDr-CXR labels (a table fact is a test, not a claim).

    "No finding" is a consensus of the release (kappa exactly 1), the four large-structure findings agree best,
    and most findings fall inside the 0.24-0.63 range that Kulkarni et al. (2021) quote.
    """
    from radkit import public

    vindr = public.vindr_reader_labels()
    kappas = per_finding(fleiss_kappa, vindr, n_boot=10, seed=0)
    estimate = pd.Series({f: e.estimate for f, e in kappas.items()})
    assert estimate["No finding"] == 1.0
    ranked = estimate.drop("No finding").sort_values(ascending=False)
    assert set(ranked.index[:4]) == {"Cardiomegaly", "Aortic enlargement", "Pneumothorax", "Pleural effusion"}
    assert ranked.min() > 0.3 and ranked.max() < 0.85
    assert ranked.between(0.24, 0.63).sum() >= 7
