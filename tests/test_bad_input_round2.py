"""Bad input, second round (issue 34): one test per class of the probe, each failing on the code before the fix.

Each case asserts the error type and that the message names the argument (or the value) and what to do.
"""

from __future__ import annotations

import signal
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from radkit import adversarial, annotation, costs, drift, explain, fairness, generalization, models, train, validation
from radkit.adjudication import fleiss_kappa
from radkit.augmentation.gan import memorisation_check
from radkit.augmentation.operations import mixup
from radkit.federated import weighted_average
from radkit.imbalance.losses import FocalLoss
from radkit.imbalance.smote_view import normal_neighbour_share
from radkit.stats import t_interval

G = np.random.default_rng(0)
Y = G.integers(0, 2, 300)
S = np.clip(Y * 0.3 + G.random(300) * 0.7, 0, 1)
GROUPS = np.array(["a", "b", "c"])[G.integers(0, 3, 300)]


# 1. A hang -------------------------------------------------------------------------------------------------
def test_mmd_test_refuses_a_zero_chunk_instead_of_looping_forever():
    a, b = G.normal(size=(30, 3)), G.normal(size=(30, 3))
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError("mmd_test hung")))
    signal.alarm(20)
    try:
        for chunk in (0, -5, 2.5):
            with pytest.raises(ValueError, match="chunk"):
                drift.mmd_test(a, b, n_perm=50, seed=0, chunk=chunk)
        assert drift.mmd_test(a, b, n_perm=np.int64(50), seed=0, chunk=np.int64(7)).p_value > 0
    finally:
        signal.alarm(0)


# 3. Uncertain codes read as normal ---------------------------------------------------------------------------
def test_chexpert_uncertain_code_is_refused_with_the_policy_to_choose():
    labels = pd.DataFrame({"pneumothorax": [-1, 0, 1], "effusion": [0, 1, 0]})
    with pytest.raises(ValueError, match="uncertain"):
        costs.triage_labels(labels)
    with pytest.raises(ValueError, match="y_real.*uncertain"):
        normal_neighbour_share(G.normal(size=(6, 2)), [0, 1, -1, 0, 1, 0], G.normal(size=(2, 2)), k=2)


# 4. Label checks bypassed ------------------------------------------------------------------------------------
@pytest.mark.parametrize("loss", [torch.nn.BCEWithLogitsLoss(), FocalLoss()], ids=["custom BCE", "focal"])
def test_fit_checks_labels_whatever_the_loss(loss):
    model = models.make_model("smallcnn", num_classes=1, seed=0)
    X, y = torch.rand(16, 1, 16, 16), torch.randint(0, 2, (16, 1)).float() * 2  # {0, 2}
    with pytest.raises(ValueError, match=r"train_data.*\[2\.0\]"):
        train.fit(model, (X, y), num_epochs=1, lr=1e-3, loss=loss, progress=False, seed=0)


def test_fit_names_numpy_inputs_and_mixup_refuses_integer_labels():
    model = models.make_model("smallcnn", num_classes=1, seed=0)
    with pytest.raises(TypeError, match="torch.from_numpy"):
        train.fit(model, (np.zeros((4, 1, 16, 16)), np.zeros((4, 1))), num_epochs=1, lr=1e-3, progress=False, seed=0)
    x, y = torch.rand(2, 1, 4, 4), torch.tensor([[0], [1]])
    with pytest.raises(TypeError, match=r"y\.float\(\)"):
        mixup(x, y, lam=torch.tensor([0.7, 0.7]), partner=torch.tensor([1, 0]))


# 6. NaN or percent parameters -------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, match", [(50, "did you mean 0.5"), (float("nan"), "NaN")])
def test_probability_thresholds_refuse_percentages_and_nan(bad, match):
    calls = [
        lambda: fairness.group_metrics(Y, S, groups=GROUPS, threshold=bad, n_boot=0, seed=0),
        lambda: fairness.apply_thresholds(S, groups=GROUPS, thresholds={"a": bad, "b": 0.5, "c": 0.5}),
        lambda: fairness.underdiagnosis(1 - Y, 1 - S, groups=GROUPS, threshold=bad, n_boot=0, seed=0),
        lambda: costs.threshold_regret(Y, S, costs.CostMatrix.binary(cost_fp=1, cost_fn=9), threshold=bad),
        lambda: drift.estimate_prior(S, y_val=Y, p_val=S, threshold=bad, n_boot=0, seed=0),
    ]
    for call in calls:
        with pytest.raises(ValueError, match=f"threshold.*{match}|{match}.*threshold"):
            call()


def test_monitoring_rules_refuse_parameters_that_never_fire():
    x = np.r_[np.zeros(10), -np.ones(10)]
    with pytest.raises(ValueError, match="threshold is NaN"):
        drift.threshold_alarm(x, x + 0.1, threshold=float("nan"))
    with pytest.raises(ValueError, match="slack"):
        drift.cusum(x, target=0.0, sigma=1.0, h=float("nan"))
    with pytest.raises(ValueError, match="target"):
        drift.cusum(x, target=float("nan"), sigma=1.0)
    with pytest.raises(ValueError, match="delta"):
        drift.page_hinkley(x, delta=float("nan"), lam=1.0)


def test_attack_budget_in_grey_levels_is_refused_with_the_conversion():
    model = models.make_model("smallcnn", num_classes=2, seed=0).eval()
    with pytest.raises(ValueError, match="8/255"):
        adversarial.fgsm(model, torch.rand(2, 1, 16, 16), torch.tensor([0, 1]), eps=8)


# 7. Positional misalignment ----------------------------------------------------------------------------------
def test_labelers_are_aligned_by_report_not_by_position():
    t = pd.DataFrame({"a": [1, 1, 0, 0], "b": [1, 0, 0, 0]}, index=[10, 11, 12, 13])
    shuffled = t.iloc[::-1][["b", "a"]]  # the same calls, rows and columns in another order
    assert annotation.score_labels(t, shuffled, n_boot=0, seed=0).micro_f1.estimate == 1.0
    other = t.set_axis([20, 21, 22, 23])
    with pytest.raises(ValueError, match="y_pred and y_true do not hold the same reports"):
        annotation.score_labels(t, other, n_boot=0, seed=0)
    with pytest.raises(ValueError, match="y_b"):
        annotation.compare_labelers(t, t, other, n_boot=0, seed=0)


def test_mesh_codes_from_a_csv_round_trip_are_codes_not_characters():
    as_lists = pd.Series([["Cardiomegaly/mild"], ["normal"]])
    as_text = pd.Series(["['Cardiomegaly/mild']", "normal"])
    as_semicolons = pd.Series(["Cardiomegaly/mild;Lung/hypoinflation", "normal"])
    want = annotation.mesh_labels(as_lists, ["cardiomegaly"])
    for codes in (as_text, as_semicolons):
        pd.testing.assert_frame_equal(annotation.mesh_labels(codes, ["cardiomegaly"]), want)


def test_compare_over_seeds_reads_a_boolean_mask_as_a_mask():
    y = np.array([0, 1] * 20)
    mask = np.zeros(40, bool)
    mask[20:] = True

    def fn(seed):
        return y + np.random.default_rng(seed).normal(scale=0.1, size=y.size)

    c = generalization.compare_over_seeds({"m": fn}, y, seeds=[0, 1], external=mask)
    assert c.external["m"].n == 2 and set(c.per_seed["seed"]) == {0, 1}
    with pytest.raises(ValueError, match="mask of 3 values"):
        generalization.compare_over_seeds({"m": fn}, y, seeds=[0, 1], external=np.array([True, False, True]))


# 8. Duplicates and degenerate inputs -------------------------------------------------------------------------
def test_k_center_greedy_never_buys_a_point_twice():
    x = np.zeros((6, 2))  # every point a duplicate: every distance is 0
    picks = annotation.k_center_greedy(x, [0, 1], 4)
    assert sorted(picks.tolist()) == [2, 3, 4, 5]


def test_memorisation_check_refuses_uint8_copies_and_sample_size_refuses_sensitivity_one():
    train_images = torch.rand(10, 1, 8, 8)
    with pytest.raises(TypeError, match="samples"):
        memorisation_check((train_images[:3] * 255).to(torch.uint8), train_images)
    with pytest.raises(ValueError, match="sensitivity=1.0.*0.95"):
        validation.n_for_sens_spec(sensitivity=1.0, prevalence=0.1, half_width=0.05)


def test_em_prior_says_when_it_stopped_unconverged():
    p = np.clip(G.beta(0.5, 5, 500), 1e-6, 1 - 1e-6)
    with pytest.warns(UserWarning, match="did not converge"):
        drift.em_prior(p, 0.3, max_iter=2)


# 9. Typos that return zero -----------------------------------------------------------------------------------
def test_misspelt_padchest_label_is_refused_with_close_matches():
    with pytest.raises(ValueError, match="Did you mean 'pleural effusion'"):
        drift.padchest_by_year("pleural efusion")


# 10. Units and encodings -------------------------------------------------------------------------------------
def test_images_in_0_255_are_refused_not_clamped_to_white():
    x = torch.full((2, 1, 16, 16), 120.0)
    with pytest.raises(ValueError, match="noisy_copy"):
        generalization.noisy_copy(x, sd=0.02, seed=0)
    with pytest.raises(ValueError, match="StyleRandomization"):
        generalization.StyleRandomization(seed=0)(x, torch.ones(2, 1))
    with pytest.raises(ValueError, match="breast_shadow"):
        fairness.breast_shadow(x, ["F", "M"], seed=0)


def test_sex_coded_in_words_and_ambiguous_dates_and_missing_sites_are_named():
    with pytest.raises(ValueError, match="group='female'"):
        fairness.breast_shadow(torch.rand(2, 1, 16, 16), ["female", "male"], seed=0)
    with pytest.raises(ValueError, match="01/02/2020.*YYYY-MM-DD"):
        validation.temporal_split(["01/02/2020", "2021-05-01"], cutoff="2021-01-01")
    with pytest.raises(ValueError, match="no site"):
        validation.site_split(["A", None, "B"], site="B")


def test_a_rescale_slope_of_zero_is_a_corrupt_header():
    from pydicom.dataset import Dataset

    from radkit.dicom.reading import _modality

    ds = Dataset()
    ds.RescaleSlope, ds.RescaleIntercept = 0, -1024
    with pytest.raises(ValueError, match="RescaleSlope"):
        _modality(np.ones((2, 2)), ds)
    ds.RescaleSlope = 2
    assert _modality(np.ones((2, 2)), ds)[0].tolist() == [[-1022.0, -1022.0], [-1022.0, -1022.0]]


# 11. NaN in, NaN out without a word --------------------------------------------------------------------------
def test_nan_inputs_are_named():
    with pytest.warns(UserWarning, match="1 of 3 values are NaN"):
        t_interval([0.8, np.nan, 0.9])
    states = [{"w": torch.tensor([1.0, 2.0])}, {"w": torch.tensor([np.nan, 2.0])}]
    with pytest.raises(ValueError, match="client 1"):
        weighted_average(states, [1, 1])
    agree = pd.DataFrame({"item": np.repeat(range(4), 3), "reader": list("ABC") * 4, "label": 0})
    with pytest.warns(UserWarning, match="undefined"):
        assert np.isnan(fleiss_kappa(agree).estimate)
    model = models.make_model("smallcnn", num_classes=2, seed=0).eval()
    with pytest.raises(ValueError, match="baseline"):
        explain.integrated_gradients(model, torch.rand(1, 1, 16, 16), target=1, baseline=float("nan"))
    est = drift.estimate_prior(S, y_val=Y, p_val=S, n_boot=0, seed=0)
    assert "bootstrap" not in est.method and np.isnan(est.low)


# 12. Cryptic errors ------------------------------------------------------------------------------------------
def test_numpy_integers_are_whole_numbers():
    model = models.make_model("smallcnn", num_classes=2, seed=np.int64(0)).eval()
    x, y = torch.rand(2, 1, 16, 16), torch.tensor([0, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = adversarial.pgd(model, x, y, eps=np.float64(2 / 255), steps=np.int64(3), seed=0)
    assert out.shape == x.shape


def test_embed_names_a_layer_outside_the_model_and_reader_study_names_a_typo():
    model = models.make_model("smallcnn", num_classes=1, seed=0)
    with pytest.raises(ValueError, match="not a module of this model"):
        train.embed(model, torch.rand(2, 1, 16, 16), layer=torch.nn.Linear(2, 2), progress=False)
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0])
    u = np.array([[1, 0], [0, 1], [1, 1], [0, 0], [0, 0], [0, 1], [0, 0], [0, 0]])
    study = validation.reader_study(y, u, u, n_boot=20, seed=0)
    with pytest.raises(ValueError, match="Did you mean 'sensitivity'"):
        study.difference("sensitvity")


# 5. Undefined read as perfect --------------------------------------------------------------------------------
def test_a_gap_with_one_defined_group_is_undefined_not_zero():
    y = np.array([1, 0, 1, 0, 0, 0, 0, 0])
    s = np.array([0.9, 0.1, 0.8, 0.2, 0.3, 0.6, 0.2, 0.1])
    with pytest.warns(UserWarning, match="no positive"):
        gm = fairness.group_metrics(y, s, groups=list("AAAABBBB"), threshold=0.5, n_boot=0, seed=0)
    assert np.isnan(gm.gaps.loc["equal_opportunity_difference", "estimate"])  # was 0.0: "perfectly fair"
    assert gm.gaps.loc["false_positive_rate_difference", "estimate"] == pytest.approx(0.25)
