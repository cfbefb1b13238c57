"""radkit.imbalance against independent references: torch BCE, imbalanced-learn, closed forms, hand-worked cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.combine import SMOTEENN, SMOTETomek
from imblearn.over_sampling import ADASYN, SMOTE, BorderlineSMOTE, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score

from radkit import imbalance as imb
from radkit.metrics import expected_calibration_error
from radkit.models import make_model
from radkit.train import _default_loss, embed, fit


def _blobs(n_neg=200, n_pos=20, d=4, shift=1.5, seed=0):
    g = np.random.default_rng(seed)
    X = np.r_[g.normal(0, 1, (n_neg, d)), g.normal(shift, 1, (n_pos, d))]
    return X, np.r_[np.zeros(n_neg, int), np.ones(n_pos, int)]


# ---------------------------------------------------------------- focal loss and pos_weight


def test_focal_gamma0_is_bce_including_unknown_labels():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(50, 3, generator=g)
    y = (torch.rand(50, 3, generator=g) < 0.2).float()
    y[::7, 1] = float("nan")
    ref = _default_loss("multilabel", None, None)(logits, y)  # fit's own masked BCE
    assert torch.allclose(imb.FocalLoss(gamma=0.0)(logits, y), ref, atol=1e-7)


def test_focal_hand_worked_values():
    # logit 0: p_t = 0.5, BCE = ln 2, focal factor (1 - 0.5)^2 = 0.25
    assert float(imb.FocalLoss(gamma=2.0)(torch.zeros(1, 1), torch.ones(1, 1))) == pytest.approx(0.25 * np.log(2))
    # alpha weighs positives by alpha and negatives by 1 - alpha
    loss = imb.FocalLoss(gamma=0.0, alpha=0.25)(torch.zeros(2, 1), torch.tensor([[1.0], [0.0]]))
    assert float(loss) == pytest.approx((0.25 + 0.75) / 2 * np.log(2))
    # easy cases are down-weighted much more than hard ones
    easy = imb.FocalLoss(gamma=2.0)(torch.tensor([[4.0]]), torch.ones(1, 1))
    hard = imb.FocalLoss(gamma=2.0)(torch.tensor([[-4.0]]), torch.ones(1, 1))
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    assert float(easy / bce(torch.tensor([[4.0]]), torch.ones(1, 1))) < 1e-3
    assert float(hard / bce(torch.tensor([[-4.0]]), torch.ones(1, 1))) > 0.9


def test_pos_weight_balances_total_weight():
    y = np.r_[np.zeros(98), np.ones(2)]
    w = imb.pos_weight_for(y.mean())[0]
    assert w == pytest.approx(49.0)
    assert w * y.sum() == pytest.approx((1 - y).sum())
    assert imb.effective_prevalence(0.02, pos_weight=w) == pytest.approx(0.5)


def test_focal_and_balanced_loader_train_through_fit():
    g = torch.Generator().manual_seed(0)
    X = torch.rand(64, 1, 16, 16, generator=g)
    y = torch.zeros(64, 1)
    y[:6] = 1
    X[:6] += 0.5
    for data, loss in [((X, y), imb.FocalLoss()), (imb.balanced_loader(X, y, batch_size=16, seed=0), None)]:
        model = make_model("smallcnn", num_classes=1, seed=0)
        h = fit(model, data, num_epochs=2, lr=1e-2, loss=loss, progress=False, device="cpu", seed=0)
        assert len(h.rows) == 2 and np.isfinite(h["train_loss"]).all()


# ---------------------------------------------------------------- samplers for images


@pytest.mark.parametrize("fraction", [0.5, 0.3])
def test_balanced_sampler_ratio_in_expectation(fraction):
    y = np.r_[np.zeros(950, int), np.ones(50, int)]
    sampler = imb.BalancedBatchSampler(y, batch_size=64, positive_fraction=fraction, seed=1)
    shares = [y[b].mean() for _ in range(10) for b in sampler]
    n_items = sum(len(b) for _ in range(1) for b in sampler) * 10
    se = np.sqrt(fraction * (1 - fraction) / n_items)
    assert abs(np.mean(shares) - fraction) < 4 * se + 0.005
    assert len(sampler) == 16 and sum(len(b) for b in sampler) == 1000


def test_balanced_sampler_is_seeded_and_differs_between_epochs():
    y = np.r_[np.zeros(90, int), np.ones(10, int)]
    a, b = imb.BalancedBatchSampler(y, batch_size=10, seed=3), imb.BalancedBatchSampler(y, batch_size=10, seed=3)
    first, second = list(a), list(a)
    assert first == list(b) and first != second


def test_resample_indices_counts():
    y = np.r_[np.zeros(80, int), np.ones(20, int)]
    under = imb.resample_indices(y, method="under", seed=0)
    over = imb.resample_indices(y, method="over", ratio=0.5, seed=0)
    assert np.bincount(y[under]).tolist() == [20, 20]
    assert np.bincount(y[over]).tolist() == [80, 40]
    assert set(np.flatnonzero(y == 1)) <= set(under) and set(range(100)) <= set(over)


# ---------------------------------------------------------------- imbalanced-learn, exactly

REFERENCES = {
    "SMOTE": lambda s: SMOTE(random_state=s),
    "BorderlineSMOTE": lambda s: BorderlineSMOTE(random_state=s),
    "ADASYN": lambda s: ADASYN(random_state=s),
    "SMOTETomek": lambda s: SMOTETomek(smote=SMOTE(random_state=s), random_state=s),
    "SMOTEENN": lambda s: SMOTEENN(smote=SMOTE(random_state=s), random_state=s),
    "random under": lambda s: RandomUnderSampler(random_state=s),
    "random over": lambda s: RandomOverSampler(random_state=s),
}


@pytest.mark.parametrize("method", list(REFERENCES))
def test_resample_equals_imbalanced_learn(method):
    X, y = _blobs(seed=2)
    got_X, got_y = imb.resample(X, y, method=method, seed=7)
    ref_X, ref_y = REFERENCES[method](7).fit_resample(X, y)
    np.testing.assert_array_equal(got_X, ref_X)
    np.testing.assert_array_equal(got_y, ref_y)


def test_pipeline_equals_fit_method_and_resamples_only_when_fitting():
    X, y = _blobs(seed=4)
    pipe = imb.make_pipeline("SMOTE", LogisticRegression(max_iter=2000), seed=5).fit(X, y)
    fitted = imb.fit_method("SMOTE", X, y, seed=5)
    np.testing.assert_allclose(pipe.predict_proba(X)[:, 1], fitted.predict_proba(X)[:, 1], atol=1e-12)
    assert pipe.predict_proba(X).shape == (len(X), 2)  # predicting does not resample


def test_fitted_method_speaks_scikit_learn():
    """predict gives 0/1 labels, predict_proba (n, 2) probabilities, decision_function one score per row."""
    g = np.random.default_rng(3)
    X = np.r_[g.normal(0, 1, (90, 4)), g.normal(2, 1, (10, 4))]
    y = np.r_[[0] * 90, [1] * 10]
    m = imb.fit_method("plain", X, y, seed=0)
    proba = m.predict_proba(X)
    assert proba.shape == (100, 2) and np.allclose(proba.sum(1), 1)
    np.testing.assert_array_equal(m.predict(X), (proba[:, 1] >= 0.5).astype(int))
    np.testing.assert_array_equal(m.decision_function(X), proba[:, 1])
    ref = m.model.predict(m.reduce.transform(X))  # the sklearn head's own labels agree
    np.testing.assert_array_equal(m.predict(X), ref)
    one = imb.fit_method("one-class", X, y, seed=0)
    with pytest.raises(ValueError, match="decision_function"):
        one.predict_proba(X)
    assert set(np.unique(one.predict(X))) <= {0, 1} and one.decision_function(X).shape == (100,)
    np.testing.assert_array_equal(one.predict(X), (one.model.predict(one.reduce.transform(X)) == -1).astype(int))


def test_smote_points_lie_on_segments_between_minority_neighbours():
    X, y = _blobs(seed=5)
    X_res, y_res = imb.resample(X, y, method="SMOTE", k_neighbors=3, seed=0)
    new = X_res[len(X) :]
    minority = X[y == 1]
    # every synthetic point is a convex combination of two minority points: its distance to the nearest
    # segment between minority points is 0
    best = np.full(len(new), np.inf)
    for i in range(len(minority)):
        for j in range(len(minority)):
            if i == j:
                continue
            a, b = minority[i], minority[j]
            t = np.clip(((new - a) @ (b - a)) / ((b - a) @ (b - a)), 0, 1)
            best = np.minimum(best, np.linalg.norm(new - (a + t[:, None] * (b - a)), axis=1))
    assert best.max() < 1e-9


# ---------------------------------------------------------------- prior correction, closed form


def test_prior_correction_recovers_the_true_posterior():
    # X | y ~ N(+-1, 1) in 1-D, prevalence 5%: the true posterior is known in closed form
    g = np.random.default_rng(0)
    pi, n = 0.05, 200_000
    y = (g.random(n) < pi).astype(int)
    X = g.normal(np.where(y == 1, 1.0, -1.0), 1.0)[:, None]
    truth = expit(2 * X[:, 0] + np.log(pi / (1 - pi)))
    idx = imb.resample_indices(y, method="under", seed=1)  # trained at 50%
    p_bal = LogisticRegression().fit(X[idx], y[idx]).predict_proba(X)[:, 1]
    fixed = imb.prior_correct(p_bal, train_prevalence=y[idx].mean(), true_prevalence=y.mean())
    assert np.max(np.abs(fixed - truth)) < 0.02
    assert np.max(np.abs(p_bal - truth)) > 0.3
    assert expected_calibration_error(y, fixed) < 0.01 < 0.1 < expected_calibration_error(y, p_bal)


def test_prior_correction_hand_worked_and_identity():
    assert imb.prior_correct([0.5], train_prevalence=0.5, true_prevalence=0.1)[0] == pytest.approx(0.1)
    p = np.array([0.0, 0.2, 0.7, 1.0])
    np.testing.assert_allclose(imb.prior_correct(p, train_prevalence=0.3, true_prevalence=0.3), p)
    back = imb.prior_correct(
        imb.prior_correct(p, train_prevalence=0.5, true_prevalence=0.02), train_prevalence=0.02, true_prevalence=0.5
    )
    np.testing.assert_allclose(back, p, atol=1e-12)


# ---------------------------------------------------------------- embeddings and evaluation


def test_embeddings_are_the_head_input():
    model = make_model("smallcnn", num_classes=2, seed=0).eval()
    x = torch.rand(7, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    emb = embed(model, x, batch_size=3)
    with torch.no_grad():
        ref = torch.flatten(model.pool(model.features(x)), 1).numpy()
        np.testing.assert_allclose(emb, ref, atol=1e-6)
        np.testing.assert_allclose(model.head(torch.from_numpy(emb)).numpy(), model(x).numpy(), atol=1e-5)


def test_prevalence_weights_equal_duplicating_cases():
    g = np.random.default_rng(1)
    y = np.r_[np.zeros(10, int), np.ones(10, int)]
    s = g.random(20)
    weighted = imb.score_measures(y, s, prevalence=0.2)
    dup = np.r_[np.repeat(np.flatnonzero(y == 0), 4), np.flatnonzero(y == 1)]  # 40 : 10 = prevalence 0.2
    assert weighted["PR-AUC"] == pytest.approx(average_precision_score(y[dup], s[dup]))
    assert weighted["ECE"] == pytest.approx(expected_calibration_error(y[dup], s[dup]))
    plain = imb.score_measures(y[dup], s[dup])
    for key in ("ROC-AUC", "sens@spec", "sens@t", "accuracy@t"):
        assert weighted[key] == pytest.approx(plain[key])


def test_weighted_ece_matches_metrics_with_unit_weights():
    g = np.random.default_rng(3)
    y, p = (g.random(300) < 0.3).astype(int), g.random(300)
    assert imb.weighted_ece(y, p) == pytest.approx(expected_calibration_error(y, p))


def test_compare_methods_is_deterministic_and_complete():
    X, y = _blobs(n_neg=400, n_pos=100, seed=6)
    kw = dict(
        methods=["plain", "class weights", "SMOTE", "one-class"],
        prevalences=[0.2, 0.05],
        n_train=200,
        n_rep=2,
        heads=("large", "small"),
        seed=3,
        progress=False,
    )
    a, b = imb.compare_methods(X, y, X, y, **kw), imb.compare_methods(X, y, X, y, **kw)
    assert len(a.rows) == 4 * 2 * 2 * 2
    np.testing.assert_array_equal(a.rows["PR-AUC"].to_numpy(), b.rows["PR-AUC"].to_numpy())
    summary = a.to_frame()
    assert {"mean", "low", "high"} <= set(summary.columns)
    assert a.rows.loc[a.rows["method"] == "one-class", "ECE"].isna().all()
    # re-weighting raises the mean predicted probability: sensitivity at 0.5 goes up at 5%
    rows = a.rows[(a.rows["prevalence"] == 0.05) & (a.rows["head"] == "large")].groupby("method")["sens@t"].mean()
    assert rows["class weights"] > rows["plain"]
    assert set(a.winners()["best"]) <= set(kw["methods"])


# ---------------------------------------------------------------- SMOTE geometry and real tables


def test_smote_parents_are_minority_neighbours():
    X, y = _blobs(n_neg=100, n_pos=12, seed=8)
    X_res, _ = SMOTE(k_neighbors=3, random_state=0).fit_resample(X, y)
    minority = X[y == 1]
    pairs, gap = imb.smote_parents(minority, X_res[len(X) :])
    assert gap.max() < 1e-6  # the segment distance goes through a square root: about 1e-8 from rounding
    d = np.linalg.norm(minority[:, None] - minority[None], axis=2)
    rank = d.argsort(1).argsort(1)  # rank[i, j] = how near j is to i (0 = itself)
    i, j = pairs[:, 0], pairs[:, 1]
    assert np.all((rank[i, j] <= 3) | (rank[j, i] <= 3))  # one is among the other's k = 3 neighbours


def test_nearest_distance_against_brute_force():
    g = np.random.default_rng(2)
    A, Q = g.normal(size=(40, 5)), g.normal(size=(7, 5))
    brute = np.linalg.norm(Q[:, None] - A[None], axis=2).min(1)
    np.testing.assert_allclose(imb.nearest_distance(A, Q), brute)
    self_brute = np.linalg.norm(A[:, None] - A[None], axis=2) + np.diag(np.full(40, np.inf))
    np.testing.assert_allclose(imb.nearest_distance(A, A, exclude_self=True), self_brute.min(1))
    share = imb.normal_neighbour_share(A, (np.arange(40) < 20).astype(int), Q, k=40)
    np.testing.assert_allclose(share, 0.5)


def test_real_prevalence_counts():
    from radkit.public import nih_entries, vindr_reader_labels

    table = imb.real_prevalence(["nih", "vindr"]).set_index(["source", "finding"])
    nih = nih_entries()
    assert table.loc[("nih", "hernia"), "positives"] == nih["hernia"].sum()
    assert table.loc[("nih", "nodule"), "positives"] == (nih["nodule"] | nih["mass"]).sum()  # nodule or mass
    assert table.loc[("nih", "effusion"), "images"] == len(nih)
    votes = vindr_reader_labels().pivot_table(
        index="item", columns="finding", values="label", aggfunc="sum", observed=True
    )
    assert table.loc[("vindr", "pneumothorax"), "positives"] == int((votes["Pneumothorax"] >= 2).sum())
    with pytest.raises(ValueError, match="choose from"):
        imb.real_prevalence(["MIMIC"])
    with pytest.warns(FutureWarning, match="'nih'"):  # the old display spelling, for one release
        assert imb.real_prevalence(["NIH"])["source"].eq("nih").all()


def test_prior_correct_keeps_the_shape_of_multi_label_probabilities():
    from radkit.metrics import prior_correct as one

    p = np.array([[0.1, 0.5], [0.9, 0.3]])
    got = imb.prior_correct(p, train_prevalence=0.5, true_prevalence=0.1)
    assert got.shape == (2, 2)
    np.testing.assert_array_equal(got.ravel(), one(p.ravel(), train_prevalence=0.5, true_prevalence=0.1))


def test_real_prevalence_facts_of_notebook_05():
    """Notebook 05, section 8: facts of the shipped label tables (a table fact is a test, not a claim)."""
    real = imb.real_prevalence()
    prev = real.set_index(["source", "finding"])["prevalence"]
    assert (real.groupby("source")["prevalence"].min() < 0.05).all()  # every table has a rare finding
    assert real["prevalence"].max() / real["prevalence"].min() > 100  # more than two decades
    assert prev["chexpert", "pneumothorax"] > 10 * prev["vindr", "pneumothorax"]
    assert prev["vindr", "cardiomegaly"] > 4 * prev["nih", "cardiomegaly"]


def test_case_control_sizes_keep_the_positives_and_set_the_prevalence_with_negatives():
    # a pool at 2.5%: 40 positives, 1,560 negatives; 32 positives a training set
    y = np.r_[np.zeros(1560, int), np.ones(40, int)]
    sizes = imb.case_control_sizes(y, [0.2, 0.1, 0.05, 0.02, 0.01], positive_share=0.8)
    # hand-worked: n = 32 / prevalence; 0.02 needs 1,568 negatives and 0.01 3,168, more than the pool has
    assert sizes == {0.2: 160, 0.1: 320, 0.05: 640}
    for prevalence, n in sizes.items():
        idx = imb.draw_training_set(y, prevalence=prevalence, n=n, seed=1)
        assert len(idx) == n and int(y[idx].sum()) == 32 and len(set(idx)) == n
        assert y[idx].mean() == pytest.approx(prevalence)
    # every positive kept: the lowest reachable prevalence is the pool's own
    assert imb.case_control_sizes(y, [0.025, 0.024], positive_share=1.0) == {0.025: 1600}
    with pytest.raises(ValueError, match="fewer than min_positives"):
        imb.case_control_sizes(np.r_[np.zeros(100, int), np.ones(5, int)], [0.2])
    with pytest.raises(ValueError, match="positive_share"):
        imb.case_control_sizes(y, [0.2], positive_share=0.0)


def test_compare_methods_takes_a_size_per_prevalence():
    X, y = _blobs(n_neg=400, n_pos=100, seed=6)
    sizes = {0.2: 150, 0.1: 300}
    c = imb.compare_methods(
        X, y, X, y, methods=["plain"], prevalences=list(sizes), n_train=sizes, n_rep=2, seed=3, progress=False
    )
    same = imb.compare_methods(
        X, y, X, y, methods=["plain"], prevalences=[0.2], n_train=150, n_rep=2, seed=3, progress=False
    )
    got = c.rows[c.rows["prevalence"] == 0.2].reset_index(drop=True)
    pd.testing.assert_frame_equal(got, same.rows)
    assert sorted(c.rows["prevalence"].unique()) == [0.1, 0.2]
