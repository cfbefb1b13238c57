"""Localization scores on hand-made maps and masks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from radkit import explain


def _mask():
    m = np.zeros((3, 8, 8), bool)
    m[:, 2:4, 2:4] = True  # 4 of 64 pixels
    return m


def test_pointing_game_hand_cases():
    maps = np.zeros((3, 8, 8))
    maps[0, 3, 3] = 1  # inside
    maps[1, 6, 6] = 1  # outside
    maps[2, 4, 4] = 1  # one pixel off the corner: a hit with tolerance 1
    masks = _mask()
    assert explain.pointing_game(maps, masks).tolist() == [True, False, False]
    assert explain.pointing_game(maps, masks, tolerance=1).tolist() == [True, False, True]
    flat = np.ones((1, 8, 8))  # a flat map earns nothing
    assert not explain.pointing_game(flat, masks[:1])[0]
    assert explain.chance_pointing(masks).tolist() == [4 / 64] * 3
    assert explain.chance_pointing(masks, tolerance=1).tolist() == [16 / 64] * 3


def test_energy_and_iou_hand_cases():
    masks = _mask()[:1]
    maps = np.zeros((1, 8, 8))
    maps[0, 2:4, 2:4] = 3.0
    maps[0, 7, 7] = 4.0
    maps[0, 0, 0] = -10.0  # negative evidence is not counted
    assert explain.energy_in_mask(maps, masks)[0] == pytest.approx(12 / 16)
    assert explain.topk_iou(maps, masks)[0] == pytest.approx(3 / 5)  # top 4: 7,7 + three of the mask
    assert explain.topk_iou(maps, masks, top=5 / 64)[0] == pytest.approx(1.0 * 4 / 5)
    assert np.isnan(explain.energy_in_mask(-np.ones((1, 8, 8)), masks)[0])
    even = np.ones((1, 8, 8))
    assert explain.energy_in_mask(even, masks)[0] == pytest.approx(4 / 64)


def test_topk_iou_ties_do_not_depend_on_pixel_order():
    rng = np.random.default_rng(3)
    masks = _mask()[:1]
    maps = rng.integers(0, 3, size=(1, 8, 8)).astype(float)  # many ties at every cut
    perm = rng.permutation(64)
    shuffled = explain.topk_iou(
        maps.reshape(1, -1)[:, perm].reshape(1, 8, 8), masks.reshape(1, -1)[:, perm].reshape(1, 8, 8)
    )
    assert shuffled[0] == pytest.approx(explain.topk_iou(maps, masks)[0])
    s = 4 / 64  # a flat map scores s / (2 - s) with top="mask", whatever the order of its pixels
    assert explain.topk_iou(np.ones((1, 8, 8)), masks)[0] == pytest.approx(s / (2 - s))
    # a map without ties is scored by its top pixels exactly (hand case: 2 of the top 4 in a mask of 4)
    distinct = np.arange(64, dtype=float).reshape(1, 8, 8)
    m = np.zeros((1, 8, 8), bool)
    m[0, 7, 6:] = True
    m[0, 0, :2] = True
    assert explain.topk_iou(distinct, m)[0] == pytest.approx(2 / 6)


def test_scores_accept_tensors_and_channel_axis():
    masks = torch.as_tensor(_mask())[:, None]
    maps = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(0))
    s = explain.localization_scores(maps, masks, n_boot=100, seed=1)
    assert list(s.per_image.columns) == ["pointing", "chance", "energy", "iou"]
    assert s.to_frame().shape == (4, 6)
    assert s.pointing.method == "Wilson" and 0 <= s.pointing.low <= s.pointing.estimate <= s.pointing.high
    assert s.chance.estimate == pytest.approx(4 / 64)


def test_bad_inputs():
    with pytest.raises(ValueError, match="differ in size"):
        explain.pointing_game(np.zeros((3, 8, 8)), np.ones((3, 16, 16), bool))
    with pytest.raises(ValueError, match="are empty"):
        explain.energy_in_mask(np.ones((2, 8, 8)), np.zeros((2, 8, 8), bool))
    with pytest.raises(ValueError, match="one channel"):
        explain.energy_in_mask(np.ones((2, 3, 8, 8)), np.ones((2, 3, 8, 8), bool))
    with pytest.raises(ValueError, match="NaN"):
        explain.pointing_game(np.full((3, 8, 8), np.nan), _mask())
    with pytest.raises(ValueError, match="top="):
        explain.topk_iou(np.ones((3, 8, 8)), _mask(), top=2.0)
