"""radkit.metrics.groups.by_group_confusion and its building blocks (the vectorised path for 2x2 measures)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix

from radkit.metrics.groups import CONFUSION_MEASURES, bootstrap_tables, by_group_confusion, confusion_counts
from radkit.stats import by_group, group_codes


def _frame(n=4000, seed=0):
    gen = np.random.default_rng(seed)
    df = pd.DataFrame({"site": gen.choice(["A", "B", "C"], n), "sex": gen.choice(["F", "M"], n)})
    df["y_true"] = (gen.random(n) < 0.3).astype(int)
    df["y_pred"] = (gen.random(n) < 0.2 + 0.5 * df["y_true"]).astype(int)
    return df


def test_counts_equal_sklearn_confusion_matrix_per_group():
    df = _frame()
    codes, keys = group_codes(df, groups=["site", "sex"])
    counts = confusion_counts(codes, df["y_true"], df["y_pred"], n_groups=len(keys))
    for g, key in enumerate(keys):
        sel = (df["site"] == key[0]) & (df["sex"] == key[1])
        ref = confusion_matrix(df.loc[sel, "y_true"], df.loc[sel, "y_pred"], labels=[0, 1]).ravel()
        assert counts[g].tolist() == ref.tolist()


def test_point_estimates_equal_by_group_for_every_measure():
    df = _frame(seed=1)
    t = by_group_confusion(df, groups="site", n_boot=0, seed=0)
    ref = {
        "sensitivity": lambda y, p: np.mean(p[y == 1]),
        "false_positive_rate": lambda y, p: np.mean(p[y == 0]),
        "ppv": lambda y, p: np.mean(y[p == 1]),
        "npv": lambda y, p: np.mean(1 - y[p == 0]),
        "selection_rate": lambda y, p: np.mean(p),
        "prevalence": lambda y, p: np.mean(y),
        "accuracy": lambda y, p: np.mean(y == p),
    }
    for m, fn in ref.items():
        r = by_group(df, fn, groups="site", columns=["y_true", "y_pred"], n_boot=0, seed=0)
        np.testing.assert_allclose(
            t.xs(m, level="measure")["estimate"].to_numpy(), r["estimate"].to_numpy(), rtol=1e-12, err_msg=m
        )
    assert set(t.index.get_level_values("measure")) == set(CONFUSION_MEASURES)


def test_multinomial_replicates_have_the_case_resampling_spread():
    counts = np.array([[500, 100, 50, 150]])
    reps = bootstrap_tables(counts, n_boot=20000, seed=0)[0]
    sens = reps[:, 3] / (reps[:, 2] + reps[:, 3])
    p = 150 / 200  # the sensitivity's bootstrap sd is close to the binomial sd on ~200 positives
    assert np.std(sens) == pytest.approx(np.sqrt(p * (1 - p) / 200), rel=0.05)
    assert (reps.sum(axis=1) == 800).all()


def test_intervals_shrink_and_two_key_overall_row():
    small, big = _frame(n=500, seed=2), _frame(n=8000, seed=2)
    tables = [by_group_confusion(d, groups=["site", "sex"], n_boot=300, seed=0) for d in (small, big)]
    key = (("overall", "overall"), "ppv")  # two keys: the overall row has the groups' shape
    w = [t[[k == key for k in t.index]].iloc[0] for t in tables]
    assert (w[1]["high"] - w[1]["low"]) < (w[0]["high"] - w[0]["low"]) / 2.5


def test_missing_group_values_and_undefined_measures():
    df = _frame(n=50)
    df.loc[3, "sex"] = None
    with pytest.raises(ValueError, match=r"'sex' has 1 missing values"):
        by_group_confusion(df, groups="sex", n_boot=0, seed=0)
    tiny = pd.DataFrame({"g": ["a", "a", "b", "b"], "y_true": [1, 0, 0, 0], "y_pred": [1, 0, 1, 0]})
    with pytest.warns(UserWarning, match=r"group 'b' has no positive cases"):
        t = by_group_confusion(tiny, groups="g", n_boot=10, seed=0)
    assert np.isnan(t.loc[("b", "sensitivity"), "estimate"])
    with pytest.raises(ValueError, match="n_boot"):
        by_group_confusion(tiny, groups="g", n_boot=-1, seed=0)


def test_old_names_in_stats_warn_and_are_the_moved_objects():
    import radkit.metrics.groups as moved
    import radkit.stats

    for name in ("by_group_confusion", "confusion_counts", "bootstrap_tables", "CONFUSION_MEASURES"):
        with pytest.warns(FutureWarning, match=rf"radkit\.metrics\.groups\.{name}"):
            assert getattr(radkit.stats, name) is getattr(moved, name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        radkit.stats.nope  # noqa: B018
