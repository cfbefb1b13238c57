"""The self-checks of solutions/11_explainability.ipynb accept right answers and give the right hints."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from _check_helpers import _check, _lenient  # noqa: F401 (fixtures and helper shared by the checks tests)

from radkit import explain, seeding
from radkit.checks import _verdict, passed


def test_11_1_pointing():
    a = np.zeros((6, 6))
    a[1, 4] = 1.0
    m = np.zeros((6, 6), bool)
    m[1, 3:5] = True
    ctx = dict(attribution=a, mask=m)
    assert _check("11.1", {"hit": True, "chance": 2 / 36}, **ctx)
    assert "share *inside*" in _verdict("11.1", {"hit": True, "chance": 34 / 36}, **ctx)
    assert "divided by" in _verdict("11.1", {"hit": True, "chance": 2}, **ctx)
    m2 = np.zeros((6, 6), bool)
    m2[4, 1] = True  # only the transposed pixel is in the lesion
    assert "swapped" in _verdict("11.1", {"hit": True, "chance": 1 / 36}, attribution=a, mask=m2)
    assert "two keys" in _verdict("11.1", True, **ctx)


def _smoothgrad_by_hand(model, x, target, n, noise, seed):
    g = seeding.torch_generator(seed)
    span = (x.amax(dim=(1, 2, 3)) - x.amin(dim=(1, 2, 3))).view(-1, 1, 1, 1)
    total = torch.zeros_like(x)
    for _ in range(n):
        eps = torch.randn(x.shape, generator=g) * noise * span
        total += explain.saliency(model, x + eps, target=target)
    return total / n


def test_11_2_smoothgrad():
    torch.manual_seed(0)
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 3, 3), torch.nn.ReLU(), torch.nn.Flatten(), torch.nn.Linear(3 * 6 * 6, 2)
    ).eval()
    x = torch.rand(3, 1, 8, 8, generator=torch.Generator().manual_seed(1))
    ctx = dict(model=model, x=x, target=1, n_samples=5, noise=0.2, seed=3)
    right = _smoothgrad_by_hand(model, x, 1, 5, 0.2, 3)
    assert _check("11.2", right, **ctx)
    assert "plain saliency" in _verdict("11.2", explain.saliency(model, x, target=1), **ctx)
    assert "summed" in _verdict("11.2", right * 5, **ctx)
    assert "shape" in _verdict("11.2", right[:, :, :4], **ctx)


def test_11_3_trust():
    final = pd.DataFrame(
        {"spearman": [0.05, 0.6, 0.02, 1.0], "spearman_high": [0.1, 0.65, 0.2, 1.0]},
        index=["saliency", "integrated_gradients", "grad_cam", "edge"],
    )
    assert passed("11.3", ["saliency", "grad_cam"], final=final)
    assert "never looked" in _verdict("11.3", ["saliency", "grad_cam", "edge"], final=final)
    assert "changed" in _verdict("11.3", ["saliency"], final=final)
    assert "drop it" in _verdict("11.3", ["saliency", "grad_cam", "integrated_gradients"], final=final)
    assert "not in the table" in _verdict("11.3", ["lime"], final=final)
    # a NaN bound (the randomised Grad-CAM map is all zero) passes, as notebook 11's claim accepts it
    nan_cam = final.assign(spearman_high=[0.1, 0.65, float("nan"), 1.0])
    assert passed("11.3", ["saliency", "grad_cam"], final=nan_cam)
    assert "NaN" in _verdict("11.3", ["saliency"], final=nan_cam)
    assert "changed" in _verdict("11.3", [], final=nan_cam)  # the do-nothing answer gets a hint


def test_11_4_sentence():
    levels = explain.ConfidenceLevels(0.3, 0.7, 0.95, 0.85)
    probs = [0.7, 0.8, 0.75, 0.75]  # mean 0.75, entropy 0.811 bits: low
    ctx = dict(member_probs=probs, levels=levels, finding="effusion")
    right = "Probability of effusion: 75%, confidence in this prediction: low"
    assert _check("11.4", right, **ctx)
    assert "mean of the members" in _verdict("11.4", right.replace("75%", "70%"), **ctx)
    assert "entropy of the mean" in _verdict("11.4", right.replace("low", "high"), **ctx)
