"""The CTR rule: measurement on hand-made films, the minimal flip, bad input, agreement with the generator."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from radkit import synth
from radkit.explain import rules


def _film(heart=(8, 12), rows=(2,)):
    """20 columns: lungs at 2..7 and 12..17 (thorax 16 px), heart dense in ``rows``."""
    img = np.full((6, 20), 0.1)
    lungs = np.zeros((6, 20), bool)
    lungs[1:5, 2:8] = lungs[1:5, 12:18] = True
    for r in rows:
        img[r, heart[0] : heart[1]] = 0.9
        lungs[r, heart[0] : heart[1]] = False
    return img, lungs


def test_measure_hand_made_film():
    img, lungs = _film(heart=(7, 13))  # the heart overlaps 1 px of each lung's medial edge
    m = rules.measure_ctr(img, lungs, threshold=0.5)
    assert (m.cardiac_width, m.thoracic_width) == (6, 16)
    assert m.ctr == pytest.approx(6 / 16)
    assert m.cardiac_row == 2 and m.cardiac_cols == (7, 13) and m.thoracic_cols == (2, 18)
    assert not rules.ctr_rule(m)
    # Otsu splits the two intensities: same answer without a threshold
    assert rules.measure_ctr(img, lungs).cardiac_width == 6
    # tensors of shape 1 x H x W are accepted
    assert rules.measure_ctr(torch.tensor(img)[None], torch.tensor(lungs)[None], threshold=0.5).ctr == m.ctr
    assert list(m.to_frame().columns)[:3] == ["ctr", "cardiac_width", "thoracic_width"]


def test_minimal_flip_negative_is_minimal():
    img, lungs = _film(heart=(8, 12))  # CTR 4/16: needs 9 of 16 -> 5 pixels
    original = img.copy()
    flip = rules.minimal_flip(img, lungs, threshold=0.5)
    assert flip.n_pixels == 5 and flip.changed.sum() == 5
    assert flip.after.cardiac_width == 9 and rules.ctr_rule(flip.after)
    assert not rules.ctr_rule(flip.before)
    np.testing.assert_array_equal(img, original)  # the input is untouched
    # one pixel fewer does not flip: undo any one of the changed pixels
    for r, c in zip(*np.nonzero(flip.changed)):
        back = flip.image.copy()
        back[r, c] = img[r, c]
        assert not rules.ctr_rule(rules.measure_ctr(back, lungs, threshold=0.5))
    assert flip.to_frame()["n_pixels"].item() == 5


def test_minimal_flip_positive_trims_every_wide_row():
    img, lungs = _film(heart=(5, 15), rows=(2, 3))  # 10 of 16 in two rows; at most 8 allowed
    assert rules.ctr_rule(rules.measure_ctr(img, lungs, threshold=0.5))
    flip = rules.minimal_flip(img, lungs, threshold=0.5)
    assert flip.n_pixels == 4  # 2 pixels in each of the two rows
    assert flip.after.cardiac_width == 8 and not rules.ctr_rule(flip.after)


def test_minimal_flip_uses_a_dense_neighbour():
    # a dense structure 2 px right of the heart: painting the 2 px between joins it (4 + 2 + 3 = 9)
    img, lungs = _film(heart=(8, 12))
    img[2, 14:17] = 0.9
    flip = rules.minimal_flip(img, lungs, threshold=0.5)
    assert flip.n_pixels == 2 and flip.after.cardiac_width == 9


def test_bad_input():
    img, lungs = _film()
    with pytest.raises(ValueError, match="size"):
        rules.measure_ctr(img, lungs[:, :10])
    with pytest.raises(ValueError, match="one film"):
        rules.measure_ctr(np.stack([img, img]), np.stack([lungs, lungs]))
    bad = img.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        rules.measure_ctr(bad, lungs)
    with pytest.raises(ValueError, match="lungs is empty"):
        rules.measure_ctr(img, np.zeros_like(lungs))
    with pytest.raises(ValueError, match="no dense run"):
        rules.measure_ctr(np.zeros_like(img), lungs, threshold=0.5)
    with pytest.raises(ValueError, match="cutoff"):
        rules.ctr_rule(rules.measure_ctr(img, lungs, threshold=0.5), cutoff=1.5)
    with pytest.raises(ValueError, match="max_pixels"):
        rules.minimal_flip(img, lungs, threshold=0.5, max_pixels=2)
    with pytest.raises(ValueError, match="two different values"):
        rules.otsu_threshold(np.ones(10))


def test_measured_ctr_tracks_the_generator():
    s = synth.generate(80, size=64, seed=3, prevalence={"cardiomegaly": 0.4})
    ctr = np.array([rules.measure_ctr(s.images[i], s.lungs[i]).ctr for i in range(len(s))])
    true = s.meta["apparent_ctr"].to_numpy()
    assert np.corrcoef(ctr, true)[0, 1] > 0.4
    assert abs(np.median(ctr - true)) < 0.05
    # every film flips, and a negative one with a handful of pixels
    for i in range(6):
        f = rules.minimal_flip(s.images[i], s.lungs[i])
        assert rules.ctr_rule(f.after) != rules.ctr_rule(f.before)
        if not rules.ctr_rule(f.before):
            assert f.n_pixels <= 10
