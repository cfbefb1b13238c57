"""radkit.augmentation.frechet: the closed form against scipy's sqrtm, hand cases, sample estimates."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import linalg

from radkit import models, train
from radkit.augmentation.frechet import (
    frechet_distance,
    frechet_from_features,
    image_frechet,
)


def _spd(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T + 0.1 * np.eye(d)


def _scipy_fd(mu1, s1, mu2, s2):
    """The usual pytorch-fid formula, written independently with scipy.linalg.sqrtm."""
    covmean = linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


@pytest.mark.parametrize("d", [1, 3, 10, 40])
def test_closed_form_matches_scipy_sqrtm(d):
    rng = np.random.default_rng(d)
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = _spd(rng, d), _spd(rng, d)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(_scipy_fd(mu1, s1, mu2, s2), rel=1e-7, abs=1e-8)


def test_diagonal_gaussians_by_hand():
    # commuting covariances: Tr(S1 + S2 - 2 (S1 S2)^1/2) = sum (sqrt(a) - sqrt(b))^2
    a, b = np.array([1.0, 4.0, 9.0]), np.array([4.0, 4.0, 1.0])
    mu1, mu2 = np.zeros(3), np.array([1.0, 2.0, 0.0])
    want = 5.0 + (1 - 2) ** 2 + 0 + (3 - 1) ** 2
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(want)


def test_fd_is_symmetric_and_zero_on_itself():
    rng = np.random.default_rng(0)
    mu, s = rng.normal(size=4), _spd(rng, 4)
    mu2, s2 = rng.normal(size=4), _spd(rng, 4)
    assert frechet_distance(mu, s, mu, s) == pytest.approx(0, abs=1e-9)
    assert frechet_distance(mu, s, mu2, s2) == pytest.approx(frechet_distance(mu2, s2, mu, s), rel=1e-9)


def test_sample_estimate_converges_to_the_closed_form():
    rng = np.random.default_rng(1)
    mu1, mu2 = np.zeros(3), np.array([0.5, -0.5, 1.0])
    s1, s2 = np.diag([1.0, 2.0, 0.5]), _spd(rng, 3) / 3
    a = rng.multivariate_normal(mu1, s1, 100_000)
    b = rng.multivariate_normal(mu2, s2, 100_000)
    assert frechet_from_features(a, b) == pytest.approx(frechet_distance(mu1, s1, mu2, s2), rel=0.03)


def test_embed_is_the_penultimate_layer_of_smallcnn():
    m = models.make_model("smallcnn", num_classes=2, seed=0).eval()
    x = torch.rand(5, 1, 32, 32)
    with torch.no_grad():
        want = torch.flatten(m.pool(m.features(x)), 1).numpy()
    np.testing.assert_allclose(train.embed(m, x), want, rtol=1e-5, atol=1e-6)


def test_embed_restores_training_mode():
    m = models.make_model("smallcnn", num_classes=1, seed=0).train()
    train.embed(m, torch.rand(2, 1, 32, 32))
    assert m.training


def test_image_frechet_interval_contains_estimate():
    m = models.make_model("smallcnn", num_classes=1, seed=0)
    g = torch.Generator().manual_seed(0)
    a, b = torch.rand(80, 1, 32, 32, generator=g), torch.rand(80, 1, 32, 32, generator=g) ** 2
    est = image_frechet(a, b, model=m, n_boot=50, seed=0)
    assert est.low <= est.estimate <= est.high and est.n == 80
    assert est.estimate > image_frechet(a[:40], a[40:], model=m).estimate


def test_bad_shapes_are_named():
    with pytest.raises(ValueError, match="same number of columns"):
        frechet_from_features(np.zeros((5, 2)), np.zeros((5, 3)))
    with pytest.raises(ValueError, match="Shapes do not match"):
        frechet_distance(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))
    with pytest.raises(ValueError, match="at least 2"):
        frechet_from_features(np.zeros((1, 2)), np.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        bad = torch.full((2, 1, 32, 32), 3.0)
        image_frechet(bad, bad, model=models.make_model("smallcnn", num_classes=1, seed=0))
