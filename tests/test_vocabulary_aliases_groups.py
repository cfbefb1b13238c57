"""Old parameter names (before the one vocabulary, README "Glossary") still work, warn, and give the same result.

One case per renamed function family: stats and fairness (``by``/``sensitive_features`` -> ``groups``),
drift, imbalance, annotation, explain, generalization. Each calls the function twice, with the new and
the old keyword, and checks the old one raises a FutureWarning and returns the same value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, pd.Index):
        assert a.equals(b)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    elif hasattr(a, "__dataclass_fields__"):
        assert type(a) is type(b)
        for f in a.__dataclass_fields__:
            _same(getattr(a, f), getattr(b, f))
    else:
        np.testing.assert_equal(np.asarray(a, dtype=object) if isinstance(a, str) else a, b)


def _frame():
    gen = np.random.default_rng(0)
    n = 80
    y = np.tile([0, 1], n // 2)
    score = 1 / (1 + np.exp(-(3 * y - 1.5 + gen.normal(size=n))))  # informative, so prevalence estimates exist
    return pd.DataFrame(
        {"site": gen.choice(["A", "B"], n), "sex": gen.choice(["F", "M"], n), "y_true": y, "y_score": score}
    )


def _head(seed):
    import torch

    torch.manual_seed(seed)
    return torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 1))


def _ssl(func, **kw):
    import torch

    g = torch.Generator().manual_seed(0)
    X = torch.randn(40, 1, 2, 2, generator=g)
    y = (X.flatten(1).sum(1, keepdim=True) > 0).float()
    r = func(X_labeled=X[:20], y_labeled=y[:20], X_unlabeled=X[20:], lr=0.1, seed=0, **kw)
    return [p.detach().numpy() for p in r.model.parameters()]


def _case(name):
    """(function, positional args, new kwargs, old kwargs) for one renamed family."""
    from radkit import annotation, drift, explain, fairness, generalization, imbalance, stats
    from radkit.imbalance import plots as imbalance_plots
    from radkit.metrics.probe import linear_model

    df = _frame()
    y, s, g = df["y_true"].to_numpy(), df["y_score"].to_numpy(), df["sex"].to_numpy()
    p = (s >= 0.5).astype(int)
    shift = {"train_prevalence": 0.5, "true_prevalence": 0.1}
    week = np.repeat(np.arange(4), 20)
    prior_kw = {"y_val": y, "p_val": s, "n_boot": 20, "seed": 0}
    acc = lambda t, q: float(np.mean(t == (q >= 0.5)))
    cases = {
        "stats.by_group": (
            stats.by_group,
            (df, acc),
            {"groups": "site", "n_boot": 0, "seed": 0},
            {"by": "site", "n_boot": 0, "seed": 0},
        ),
        "stats.group_codes": (stats.group_codes, (df,), {"groups": ["site", "sex"]}, {"by": ["site", "sex"]}),
        "fairness.group_metrics": (
            lambda **kw: fairness.group_metrics(y, y_pred=p, n_boot=0, seed=0, **kw).gaps,
            (),
            {"groups": g},
            {"sensitive_features": g},
        ),
        "fairness.*_difference": (fairness.equalized_odds_difference, (y, p), {"groups": g}, {"sensitive_features": g}),
        "fairness.equal_opportunity_thresholds": (
            fairness.equal_opportunity_thresholds,
            (y, s),
            {"groups": g, "sensitivity": 0.8},
            {"sensitive_features": g, "sensitivity": 0.8},
        ),
        "fairness.apply_thresholds": (
            fairness.apply_thresholds,
            (s,),
            {"groups": g, "thresholds": {"F": 0.4, "M": 0.6}},
            {"sensitive_features": g, "thresholds": {"F": 0.4, "M": 0.6}},
        ),
        "fairness.reweighing_weights": (fairness.reweighing_weights, (y,), {"groups": g}, {"sensitive_features": g}),
        "fairness.share_split": (
            fairness.share_split,
            (),
            {"groups": g, "group": "F", "share": 0.5, "n": 20, "seed": 0},
            {"sensitive_feature": g, "group": "F", "share": 0.5, "n": 20, "seed": 0},
        ),
        "fairness.balance_table": (
            fairness.balance_table,
            (df.rename(columns={"sex": "grp"}),),
            {"groups": "grp", "n_boot": 0, "seed": 0},
            {"by": "grp", "n_boot": 0, "seed": 0},
        ),
        "fairness.rate_by_group": (fairness.rate_by_group, (df, "y_true"), {"groups": "sex"}, {"by": "sex"}),
        "fairness.parity_frontier": (fairness.parity_frontier, (y, s), {"groups": g}, {"sensitive_features": g}),
        "fairness.underdiagnosis": (
            fairness.underdiagnosis,
            (y, s),
            {"groups": g, "threshold": 0.5, "n_boot": 0, "seed": 0},
            {"sensitive_features": g, "threshold": 0.5, "n_boot": 0, "seed": 0},
        ),
        "drift.em_prior": (
            drift.em_prior,
            (),
            {"y_score": s, "train_prevalence": 0.3},
            {"p_new": s, "train_prior": 0.3},
        ),
        "drift.estimate_prior": (drift.estimate_prior, (), {"y_score": s, **prior_kw}, {"p_new": s, **prior_kw}),
        "drift.weekly_prior": (
            drift.weekly_prior,
            (),
            {"y_score": s, "week": week, "threshold": 0.5, **prior_kw},
            {"p_new": s, "week": week, "threshold": 0.5, **prior_kw},
        ),
        "drift.weekly_metric": (
            drift.weekly_metric,
            (),
            {"y_true": y, "y_score": s, "week": week, "k": 20, "seed": 0},
            {"y_true": y, "y_prob": s, "week": week, "k": 20, "seed": 0},
        ),
        "drift.simulate_policy": (
            lambda **kw: drift.simulate_policy(policy="never", seed=0, **kw).weekly,
            (),
            {"y_true": y, "y_score": s, "week": week},
            {"y_true": y, "y_prob": s, "week": week},
        ),
        "drift.direct_standardize": (
            drift.direct_standardize,
            (df,),
            {"outcome": "y_true", "stratum": "sex", "groups": "site", "reference": "A"},
            {"outcome": "y_true", "stratum": "sex", "by": "site", "reference": "A"},
        ),
        "drift.adjust_probs": (
            lambda **kw: (
                drift.adjust_probs(s, **kw)
                if "train_prior" in kw
                else __import__("radkit.metrics", fromlist=["x"]).prior_correct(s, **kw)
            ),
            (),
            {"train_prevalence": 0.3, "true_prevalence": 0.5},
            {"train_prior": 0.3, "new_prior": 0.5},
        ),
        "imbalance.weighted_ece": (imbalance.weighted_ece, (y,), {"y_score": s}, {"y_prob": s}),
        "imbalance.prior_correct": (imbalance.prior_correct, (), {"y_score": s, **shift}, {"y_prob": s, **shift}),
        "imbalance.plot_reliability_at_prevalence": (
            lambda **kw: [
                ln.get_label()
                for ln in imbalance_plots.plot_reliability_at_prevalence(y, prevalence=0.1, **kw).get_lines()
            ],
            (),
            {"y_score": {"m": s}},
            {"probs": {"m": s}},
        ),
        "explain.confidence_sentence": (
            explain.confidence_sentence,
            (),
            {"y_score": 0.7, "level": "low", "finding": "effusion"},
            {"prob": 0.7, "level": "low", "finding": "effusion"},
        ),
        "generalization.resplit_gaps": (
            generalization.resplit_gaps,
            (s[:, None] + y[:, None], y, df["site"]),
            {"external": "B", "seeds": [0], "model_factory": linear_model},
            {"external": "B", "seeds": [0], "make_model": linear_model},
        ),
        "annotation.entropy": (annotation.entropy, (), {"y_score": s}, {"prob": s}),
        "annotation.margin": (annotation.margin, (), {"y_score": s}, {"prob": s}),
        "annotation.select": (
            annotation.select,
            ("entropy", 5),
            {"labeled": [0], "y_score": s, "seed": 0},
            {"labeled": [0], "prob": s, "seed": 0},
        ),
        "annotation.confident_pseudo_labels": (
            annotation.confident_pseudo_labels,
            (),
            {"y_score": s, "threshold": 0.9},
            {"prob": s, "threshold": 0.9},
        ),
        "annotation.curve_summary": (
            annotation.curve_summary,
            (df.assign(auc=s),),
            {"groups": ["site"]},
            {"by": ["site"]},
        ),
        "annotation.pseudo_label": (
            lambda **kw: _ssl(annotation.pseudo_label, num_rounds=1, num_epochs=2, **kw),
            (),
            {"model_factory": _head},
            {"make_model": _head},
        ),
        "annotation.temporal_ensembling": (
            lambda **kw: _ssl(
                annotation.temporal_ensembling,
                augment=annotation.gaussian_noise(0.1),
                num_rounds=1,
                warmup_epochs=1,
                **kw,
            ),
            (),
            {"model_factory": _head},
            {"make_model": _head},
        ),
    }
    return cases[name]


NAMES = [
    "stats.by_group",
    "stats.group_codes",
    "fairness.group_metrics",
    "fairness.*_difference",
    "fairness.equal_opportunity_thresholds",
    "fairness.apply_thresholds",
    "fairness.reweighing_weights",
    "fairness.share_split",
    "fairness.balance_table",
    "fairness.rate_by_group",
    "fairness.parity_frontier",
    "fairness.underdiagnosis",
    "drift.em_prior",
    "drift.estimate_prior",
    "drift.weekly_prior",
    "drift.weekly_metric",
    "drift.simulate_policy",
    "drift.direct_standardize",
    "drift.adjust_probs",
    "imbalance.weighted_ece",
    "imbalance.prior_correct",
    "imbalance.plot_reliability_at_prevalence",
    "explain.confidence_sentence",
    "generalization.resplit_gaps",
    "annotation.entropy",
    "annotation.margin",
    "annotation.select",
    "annotation.confident_pseudo_labels",
    "annotation.curve_summary",
    "annotation.pseudo_label",
    "annotation.temporal_ensembling",
]


@pytest.mark.parametrize("name", NAMES)
def test_old_keyword_warns_and_gives_the_same_result(name):
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    func, args, new, old = _case(name)

    with warnings.catch_warnings():
        warnings.simplefilter("error", FutureWarning)
        want = func(*args, **new)
    with pytest.warns(FutureWarning, match="is deprecated: call"):
        got = func(*args, **old)
    _same(want, got)
