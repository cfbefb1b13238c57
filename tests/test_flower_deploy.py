"""The Flower deployment check's app project (the full deployment runs in `make flower-check`, about two minutes)."""

import pytest

pytest.importorskip("flwr")

from flwr.supercore.object_ref import validate

from radkit.federated import deploy


def test_the_app_project_names_apps_flwr_run_accepts(tmp_path):
    import tomllib

    folder = deploy._project(tmp_path / "app")
    conf = tomllib.loads((folder / "pyproject.toml").read_text())
    components = conf["tool"]["flwr"]["app"]["components"]
    for ref in components.values():  # flwr run checks each name by reading the module's source, not importing it
        ok, why = validate(ref, project_dir=folder)
        assert ok, why
    assert conf["tool"]["flwr"]["app"]["config"] == deploy.APP_CONFIG


def test_the_deployed_apps_are_the_kits_flower_apps():
    from flwr.clientapp import ClientApp
    from flwr.serverapp import ServerApp

    assert isinstance(deploy.serverapp, ServerApp) and isinstance(deploy.clientapp, ClientApp)


def test_each_hospital_builds_the_same_federation_from_the_run_config():
    a, model_a, opts = deploy.federation(seed=0, nodes=3, n_train=120, size=16)
    b, model_b, _ = deploy.federation(seed=0, nodes=3, n_train=120, size=16)
    assert [c.name for c in a] == ["A", "B", "C"] and opts["seed"] == 0
    assert all((x.X == y.X).all() and (x.y == y.y).all() for x, y in zip(a, b))
    assert all((p == q).all() for p, q in zip(model_a.state_dict().values(), model_b.state_dict().values()))
