import os

import pytest

# Tests never depend on the user's profile, device or cache.
os.environ.setdefault("RADKIT_PROFILE", "quick")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path_factory.getbasetemp() / "radkit-cache"))


@pytest.fixture(scope="session")
def fake_cxr_data(tmp_path_factory):
    """A RADKIT_DATA folder with tiny fake ``nih/`` and ``chexpert/`` sources (real names, synthetic pixels).

    80 images each: 30 with none of the lesson findings and 10 with exactly one
    of each (see radkit.devtools.fake_cxr). Session-scoped: written once.
    """
    from radkit.devtools.fake_cxr import write_fake_sources

    return write_fake_sources(tmp_path_factory.mktemp("fake-cxr"))
