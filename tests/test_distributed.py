"""fit under torchrun: two Gloo processes on the CPU train exactly what one process trains."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torch import nn

from radkit import distributed, train

SCRIPT = textwrap.dedent("""
    import json, os, sys
    import torch
    from torch import nn
    from radkit import distributed, train
    from radkit.checkpoint import save_checkpoint

    def tiny():
        torch.manual_seed(0)
        return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(2), nn.Flatten(), nn.Linear(16, 1))

    def data():
        g = torch.Generator().manual_seed(1)
        X = torch.rand(64, 1, 12, 12, generator=g)
        y = (X.mean((1, 2, 3)) > 0.5).float()[:, None]
        return X, y

    if __name__ == "__main__":
        out = sys.argv[1]
        ctx = distributed.context()
        if os.environ.get("FAIL_ON_RANK") == str(ctx.rank):
            raise RuntimeError(f"rank {ctx.rank} fails on purpose")
        model = tiny()
        X, y = data()
        h = train.fit(model, (X, y), val_data=(X[:32], y[:32]), num_epochs=2, lr=1e-2, batch_size=16,
                      seed=3, device="cpu", progress=True)
        path = save_checkpoint(model, os.path.join(out, "model.pt"))
        with open(os.path.join(out, f"rank{ctx.rank}.json"), "w") as fh:
            json.dump({"world": ctx.world_size, "rows": h.rows, "path": str(path)}, fh)
    """)


def _run(tmp_path: Path, nproc: int, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("RADKIT_DEVICE", None)
    env |= env_extra or {}
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={nproc}",
        str(script),
        str(tmp_path),
    ]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)


def _single(tmp_path: Path):
    ns: dict = {}
    exec(compile(SCRIPT.split("if __name__")[0], "job", "exec"), ns)
    model, (X, y) = ns["tiny"](), ns["data"]()
    h = train.fit(
        model,
        (X, y),
        val_data=(X[:32], y[:32]),
        num_epochs=2,
        lr=1e-2,
        batch_size=16,
        seed=3,
        device="cpu",
        progress=False,
    )
    return model, h


@pytest.mark.skipif(not torch.distributed.is_available(), reason="this torch build has no torch.distributed")
def test_two_processes_match_one(tmp_path):
    res = _run(tmp_path, 2)
    assert res.returncode == 0, res.stderr[-3000:]
    ranks = [json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert [r["world"] for r in ranks] == [2, 2]
    model, h = _single(tmp_path)
    # every rank returns the same history, equal to the single-process one
    for r in ranks:
        for got, want in zip(r["rows"], h.rows):
            assert got.keys() == want.keys()
            for k in want:
                assert got[k] == pytest.approx(want[k], rel=1e-5, abs=1e-6), (k, got, want)
    # the weights rank 0 saved equal single-process training with the same global batch and order
    state = torch.load(tmp_path / "model.pt", weights_only=True)["state_dict"]
    for k, v in model.state_dict().items():
        torch.testing.assert_close(state[k], v, rtol=1e-5, atol=1e-6)
    # one progress bar (rank 0) and one checkpoint (rank 0 wrote, rank 1 did not)
    assert res.stderr.count("0/2 [00:00<?, ?epoch/s]") == 1  # the bar starts once: rank 1 shows none
    assert len(list(tmp_path.glob("*.pt"))) == 1 and len(list(tmp_path.glob(".model.pt.*"))) == 0


@pytest.mark.skipif(not torch.distributed.is_available(), reason="this torch build has no torch.distributed")
def test_a_failing_rank_brings_the_job_down_with_its_message(tmp_path):
    res = _run(tmp_path, 2, {"FAIL_ON_RANK": "1"})
    assert res.returncode != 0
    assert "rank 1 fails on purpose" in res.stderr + res.stdout


def test_single_process_context_and_bad_input():
    ctx = distributed.context()
    assert (ctx.rank, ctx.world_size, ctx.active, ctx.main) == (0, 1, False, True)
    assert distributed.broadcast({"a": 1}) == {"a": 1}
    assert distributed.all_mean(torch.tensor(6.0), 3) == 2.0
    with pytest.raises(ValueError, match="split evenly over 3 processes"):
        distributed.local_batch(64, 3)
    with pytest.raises(ValueError, match="every rank needs at least one"):
        distributed.check_world((torch.rand(1, 1, 4, 4), torch.rand(1, 1)), batch_size=2, world_size=2)
    with pytest.raises(TypeError, match="needs data with a length"):
        distributed.check_world(iter([1, 2]), batch_size=2, world_size=2)


def test_shard_slices_cover_every_global_batch_once():
    X = torch.arange(20, dtype=torch.float32).reshape(20, 1, 1, 1)
    model = nn.Identity()
    seen = []
    for rank in (0, 1):
        gen = torch.Generator().manual_seed(5)
        batches = list(
            train._batches(
                (X, X[:, 0, 0]),
                batch_size=8,
                shuffle=True,
                generator=gen,
                dev=torch.device("cpu"),
                model=model,
                where="t",
                shard=(rank, 2, 1),
            )
        )
        seen.append([b[0].flatten().tolist() for b in batches])
    gen = torch.Generator().manual_seed(5)
    single = [
        b[0].flatten().tolist()
        for b in train._batches(
            (X, X[:, 0, 0]), batch_size=8, shuffle=True, generator=gen, dev=torch.device("cpu"), model=model, where="t"
        )
    ]
    for k, whole in enumerate(single):
        assert seen[0][k] + seen[1][k] == whole  # rank 0 takes the first half of each global batch
