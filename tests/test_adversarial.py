"""radkit.adversarial attacks: the ε-ball, [0, 1], one-step FGSM, determinism, and agreement with ART."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from radkit import adversarial as adv
from radkit.models import make_model


def _model(seed=0, num_classes=2):
    return make_model("smallcnn", num_classes=num_classes, seed=seed).eval()


def _data(n=12, size=16, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, size, size, generator=gen), torch.arange(n) % 2


class Linear1(nn.Module):
    """One logit w·x + b: the FGSM step has a closed form."""

    def __init__(self, w):
        super().__init__()
        self.w = nn.Parameter(w.clone())

    def forward(self, x):
        return (x.flatten(1) * self.w.flatten()).sum(1, keepdim=True) + 0.1


@pytest.mark.parametrize("norm", ["linf", "l2"])
@pytest.mark.parametrize("targeted", [False, True])
def test_pgd_stays_in_ball_and_range(norm, targeted):
    m, (x, y) = _model(), _data()
    eps = 3 / 255 if norm == "linf" else 0.3
    x_adv = adv.pgd(m, x, y, eps=eps, steps=4, norm=norm, targeted=targeted, seed=1)
    d = (x_adv - x).flatten(1)
    size = d.abs().max(1).values if norm == "linf" else d.norm(dim=1)
    assert (size <= eps + 1e-5).all() and x_adv.min() >= 0 and x_adv.max() <= 1
    assert (size > 0).any()


def test_fgsm_is_one_signed_gradient_step_closed_form():
    w = torch.randn(1, 1, 8, 8, generator=torch.Generator().manual_seed(3))
    m = Linear1(w).eval()
    x = torch.full((2, 1, 8, 8), 0.5)
    y = torch.tensor([1.0, 0.0])
    x_adv = adv.fgsm(m, x, y, eps=0.1)
    # BCE gradient is (sigmoid - y) w: label 1 moves against sign(w), label 0 along it
    assert torch.allclose(x_adv[0], 0.5 - 0.1 * w.sign()[0])
    assert torch.allclose(x_adv[1], 0.5 + 0.1 * w.sign()[0])


def test_fgsm_equals_one_pgd_step_without_random_start():
    m, (x, y) = _model(), _data()
    a = adv.fgsm(m, x, y, eps=2 / 255)
    b = adv.pgd(m, x, y, eps=2 / 255, steps=1, step_size=2 / 255, random_start=False, seed=0)
    assert torch.equal(a, b)


def test_attack_changes_nothing_in_the_model():
    m, (x, y) = _model(), _data()
    before = {k: v.clone() for k, v in m.state_dict().items()}
    adv.pgd(m, x, y, eps=4 / 255, steps=3, seed=0)
    adv.fgsm(m, x, y, eps=4 / 255)
    assert not m.training
    assert all(torch.equal(before[k], v) for k, v in m.state_dict().items())
    assert all(p.grad is None for p in m.parameters())
    assert all(p.requires_grad for p in m.parameters())


def test_pgd_is_deterministic_and_batch_independent():
    m, (x, y) = _model(), _data()
    a = adv.pgd(m, x, y, eps=4 / 255, steps=3, seed=5)
    assert torch.equal(a, adv.pgd(m, x, y, eps=4 / 255, steps=3, seed=5))
    assert torch.allclose(a, adv.pgd(m, x, y, eps=4 / 255, steps=3, seed=5, batch_size=5), atol=1e-6)
    assert not torch.equal(a, adv.pgd(m, x, y, eps=4 / 255, steps=3, seed=6))


def test_pgd_is_stronger_than_fgsm_and_targeted_reaches_target():
    m, (x, y) = _model(), _data(n=32)
    loss = nn.CrossEntropyLoss()
    with torch.no_grad():
        l_f = loss(m(adv.fgsm(m, x, y, eps=8 / 255)), y)
        l_p = loss(m(adv.pgd(m, x, y, eps=8 / 255, steps=10, seed=0)), y)
        target = torch.ones_like(y)
        p_before = torch.softmax(m(x), 1)[:, 1].mean()
        p_after = torch.softmax(m(adv.pgd(m, x, target, eps=8 / 255, targeted=True, seed=0)), 1)[:, 1].mean()
    assert l_p > l_f and p_after > p_before


def test_masked_gradient_is_zero_and_bpda_is_straight_through():
    m, (x, y) = _model(), _data()
    squeeze = lambda z: adv.bit_depth(z, bits=3)
    masked = adv.Defended(m, squeeze).eval()
    assert torch.equal(adv.input_gradient(masked, x, y), torch.zeros_like(x))
    through = adv.input_gradient(adv.Defended(m, squeeze, bpda=True).eval(), x, y)
    assert torch.allclose(through, adv.input_gradient(m, squeeze(x), y))
    assert through.abs().sum() > 0


# --------------------------------------------------------------------------- peer: ART


def _art(model, shape):
    pytest.importorskip("art")
    from art.estimators.classification import PyTorchClassifier

    return PyTorchClassifier(
        model=model,
        loss=nn.CrossEntropyLoss(),
        input_shape=shape,
        nb_classes=2,
        clip_values=(0.0, 1.0),
        device_type="cpu",
    )


def test_fgsm_equals_art():
    from importlib import import_module

    m, (x, y) = _model(), _data(n=16)
    clf = _art(m, tuple(x.shape[1:]))
    FastGradientMethod = import_module("art.attacks.evasion").FastGradientMethod
    ref = FastGradientMethod(clf, eps=2 / 255, norm=np.inf).generate(x=x.numpy(), y=y.numpy())
    ours = adv.fgsm(m, x, y, eps=2 / 255).numpy()
    assert np.abs(ours - ref).max() < 1e-6


@pytest.mark.parametrize("norm", ["linf", "l2"])
def test_pgd_without_random_start_equals_art(norm):
    from importlib import import_module

    m, (x, y) = _model(), _data(n=16)
    clf = _art(m, tuple(x.shape[1:]))
    PGD = import_module("art.attacks.evasion").ProjectedGradientDescent
    eps, step = (4 / 255, 1 / 255) if norm == "linf" else (0.5, 0.1)
    ref = PGD(
        clf,
        norm=np.inf if norm == "linf" else 2,
        eps=eps,
        eps_step=step,
        max_iter=5,
        num_random_init=0,
        batch_size=16,
        verbose=False,
    ).generate(x=x.numpy(), y=y.numpy())
    ours = adv.pgd(m, x, y, eps=eps, steps=5, step_size=step, norm=norm, random_start=False, seed=0).numpy()
    assert np.abs(ours - ref).max() < 1e-5


def test_settle_batchnorm_recomputes_statistics_and_keeps_weights():
    m = make_model("smallcnn", num_classes=2, seed=0)
    x, _ = _data(n=40, size=16)
    x = x * 0.5 + 0.25
    m.features[1].running_mean.fill_(5.0)  # stale statistics, as after a short training run
    weights = {k: v.clone() for k, v in m.named_parameters()}
    out = adv.settle_batchnorm(m, x, batch_size=8)  # five equal batches: their mean is the mean
    assert out is m and not m.training
    assert all(torch.equal(weights[k], v) for k, v in m.named_parameters())
    assert all(b.momentum == 0.1 for b in m.modules() if isinstance(b, nn.BatchNorm2d))
    with torch.no_grad():  # first BatchNorm: the mean of the stem's output over all the images
        stem = m.features[0](x)
    assert torch.allclose(m.features[1].running_mean, stem.mean((0, 2, 3)), atol=1e-5)


def test_settle_batchnorm_without_batchnorm_and_bad_input():
    lin = Linear1(torch.ones(1, 1, 4, 4))
    lin.train()
    assert adv.settle_batchnorm(lin, torch.rand(3, 1, 4, 4)) is lin and not lin.training
    with pytest.raises(ValueError, match="N×C×H×W"):
        adv.settle_batchnorm(lin, torch.rand(4, 4))
    with pytest.raises(ValueError, match="batch_size"):
        adv.settle_batchnorm(lin, torch.rand(3, 1, 4, 4), batch_size=0)
    with pytest.raises(TypeError, match="nn.Module"):
        adv.settle_batchnorm("model", torch.rand(3, 1, 4, 4))
