"""fairness.pooled_age_edges: sparse age bands (a partial download's children) are pooled, never silently dropped."""

import numpy as np
import pytest

from radkit import fairness


def _counts(age, y, edges):
    band = np.asarray(fairness.age_band(age, edges=edges).astype(str))
    return {b: (int(y[band == b].sum()), int((1 - y[band == b]).sum())) for b in set(band) if b != "nan"}


def test_bands_with_enough_cases_are_kept_as_given():
    rng = np.random.default_rng(0)
    age = rng.uniform(18, 95, 4000)
    y = (rng.random(4000) < 0.2).astype(int)
    assert fairness.pooled_age_edges(age, y, edges=(18, 40, 60, 80)) == (18, 40, 60, 80)


@pytest.mark.parametrize("seed", range(5))
def test_every_band_left_holds_the_minimum_and_no_case_is_lost(seed):
    rng = np.random.default_rng(seed)
    age = np.concatenate([rng.uniform(0, 18, 40), rng.uniform(18, 95, 1500)])
    y = (rng.random(age.size) < np.where(age < 18, 0.005, 0.03)).astype(int)  # children: hardly any positives
    edges = fairness.pooled_age_edges(age, y, edges=(0, 18, 50, 70), min_positives=5, min_negatives=5)
    counts = _counts(age, y, edges)
    assert all(p >= 5 and n >= 5 for p, n in counts.values())
    assert sum(p + n for p, n in counts.values()) == age.size  # pooled, not dropped
    assert edges[0] == 0 and set(edges) <= {0, 18, 50, 70}


def test_a_sparse_middle_band_joins_its_smaller_neighbour():
    age = np.array([20] * 50 + [45] * 3 + [60] * 10 + [80] * 50)
    y = np.array([1, 0] * 25 + [0, 0, 0] + [1, 0] * 5 + [1, 0] * 25)
    # 40-59 has no positive; 60-79 (10 cases) is smaller than 18-39 (50), so 40-59 joins 60-79
    assert fairness.pooled_age_edges(age, y, edges=(18, 40, 60, 80), min_positives=1) == (18, 40, 80)


def test_a_band_nobody_falls_in_is_left_alone():
    rng = np.random.default_rng(1)
    age = rng.uniform(18, 95, 2000)  # no children: the 0-17 band is empty, not sparse
    y = (rng.random(2000) < 0.2).astype(int)
    assert fairness.pooled_age_edges(age, y, edges=(0, 18, 50, 70)) == (0, 18, 50, 70)


def test_too_few_cases_overall_is_a_clear_error():
    with pytest.raises(ValueError, match="no band can be estimated"):
        fairness.pooled_age_edges([30, 40, 50], [1, 0, 0], min_positives=5)
    with pytest.raises(ValueError, match="one value per case"):
        fairness.pooled_age_edges([30, 40], [1, 0, 0])
