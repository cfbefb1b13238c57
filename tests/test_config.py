import random

import numpy as np
import pytest
import torch

import radkit
from radkit.config import PROFILES


def test_profile_reads_environment(monkeypatch):
    monkeypatch.setenv("RADKIT_PROFILE", "full")
    assert radkit.profile().name == "full"
    monkeypatch.setenv("RADKIT_PROFILE", " Quick ")
    assert radkit.profile().name == "quick"
    monkeypatch.delenv("RADKIT_PROFILE")
    assert radkit.profile().name == "standard"


def test_unknown_profile_lists_valid_ones(monkeypatch):
    monkeypatch.setenv("RADKIT_PROFILE", "huge")
    with pytest.raises(ValueError, match="quick, standard, full"):
        radkit.profile()
    with pytest.raises(ValueError, match="'tiny'"):
        radkit.profile("tiny")


def test_profiles_are_frozen_and_ordered_by_cost():
    with pytest.raises(AttributeError):
        PROFILES["quick"].n_train = 5  # type: ignore[misc]
    q, s, f = (PROFILES[k] for k in ("quick", "standard", "full"))
    assert q.n_train < s.n_train < f.n_train
    assert q.image_size <= s.image_size <= f.image_size


def test_setup_seeds_everything_and_prints(capsys):
    radkit.setup(seed=3, profile_name="quick")
    a = (random.random(), np.random.rand(), torch.rand(1).item())  # noqa: NPY002
    radkit.setup(seed=3, profile_name="quick")
    b = (random.random(), np.random.rand(), torch.rand(1).item())  # noqa: NPY002
    assert a == b
    out = capsys.readouterr().out
    assert "torch" in out and "profile: quick" in out and "seed: 3" in out


def test_device_override(monkeypatch):
    monkeypatch.setenv("RADKIT_DEVICE", "cpu")
    assert radkit.device() == torch.device("cpu")


def test_seed_switch(monkeypatch):
    monkeypatch.setenv("RADKIT_SEED", " 4 ")
    assert radkit.setup(profile_name="quick", verbose=False).seed == 4
    assert radkit.setup(seed=2, profile_name="quick", verbose=False).seed == 2  # an explicit seed wins
    monkeypatch.delenv("RADKIT_SEED")
    assert radkit.setup(profile_name="quick", verbose=False).seed == 0


@pytest.mark.parametrize("bad", ["-1", "1.5", "abc", ""])
def test_bad_seed_names_the_variable(monkeypatch, bad):
    monkeypatch.setenv("RADKIT_SEED", bad)
    if bad == "":
        assert radkit.notebook_seed() == 0  # set but empty: the default
        return
    with pytest.raises(ValueError, match="RADKIT_SEED"):
        radkit.setup(profile_name="quick", verbose=False)


@pytest.mark.parametrize("bad", ["garbage", "tpu", "cuda", "cuda:7", " MPS"])
def test_bad_device_names_the_variable(monkeypatch, bad):
    if bad.strip().lower().startswith("cuda") and torch.cuda.device_count() > 7:
        pytest.skip("this machine has the GPU asked for")
    if bad.strip().lower() == "mps" and torch.backends.mps.is_available():
        pytest.skip("this machine has MPS")
    monkeypatch.setenv("RADKIT_DEVICE", bad)
    with pytest.raises((ValueError, RuntimeError), match="RADKIT_DEVICE"):
        radkit.device()


def test_device_override_is_trimmed(monkeypatch):
    monkeypatch.setenv("RADKIT_DEVICE", " CPU ")
    assert radkit.device() == torch.device("cpu")
