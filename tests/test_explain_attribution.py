"""radkit.explain attribution methods: agreement with captum, closed forms and bad input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from radkit import explain


class Tiny(nn.Module):
    """Conv -> ReLU -> conv -> ReLU -> pool -> linear, no in-place ops (captum's hooks dislike them)."""

    def __init__(self) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(1, 4, 3, padding=1)
        self.r1 = nn.ReLU()
        self.c2 = nn.Conv2d(4, 6, 3, padding=1, stride=2)
        self.r2 = nn.ReLU()
        self.head = nn.Linear(6, 3)

    def forward(self, x):
        return self.head(self.r2(self.c2(self.r1(self.c1(x)))).mean((2, 3)))


@pytest.fixture
def tiny():
    torch.manual_seed(0)
    return Tiny().eval()


@pytest.fixture
def x():
    return torch.rand(5, 1, 16, 16, generator=torch.Generator().manual_seed(1))


def test_saliency_matches_captum(tiny, x):
    captum = pytest.importorskip("captum.attr")
    ref = captum.Saliency(tiny).attribute(x, target=2)
    assert torch.allclose(explain.saliency(tiny, x, target=2), ref, atol=1e-7)
    signed = captum.Saliency(tiny).attribute(x, target=1, abs=False)
    assert torch.allclose(explain.saliency(tiny, x, target=1, absolute=False), signed, atol=1e-7)


@pytest.mark.parametrize("method", ["gausslegendre", "riemann_trapezoid"])
def test_integrated_gradients_matches_captum(tiny, x, method):
    captum = pytest.importorskip("captum.attr")
    base = torch.full_like(x[0], 0.3)
    ref, ref_delta = captum.IntegratedGradients(tiny).attribute(
        x, baselines=base[None].expand_as(x), target=1, n_steps=24, method=method, return_convergence_delta=True
    )
    got, delta = explain.integrated_gradients(
        tiny, x, target=1, baseline=base, steps=24, method=method, return_delta=True
    )
    if method == "riemann_trapezoid":
        # captum's trapezoid weights are 1/n (they sum to (n-1)/n); radkit's are 1/(n-1), which sum to 1
        ref = ref * 24 / 23
        assert torch.allclose(got, ref, atol=1e-6)
        return
    assert torch.allclose(got, ref, atol=1e-6)
    assert torch.allclose(delta, ref_delta, atol=1e-5)


def test_integrated_gradients_completeness_closed_form():
    lin = nn.Sequential(nn.Flatten(), nn.Linear(4, 1))
    x = torch.rand(3, 1, 2, 2)
    a = explain.integrated_gradients(lin, x, target=0, baseline=0.5)
    assert torch.allclose(a.flatten(1), (x.flatten(1) - 0.5) * lin[1].weight, atol=1e-6)


def test_grad_cam_matches_captum(tiny, x):
    captum = pytest.importorskip("captum.attr")
    ref = captum.LayerGradCam(tiny, tiny.r2).attribute(x, target=0, relu_attributions=True)
    got = explain.grad_cam(tiny, x, target=0, layer="r2", upsample=False)
    assert got.shape == ref.shape == (5, 1, 8, 8)
    assert torch.allclose(got, ref, atol=1e-6)
    up = explain.grad_cam(tiny, x, target=0, layer="r2")
    assert up.shape == (5, 1, 16, 16)


def test_occlusion_matches_captum_and_finds_the_block(tiny, x):
    captum = pytest.importorskip("captum.attr")
    ref = captum.Occlusion(tiny).attribute(
        x, target=1, sliding_window_shapes=(1, 4, 4), strides=(1, 2, 2), baselines=0.0
    )
    got = explain.occlusion(tiny, x, target=1, window=4, stride=2)
    assert torch.allclose(got, ref, atol=1e-5)

    class Block(nn.Module):  # the answer depends only on pixels [4:8, 8:12]
        def forward(self, z):
            return z[:, :, 4:8, 8:12].sum((1, 2, 3))[:, None] * 2.0

    a = explain.occlusion(Block(), torch.ones(2, 1, 16, 16), target=0, window=4, stride=4)
    assert a[:, :, 4:8, 8:12].min() == 32.0
    inside = torch.zeros(16, 16, dtype=torch.bool)
    inside[4:8, 8:12] = True
    assert a[:, 0][:, ~inside].abs().max() == 0


def test_smoothgrad_closed_forms(tiny, x):
    assert torch.allclose(
        explain.smoothgrad(tiny, x, target=0, noise=0.0, n_samples=3, seed=0), explain.saliency(tiny, x, target=0)
    )
    a = explain.smoothgrad(tiny, x, target=0, seed=3)
    assert torch.equal(a, explain.smoothgrad(tiny, x, target=0, seed=3))  # deterministic under a seed
    assert not torch.equal(a, explain.smoothgrad(tiny, x, target=0, seed=4))


def test_parameters_and_mode_untouched(tiny, x):
    tiny.train()
    for method in ("saliency", "smoothgrad", "integrated_gradients", "grad_cam", "occlusion"):
        extra = {"grad_cam": {"layer": "r2"}, "smoothgrad": {"seed": 0}}.get(method, {})
        explain.attribute(tiny, x, method=method, target=0, **extra)
    assert tiny.training
    assert all(p.grad is None for p in tiny.parameters())


def test_per_image_targets(tiny, x):
    per = explain.saliency(tiny, x, target=[0, 1, 2, 0, 1])
    assert torch.allclose(per[1:2], explain.saliency(tiny, x[1:2], target=1))


def test_bad_inputs_say_what_is_valid(tiny, x):
    with pytest.raises(ValueError, match=r"Convolutional layers: \['c1', 'c2'\]"):
        explain.grad_cam(tiny, x, target=0, layer="conv9")
    with pytest.raises(ValueError, match="baseline has shape"):
        explain.integrated_gradients(tiny, x, target=0, baseline=torch.zeros(1, 8, 8))
    with pytest.raises(ValueError, match=r"0\.\.2"):
        explain.saliency(tiny, x, target=3)
    with pytest.raises(ValueError, match="one class index per image"):
        explain.saliency(tiny, x, target=[0, 1])
    with pytest.raises(ValueError, match="N x C x H x W"):
        explain.saliency(tiny, x[0], target=0)
    with pytest.raises(ValueError, match="NaN"):
        explain.saliency(tiny, x * float("nan"), target=0)
    with pytest.raises(ValueError, match="Valid methods"):
        explain.attribute(tiny, x, method="lime", target=0)
    with pytest.raises(ValueError, match="gausslegendre"):
        explain.integrated_gradients(tiny, x, target=0, method="simpson")
    with pytest.raises(ValueError, match="larger than the image"):
        explain.occlusion(tiny, x, target=0, window=32)


def test_attribute_defaults_to_last_conv_and_one_channel(tiny, x):
    a = explain.attribute(tiny, x, method="grad_cam", target=0)
    assert torch.allclose(a, explain.grad_cam(tiny, x, target=0, layer="c2"))
    ig = explain.attribute(tiny, x, method="integrated_gradients", target=0, steps=8)
    assert (ig >= 0).all() and ig.shape == (5, 1, 16, 16)


def _min_max(a: torch.Tensor) -> torch.Tensor:
    flat = a.flatten(1)
    lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    return ((flat - lo) / (hi - lo)).reshape(a.shape)


@pytest.mark.parametrize("target", [0, 2])
def test_grad_cam_matches_pytorch_grad_cam(tiny, x, target):
    # pytorch-grad-cam: ReLU, min-max per image, cv2 bilinear resize, min-max again. Min-max is
    # invariant under the affine maps bilinear resizing commutes with, so radkit's upsampled map,
    # min-max scaled per image, must equal its output.
    pgc = pytest.importorskip("pytorch_grad_cam")
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    with pgc.GradCAM(model=tiny, target_layers=[tiny.r2]) as cam:
        ref = cam(input_tensor=x, targets=[ClassifierOutputTarget(target)] * len(x))
    got = explain.grad_cam(tiny, x, target=target, layer="r2")
    assert got.shape == (5, 1, 16, 16) and ref.shape == (5, 16, 16)
    assert (got.flatten(1).amax(1) > 0).all()  # no constant map: min-max is defined
    torch.testing.assert_close(_min_max(got)[:, 0], torch.from_numpy(ref), atol=1e-6, rtol=0)


def test_grad_cam_matches_pytorch_grad_cam_on_smallcnn():
    pgc = pytest.importorskip("pytorch_grad_cam")
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    import radkit.models

    m = radkit.models.make_model("smallcnn", num_classes=3, seed=0).eval()
    xs = torch.rand(4, 1, 32, 32, generator=torch.Generator().manual_seed(2))
    layer = dict(m.named_modules())["features.13"]  # the last block after its ReLU (the notebook's layer)
    with pgc.GradCAM(model=m, target_layers=[layer]) as cam:
        ref = cam(input_tensor=xs, targets=[ClassifierOutputTarget(1)] * len(xs))
    got = explain.grad_cam(m, xs, target=1, layer="features.13")
    keep = got.flatten(1).amax(1) > 0
    assert keep.any()
    torch.testing.assert_close(_min_max(got[keep])[:, 0], torch.from_numpy(ref[keep.numpy()]), atol=1e-6, rtol=0)
