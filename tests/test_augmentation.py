"""radkit.augmentation.transforms: each batched op equals torchvision's per image; seeds; laterality; fit hook."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.transforms.v2 import InterpolationMode
from torchvision.transforms.v2 import functional as TF

from radkit import models, synth, train
from radkit.augmentation.transforms import (
    IDENTITY,
    SAFE_CXR,
    Augment,
    Policy,
    adjust_brightness,
    adjust_contrast,
    adjust_gamma,
    affine,
    augment_batch,
    gaussian_blur,
    hflip,
    make_policy,
    mixup,
)


@pytest.fixture(scope="module")
def batch():
    return torch.rand(6, 1, 24, 20, generator=torch.Generator().manual_seed(3))


# ----------------------------------------------------------------------------- torchvision as the reference


def test_affine_matches_torchvision_per_image(batch):
    angle = torch.tensor([0.0, 12.0, -30.0, 90.0, 5.0, -7.5])
    translate = torch.tensor([[0, 0], [2, -1], [-3, 4], [0, 0], [1, 1], [-2, 0]], dtype=torch.float32)
    scale = torch.tensor([1.0, 0.9, 1.2, 1.0, 1.1, 0.8])
    ours = affine(batch, angle=angle, translate=translate, scale=scale)
    for i in range(len(batch)):
        ref = TF.affine(
            batch[i],
            angle=float(angle[i]),
            translate=translate[i].tolist(),
            scale=float(scale[i]),
            shear=[0.0, 0.0],
            interpolation=InterpolationMode.BILINEAR,
        )
        torch.testing.assert_close(ours[i], ref, atol=2e-5, rtol=0)


def test_intensity_ops_match_torchvision_per_image(batch):
    gamma = torch.tensor([0.5, 0.8, 1.0, 1.25, 2.0, 1.1])
    contrast = torch.tensor([0.0, 0.5, 1.0, 1.3, 2.0, 0.9])
    brightness = torch.tensor([0.5, 0.9, 1.0, 1.1, 1.5, 2.0])
    for ours, ref, values in [
        (adjust_gamma, TF.adjust_gamma, gamma),
        (adjust_contrast, TF.adjust_contrast, contrast),
        (adjust_brightness, TF.adjust_brightness, brightness),
    ]:
        out = ours(batch, values)
        for i in range(len(batch)):
            torch.testing.assert_close(out[i], ref(batch[i], float(values[i])), atol=1e-6, rtol=0)


def test_blur_matches_torchvision_per_image(batch):
    sigma = torch.tensor([0.3, 0.7, 1.0, 1.5, 2.0, 0.5])
    out = gaussian_blur(batch, sigma, kernel_size=9)
    for i in range(len(batch)):
        ref = TF.gaussian_blur(batch[i], kernel_size=[9, 9], sigma=[float(sigma[i])] * 2)
        torch.testing.assert_close(out[i], ref, atol=1e-6, rtol=0)


def test_blur_sigma_zero_is_identity(batch):
    torch.testing.assert_close(gaussian_blur(batch, torch.zeros(len(batch))), batch)


def test_mixup_is_the_convex_combination():
    x = torch.rand(4, 1, 5, 5)
    y = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    lam, partner = torch.tensor([0.6, 0.9, 0.5, 1.0]), torch.tensor([1, 0, 3, 2])
    xm, ym = mixup(x, y, lam=lam, partner=partner)
    for i in range(4):
        j, la = int(partner[i]), float(lam[i])
        torch.testing.assert_close(xm[i], la * x[i] + (1 - la) * x[j])
        torch.testing.assert_close(ym[i], la * y[i] + (1 - la) * y[j])


# ----------------------------------------------------------------------------- seeds, ranges, devices


def test_same_seed_same_batch_other_seed_other_batch(batch):
    pol = make_policy(SAFE_CXR, elastic=0.03)
    a = augment_batch(batch, policy=pol, seed=5)
    assert torch.equal(a, augment_batch(batch, policy=pol, seed=5))
    assert not torch.equal(a, augment_batch(batch, policy=pol, seed=6))
    assert a.device == batch.device and a.dtype == batch.dtype
    assert float(a.min()) >= 0 and float(a.max()) <= 1


def test_images_get_their_own_parameters():
    x = torch.rand(1, 1, 32, 32).repeat(8, 1, 1, 1)  # eight copies of one image
    out = augment_batch(x, policy=Policy(rotate=15), seed=0)
    diffs = [float((out[0] - out[i]).abs().max()) for i in range(1, 8)]
    assert min(diffs) > 1e-3, diffs


def test_switching_one_op_off_keeps_the_others_draws(batch):
    both = augment_batch(batch, policy=Policy(rotate=10, gamma=0.3), seed=2)
    only_rotate = augment_batch(batch, policy=Policy(rotate=10), seed=2)
    # gamma is a monotone map: the rotation draws are the same, so the order of pixel values is too
    assert torch.equal(
        both.flatten(1).argsort(1)[:, -5:].sort(1).values, only_rotate.flatten(1).argsort(1)[:, -5:].sort(1).values
    )


def test_augment_stream_is_reproducible_and_resets(batch):
    aug = Augment(SAFE_CXR, seed=1)
    first, second = aug(batch), aug(batch)
    assert not torch.equal(first, second)
    aug.reset()
    assert torch.equal(aug(batch), first)
    assert torch.equal(Augment(SAFE_CXR, seed=1)(batch), first)


def test_identity_policy_returns_input_untouched(batch):
    y = torch.ones(len(batch), 2)
    xa, ya = augment_batch(batch, y, policy=IDENTITY, seed=0)
    assert xa is batch and ya is y


# ----------------------------------------------------------------------------- laterality


def _centre_x(mask: torch.Tensor) -> torch.Tensor:
    cols = mask.float().sum(dim=(1, 2))  # N×W
    return (cols * torch.arange(mask.shape[-1])).sum(-1) / cols.sum(-1)


def test_default_policy_keeps_the_heart_on_the_image_right():
    """The heart sits right of the patient's midline on the image (the lung fields mark the midline)."""
    data = synth.generate(64, size=64, seed=0, prevalence={"cardiomegaly": 1.0}, masks=True, device="cpu")
    heart, lungs = data.masks["cardiomegaly"].float(), data.lungs.float()
    assert bool((_centre_x(heart) > _centre_x(lungs)).all()), "synthetic hearts are drawn on the image right"
    flip = make_policy(SAFE_CXR, hflip=1.0)
    for seed in range(3):
        side = [_centre_x(augment_batch(m, policy=SAFE_CXR.geometric(), seed=seed)) for m in (heart, lungs)]
        assert bool((side[0] > side[1] + 1).all()), side
        side = [_centre_x(augment_batch(m, policy=flip.geometric(), seed=seed)) for m in (heart, lungs)]
        assert bool((side[0] < side[1] - 1).all()), side


def test_geometric_part_moves_mask_and_image_together():
    data = synth.generate(16, size=64, seed=1, prevalence={"cardiomegaly": 1.0}, masks=True, device="cpu")
    heart = data.masks["cardiomegaly"].float()
    pol = make_policy(SAFE_CXR, elastic=0.02)
    # the image under the full policy and under its geometric part alone: same pixel motion, so the
    # heart region (augmented mask) is brighter than the rest in both
    img_full = augment_batch(data.images, policy=pol, seed=4)
    img_geo = augment_batch(data.images, policy=pol.geometric(), seed=4)
    mask = augment_batch(heart, policy=pol.geometric(), seed=4) > 0.5
    ref_geo = torch.stack([affine(data.images[i : i + 1], angle=0.0)[0] for i in range(16)])
    assert not torch.equal(img_geo, ref_geo)  # it did move
    for img in (img_full, img_geo):
        inside = (img * mask).sum(dim=(1, 2, 3)) / mask.sum(dim=(1, 2, 3))
        outside = (img * ~mask).sum(dim=(1, 2, 3)) / (~mask).sum(dim=(1, 2, 3))
        assert bool((inside > outside).all())
    moved_mask_full = augment_batch(heart, policy=pol.geometric(), seed=4)
    torch.testing.assert_close(moved_mask_full, augment_batch(heart, policy=pol.geometric(), seed=4))


def test_hflip_is_a_mirror():
    x = torch.rand(3, 1, 4, 6)
    out = hflip(x, torch.tensor([True, False, True]))
    assert torch.equal(out[0], x[0].flip(-1)) and torch.equal(out[1], x[1])


def test_default_policy_has_no_flip_and_no_mixup():
    assert SAFE_CXR.hflip == 0 and SAFE_CXR.mixup == 0 and "hflip" not in SAFE_CXR.active


# ----------------------------------------------------------------------------- the fit hook


def _fit(augment):
    g = torch.Generator().manual_seed(0)
    x, y = torch.rand(96, 1, 32, 32, generator=g), (torch.rand(96, 1, generator=g) < 0.3).float()
    m = models.make_model("smallcnn", num_classes=1, seed=0)
    h = train.fit(
        m, (x, y), num_epochs=2, lr=3e-3, batch_size=32, seed=0, progress=False, device="cpu", augment=augment
    )
    return m.state_dict(), h


def test_fit_with_identity_augmentation_equals_fit_without():
    plain, h_plain = _fit(None)
    ident, h_ident = _fit(Augment(IDENTITY, seed=3))
    assert h_plain.rows == h_ident.rows
    for k in plain:
        assert torch.equal(plain[k], ident[k]), k


def test_fit_with_augmentation_is_reproducible_and_differs():
    a, _ = _fit(Augment(SAFE_CXR, seed=1))
    b, _ = _fit(Augment(SAFE_CXR, seed=1))
    plain, _ = _fit(None)
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], plain[k]) for k in a)


def test_fit_hook_calls_once_per_batch():
    calls = []

    def spy(x, y):
        calls.append(len(x))
        return x, y

    _fit(spy)
    assert calls == [32, 32, 32] * 2


# ----------------------------------------------------------------------------- bad inputs


@pytest.mark.parametrize(
    ("x", "match"),
    [
        (torch.rand(2, 1, 8, 8) * 2, r"\[0, 1\]"),
        (torch.rand(1, 8, 8), "N×C×H×W"),
        (torch.randint(0, 255, (2, 1, 8, 8), dtype=torch.uint8), "floating-point"),
    ],
)
def test_bad_images_are_named(x, match):
    with pytest.raises((ValueError, TypeError), match=match):
        augment_batch(x, policy=SAFE_CXR, seed=0)


def test_unknown_operation_is_named_with_a_suggestion():
    with pytest.raises(ValueError, match="Unknown augmentation 'rotation'.*'rotate'"):
        make_policy(rotation=10)


def test_out_of_range_strength_is_named():
    with pytest.raises(ValueError, match="Policy.rotate"):
        Policy(rotate=-3)


def test_mixup_without_labels_is_an_error():
    with pytest.raises(ValueError, match="mixes labels"):
        augment_batch(torch.rand(2, 1, 8, 8), policy=Policy(mixup=0.4), seed=0)


def test_label_count_mismatch():
    with pytest.raises(ValueError, match="one label row per image"):
        augment_batch(torch.rand(3, 1, 8, 8), torch.zeros(2, 1), policy=SAFE_CXR, seed=0)


def test_bad_seed():
    with pytest.raises(TypeError, match="seed"):
        augment_batch(torch.rand(2, 1, 8, 8), policy=SAFE_CXR, seed=1.5)


def test_scaled_policy():
    half = SAFE_CXR.scaled(0.5)
    assert half.rotate == pytest.approx(SAFE_CXR.rotate / 2) and half.hflip == 0
    assert np.isclose(SAFE_CXR.scaled(0).rotate, 0) and SAFE_CXR.scaled(0).is_identity
