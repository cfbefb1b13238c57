import os

import pytest

# Tests never depend on the user's profile, device or cache.
os.environ.setdefault("RADKIT_PROFILE", "quick")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path_factory.getbasetemp() / "radkit-cache"))
