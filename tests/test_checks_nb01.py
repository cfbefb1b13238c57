"""Checkers of notebook 01's exercises: right answers pass, wrong ones get the relevant hint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)
from scipy import linalg

from radkit.augmentation.curves import LearningCurve
from radkit.augmentation.transforms import Policy, affine, augment_batch
from radkit.checks import passed
from radkit.seeding import torch_generator


@pytest.fixture
def curve():
    rows = [
        {"n": n, "replicate": r, "positives": n // 7, "auc": a + d}
        for n, a in [(100, 0.80), (300, 0.88), (1000, 0.93), (3000, 0.96)]
        for r, d in enumerate([-0.01, 0.01])
    ]
    return LearningCurve(pd.DataFrame(rows))


# 01.1 -------------------------------------------------------------------------


def test_01_1_right(curve, capsys):
    # hand-worked: 0.90 lies between 300 (0.88) and 1000 (0.93): log-interpolate
    n = np.exp(np.log(300) + (0.90 - 0.88) / (0.93 - 0.88) * (np.log(1000) - np.log(300)))
    assert _check("01.1", n, curve=curve, target=0.90)
    assert "correct: 01.1" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (300 + 0.4 * 700, "log n"),
        (1000, "one of the measured sizes"),
        (150, "too few"),
    ],
)
def test_01_1_hints(curve, capsys, answer, hint):
    assert not _check("01.1", answer, curve=curve, target=0.90)
    out = capsys.readouterr().out
    assert hint in out


def test_01_1_unreachable(curve):
    assert passed("01.1", float("nan"), curve=curve, target=0.99)
    assert not passed("01.1", 5000, curve=curve, target=0.99)


# 01.2 -------------------------------------------------------------------------


def good_augment(x, *, seed):
    g = torch_generator(seed)
    angle = (torch.rand(len(x), generator=g) * 2 - 1) * 8
    shift = (torch.rand(len(x), 2, generator=g) * 2 - 1) * 0.05 * x.shape[-1]
    return affine(x, angle=angle, translate=shift).clamp(0, 1)


def test_01_2_right(capsys):
    assert _check("01.2", good_augment)
    assert "correct: 01.2" in capsys.readouterr().out


def test_01_2_policy_based_answer_passes():
    assert passed("01.2", lambda x, *, seed: augment_batch(x, policy=Policy(rotate=7, translate=0.05), seed=seed))


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (lambda x, *, seed: good_augment(x, seed=seed).flip(-1), "mirrors"),
        (lambda x, *, seed: affine(x, angle=float(torch.rand(1)) * 10), "same seed gave two different"),
        (lambda x, *, seed: x, "different seeds gave the same"),
        (
            lambda x, *, seed: affine(x, angle=float(torch.rand(1, generator=torch_generator(seed))) * 10),
            "draw one set of parameters per image",
        ),
        (lambda x, *, seed: good_augment(x, seed=seed)[:, :, :-1], "same shape"),
        (good_augment(torch.zeros(1, 1, 8, 8), seed=0), "function itself"),
    ],
)
def test_01_2_hints(capsys, answer, hint):
    assert not _check("01.2", answer)
    assert hint in capsys.readouterr().out


# 01.3 -------------------------------------------------------------------------


@pytest.fixture
def feats():
    g = np.random.default_rng(5)
    return g.normal(0, 1, (300, 3)), g.normal(0.5, 1.5, (300, 3))


def _by_hand(a, b):
    m1, m2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    return float(((m1 - m2) ** 2).sum() + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real))


def test_01_3_right(feats, capsys):
    assert _check("01.3", _by_hand(*feats), a=feats[0], b=feats[1])
    assert "correct: 01.3" in capsys.readouterr().out


def test_01_3_hints(feats, capsys):
    a, b = feats
    mean_only = float(((a.mean(0) - b.mean(0)) ** 2).sum())
    for answer, hint in [
        (mean_only, "only ‖μ₁ − μ₂‖²"),
        (np.sqrt(_by_hand(a, b)), "no final square root"),
        ("x", "one number"),
    ]:
        assert not _check("01.3", answer, a=a, b=b)
        assert hint in capsys.readouterr().out
