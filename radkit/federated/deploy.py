"""The kit's Flower apps deployed as a consortium runs them: a SuperLink and one SuperNode per hospital.

``make flower-check`` (``python -m radkit.federated.deploy``) starts ``flower-superlink``
and three ``flower-supernode`` processes on localhost (insecure mode, free ports),
submits the apps of :mod:`radkit.federated.flower` with ``flwr run`` for two rounds,
and compares the global weights with those of :func:`~radkit.federated.flower.run_in_process`
on the same federation. Measured here (2-core CPU, 2026-12-06): round 1 agrees to float32 rounding
(0.0 or 1.2e-7 relative) and local training amplifies what differs (0.0, 8.9e-5 and 5.7e-4 after
round 2 in three runs; 1.5e-3 after round 3): the check holds round 1 to 1e-6 and the last round to 1e-3.
Every process it started is stopped, also on failure.

The app project (a ``pyproject.toml`` naming :data:`serverapp` and :data:`clientapp`)
is written to a temporary folder. Each hospital's SuperNode starts a ClientApp
process that builds the same small synthetic federation from the run config and
trains on its own ``partition-id``, as a hospital trains on its own disk.
``FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION=1`` keeps Flower from installing
anything (by default ``flwr run`` calls ``uv sync``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from radkit.federated import flower

__all__ = ["federation", "serverapp", "clientapp", "deploy_and_compare", "APP_CONFIG"]

#: The run config of the check (``flwr run --run-config`` overrides it; ``out`` is where the ServerApp saves).
APP_CONFIG: dict[str, object] = {"seed": 0, "rounds": 2, "nodes": 3, "n-train": 240, "size": 24, "out": ""}


def federation(*, seed: int, nodes: int, n_train: int, size: int):
    """The small synthetic federation of the check: ``nodes`` hospitals, their model, the training options."""
    from radkit.config import setup
    from radkit.federated.clients import FEDERATED_SITES, make_clients
    from radkit.models import make_model

    prof = setup(seed, profile_name="quick", verbose=False)
    sites = FEDERATED_SITES[:nodes]
    clients = make_clients(prof, sites=sites, n_train=n_train, n_test=max(60, n_train // 3), size=size, seed=seed)
    model = make_model("smallcnn", num_classes=1, seed=seed)
    return clients, model, dict(local_epochs=1, batch_size=16, lr=3e-3, seed=seed)


def _config(context) -> dict[str, int]:
    """The keyword arguments of :func:`federation` from a run's config (the defaults of :data:`APP_CONFIG`)."""
    cfg = {**APP_CONFIG, **dict(context.run_config)}
    return {
        "seed": int(cfg["seed"]),
        "nodes": int(cfg["nodes"]),
        "n_train": int(cfg["n-train"]),
        "size": int(cfg["size"]),
    }


def _apps():
    flower.require_flower()
    from flwr.clientapp import ClientApp
    from flwr.serverapp import ServerApp

    server, client = ServerApp(), ClientApp()
    inner: dict[tuple, object] = {}

    def _client(context):
        cfg = _config(context)
        key = tuple(cfg.values())
        if key not in inner:  # built once per ClientApp process, from the run config
            clients, model, opts = federation(**cfg)
            inner[key] = flower.client_app(clients, model, **opts)
        return inner[key]

    @client.train()
    def train(msg, context):
        return _client(context)(msg, context)

    @client.evaluate()
    def evaluate(msg, context):
        return _client(context)(msg, context)

    @server.main()
    def main(grid, context) -> None:
        cfg = _config(context)
        _, model, _ = federation(**cfg)
        app, result = flower.server_app(
            model, rounds=int(context.run_config.get("rounds", 2)), num_clients=cfg["nodes"]
        )
        app(grid, context)
        out = str(context.run_config.get("out", ""))
        if out:
            torch.save({"final": result.state_dict, "rounds": result.round_states}, out)

    return server, client


#: The apps the SuperLink and the SuperNodes load (``radkit.federated.deploy:serverapp`` / ``:clientapp``).
try:
    serverapp, clientapp = _apps()
except ImportError:  # without Flower the module still imports; deploy_and_compare says how to install it
    serverapp = clientapp = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} stopped at start (exit {proc.returncode}); its log:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.3)
    raise TimeoutError(f"{proc.args[0]} did not open port {port} within {timeout:.0f} s; its log: {log}")


def _project(folder: Path) -> Path:
    """A Flower app project whose components are this module's apps."""
    folder.mkdir(parents=True, exist_ok=True)
    conf = "\n".join(f"{k} = {v!r}" if isinstance(v, str) else f"{k} = {v}" for k, v in APP_CONFIG.items())
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n'
        '[project]\nname = "radkit-flower-check"\nversion = "1.0.0"\ndependencies = []\n\n'
        '[tool.hatch.build.targets.wheel]\npackages = ["."]\n\n'
        '[tool.flwr.app]\npublisher = "radkit"\n\n'
        '[tool.flwr.app.components]\nserverapp = "radkit_check_app:serverapp"\n'
        'clientapp = "radkit_check_app:clientapp"\n\n'
        f"[tool.flwr.app.config]\n{conf}\n"
    )
    (folder / "radkit_check_app.py").write_text(
        '"""radkit\'s Flower apps, as a consortium deploys them (written by radkit.federated.deploy)."""\n\n'
        "from radkit.federated import deploy\n\n"
        "serverapp = deploy.serverapp  # assignments, not an import: flwr run checks the names without importing\n"
        "clientapp = deploy.clientapp\n"
    )
    return folder


def deploy_and_compare(*, seed: int, rounds: int = 2, nodes: int = 3, timeout: float = 600.0) -> dict:
    """Run the apps on a local SuperLink with ``nodes`` SuperNodes; compare with the in-process run.

    Returns
    -------
    dict
        ``max_abs_diff`` (deployed vs in-process global weights), ``seconds``, the ports used.

    Examples
    --------
    >>> report = deploy_and_compare(seed=0, rounds=2, nodes=3)   # doctest: +SKIP
    >>> report["max_abs_diff"] < 1e-5                  # doctest: +SKIP
    True
    """
    flower.require_flower()
    start = time.monotonic()
    bin_dir = Path(sys.executable).parent
    # the SuperLink and SuperNodes start flower-superexec, flwr-serverapp, flwr-clientapp by name: this bin first
    path = os.pathsep.join([str(bin_dir), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path, "FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION": "1", "PYTHONUNBUFFERED": "1"}
    procs: list[subprocess.Popen] = []
    with tempfile.TemporaryDirectory(prefix="radkit-flower-") as tmp:
        tmp_path = Path(tmp)
        env["FLWR_HOME"] = str(tmp_path / "flwr-home")
        link = _free_port()
        (tmp_path / "flwr-home").mkdir()
        (tmp_path / "flwr-home" / "config.toml").write_text(
            '[superlink]\ndefault = "radkit-check"\n\n'
            f'[superlink.radkit-check]\naddress = "127.0.0.1:{link}"\ninsecure = true\n'
        )
        app = _project(tmp_path / "app")
        out = tmp_path / "deployed.pt"

        def launch(args: list[str], name: str) -> subprocess.Popen:
            log = tmp_path / f"{name}.log"
            p = subprocess.Popen(args, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, cwd=tmp)
            procs.append(p)
            p.log = log  # type: ignore[attr-defined]
            return p

        try:
            sl = launch(
                [
                    str(bin_dir / "flower-superlink"),
                    "--insecure",
                    "--port",
                    str(link),
                    "--disable-runtime-dependency-installation",
                    "--database",
                    str(tmp_path / "state.db"),
                ],
                "superlink",
            )
            _wait_for_port(link, sl, sl.log)
            for i in range(nodes):
                port = _free_port()
                sn = launch(
                    [
                        str(bin_dir / "flower-supernode"),
                        "--insecure",
                        "--superlink",
                        f"127.0.0.1:{link}",
                        "--port",
                        str(port),
                        "--node-config",
                        f"partition-id={i} num-partitions={nodes}",
                    ],
                    f"supernode-{i}",
                )
                _wait_for_port(port, sn, sn.log)
            overrides = f"seed={seed} rounds={rounds} nodes={nodes} out='{out}'"
            run = subprocess.run(
                [str(bin_dir / "flwr"), "run", str(app), "radkit-check", "--run-config", overrides, "--stream"],
                env=env,
                cwd=tmp,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            if run.returncode != 0 or not out.is_file():
                logs = "\n".join(f"--- {p.log.name}\n{p.log.read_text()[-3000:]}" for p in procs)
                raise RuntimeError(
                    f"flwr run failed (exit {run.returncode}) or the ServerApp saved no weights.\n"
                    f"{run.stdout[-3000:]}\n{run.stderr[-3000:]}\n{logs}"
                )
            deployed = torch.load(out, weights_only=True)
        finally:
            for p in procs:
                p.terminate()
            for p in procs:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
    clients, model, opts = federation(
        seed=seed, nodes=nodes, n_train=int(APP_CONFIG["n-train"]), size=int(APP_CONFIG["size"])
    )
    sapp, res = flower.server_app(model, rounds=rounds, num_clients=nodes)
    flower.run_in_process(sapp, flower.client_app(clients, model, **opts), num_nodes=nodes, result=res)

    def rel(a: dict, b: dict) -> float:  # largest difference per tensor, relative to the tensor's largest value
        return max(
            float((a[k].double() - b[k].double()).abs().max() / b[k].double().abs().max())
            for k in b
            if b[k].is_floating_point() and b[k].abs().max() > 0
        )

    per_round = [rel(a, b) for a, b in zip(deployed["rounds"], res.round_states)]
    diff = max(float((deployed["final"][k].double() - res.state_dict[k].double()).abs().max()) for k in res.state_dict)
    return {
        "max_abs_diff": diff,
        "rel_diff_per_round": per_round,
        "max_rel_diff": per_round[-1],
        "seconds": time.monotonic() - start,
        "rounds": rounds,
        "nodes": nodes,
    }


def main(argv: list[str] | None = None) -> int:
    """``make flower-check``: deploy, compare, print; exit 1 when the weights differ beyond float32 rounding."""
    parser = argparse.ArgumentParser(prog="python -m radkit.federated.deploy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tol", type=float, default=1e-6, help="round 1: largest relative difference (float32)")
    parser.add_argument("--tol-last", type=float, default=1e-3, help="last round: largest relative difference")
    args = parser.parse_args(argv)
    r = deploy_and_compare(rounds=args.rounds, nodes=args.nodes, seed=args.seed)
    first, last = r["rel_diff_per_round"][0], r["rel_diff_per_round"][-1]
    ok = first <= args.tol and last <= args.tol_last
    print(
        f"Flower deployment: a SuperLink and {r['nodes']} SuperNodes on localhost, {r['rounds']} rounds of FedAvg in "
        f"{r['seconds']:.0f} s. Global weights against the in-process run, largest relative difference per round: "
        + ", ".join(f"{x:.1e}" for x in r["rel_diff_per_round"])
        + f" (round 1 at most {args.tol:.0e}: float32 rounding; the rounding of the average is then amplified by "
        f"training, last round at most {args.tol_last:.0e}): {'equal' if ok else 'DIFFERENT'}."
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
