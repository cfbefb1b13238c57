"""The reference recipe (radkit.recipes.train_cxr) on a small fake NIH folder: one process and torchrun.

Real NIH file names and labels, synthetic pixels (radkit.devtools.fake_cxr, the session fixture
``fake_cxr_data``); smallcnn at 32 px keeps every run to seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from radkit.findings import FINDINGS
from radkit.recipes import train_cxr


def _args(data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "--source",
        "nih",
        "--root",
        str(data / "nih"),
        "--arch",
        "smallcnn",
        "--size",
        "32",
        "--batch-size",
        "16",
        "--workers",
        "0",
        "--out",
        str(out),
        *extra,
    ]


@pytest.fixture(scope="module")
def first_epoch(fake_cxr_data, tmp_path_factory):
    """One epoch on one process, tested on the NIH test split and on the fake CheXpert folder."""
    out = tmp_path_factory.mktemp("recipe") / "run"
    cache = tmp_path_factory.getbasetemp() / "radkit-cache"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RADKIT_CACHE", str(cache))
        report = train_cxr.main(
            _args(
                fake_cxr_data,
                out,
                "--epochs",
                "1",
                "--external-source",
                "chexpert",
                "--external-root",
                str(fake_cxr_data / "chexpert"),
            )
        )
    return out, report


def test_report_holds_settings_versions_losses_splits_and_aucs_with_intervals(first_epoch):
    out, report = first_epoch
    assert json.loads((out / "report.json").read_text()) == report
    assert sorted(p.name for p in out.iterdir()) == ["epoch-001.pt", "report.json"]
    assert report["config"]["arch"] == "smallcnn" and report["config"]["size"] == 32
    assert {"radkit", "torch", "torchvision", "numpy", "python"} <= set(report["versions"])
    assert report["device"]["type"] == "cpu" and report["device"]["world_size"] == 1
    [row] = report["epochs"]
    assert row["epoch"] == 1 and row["train_loss"] > 0 and row["val_loss"] > 0 and row["images_per_second"] > 0
    assert report["chosen_epoch"] == 1 and report["chosen_by"] == "lowest validation loss"
    splits = report["splits"]
    assert set(splits) == {"train", "val", "test", "external:chexpert"}
    n = {name: s["n"] for name, s in splits.items()}
    assert n["train"] + n["val"] + n["test"] == 160 and n["val"] == round(0.1 * (n["train"] + n["val"]))
    for name, s in splits.items():  # the small validation split may lack a finding's positives
        assert set(s["prevalence"]) == set(FINDINGS)
        assert all((0 <= p <= 1) if name == "val" else (0 < p < 1) for p in s["prevalence"].values()), name
    for name in ("test", "external:chexpert"):
        assert set(report["auc"][name]) == set(FINDINGS)
        for a in report["auc"][name].values():
            assert a["method"] == "DeLong" and a["level"] == 0.95 and a["positives"] >= 2
            assert 0 <= a["low"] <= a["auc"] <= a["high"] <= 1
    assert report["auc"]["test"]["effusion"]["n"] == n["test"]


def test_resume_trains_epoch_two_as_an_uninterrupted_run_does(first_epoch, fake_cxr_data, tmp_path):
    out, _ = first_epoch
    resumed = train_cxr.main(_args(fake_cxr_data, out, "--epochs", "2", "--resume"))
    assert [r["epoch"] for r in resumed["epochs"]] == [1, 2]
    assert (out / "epoch-001.pt").exists() and (out / "epoch-002.pt").exists()
    straight = train_cxr.main(_args(fake_cxr_data, tmp_path / "straight", "--epochs", "2"))
    for got, want in zip(resumed["epochs"], straight["epochs"]):
        for key in ("train_loss", "val_loss", "val_auc", "lr"):
            assert got[key] == pytest.approx(want[key], rel=1e-6), key
    a = torch.load(out / "epoch-002.pt", weights_only=True)["state_dict"]
    b = torch.load(tmp_path / "straight" / "epoch-002.pt", weights_only=True)["state_dict"]
    for key in a:
        torch.testing.assert_close(a[key], b[key])
    assert resumed["auc"]["test"] == straight["auc"]["test"]


def test_nothing_is_overwritten_and_resume_needs_the_same_settings(fake_cxr_data, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "epoch-001.pt").write_bytes(b"")
    with pytest.raises(SystemExit, match="already holds a run .*Pass --resume"):
        train_cxr.main(_args(fake_cxr_data, out, "--epochs", "1"))
    with pytest.raises(SystemExit, match="no epoch-NNN.pt checkpoint"):
        train_cxr.main(_args(fake_cxr_data, tmp_path / "empty", "--epochs", "1", "--resume"))
    good = tmp_path / "good"
    train_cxr.main(_args(fake_cxr_data, good, "--epochs", "1", "--val-fraction", "0"))
    with pytest.raises(SystemExit, match=r"settings differ .*lr=0\.01 \(checkpoint: 0\.001\)"):
        train_cxr.main(_args(fake_cxr_data, good, "--epochs", "2", "--val-fraction", "0", "--resume", "--lr", "0.01"))
    report = json.loads((good / "report.json").read_text())
    assert report["chosen_by"] == "last epoch (no validation split)" and "val" not in report["splits"]


def test_sync_batchnorm_is_refused_on_the_cpu(fake_cxr_data, tmp_path):
    with pytest.raises(ValueError, match="SyncBatchNorm runs only on CUDA"):
        train_cxr.main(_args(fake_cxr_data, tmp_path / "sbn", "--epochs", "1", "--sync-batchnorm"))


def test_imagenet_weights_load_into_a_grey_densenet(tmp_path):
    from radkit.models import make_model

    rgb = make_model("densenet121", num_classes=1000, in_channels=3, seed=0)
    # torchvision's published DenseNet files spell the layer norms the old way: norm.1 for norm1
    legacy = {k.replace(".norm1.", ".norm.1.").replace(".conv2.", ".conv.2."): v for k, v in rgb.state_dict().items()}
    torch.save(legacy, tmp_path / "densenet121-imagenet.pth")
    grey = make_model("densenet121", num_classes=5, seed=1)
    loaded = train_cxr.load_pretrained(grey, tmp_path / "densenet121-imagenet.pth")
    assert loaded == len(grey.state_dict()) - 2  # all but the classifier's weight and bias
    torch.testing.assert_close(grey.features.conv0.weight, rgb.features.conv0.weight.sum(1, keepdim=True))
    torch.testing.assert_close(
        grey.features.denseblock1.denselayer1.norm1.weight, rgb.features.denseblock1.denselayer1.norm1.weight
    )
    with pytest.raises(ValueError, match="same architecture"):
        train_cxr.load_pretrained(make_model("smallcnn", num_classes=5, seed=0), tmp_path / "densenet121-imagenet.pth")


def test_an_external_source_lacking_findings_is_scored_on_the_findings_it_has():
    import numpy as np
    import pandas as pd
    from torch import nn

    from radkit.metrics import delong_auc
    from radkit.train import predict

    torch.manual_seed(0)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 3))  # outputs: nodule, effusion, cardiomegaly
    X = torch.rand(20, 1, 2, 2)
    labels = pd.DataFrame({"effusion": np.tile([0.0, 1.0], 10)})  # an external source with effusion only
    got = train_cxr._aucs(
        model, torch.utils.data.TensorDataset(X, torch.zeros(20, 1)), labels, ["nodule", "effusion", "cardiomegaly"], 8
    )
    want = delong_auc(labels["effusion"], predict(model, X, task="multilabel")[:, 1])
    assert list(got) == ["effusion"] and got["effusion"]["auc"] == want.auc and got["effusion"]["n"] == 20


def test_two_torchrun_ranks_train_one_epoch_then_resume(fake_cxr_data, tmp_path):
    out = tmp_path / "ddp"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    env.pop("RADKIT_DEVICE", None)
    launch = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "radkit.recipes.train_cxr",
    ]
    first = subprocess.run(
        launch + _args(fake_cxr_data, out, "--epochs", "1"), env=env, capture_output=True, text=True, timeout=300
    )
    assert first.returncode == 0, first.stderr[-3000:]
    assert sorted(p.name for p in out.iterdir()) == ["epoch-001.pt", "report.json"]  # rank 0 alone wrote
    assert first.stdout.count("wrote ") == 1  # and printed
    second = subprocess.run(
        launch + _args(fake_cxr_data, out, "--epochs", "2", "--resume"),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert second.returncode == 0, second.stderr[-3000:]
    assert "resuming from" in second.stdout and "epoch-001.pt" in second.stdout
    report = json.loads((out / "report.json").read_text())
    assert report["device"] == {"type": "cpu", "world_size": 2, "backend": "gloo", "name": report["device"]["name"]}
    assert [r["epoch"] for r in report["epochs"]] == [1, 2]
    assert set(report["auc"]["test"]) == set(FINDINGS)
    assert sorted(p.name for p in out.iterdir()) == ["epoch-001.pt", "epoch-002.pt", "report.json"]
