"""Sanity checks: similarity measures against scipy / scikit-image, randomisation leaves the model intact."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr

import radkit.models
from radkit import explain


def test_rank_correlation_matches_scipy():
    gen = np.random.default_rng(0)
    a, b = gen.random((4, 8, 8)), gen.random((4, 8, 8))
    b[0] = a[0] + 0.1 * b[0]
    a[1, :4] = 0  # ties
    want = [spearmanr(a[i].ravel(), b[i].ravel())[0] for i in range(4)]
    assert np.allclose(explain.rank_correlation(a, b), want)


def test_ssim_matches_skimage():
    metrics = pytest.importorskip("skimage.metrics")
    gen = np.random.default_rng(1)
    a = gen.random((3, 20, 20))
    b = a + 0.3 * gen.random((3, 20, 20))
    scale = lambda v: (v - v.min()) / (v.max() - v.min())
    want = [metrics.structural_similarity(scale(a[i]), scale(b[i]), data_range=1.0) for i in range(3)]
    assert np.allclose(explain.ssim(a, b), want, atol=1e-10)


def test_randomize_layers_copies_and_is_seeded():
    m = radkit.models.make_model("smallcnn", num_classes=2, seed=0)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    state = torch.random.get_rng_state()
    r1 = explain.randomize_layers(m, ["head", "features.11"], seed=5)
    r2 = explain.randomize_layers(m, ["head", "features.11"], seed=5)
    assert torch.equal(torch.random.get_rng_state(), state)  # global random state untouched
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    assert torch.equal(r1.head.weight, r2.head.weight)
    assert not torch.equal(r1.features[11].weight, m.features[11].weight)
    assert torch.equal(r1.features[7].weight, m.features[7].weight)
    with pytest.raises(ValueError, match="Valid, output first"):
        explain.randomize_layers(m, ["features.1"], seed=0)


def test_cascade_separates_model_maps_from_edges():
    m = radkit.models.make_model("smallcnn", num_classes=1, seed=0).eval()
    x = torch.rand(4, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    r = explain.cascading_randomization(m, x, target=0, methods=("saliency", "edge"), seed=1, keep=2)
    t = r.to_frame()
    assert set(t["step"]) == set(range(len(explain.randomizable_layers(m)) + 1))
    first = t[t["step"] == 0].set_index("method")
    assert np.allclose(first["spearman"], 1.0)
    final = r.final()
    assert final.loc["edge", "spearman"] == pytest.approx(1.0)
    assert final.loc["saliency", "spearman"] < 0.9
    assert len(r.maps["saliency"]) == len(t) // 2 and r.maps["saliency"][0].shape == (2, 1, 32, 32)
    with pytest.raises(ValueError, match="Valid"):
        explain.cascading_randomization(m, x, target=0, methods=("lime",), seed=0)
