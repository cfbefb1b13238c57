import numpy as np
import pytest
import torch
from torch.utils.data import Dataset

from radkit.checkpoint import load_checkpoint, save_checkpoint
from radkit.models import make_model
from radkit.train import fit, predict


def _toy(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, 16, 16, generator=g)
    x[: n // 2, :, 4:12, 4:12] += 0.8  # a bright square is the "finding"
    y = torch.zeros(n, 1)
    y[: n // 2] = 1
    return x.clamp(0, 1), y


class _ItemData(Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i], {"id": int(i)}


def test_fit_learns_and_loss_falls():
    x, y = _toy()
    m = make_model("smallcnn", num_classes=1, seed=0)
    h = fit(m, (x, y), val_data=(x, y), num_epochs=5, lr=3e-3, batch_size=32, progress=False, seed=0)
    assert h["train_loss"][-1] < h["train_loss"][0]
    assert h["val_auc"][-1] > 0.9
    p = predict(m, x)
    assert p.shape == (len(x), 1) and np.all((p >= 0) & (p <= 1))


def test_fit_is_deterministic_under_seed():
    x, y = _toy()
    runs = []
    for _ in range(2):
        m = make_model("smallcnn", num_classes=1, seed=1)
        fit(m, (x, y), num_epochs=2, lr=1e-3, batch_size=32, seed=5, progress=False)
        runs.append(predict(m, x))
    np.testing.assert_array_equal(runs[0], runs[1])


def test_dataset_with_meta_items_is_accepted():
    x, y = _toy(64)
    m = make_model("smallcnn", num_classes=1, seed=0)
    h = fit(m, _ItemData(x, y), num_epochs=1, lr=1e-3, batch_size=16, progress=False, seed=0)
    assert len(h.rows) == 1
    assert predict(m, _ItemData(x, y)).shape == (64, 1)


def test_multiclass_and_custom_loss():
    x, y = _toy(64)
    yc = y[:, 0].long()
    m = make_model("smallcnn", num_classes=2, seed=0)
    fit(m, (x, yc), num_epochs=1, lr=1e-3, progress=False, seed=0)
    p = predict(m, x)
    np.testing.assert_allclose(p.sum(1), 1, rtol=1e-5)
    calls = []

    def loss(logits, target):
        calls.append(1)
        return torch.nn.functional.binary_cross_entropy_with_logits(logits, target)

    fit(
        make_model("smallcnn", num_classes=1, seed=0),
        (x, y),
        num_epochs=1,
        lr=1e-3,
        batch_size=32,
        loss=loss,
        progress=False,
        seed=0,
    )
    assert len(calls) == 2


def test_nan_targets_are_ignored_by_default_loss():
    x, y = _toy(64)
    y2 = torch.cat([y, torch.full_like(y, float("nan"))], 1)
    m = make_model("smallcnn", num_classes=2, seed=0)
    h = fit(m, (x, y2), num_epochs=1, lr=1e-3, progress=False, seed=0)
    assert np.isfinite(h["train_loss"][0])


def test_early_stopping_restores_best():
    x, y = _toy()
    m = make_model("smallcnn", num_classes=1, seed=0)
    h = fit(
        m,
        (x, y),
        val_data=(x, y),
        num_epochs=30,
        lr=0.5,
        early_stopping=1,
        monitor="val_loss",
        batch_size=64,
        progress=False,
        seed=0,
    )
    assert h.best_epoch is not None
    assert h.stopped_early or len(h.rows) == 30


def test_nan_loss_names_epoch_and_suggests_lower_lr():
    x, y = _toy(64)
    x[0, 0, 0, 0] = float("nan")
    m = make_model("smallcnn", num_classes=1, seed=0)
    with pytest.raises(FloatingPointError, match=r"epoch 1.*lower learning rate"):
        fit(m, (x, y), num_epochs=2, lr=1e-3, progress=False, seed=0)


@pytest.mark.parametrize(
    "x, msg",
    [
        (torch.rand(8, 16, 16), "N×C×H×W"),
        (torch.rand(8, 3, 16, 16), "expects 1 channel"),
        ((torch.rand(8, 1, 16, 16) * 255).to(torch.uint8), "floating-point"),
    ],
)
def test_bad_inputs(x, msg):
    m = make_model("smallcnn", num_classes=1, seed=0)
    with pytest.raises((ValueError, TypeError), match=msg):
        fit(m, (x, torch.zeros(8, 1)), num_epochs=1, lr=1e-3, progress=False, seed=0)


def test_label_shape_mismatch_and_length_mismatch():
    m = make_model("smallcnn", num_classes=3, seed=0)
    with pytest.raises(ValueError, match="num_classes=2"):
        fit(m, (torch.rand(8, 1, 16, 16), torch.zeros(8, 2)), num_epochs=1, lr=1e-3, progress=False, seed=0)
    with pytest.raises(ValueError, match="same length"):
        fit(m, (torch.rand(8, 1, 16, 16), torch.zeros(7, 3)), num_epochs=1, lr=1e-3, progress=False, seed=0)


def test_bad_hyperparameters():
    m = make_model("smallcnn", num_classes=1, seed=0)
    data = _toy(16)
    with pytest.raises(ValueError, match="num_epochs"):
        fit(m, data, num_epochs=0, lr=1e-3, seed=0)
    with pytest.raises(ValueError, match="lr"):
        fit(m, data, num_epochs=1, lr=-1, seed=0)
    with pytest.raises(ValueError, match="val_data"):
        fit(m, data, num_epochs=1, lr=1e-3, early_stopping=2, seed=0)


def test_checkpoint_round_trip_and_no_overwrite(tmp_path):
    a = make_model("smallcnn", num_classes=2, seed=0)
    path = save_checkpoint(a, tmp_path / "ck" / "m.pt", arch="smallcnn", epoch=3)
    b = make_model("smallcnn", num_classes=2, seed=1)
    meta = load_checkpoint(b, path)
    assert meta == {"arch": "smallcnn", "epoch": 3}
    for pa, pb in zip(a.state_dict().values(), b.state_dict().values()):
        assert torch.equal(pa, pb)
    before = path.read_bytes()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        save_checkpoint(b, path)
    assert path.read_bytes() == before
    save_checkpoint(b, path, overwrite=True)
    with pytest.raises(FileNotFoundError, match="save_checkpoint"):
        load_checkpoint(b, tmp_path / "missing.pt")
    with pytest.raises(TypeError, match="metadata"):
        save_checkpoint(a, tmp_path / "x.pt", obj=object())


def test_history_plot_caps_auc_at_one_and_uses_whole_epochs():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from radkit.train import History

    rows = [
        {"epoch": e, "train_loss": 1 / e, "val_loss": 1.1 / e, "val_auc": a}
        for e, a in zip(range(1, 5), [0.62, 0.9, 0.97, 0.995])
    ]
    ax = History(rows=rows).plot()
    ax.figure.canvas.draw()
    assert ax.right_ax.get_ylim() == (0.5, 1.0)  # from chance level to the ceiling
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)
    assert ax.get_xlabel() == "epoch" and ax.right_ax.get_ylabel() == "validation AUC"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train loss", "val loss", "validation AUC"]
    plt.close(ax.figure)
    ax = History(rows=[{"epoch": 1, "train_loss": 0.7}, {"epoch": 2, "train_loss": 0.6}]).plot()
    assert ax.right_ax is None and ax.get_title() == "learning curve"
    plt.close(ax.figure)


# ----------------------------------------------------------------------------- embed, the one embedding function


def test_embed_reads_the_input_of_the_last_linear_layer():
    from radkit.train import embed

    m = make_model("smallcnn", num_classes=2, seed=0).train()
    x = torch.rand(5, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    e = embed(m, x, batch_size=2)
    assert m.training and e.dtype == np.float32 and e.shape == (5, 128)
    with torch.no_grad():
        np.testing.assert_allclose(m.head(torch.from_numpy(e)).numpy(), m.eval()(x).numpy(), atol=1e-5)
    np.testing.assert_allclose(embed(m, (x, torch.zeros(5, 2)), layer=m.head), e, atol=1e-6)
    with pytest.raises(ValueError, match="no nn.Linear"):
        embed(torch.nn.Conv2d(1, 1, 3), x)
    with pytest.raises(ValueError, match="batch_size"):
        embed(m, x, batch_size=0)


def test_old_embedding_names_warn_and_give_the_same_numbers():
    import radkit.annotation
    import radkit.augmentation.frechet
    import radkit.imbalance
    import radkit.models
    from radkit.train import embed

    m = make_model("smallcnn", num_classes=1, seed=0)
    x = torch.rand(4, 1, 32, 32, generator=torch.Generator().manual_seed(1))
    want = embed(m, x)
    for old in (
        radkit.models.penultimate_features,
        radkit.annotation.embed,
        radkit.imbalance.embeddings,
        radkit.augmentation.frechet.embed,
        radkit.augmentation.embed,
    ):
        with pytest.warns(FutureWarning, match=r"radkit\.train\.embed"):
            got = old(m, x)
        np.testing.assert_array_equal(got, want.astype(got.dtype))


def test_sync_batchnorm_is_refused_on_the_cpu_with_what_happens_instead():
    x, y = _toy(32)
    m = make_model("smallcnn", num_classes=1, seed=0)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    with pytest.raises(ValueError) as err:
        fit(m, (x, y), num_epochs=1, lr=1e-3, seed=0, device="cpu", progress=False, sync_batchnorm=True)
    message = str(err.value)
    assert "runs only on CUDA" in message and "trains on cpu" in message
    assert "each rank normalises its own share of the batch" in message
    assert "sync_batchnorm=False" in message
    for k, v in m.state_dict().items():  # refused before anything was trained
        torch.testing.assert_close(v, before[k])
    assert not any(isinstance(mod, torch.nn.SyncBatchNorm) for mod in m.modules())
    with pytest.raises(TypeError, match="sync_batchnorm must be True or False"):
        fit(m, (x, y), num_epochs=1, lr=1e-3, seed=0, device="cpu", progress=False, sync_batchnorm="yes")


def test_sync_batchnorm_conversion_keeps_parameters_and_checkpoint_keys():
    # The conversion fit applies on CUDA under torchrun, called directly (it builds modules, runs nothing).
    from radkit import distributed

    m = make_model("smallcnn", num_classes=2, seed=0)
    params = [id(p) for p in m.parameters()]
    keys = list(m.state_dict())
    batchnorms = sum(isinstance(mod, torch.nn.BatchNorm2d) for mod in m.modules())
    two_ranks = distributed.DistContext(rank=0, world_size=2)
    out = distributed.sync_batchnorm(m, two_ranks, torch.device("cuda"))
    assert sum(isinstance(mod, torch.nn.SyncBatchNorm) for mod in out.modules()) == batchnorms == 4
    assert not any(type(mod) is torch.nn.BatchNorm2d for mod in out.modules())
    assert [id(p) for p in out.parameters()] == params  # an optimizer built before still holds them
    assert list(out.state_dict()) == keys  # checkpoints load into the plain model
    # outside a process group, in eval mode, the converted model computes what the plain one does
    plain = make_model("smallcnn", num_classes=2, seed=0).eval()
    x = torch.rand(3, 1, 32, 32)
    torch.testing.assert_close(out.eval()(x), plain(x))
    # a single process normalises over the whole batch already: nothing to convert
    one = make_model("smallcnn", num_classes=1, seed=0)
    assert distributed.sync_batchnorm(one, distributed.DistContext(), torch.device("cuda")) is one
    assert not any(isinstance(mod, torch.nn.SyncBatchNorm) for mod in one.modules())
