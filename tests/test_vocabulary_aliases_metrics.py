"""Old parameter names of metrics, costs, validation and the reader modules still work, with a FutureWarning.

Issue 29 renamed them to the one vocabulary (README, "Glossary"): ``y_score``, ``sensitivity``,
``specificity``, ``groups``, ``cost_fp``/``cost_fn``, ``y_true``. Each alias must warn and give the
same result as the new name; the new name must not warn.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from radkit import costs, metrics, synth
from radkit import validation as val
from radkit._validate import check_probabilities
from radkit.adjudication import label_process, reader_panels
from radkit.costs import plots as cplots
from radkit.metrics import plots as mplots

Y = np.array([0, 0, 1, 1, 0, 1, 0, 1, 1, 0])
P = np.array([0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.6, 0.7, 0.55, 0.3])
P2 = np.c_[1 - P, P]
COST = costs.CostMatrix.binary(cost_fp=1, cost_fn=4)
FRAME = pd.DataFrame({"g": list("aabbaabbab"), "y_true": Y, "y_pred": (P >= 0.5).astype(int)})


def _same(a, b) -> None:
    """Equal results, whatever their type (numbers, arrays, frames, dataclasses, estimates)."""
    if isinstance(a, pd.DataFrame | pd.Series):
        pd.testing.assert_frame_equal(pd.DataFrame(a), pd.DataFrame(b))
    elif hasattr(a, "to_frame") and not isinstance(a, pd.Series):
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    elif hasattr(a, "__dict__") and not callable(a):
        assert vars(a).keys() == vars(b).keys()
        for k in vars(a):
            _same(vars(a)[k], vars(b)[k])
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, tuple | list):
        assert len(a) == len(b)
        for x, z in zip(a, b, strict=True):
            _same(x, z)
    else:
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def _new(func, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        return func(*args, **kwargs)


def _old(func, args, kwargs, olds):
    """Call with the old names; each old name must raise its own FutureWarning."""
    with pytest.warns(FutureWarning) as caught:
        out = func(*args, **kwargs)
    said = " ".join(str(w.message) for w in caught if issubclass(w.category, FutureWarning))
    for old in olds:
        assert f"({old}=...) is deprecated" in said, said
    return out


# (function, {old: new}, positional args, keyword args by their NEW names)
METRICS = [
    (metrics.reliability_curve, {"y_prob": "y_score"}, (Y,), {"y_score": P, "n_bins": 3}),
    (metrics.expected_calibration_error, {"y_prob": "y_score"}, (Y,), {"y_score": P, "n_bins": 3}),
    (metrics.brier_score, {"y_prob": "y_score"}, (Y,), {"y_score": P}),
    (metrics.net_benefit, {"y_prob": "y_score"}, (Y,), {"y_score": P, "pt": 0.3}),
    (metrics.decision_curve, {"y_prob": "y_score"}, (Y,), {"y_score": P, "thresholds": [0.2, 0.4]}),
    (
        metrics.ppv_at_prevalence,
        {"sens": "sensitivity", "spec": "specificity"},
        (),
        {"sensitivity": 0.9, "specificity": 0.8, "prevalence": 0.1},
    ),
    (
        metrics.npv_at_prevalence,
        {"sens": "sensitivity", "spec": "specificity"},
        (),
        {"sensitivity": 0.9, "specificity": 0.8, "prevalence": 0.1},
    ),
    (
        mplots.expected_counts,
        {"sens": "sensitivity", "spec": "specificity"},
        (),
        {"sensitivity": 0.9, "specificity": 0.8, "prevalence": 0.1},
    ),
    (metrics.measures_by_group, {"by": "groups"}, (FRAME,), {"groups": "g", "n_boot": 20, "seed": 0}),
    (metrics.by_group_confusion, {"by": "groups"}, (FRAME,), {"groups": "g", "n_boot": 20, "seed": 0, "warn": False}),
    (metrics.fit_platt, {"y": "y_true"}, (P * 4 - 2,), {"y_true": Y}),
    (metrics.fit_temperature, {"y": "y_true"}, (P * 4 - 2,), {"y_true": Y}),
    (
        lambda **kw: metrics.TemperatureScaler().fit(**kw).temperature_,
        {"y": "y_true"},
        (),
        {"logits": P * 4 - 2, "y_true": Y},
    ),
    (lambda **kw: metrics.PlattScaler().fit_transform(**kw), {"y": "y_true"}, (), {"logits": P * 4 - 2, "y_true": Y}),
    (
        lambda **kw: metrics.IsotonicCalibrator().fit(**kw).transform(P),
        {"y": "y_true"},
        (),
        {"y_score": P, "y_true": Y},
    ),
]

COSTS = [
    (costs.CostMatrix.binary, {"c_fp": "cost_fp", "c_fn": "cost_fn"}, (), {"cost_fp": 1, "cost_fn": 4}),
    (costs.best_threshold, {"y_prob": "y_score"}, (Y,), {"y_score": P, "cost": COST, "n_boot": 20, "seed": 0}),
    (
        costs.shift_probabilities,
        {"y_prob": "y_score"},
        (),
        {"y_score": P2, "train_prevalence": [0.5, 0.5], "deploy_prevalence": [0.9, 0.1]},
    ),
    (costs.bayes_decision, {"y_prob": "y_score"}, (), {"y_score": P2, "cost": COST}),
    (costs.threshold_regret, {"y_prob": "y_score"}, (Y,), {"y_score": P, "cost": COST, "threshold": 0.5}),
    (check_probabilities, {"y_prob": "y_score"}, (), {"y_score": P2}),
]

TRUTH = np.array([1, 0, 0, 1, 0, 0, 0, 1] * 10)
READS = synth.simulate_readers(TRUTH, sensitivity=[0.9, 0.7, 0.6], specificity=[0.95, 0.8, 0.7], seed=0).labels
SCORES = pd.DataFrame(
    {
        "design": ["a"] * 6,
        "panel": [0, 0, 1, 1, 2, 2],
        "label model": ["X", "Y"] * 3,
        "accuracy": [0.9, 0.8, 0.85, 0.8, 0.8, 0.82],
    }
)
DATES = pd.date_range("2024-01-01", periods=len(Y), freq="MS")

OTHERS = [
    (
        val.n_for_sens_spec,
        {"sens": "sensitivity", "spec": "specificity", "spec_half_width": "specificity_half_width"},
        (),
        {"sensitivity": 0.9, "specificity": 0.8, "prevalence": 0.1, "half_width": 0.05, "specificity_half_width": 0.03},
    ),
    (
        val.sens_interval_width,
        {"sens": "sensitivity"},
        (),
        {"sensitivity": 0.9, "prevalence": 0.1, "n": 300, "n_studies": 50, "seed": 0},
    ),
    (
        val.silent_trial,
        {"model_prob": "y_score"},
        (Y,),
        {"y_score": P, "reader_call": FRAME["y_pred"], "dates": DATES, "threshold": 0.5},
    ),
    (
        synth.simulate_readers,
        {"sens": "sensitivity", "spec": "specificity"},
        (TRUTH,),
        {"sensitivity": [0.9, 0.7], "specificity": 0.9, "seed": 1},
    ),
    (
        label_process.expected_kappa,
        {"sens": "sensitivity", "spec": "specificity"},
        (),
        {"sensitivity": 0.8, "specificity": 0.9, "prevalence": [0.01, 0.1]},
    ),
    (
        lambda *a, **kw: label_process.adjudicate(*a, **kw).labels,
        {"expert_sens": "expert_sensitivity", "expert_spec": "expert_specificity"},
        (READS, TRUTH),
        {"expert_sensitivity": 0.9, "expert_specificity": 0.95, "seed": 2},
    ),
    (
        reader_panels.compare_protocols,
        {
            "sens": "sensitivity",
            "spec": "specificity",
            "expert_sens": "expert_sensitivity",
            "expert_spec": "expert_specificity",
        },
        (TRUTH,),
        {
            "sensitivity": [0.8, 0.7, 0.6],
            "specificity": [0.9, 0.8, 0.7],
            "expert_sensitivity": 0.95,
            "expert_specificity": 0.98,
            "seed": 1,
        },
    ),
    (reader_panels.paired_differences, {"by": "groups"}, (SCORES, "X", "Y"), {"groups": "design"}),
]

PLOTS = [
    (
        mplots.plot_prevalence_sweep,
        {"sens": "sensitivity", "spec": "specificity"},
        (),
        {"sensitivity": 0.9, "specificity": 0.8},
    ),
    (
        mplots.plot_confusion_at_prevalence,
        {"sens": "sensitivity", "spec": "specificity"},
        (),
        {"sensitivity": 0.9, "specificity": 0.8, "prevalence": 0.1},
    ),
    (mplots.plot_reliability, {"probs": "y_score"}, (Y,), {"y_score": {"model": P}, "n_bins": 3}),
    (mplots.plot_decision_curve, {"probs": "y_score"}, (Y,), {"y_score": {"model": P}}),
    (cplots.plot_cost_vs_threshold, {"probs": "y_score"}, (Y,), {"y_score": {"model": P}, "cost": COST}),
    (lambda *a, **kw: cplots.plot_cost_at_ratio(*a, **kw)[0], {"y_prob": "y_score"}, (Y,), {"y_score": P, "ratio": 4}),
]

CASES = METRICS + COSTS + OTHERS


def _ids(cases):
    return [getattr(c[0], "__qualname__", "f") + ":" + ",".join(c[1]) for c in cases]


def _rename(kwargs: dict, old_to_new: dict) -> dict:
    new_to_old = {v: k for k, v in old_to_new.items()}
    return {new_to_old.get(k, k): v for k, v in kwargs.items()}


@pytest.mark.parametrize(("func", "old_to_new", "args", "kwargs"), CASES, ids=_ids(CASES))
def test_old_keyword_warns_and_gives_the_same_result(func, old_to_new, args, kwargs):
    want = _new(func, args, kwargs)
    got = _old(func, args, _rename(kwargs, old_to_new), old_to_new)
    _same(got, want)


@pytest.mark.parametrize(("func", "old_to_new", "args", "kwargs"), PLOTS, ids=_ids(PLOTS))
def test_old_keyword_of_a_figure_warns_and_draws_the_same(func, old_to_new, args, kwargs):
    def drawn(ax):
        return [(tuple(line.get_xdata()), tuple(line.get_ydata())) for line in ax.get_lines()], ax.get_title()

    want = drawn(_new(func, args, kwargs))
    got = drawn(_old(func, args, _rename(kwargs, old_to_new), old_to_new))
    plt.close("all")
    assert got == want


def test_both_old_and_new_name_is_an_error():
    with pytest.raises(TypeError, match="both"):
        metrics.brier_score(Y, y_score=P, y_prob=P)


def test_threshold_for_sensitivity_target_is_keyword_only_with_a_positional_alias():
    want = _new(metrics.threshold_for_sensitivity, (Y, P), {"target": 0.8})
    with pytest.warns(FutureWarning, match="target=... as a keyword"):
        got = metrics.threshold_for_sensitivity(Y, P, 0.8)
    assert got == want
    with pytest.raises(TypeError, match="only once"):
        metrics.threshold_for_sensitivity(Y, P, 0.8, target=0.8)


def test_report_names_the_roc_area_auc():
    r = metrics.report(Y, P, threshold=0.5)
    assert "auc" in r.index and "auroc" not in r.index


def test_cost_matrix_c_fp_and_c_fn_attributes_warn_and_read_the_same():
    with pytest.warns(FutureWarning, match="cost_fp"):
        assert COST.c_fp == COST.cost_fp == 1
    with pytest.warns(FutureWarning, match="cost_fn"):
        assert COST.c_fn == COST.cost_fn == 4


def test_validation_report_old_keywords_warn_and_write_the_same_report():
    gen = np.random.default_rng(0)
    y = gen.integers(0, 2, 200)
    p = 1 / (1 + np.exp(-(2 * y - 1 + gen.normal(size=200))))
    meta = pd.DataFrame(
        {
            "site": gen.choice(["A", "B"], 200),
            "sex": gen.choice(["F", "M"], 200),
            "date": pd.Timestamp("2024-01-01") + pd.to_timedelta(gen.integers(0, 300, 200), "D"),
        }
    )
    common = dict(
        title="t", y_true=y, meta=meta, model="m", outcome="o", reference_standard="r", threshold=0.5, n_boot=10, seed=0
    )
    want = _new(val.report, (), common | {"y_score": p, "groups": ("sex",)})
    got = _old(val.report, (), common | {"y_prob": p, "subgroups": ("sex",)}, ("y_prob", "subgroups"))
    plt.close("all")
    assert got.markdown == want.markdown


def test_make_policy_base_is_called_policy_not_spec():
    from radkit.augmentation import SAFE_CXR, make_policy

    want = _new(make_policy, (), {"policy": SAFE_CXR, "elastic": 0.02})
    got = _old(make_policy, (), {"spec": SAFE_CXR, "elastic": 0.02}, ("spec",))
    assert got == want == make_policy(SAFE_CXR, elastic=0.02)


def test_compare_over_panels_takes_the_new_reader_names():
    designs = {"a": dict(sensitivity=0.8, specificity=0.9)}
    want = _new(reader_panels.compare_over_panels, (TRUTH, designs), {"seeds": [3], "progress": False})
    got = _old(
        reader_panels.compare_over_panels,
        (TRUTH, {"a": dict(sens=0.8, spec=0.9)}),
        {"seeds": [3], "progress": False},
        ("sens", "spec"),
    )
    pd.testing.assert_frame_equal(got, want)


@pytest.mark.parametrize(
    ("old", "new", "names"),
    [
        (
            "radkit.label_process",
            "radkit.adjudication.label_process",
            ["expected_kappa", "label_quality", "compare_label_models", "adjudicate", "Adjudication"],
        ),
        (
            "radkit.reader_panels",
            "radkit.adjudication.reader_panels",
            ["compare_over_panels", "compare_protocols", "paired_differences", "plot_panel_differences"],
        ),
    ],
)
def test_moved_modules_forward_every_name_with_a_future_warning(old, new, names):
    import importlib

    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    for name in names:
        with pytest.warns(FutureWarning, match=rf"{old}\.{name} is deprecated: use {new}\.{name}"):
            assert getattr(old_module, name) is getattr(new_module, name)
    with pytest.raises(AttributeError):
        old_module.no_such_name  # noqa: B018


def test_dawid_skene_sens_and_spec_attributes_warn_and_read_the_same():
    from radkit.adjudication import dawid_skene

    res = dawid_skene(READS)
    assert list(res.readers.columns) == ["n_labels", "sensitivity", "n_pos", "specificity", "n_neg"]
    with pytest.warns(FutureWarning, match="sensitivity"):
        pd.testing.assert_series_equal(res.sens, res.sensitivity)
    with pytest.warns(FutureWarning, match="specificity"):
        pd.testing.assert_series_equal(res.spec, res.specificity)
