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


# ---- the smoke switch (issue 31, item 4) and the announced time (item 5) ----------------------------------------

from dataclasses import fields  # noqa: E402

from radkit import _measured  # noqa: E402
from radkit.config import SMOKE_CAPS  # noqa: E402

#: Profile fields that do not multiply work: what smoke keeps (the code path at the profile's image size).
KEPT = {"name", "image_size", "model", "seed", "images", "smoke", "external"}


def test_every_field_that_multiplies_work_is_capped_and_the_code_path_is_kept():
    names = {f.name for f in fields(radkit.Profile)}
    assert names - KEPT == set(SMOKE_CAPS), (
        "a Profile field is neither capped by smoke (radkit.config.SMOKE_CAPS) nor listed as kept here: "
        f"{sorted(names - KEPT - set(SMOKE_CAPS))}"
    )
    for p in PROFILES.values():
        s = p.smoke_caps()
        assert s.smoke and not p.smoke
        assert (s.name, s.image_size, s.model, s.seed, s.images) == (p.name, p.image_size, p.model, p.seed, p.images)
        for key, cap in SMOKE_CAPS.items():
            assert getattr(s, key) == min(getattr(p, key), cap), key
    full = PROFILES["full"].smoke_caps()
    assert full.image_size == 224 and full.model == "resnet18"
    assert full.n_train + full.n_test <= 600 and full.num_epochs == 1 and full.batch_size <= 32
    assert full.n_rep <= 5 and full.n_boot <= 50


def test_smoke_switch_is_read_with_the_profile(monkeypatch, capsys):
    monkeypatch.setenv("RADKIT_SMOKE", "1")
    monkeypatch.setenv("RADKIT_PROFILE", "full")
    assert radkit.profile() == PROFILES["full"].smoke_caps()
    assert radkit.profile(smoke_run=False) == PROFILES["full"]
    prof = radkit.setup(seed=1, verbose=True)
    assert prof.smoke and prof.image_size == 224 and prof.n_train == SMOKE_CAPS["n_train"] and prof.seed == 1
    assert "smoke: ON" in capsys.readouterr().out
    monkeypatch.setenv("RADKIT_SMOKE", "0")
    assert radkit.profile() == PROFILES["full"]
    monkeypatch.setenv("RADKIT_SMOKE", "maybe")
    with pytest.raises(ValueError, match="RADKIT_SMOKE"):
        radkit.profile()


def test_setup_announces_the_measured_time_of_the_named_notebook(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(_measured, "DATA", tmp_path / "m.json")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    radkit.setup(seed=0, profile_name="quick")
    assert "expected" not in capsys.readouterr().out  # unknown notebook: nothing announced
    radkit.setup(seed=0, profile_name="standard", notebook="07_x")
    out = capsys.readouterr().out
    assert "not been timed in profile standard yet" in out and "RADKIT_PROFILE=quick" in out
    _measured.record("notebooks/07_x.ipynb", "standard", {"seed": 0, "wall_s": 275.0, "rss_mb": 2100.0})
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "notebooks" / "07_x.ipynb"))  # as JupyterLab sets it
    radkit.setup(seed=0, profile_name="standard")
    assert "expected: this notebook took 275 s here in profile standard" in capsys.readouterr().out
    monkeypatch.setenv("JPY_SESSION_NAME", "Console 1-abc")  # a console, not a notebook: nothing
    radkit.setup(seed=0, profile_name="standard")
    assert "expected" not in capsys.readouterr().out


def test_a_smoke_run_is_looked_up_under_its_own_key(monkeypatch, tmp_path):
    monkeypatch.setattr(_measured, "DATA", tmp_path / "m.json")
    _measured.record("notebooks/07_x.ipynb", "full", {"seed": 0, "wall_s": 900.0})
    _measured.record("notebooks/07_x.ipynb", "full+smoke", {"seed": 0, "wall_s": 95.0})
    assert "took 95 s" in radkit.config.expected_time("07_x", PROFILES["full"].smoke_caps())
    assert "took 900 s" in radkit.config.expected_time("07_x", PROFILES["full"])
