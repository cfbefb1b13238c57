"""Bad input to radkit.adjudication (issue 10): no silent nonsense, no giant allocations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from radkit import adjudication as A


def _table(labels=(1, 1, 0, 0, 1, 0, 1, 1, 0)):
    return pd.DataFrame({"item": np.repeat([1, 2, 3], 3), "reader": ["A", "B", "C"] * 3, "label": list(labels)})


def test_int_and_str_codes_are_refused():
    with pytest.raises(ValueError, match="mix types.*a holds number, b holds text"):
        A.cohen_kappa([1, 0, 1, 0], ["1", "0", "1", "0"])
    with pytest.raises(ValueError, match="mix types"):
        A.cohen_kappa([1, "0", 1, 0], [1, 0, 1, 0])


def test_one_type_per_reader_still_matches_sklearn():
    a, b = ["1", "0", "1", "0", "1"], ["1", "0", "0", "0", "1"]
    assert A.cohen_kappa(a, b).estimate == pytest.approx(cohen_kappa_score(a, b))
    ai, bi = [int(v) for v in a], [int(v) for v in b]
    assert A.cohen_kappa(ai, bi).estimate == pytest.approx(cohen_kappa_score(ai, bi))


@pytest.mark.parametrize("smoothing", [-1, 0, float("nan"), float("inf"), "1e-6", True])
def test_dawid_skene_smoothing_is_checked(smoothing):
    with pytest.raises(ValueError, match="smoothing must be a small positive pseudo-count"):
        A.dawid_skene(_table(), smoothing=smoothing)


def test_raykar_smoothing_is_checked():
    X = pd.DataFrame({"f": [0.1, 0.2, 0.3]}, index=[1, 2, 3])
    with pytest.raises(ValueError, match="smoothing"):
        A.raykar(_table(), X, smoothing=-1)


@pytest.mark.parametrize("fn", [A.fleiss_kappa, A.dawid_skene, lambda t: A.majority_vote(t, tie="nan")])
def test_a_huge_label_is_refused_before_allocating(fn):
    t = _table()
    t.loc[0, "label"] = 10**9
    with pytest.raises(ValueError, match="1000000000.*at most 1000.*factorize"):
        fn(t)


def test_many_distinct_vector_labels_are_refused():
    with pytest.raises(ValueError, match="distinct labels"):
        A.cohen_kappa(np.arange(5000), np.arange(5000))


@pytest.mark.parametrize("n_classes", [1, 0, 2.5, 10**6, True])
def test_n_classes_is_checked(n_classes):
    with pytest.raises(ValueError, match="n_classes must be an int from 2"):
        A.fleiss_kappa(_table(), n_classes=n_classes)


@pytest.mark.parametrize(
    "kwargs, match", [(dict(max_iter=True), "max_iter"), (dict(tol="0"), "tol"), (dict(tol=float("nan")), "tol")]
)
def test_em_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        A.dawid_skene(_table(), **kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [(dict(n_boot=True), "n_boot"), (dict(n_boot=10, level="0.95"), "level"), (dict(n_boot=10.5), "n_boot")],
)
def test_bootstrap_options_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        A.cohen_kappa([1, 0, 1, 0], [1, 0, 0, 0], **kwargs)
