import os

import pytest

# Tests never depend on the user's profile, device or cache.
os.environ.setdefault("RADKIT_PROFILE", "quick")


def pytest_configure(config):
    """With RADKIT_OUTPUT_CHECK=1 (set by `make test`), the nbval run also applies the output check to every
    notebook it executes (radkit.devtools.nbval_outputs, issue 32)."""
    name = "radkit.devtools.nbval_outputs"
    if os.environ.get("RADKIT_OUTPUT_CHECK") == "1" and not config.pluginmanager.has_plugin(name):
        import radkit.devtools.nbval_outputs as plugin

        config.pluginmanager.register(plugin, name)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("RADKIT_CACHE", str(tmp_path_factory.getbasetemp() / "radkit-cache"))


#: Size of the small fake folders of the unit tests: 60 images without the lesson findings and 20
#: with exactly one of each, per source (160 images).
SMALL_NORMAL, SMALL_PER_FINDING = 60, 20


@pytest.fixture(scope="session")
def fake_cxr_data(tmp_path_factory):
    """A RADKIT_DATA folder with small fake ``nih/`` and ``chexpert/`` (real names and labels, synthetic pixels).

    160 images each (SMALL_NORMAL, SMALL_PER_FINDING; see radkit.devtools.fake_cxr). Written once per session.
    """
    from radkit.devtools.fake_cxr import write_fake_sources

    return write_fake_sources(
        tmp_path_factory.mktemp("fake-cxr"), per_finding=SMALL_PER_FINDING, normal=SMALL_NORMAL, seed=0
    )


@pytest.fixture(scope="session")
def fake_cxr_data_quick(tmp_path_factory):
    """Fake ``nih/`` and ``chexpert/`` of the quick profile's size (2,500 images each), for lesson notebooks:
    large enough that a lesson's small CNN learns and its real-image claims can hold."""
    from radkit.devtools.fake_cxr import write_fake_sources

    return write_fake_sources(tmp_path_factory.mktemp("fake-cxr-quick"), seed=0)


#: Films per source at real prevalence: the quick profile's 1,500 + 1,000.
REAL_PREVALENCE_FILMS = 2500


@pytest.fixture(scope="session")
def fake_cxr_data_real_prevalence(tmp_path_factory):
    """Fake ``nih/``, ``chexpert/``, ``padchest/``, ``vindr/`` and ``siim/`` as a partial download gives them: 2,500
    films each drawn at random from the source's frontal films (real names, formats and prevalence, not enriched),
    pixels drawn with each film's own labels (radkit.devtools.fake_cxr.write_fake_sample). About two minutes."""
    from radkit.devtools.fake_cxr import SAMPLE_SOURCES, write_fake_sample

    root = tmp_path_factory.mktemp("fake-cxr-real-prevalence")
    for k, source in enumerate(SAMPLE_SOURCES):
        write_fake_sample(root, source, REAL_PREVALENCE_FILMS, seed=10 * k)
    return root
