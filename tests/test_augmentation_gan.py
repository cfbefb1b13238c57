"""radkit.augmentation.gan: shapes and ranges, seeds, checkpoints, clear errors, memorisation check."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist

from radkit.augmentation.gan import (
    GAN,
    memorisation_check,
    nearest_distances,
    train_gan,
)


@pytest.fixture(scope="module")
def data():
    g = torch.Generator().manual_seed(0)
    return torch.rand(40, 1, 16, 16, generator=g), torch.arange(40) % 2


@pytest.fixture(scope="module")
def gan(data):
    return train_gan(*data, num_steps=3, batch_size=8, seed=0, progress=False, device="cpu")


@pytest.mark.parametrize("size", [16, 32, 64])
def test_generator_output_shape_and_range(size):
    g = GAN(image_size=size, num_classes=3)
    out = g.generator(torch.randn(4, g.z_dim), torch.tensor([0, 1, 2, 1]))
    assert tuple(out.shape) == (4, 1, size, size)
    assert float(out.min()) >= 0 and float(out.max()) <= 1
    assert tuple(g.discriminator(out, torch.tensor([0, 1, 2, 1])).shape) == (4,)


def test_sample_shape_range_and_seed(gan):
    a = gan.sample(7, label=1, seed=3)
    assert tuple(a.shape) == (7, 1, 16, 16) and float(a.min()) >= 0 and float(a.max()) <= 1
    assert torch.equal(a, gan.sample(7, label=1, seed=3))
    assert not torch.equal(a, gan.sample(7, label=1, seed=4))
    assert not torch.equal(a, gan.sample(7, label=0, seed=3))


def test_training_is_reproducible_and_leaves_global_rng_alone(data, gan):
    state = torch.random.get_rng_state()
    again = train_gan(*data, num_steps=3, batch_size=8, seed=0, progress=False, device="cpu")
    assert torch.equal(torch.random.get_rng_state(), state)
    assert torch.equal(again.sample(4, seed=0), gan.sample(4, seed=0))
    assert [r["loss_d"] for r in again.history] == [r["loss_d"] for r in gan.history]


def test_callback_values_go_into_history(data):
    g = train_gan(
        *data,
        num_steps=4,
        batch_size=8,
        seed=1,
        progress=False,
        device="cpu",
        callback=lambda gan, step: {"mean": float(gan.sample(4, seed=0).mean())},
        eval_every=2,
    )
    frame = g.history_frame()
    assert list(frame.dropna().index) == [2, 4] and g.steps == 4


def test_sample_before_training_is_an_error():
    with pytest.raises(RuntimeError, match="not been trained"):
        GAN(image_size=16).sample(2, seed=0)


def test_checkpoint_round_trip(tmp_path, gan):
    path = gan.save(tmp_path / "gan.pt")
    back = GAN.load(path)
    assert back.steps == gan.steps and back.image_size == 16
    assert torch.equal(back.sample(5, seed=2), gan.sample(5, seed=2))
    with pytest.raises(FileExistsError):
        gan.save(path)


def test_loading_another_checkpoint_is_named(tmp_path):
    from radkit import models
    from radkit.checkpoint import save_checkpoint

    path = save_checkpoint(models.make_model("smallcnn", num_classes=1, seed=0), tmp_path / "m.pt")
    with pytest.raises(ValueError, match="not a saved radkit GAN"):
        GAN.load(path)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(images=torch.rand(8, 1, 20, 20)), "power of two"),
        (dict(images=torch.rand(8, 1, 16, 16) + 1), r"\[0, 1\]"),
        (dict(labels=torch.zeros(5)), "8 images but 5 labels"),
        (dict(num_steps=0), "num_steps"),
    ],
)
def test_bad_training_inputs(kwargs, match):
    args = (
        dict(
            images=torch.rand(8, 1, 16, 16),
            labels=torch.arange(8) % 2,
            num_steps=1,
            batch_size=4,
            seed=0,
            progress=False,
            device="cpu",
        )
        | kwargs
    )
    with pytest.raises(ValueError, match=match):
        train_gan(**args)


def test_nearest_distances_match_scipy():
    g = torch.Generator().manual_seed(2)
    q, r = torch.rand(30, 1, 6, 6, generator=g), torch.rand(50, 1, 6, 6, generator=g)
    want = cdist(q.flatten(1).numpy(), r.flatten(1).numpy()).min(1) / np.sqrt(36)
    np.testing.assert_allclose(nearest_distances(q, r, batch_size=7), want, rtol=1e-6)
    d_self = cdist(r.flatten(1).numpy(), r.flatten(1).numpy())
    np.fill_diagonal(d_self, np.inf)
    np.testing.assert_allclose(nearest_distances(r, r, exclude_self=True, batch_size=16), d_self.min(1) / 6, rtol=1e-6)


def test_memorisation_catches_noisy_copies_not_new_images():
    g = torch.Generator().manual_seed(3)
    train = torch.rand(200, 1, 8, 8, generator=g)
    copies = (train[:10] + 0.01 * torch.randn(10, 1, 8, 8, generator=g)).clamp(0, 1)
    check = memorisation_check(torch.cat([copies, torch.rand(10, 1, 8, 8, generator=g)]), train)
    assert check.near_copies == 10
    assert set(check.to_frame().columns) == {"n", "min", "5%", "median"}
