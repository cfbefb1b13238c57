"""Bad input to the smaller public entry points (issue 10's hunt beyond its sample)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from radkit import config, models, stats, toy


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(name=None, num_classes=2), TypeError, "model name must be a string"),
        (dict(name="smallcnn", num_classes=True), ValueError, "num_classes"),
        (dict(name="smallcnn", num_classes=2, seed=-1), ValueError, "seed must be >= 0"),
        (dict(name="smallcnn", num_classes=2, seed=1.5), TypeError, "seed must be a whole number"),
        (dict(name="smallcnn", num_classes=2, in_channels=True), ValueError, "in_channels"),
    ],
)
def test_make_model_bad_arguments(kwargs, error, match):
    name = kwargs.pop("name")
    with pytest.raises(error, match=match):
        kwargs.setdefault("seed", 0)
        models.make_model(name, **kwargs)


@pytest.mark.parametrize("seed", [float("nan"), 1.5, "3", -1])
def test_seed_everything_names_the_seed(seed):
    with pytest.raises((TypeError, ValueError), match="seed"):
        config.seed_everything(seed)


@pytest.mark.parametrize(
    "kwargs", [dict(contrast=float("nan")), dict(contrast=float("inf")), dict(contrast=-1), dict(size=16.0)]
)
def test_toy_blobs_never_returns_nan_images(kwargs):
    with pytest.raises(ValueError, match=list(kwargs)[0]):
        toy.blobs(8, seed=0, **kwargs)


def test_by_group_needs_a_dataframe_and_a_function():
    df = pd.DataFrame({"y_true": [1, 0], "y_score": [0.2, 0.3], "site": ["a", "b"]})
    with pytest.raises(TypeError, match="DataFrame"):
        stats.by_group(df.to_dict("list"), np.mean, groups="site", n_boot=0, seed=0)
    with pytest.raises(TypeError, match="metric must be a function"):
        stats.by_group(df, "auc", groups="site", n_boot=0, seed=0)


def test_lesson_data_needs_the_profile():
    from radkit.data import lesson_data

    with pytest.raises(TypeError, match=r"prof = radkit.setup\(\)"):
        lesson_data(None)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(seed=-1), ValueError, "seed must be >= 0"),
        (dict(difficulty_dependence=float("nan")), ValueError, "difficulty_dependence"),
        (dict(correlation=float("nan")), ValueError, "correlation"),
    ],
)
def test_simulate_readers_bad_options(kwargs, error, match):
    from radkit.synth import simulate_readers

    with pytest.raises(error, match=match):
        simulate_readers(
            np.array([0, 1, 1, 0]), sensitivity=0.9, specificity=0.9, n_readers=3, **({"seed": 0} | kwargs)
        )


def test_simulate_readers_truth_as_a_list():
    from radkit.synth import simulate_readers

    labels, _ = simulate_readers([0, 1, 1, 0], sensitivity=0.9, specificity=0.9, n_readers=2, seed=0)
    assert sorted(labels["item"].unique().tolist()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="0/1 numbers"):
        simulate_readers(["0", "1"], sensitivity=0.9, specificity=0.9, n_readers=2, seed=0)


def test_dicom_read_of_a_number_says_what_to_pass():
    from radkit import dicom

    with pytest.raises(TypeError, match="Dataset or a file path"):
        dicom.read(123)
