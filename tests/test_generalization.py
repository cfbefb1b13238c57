"""radkit.generalization: splits, counterfactuals, harmonization against scikit-image, gradient reversal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import radkit.generalization as G
from radkit.synth import generate

# ----------------------------------------------------------------------------- splits


def test_leave_one_site_out_is_disjoint_and_covers_every_site():
    site = np.array(list("AAAAABBBBBBCCCCDDD"))
    folds = G.leave_one_site_out(site, test_fraction=0.4, seed=3)
    assert [f.external_sites for f in folds] == [("A",), ("B",), ("C",), ("D",)]
    for f in folds:
        parts = [set(f.train), set(f.internal), set(f.external)]
        assert all(not (a & b) for i, a in enumerate(parts) for b in parts[i + 1 :])
        assert set().union(*parts) == set(range(site.size))
        assert set(site[f.external]) == set(f.external_sites)
        assert not set(site[f.train]) & set(f.external_sites)
        assert set(site[f.internal]) == set(site[f.train])  # the internal test has every training site
    assert sorted(np.concatenate([f.external for f in folds]).tolist()) == list(range(site.size))


def test_site_split_is_deterministic_and_stratified_by_site():
    site = np.repeat(["A", "B", "C"], [100, 50, 30])
    a, b = (G.site_split(site, external="C", test_fraction=0.3, seed=7) for _ in range(2))
    assert np.array_equal(a.internal, b.internal)
    counts = pd.Series(site[a.internal]).value_counts()
    assert counts["A"] == 30 and counts["B"] == 15
    assert a.to_frame(site).loc["C", "external"] == 30


def test_site_split_bad_input():
    site = ["A"] * 4 + ["B"] * 4
    with pytest.raises(ValueError, match="not found.*sites"):
        G.site_split(site, external="Z", seed=0)
    with pytest.raises(ValueError, match="nothing to train"):
        G.site_split(site, external=["A", "B"], seed=0)
    site = ["A"] * 10 + ["B"] * 4
    y = [0, 1] * 5 + [0, 0, 0, 0]  # the external site B has no positives
    with pytest.raises(ValueError, match="Site 'B' has no positives"):
        G.site_split(site, external="B", test_fraction=0.5, seed=0, y_true=y)
    with pytest.raises(ValueError, match="missing"):
        G.site_split(["A", None, "B"], external="B", seed=0)


# ----------------------------------------------------------------------------- counterfactuals


@pytest.fixture(scope="module")
def shortcut():
    return G.shortcut_data(n_train=32, n_test=16, size=32, seed=5, masks=True)


def test_shortcut_data_has_zech_prevalences_and_markers(shortcut):
    t = shortcut.to_frame()
    assert shortcut.prevalence == {"A": 0.342, "B": 0.012, "C": 0.15}
    assert t.loc[("train", "A"), "marker"] == 1.0 and t.loc[("external", "C"), "marker"] == 0.0
    big = G.shortcut_data(n_train=2000, n_test=8, size=16, seed=1)
    prev = big.to_frame().loc["train", "prevalence"]
    assert prev["A"] == pytest.approx(0.342, abs=0.04) and prev["B"] == pytest.approx(0.012, abs=0.01)
    bal = G.shortcut_data(n_train=2000, n_test=8, size=16, seed=1, balance=True).to_frame().loc["train"]
    assert abs(bal.loc["A", "prevalence"] - bal.loc["B", "prevalence"]) < 0.05


def test_counterfactual_changes_only_the_marker(shortcut):
    d = shortcut.internal
    cf = G.counterfactual(d, G.swap_markers(*shortcut.sites[:2]))
    pd.testing.assert_frame_equal(cf.labels, d.labels)
    pd.testing.assert_frame_equal(cf.meta.drop(columns="marker"), d.meta.drop(columns="marker"))
    for p in d.masks:  # same findings drawn in the same places
        assert torch.equal(cf.masks[p], d.masks[p])
    assert torch.equal(cf.lungs, d.lungs)
    diff = (cf.images != d.images).any(1)  # N x H x W
    # only the corner strips where the two markers sit differ (top rows), never the lungs
    assert diff.any() and not diff[:, 12:, :].any()
    assert not (diff & d.lungs[:, 0]).any()


def test_counterfactual_style_keeps_patients_and_rejects_population_changes(shortcut):
    d = shortcut.external
    cf = G.counterfactual(d, {"C": {"gamma": 1.4, "noise": 0.04}})
    pd.testing.assert_frame_equal(cf.meta, d.meta)
    assert not torch.equal(cf.images, d.images)
    with pytest.raises(ValueError, match="unknown site"):
        G.counterfactual(d, {"Q": {"gamma": 1.2}})
    with pytest.raises(ValueError, match="change the patients"):
        G.counterfactual(d, {"C": {"age_mean": 30}})


def test_counterfactual_without_change_reproduces_the_set():
    d = generate(20, size=32, seed=2, masks=False, device="cpu")
    same = G.counterfactual(d, {"A": {}})
    assert torch.equal(same.images, d.images)


def test_mask_corners_and_noisy_copy():
    x = torch.rand(2, 1, 20, 20)
    m = G.mask_corners(x, frac=0.1)
    assert float(m[..., :2, :2].abs().sum()) == 0 and torch.equal(m[..., 5:15, :], x[..., 5:15, :])
    assert torch.equal(x, x.clone())  # input untouched
    with pytest.raises(ValueError, match="frac"):
        G.mask_corners(x, frac=0.6)
    a, b = G.noisy_copy(x, sd=0.01, seed=1), G.noisy_copy(x, sd=0.01, seed=1)
    assert torch.equal(a, b) and not torch.equal(a, x)


# ----------------------------------------------------------------------------- harmonization


def test_match_histograms_equals_scikit_image():
    exposure = pytest.importorskip("skimage.exposure")
    g = np.random.default_rng(0)
    src = g.random((3, 1, 24, 24)).astype(np.float32) ** 2
    ref = (g.random((1, 24, 24)) ** 0.5).astype(np.float32)
    ours = G.match_histograms(src, ref).numpy()
    for i in range(3):
        theirs = exposure.match_histograms(src[i, 0].astype(np.float64), ref[0].astype(np.float64))
        np.testing.assert_allclose(ours[i, 0], theirs, atol=1e-6)


def test_match_histograms_on_synthetic_sites_equals_scikit_image_and_removes_gamma():
    exposure = pytest.importorskip("skimage.exposure")
    d = generate(6, size=32, seed=0, masks=False, device="cpu")
    x, ref = d.images, d.images[0]
    ours = G.match_histograms(x, ref).numpy()
    theirs = exposure.match_histograms(x[3, 0].numpy().astype(np.float64), ref[0].numpy().astype(np.float64))
    np.testing.assert_allclose(ours[3, 0], theirs, atol=1e-6)
    # a monotone contrast curve is undone exactly
    bent = x**1.7
    np.testing.assert_allclose(G.match_histograms(bent, ref).numpy(), ours, atol=1e-6)


def test_harmonize_bad_input():
    with pytest.raises(ValueError, match="resize the reference"):
        G.match_histograms(torch.rand(2, 1, 16, 16), torch.rand(1, 8, 8))
    with pytest.raises(ValueError, match="N x C x H x W"):
        G.standardize(torch.rand(16, 16))
    with pytest.raises(ValueError, match="NaN"):
        G.standardize(torch.full((1, 1, 4, 4), float("nan")))


def test_standardize_matches_numpy():
    x = np.random.default_rng(1).random((4, 1, 8, 8)).astype(np.float32)
    want = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / x.std(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(G.standardize(x).numpy(), want, atol=1e-5)


def test_site_probe_sees_texture_but_not_pure_noise():
    g = np.random.default_rng(2)
    site = np.repeat(["A", "B"], 80)
    x = torch.tensor(g.random((160, 1, 16, 16)), dtype=torch.float32) * 0.1 + 0.5
    same = G.site_probe(G.texture_features(x, pool=4), site, seed=0)
    assert abs(same.auc.estimate - 0.5) < 0.15
    x[80:] += torch.tensor(g.normal(0, 0.2, (80, 1, 16, 16)), dtype=torch.float32)  # site B is noisier
    noisy = G.site_probe(G.texture_features(x, pool=4), site, seed=0)
    assert noisy.auc.low > 0.9
    with pytest.raises(ValueError, match="pair="):
        G.site_probe(x, np.repeat(["A", "B", "C"], [60, 60, 40]), seed=0)
    with pytest.raises(ValueError, match="two different sites"):
        G.site_probe(x, site, seed=0, pair=("A", "Z"))


# ----------------------------------------------------------------------------- adaptation


def test_gradient_reversal_is_identity_forward_and_minus_lambda_backward():
    x = torch.randn(5, 3, requires_grad=True)
    w = torch.randn(5, 3)
    y = G.grad_reverse(x, 0.7)
    assert torch.equal(y, x)
    (y * w).sum().backward()
    torch.testing.assert_close(x.grad, -0.7 * w)
    x.grad = None
    (G.grad_reverse(x, 0.0) * w).sum().backward()
    assert float(x.grad.abs().sum()) == 0.0
    with pytest.raises(ValueError, match="lambd"):
        G.grad_reverse(x, -1.0)


def test_dann_reverses_only_the_domain_gradient():
    import radkit.models

    m = G.DANN(radkit.models.make_model("smallcnn", num_classes=1, seed=0), lambd=0.5)
    x = torch.rand(4, 1, 32, 32)
    f = m.embed(x).detach().requires_grad_(True)
    out = torch.cat([m.backbone.head(f), m.domain(G.grad_reverse(f, m.lambd))], 1)
    out[:, 1].sum().backward()
    g_rev = f.grad.clone()
    f.grad = None
    m.domain(f)[:, 0].sum().backward()
    torch.testing.assert_close(g_rev, -0.5 * f.grad)


def test_dann_trains_through_radkit_fit_and_ignores_target_labels():
    import radkit.models
    import radkit.train

    g = torch.Generator().manual_seed(0)
    xs, xt = torch.rand(48, 1, 16, 16, generator=g), torch.rand(24, 1, 16, 16, generator=g) * 0.5
    ys = (xs.mean((1, 2, 3)) > 0.5).float()[:, None]
    X, Y = G.dann_data(xs, ys, xt)
    assert Y.shape == (72, 2) and torch.isnan(Y[48:, 0]).all() and Y[48:, 1].eq(1).all()
    m = G.DANN(radkit.models.make_model("smallcnn", num_classes=1, seed=0), lambd=0.3)
    h = radkit.train.fit(m, (X, Y), num_epochs=2, lr=1e-2, batch_size=16, progress=False, device="cpu", seed=0)
    assert np.isfinite(h["train_loss"]).all()
    assert radkit.train.predict(m, xt).shape == (24, 2)
    with pytest.raises(ValueError, match="target"):
        G.dann_data(xs, ys, xt[:0])
    with pytest.raises(TypeError, match="features"):
        G.DANN(torch.nn.Linear(3, 1))


def test_style_randomization_is_seeded_keeps_labels_and_range():
    x, y = torch.rand(8, 1, 16, 16), torch.ones(8, 1)
    a = G.StyleRandomization(seed=3)(x, y)
    b = G.StyleRandomization(seed=3)(x, y)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], y)
    assert float(a[0].min()) >= 0 and float(a[0].max()) <= 1 and not torch.equal(a[0], x)
    off = G.StyleRandomization(seed=3, gamma=(1.0, 1.0), window=0, blur=0, noise=0)(x, y)[0]
    torch.testing.assert_close(off, x.clamp(1e-6, 1), atol=1e-6, rtol=0)
    with pytest.raises(ValueError, match="gamma"):
        G.StyleRandomization(seed=0, gamma=(0, 1))


# ----------------------------------------------------------------------------- evaluation


def test_auc_gap_matches_sklearn_and_delong_variance():
    from sklearn.metrics import roc_auc_score

    from radkit.metrics import delong_auc

    g = np.random.default_rng(4)
    yi, ye = g.integers(0, 2, 300), g.integers(0, 2, 200)
    si, se = yi + g.normal(0, 0.7, 300), ye + g.normal(0, 1.5, 200)
    gap = G.auc_gap(yi, si, ye, se)
    assert gap.internal.estimate == pytest.approx(roc_auc_score(yi, si))
    assert gap.external.estimate == pytest.approx(roc_auc_score(ye, se))
    se_drop = np.hypot(delong_auc(yi, si).se, delong_auc(ye, se).se)
    assert gap.drop.high - gap.drop.low == pytest.approx(2 * 1.959964 * se_drop, rel=1e-5)
    assert list(gap.to_frame().index) == ["internal AUC", "external AUC", "drop (internal - external)"]


def _delong_by_pairs(y, s):
    """DeLong's AUC and variance from the O(m n) pairwise kernel (DeLong et al. 1988), independent of Sun & Xu."""
    pos, neg = s[y == 1], s[y == 0]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(1), psi.mean(0)
    return psi.mean(), v10.var(ddof=1) / pos.size + v01.var(ddof=1) / neg.size


def test_per_source_auc_matches_sklearn_pairwise_delong_and_auc_gap():
    from scipy.stats import norm
    from sklearn.metrics import roc_auc_score

    g = np.random.default_rng(11)
    y = {"internal": g.binomial(1, 0.3, 400), "source B": g.binomial(1, 0.08, 600), "source C": g.binomial(1, 0.5, 150)}
    shift = {"internal": 1.5, "source B": 0.8, "source C": 0.3}
    s = {k: np.round(v * shift[k] + g.normal(0, 1, v.size), 1) for k, v in y.items()}  # rounding makes ties
    t = G.per_source_auc({k: (y[k], s[k]) for k in y}, reference="internal")
    assert list(t.index) == ["internal", "source B", "source C"] and t.attrs["reference"] == "internal"
    z = norm.ppf(0.975)
    for k in y:
        auc, var = _delong_by_pairs(y[k], s[k])
        assert t.loc[k, "AUC"] == pytest.approx(roc_auc_score(y[k], s[k]), abs=1e-12)
        assert t.loc[k, "AUC"] == pytest.approx(auc, abs=1e-12)
        assert t.loc[k, "AUC low"] == pytest.approx(max(0.0, auc - z * np.sqrt(var)), abs=1e-9)
        assert t.loc[k, "AUC high"] == pytest.approx(min(1.0, auc + z * np.sqrt(var)), abs=1e-9)
        assert t.loc[k, "films"] == y[k].size and t.loc[k, "positives"] == y[k].sum()
        assert t.loc[k, "prevalence"] == pytest.approx(y[k].mean())
    for k in ("source B", "source C"):
        gap = G.auc_gap(y["internal"], s["internal"], y[k], s[k])
        assert t.loc[k, "drop"] == pytest.approx(gap.drop.estimate)
        assert (t.loc[k, "drop low"], t.loc[k, "drop high"]) == pytest.approx((gap.drop.low, gap.drop.high))
    assert t.loc["internal", ["drop", "drop low", "drop high"]].isna().all()
    assert t.loc["source C", "drop"] > t.loc["source B", "drop"] > 0  # the weaker the signal, the larger the drop
    # another reference and level
    t90 = G.per_source_auc({k: (y[k], s[k]) for k in y}, reference="source C", level=0.9)
    assert t90.loc["internal", "drop"] == pytest.approx(-t.loc["source C", "drop"])
    assert (
        t90.loc["internal", "AUC high"] - t90.loc["internal", "AUC low"]
        < t.loc["internal", "AUC high"] - t.loc["internal", "AUC low"]
    )


def test_per_source_auc_goes_on_without_positives_and_leaves_out_unknown_labels():
    y_rare = np.r_[np.zeros(50), 1.0]
    y_unknown = np.r_[np.zeros(20), np.ones(20), np.nan, np.nan]
    s_unknown = np.r_[np.linspace(0, 1, 40), 5.0, 6.0]
    t = G.per_source_auc(
        {
            "internal": ([0, 0, 1, 1, 0, 1], [0.1, 0.3, 0.8, 0.7, 0.6, 0.2]),
            "rare": (y_rare, np.linspace(0, 1, 51)),
            "unknown": (y_unknown, s_unknown),
        }
    )
    assert np.isnan(t.loc["rare", "AUC"]) and np.isnan(t.loc["rare", "drop"])
    assert t.loc["rare", "note"] == "AUC not estimable: 1 positive, 50 negative films"
    assert t.loc["unknown", "films"] == 40 and t.loc["unknown", "AUC"] == pytest.approx(1.0)
    assert t.loc["unknown", "note"] == "2 unknown labels left out"
    with pytest.raises(ValueError, match="empty"):
        G.per_source_auc({})
    with pytest.raises(ValueError, match="reference='x' is not one of"):
        G.per_source_auc({"a": ([0, 1], [0.1, 0.2])}, reference="x")
    with pytest.raises(ValueError, match="3 labels but 2 scores"):
        G.per_source_auc({"a": ([0, 1, 1], [0.1, 0.2])})
    with pytest.raises(TypeError, match="pair"):
        G.per_source_auc({"a": [0, 1, 1]})
    with pytest.raises(ValueError, match="no film with a known label"):
        G.per_source_auc({"a": ([np.nan], [0.1])})


def test_prediction_shift_and_bad_input():
    e = G.prediction_shift([0.2, 0.4], [0.3, 0.1], seed=0, n_boot=200)
    assert e.estimate == pytest.approx(0.2) and e.low <= e.estimate <= e.high
    with pytest.raises(ValueError, match="same"):
        G.prediction_shift([0.1], [0.1, 0.2], seed=0)
    with pytest.raises(ValueError, match="NaN"):
        G.prediction_shift([np.nan], [0.1], seed=0)


def test_stamp_markers_equals_the_generators_marker():
    from dataclasses import replace

    site = replace(G.SHORTCUT_SITES[0], name="Z")
    with_marker = generate(8, size=32, seed=4, sites=[site], masks=False, device="cpu")
    without = G.counterfactual(with_marker, {"Z": {"marker": ""}})
    stamped = G.stamp_markers(without.images, np.ones(8, bool), site=site)
    assert torch.equal(stamped, with_marker.images)
    with pytest.raises(ValueError, match="no marker"):
        G.stamp_markers(without.images, np.ones(8, bool), site=G.SHORTCUT_SITES[2])


def test_correlated_flags_rates():
    y = np.repeat([0, 1], 5000)
    f = G.correlated_flags(y, corr=0.6, rate=0.5, seed=0)
    # P(flag | y=1) = corr + (1 - corr) * rate = 0.8; P(flag | y=0) = (1 - corr) * rate = 0.2
    assert f[y == 1].mean() == pytest.approx(0.8, abs=0.02) and f[y == 0].mean() == pytest.approx(0.2, abs=0.02)


def test_dann_takes_the_full_profiles_resnet():
    """The full profile trains DANN on ResNet-18 (no features/pool/head): the last Linear's input is read."""
    import radkit.models

    net = radkit.models.make_model("resnet18", num_classes=1, seed=0)
    m = G.DANN(net, lambd=0.3)
    x = torch.rand(3, 1, 64, 64)
    out = m.eval()(x)
    assert out.shape == (3, 2)
    with torch.no_grad():
        assert torch.allclose(out[:, :1], net(x)) and m.embed(x).shape == (3, 512)
    out.sum().backward()  # the domain head's gradient reaches the backbone through the hook
    assert next(net.parameters()).grad is not None


def test_effusion_prevalence_differs_several_fold_between_public_sources():
    """Notebook 08 section 5's fact of the shipped tables (moved from its Claims: a fact, not a finding)."""
    from radkit.public import chexpert_labels, padchest_entries
    from radkit.stats import wilson_ci

    chex = chexpert_labels(uncertain="keep")
    chex = chex[chex["frontal_lateral"] == "Frontal"]
    pad = padchest_entries()
    pad = pad[pad["projection"].isin(["PA", "AP", "AP_horizontal"])]
    c_pos, c_n = int((chex["pleural_effusion"] == 1).sum()), len(chex)
    p_pos, p_n = int(pad["labels"].map(lambda labels: "pleural effusion" in labels).sum()), len(pad)
    c_low, _ = wilson_ci(c_pos, c_n)
    _, p_high = wilson_ci(p_pos, p_n)
    assert c_low / p_high >= 5  # CheXpert's effusion share is at least five times PadChest's
