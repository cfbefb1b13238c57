"""radkit.adversarial poisons, transformations, adversarial training hook and detector."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from torch import nn

from radkit import adversarial as adv
from radkit import train
from radkit.models import make_model


def _data(n=20, size=16, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, size, size, generator=gen), torch.arange(n) % 2


class TriggerReader(nn.Module):
    """Calls class 0 when the bottom-right corner is bright: a model with a planted backdoor."""

    def forward(self, x):
        bright = x[:, 0, -3:-1, -3:-1].mean((1, 2))
        return torch.stack([10 * (bright - 0.9), torch.zeros_like(bright)], 1)


def test_flip_labels_flips_exactly_and_copies():
    y = torch.arange(40) % 2
    keep = y.clone()
    p = adv.flip_labels(y, fraction=0.25, seed=0)
    assert torch.equal(y, keep) and p.x is None
    assert len(p.index) == 10 and (p.y != y).sum() == 10
    assert np.array_equal(torch.nonzero(p.y != y).flatten().numpy(), p.index)
    only_pos = adv.flip_labels(y, fraction=0.5, seed=1, from_class=1)
    assert (y[only_pos.index] == 1).all() and len(only_pos.index) == 10
    multi = adv.flip_labels(torch.arange(30) % 3, fraction=1.0, seed=2, num_classes=3)
    assert (multi.y != torch.arange(30) % 3).all()


def test_backdoor_stamps_trigger_and_relabels_only_the_poisoned():
    x, y = _data(40)
    x0, y0 = x.clone(), y.clone()
    p = adv.backdoor(x, y, fraction=0.1, target=0, seed=0, size=2, value=1.0)
    assert torch.equal(x, x0) and torch.equal(y, y0)  # the clean data are untouched
    assert len(p.index) == 4 and (y0[p.index] == 1).all() and (p.y[p.index] == 0).all()
    assert torch.all(p.x[p.index, :, 13:15, 13:15] == 1.0)
    rest = np.setdiff1d(np.arange(40), p.index)
    assert torch.equal(p.x[rest], x0[rest]) and torch.equal(p.y[rest], y0[rest])
    assert p.to_frame()["poisoned"].item() == 4


def test_attack_success_rate_of_a_planted_backdoor():
    x, y = _data(40)
    x = x * 0.5  # no clean image is bright in the corner
    asr = adv.attack_success_rate(TriggerReader().eval(), x, y, target=0, size=3, value=1.0)
    assert asr.estimate == 1.0 and asr.n == 20 and asr.low > 0.8


def test_bit_depth_and_median_match_references():
    scipy_ndimage = pytest.importorskip("scipy.ndimage")
    x, _ = _data(3)
    want = np.round(x.numpy() * 7) / 7
    assert np.allclose(adv.bit_depth(x, bits=3).numpy(), want)
    ref = scipy_ndimage.median_filter(x.numpy(), size=(1, 1, 3, 3), mode="mirror")
    assert np.allclose(adv.median_filter(x, size=3).numpy(), ref)


def test_jpeg_matches_pillow_and_is_near_identity_at_high_quality():
    from PIL import Image

    x, _ = _data(2)
    out = adv.jpeg(x, quality=30)
    buf = io.BytesIO()
    Image.fromarray((x[1, 0].numpy() * 255).round().astype(np.uint8), mode="L").save(buf, "JPEG", quality=30)
    assert np.allclose(out[1, 0].numpy() * 255, np.asarray(Image.open(buf)), atol=1e-4)
    smooth = torch.linspace(0, 1, 32).repeat(32, 1)[None, None]
    assert (adv.jpeg(smooth, quality=95) - smooth).abs().mean() < 2 / 255


def test_transformation_removes_a_small_perturbation():
    flat = torch.full((1, 1, 16, 16), 8 / 15)  # exactly on a 4-bit level
    noisy = flat + (torch.rand(flat.shape, generator=torch.Generator().manual_seed(0)) - 0.5) * 4 / 255
    assert torch.equal(adv.bit_depth(noisy, bits=4), flat)


def test_adversarial_augment_restores_mode_and_stays_in_ball():
    m = make_model("smallcnn", num_classes=2, seed=0).train()
    x, y = _data(16)
    hook = adv.AdversarialAugment(m, eps=4 / 255, method="pgd", steps=2, fraction=0.5, seed=0)
    x_adv, y_out = hook(x, y)
    assert m.training and all(p.grad is None for p in m.parameters())
    changed = (x_adv - x).flatten(1).abs().max(1).values > 0
    assert changed.sum() == 8 and (x_adv - x).abs().max() <= 4 / 255 + 1e-6 and torch.equal(y_out, y)
    again = adv.AdversarialAugment(m, eps=4 / 255, method="pgd", steps=2, fraction=0.5, seed=0)(x, y)[0]
    assert torch.equal(x_adv, again)


def test_adversarial_training_goes_through_fit_on_every_batch():
    x, y = _data(48)
    m = make_model("smallcnn", num_classes=2, seed=0)
    before = [p.detach().clone() for p in m.parameters()]
    hook = adv.AdversarialAugment(m, eps=8 / 255, seed=0)
    seen = []

    def counting(xb, yb):
        out = hook(xb, yb)
        seen.append(float((out[0] - xb).abs().max()))
        return out

    train.fit(m, (x, y), num_epochs=2, lr=1e-3, batch_size=16, augment=counting, progress=False, seed=0)
    assert len(seen) == 6 and all(0 < s <= 8 / 255 + 1e-6 for s in seen)
    assert m.training and any(not torch.equal(a, b) for a, b in zip(before, m.parameters()))


def test_squeezing_score_is_zero_when_squeezing_changes_nothing():
    m = make_model("smallcnn", num_classes=2, seed=0).eval()
    levels = torch.full((4, 1, 16, 16), 5 / 15)  # constant images on a 4-bit level: both squeezers are no-ops
    assert np.allclose(adv.squeezing_score(m, levels), 0.0)
    x, _ = _data(4)
    s = adv.squeezing_score(m, x)
    assert s.shape == (4,) and (s >= 0).all() and (s <= 2).all()


def test_ensemble_and_curve_shapes():
    m = make_model("smallcnn", num_classes=2, seed=0).eval()
    x, y = _data(8)
    c = adv.robustness_curve(m, x, y, eps=[1 / 255, 2 / 255], steps=2, seed=0)
    assert list(c.table["attack"]) == ["clean", "fgsm", "fgsm", "pgd", "pgd"]
    assert c.accuracy("pgd").index.tolist() == [1.0, 2.0]
    assert c.to_frame() is not c.table
