"""Bad input to radkit.train.fit / predict: refused before the first epoch, with the cause named.

Each case would, before issue 10, have trained on nothing, trained BCE on
nonsense targets, or failed deep inside torch (often after a full epoch).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from radkit import train
from radkit.models import make_model
from radkit.train import fit, predict


def _xy(n=32, k=1, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, 1, size, size, generator=g)
    y = (torch.rand(n, k, generator=g) > 0.5).float()
    return x, y


def _fit(model, data, **kw):
    kw.setdefault("num_epochs", 1)
    kw.setdefault("lr", 1e-3)
    kw.setdefault("progress", False)
    kw.setdefault("seed", 0)
    return fit(model, data, **kw)


@pytest.fixture
def never_trains(monkeypatch):
    """Fail the test if an optimiser step is ever taken: the check must come first."""

    def boom(*args, **kwargs):
        raise AssertionError("training started before the input was checked")

    monkeypatch.setattr(torch.optim.AdamW, "step", boom)


# item 5: trains on nothing
def test_all_nan_labels(never_trains):
    x, _ = _xy()
    with pytest.raises(ValueError, match="every label is NaN"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (x, torch.full((32, 1), float("nan"))))


def test_empty_dataset(never_trains):
    with pytest.raises(ValueError, match="train_data is empty"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (torch.rand(0, 1, 16, 16), torch.zeros(0, 1)))


class _Empty(torch.utils.data.Dataset):
    def __len__(self):
        return 0

    def __getitem__(self, i):
        raise IndexError(i)


def test_empty_torch_dataset(never_trains):
    with pytest.raises(ValueError, match="train_data is empty"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), _Empty())


@pytest.mark.parametrize("batch_size", [0, -4, 2.5, True])
def test_bad_batch_size(batch_size, never_trains):
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), _xy(), batch_size=batch_size)


# item 6: BCE on targets outside [0, 1]
def test_labels_zero_two(never_trains):
    x, y = _xy()
    with pytest.raises(ValueError, match=r"targets in \[0, 1\].*\[2\.0\].*binarise"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (x, y * 2))


def test_chexpert_keep_coding_names_the_policy(never_trains):
    x, y = _xy(k=2)
    y[0, 0] = -1.0
    with pytest.raises(ValueError, match="uncertain='ones', 'zeros' or 'ignore'"):
        _fit(make_model("smallcnn", num_classes=2, seed=0), (x, y))


def test_bad_validation_labels_are_found_before_training(never_trains):
    x, y = _xy()
    with pytest.raises(ValueError, match="val_data.*targets in"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (x, y), val_data=(x, y - 1))


# item 7: early stopping on a single-class validation set
def test_early_stopping_with_single_class_validation_monitors_loss():
    x, y = _xy(64)
    m = make_model("smallcnn", num_classes=1, seed=0)
    with pytest.warns(UserWarning, match="single class.*val_loss"):
        h = fit(
            m,
            (x, y),
            val_data=(x[:16], torch.ones(16, 1)),
            num_epochs=4,
            lr=1e-3,
            early_stopping=1,
            progress=False,
            seed=0,
        )
    assert all(np.isnan(h["val_auc"]))
    losses = h["val_loss"]
    assert h.best_epoch == int(np.argmin(losses)) + 1  # the best *loss* epoch, not epoch 1 by accident


class _Pairs(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def test_single_class_found_mid_run_also_falls_back():
    x, y = _xy(64)
    loader = torch.utils.data.DataLoader(_Pairs(x[:16], torch.zeros(16, 1)), batch_size=8)
    m = make_model("smallcnn", num_classes=1, seed=0)
    with pytest.warns(UserWarning, match="val_loss"):
        h = fit(m, (x, y), val_data=loader, num_epochs=3, lr=1e-3, early_stopping=1, progress=False, seed=0)
    assert h.best_epoch == int(np.argmin(h["val_loss"])) + 1


# item 8: predict with a misspelt task
def test_predict_rejects_unknown_task():
    m = make_model("smallcnn", num_classes=2, seed=0)
    with pytest.raises(ValueError, match="task must be 'multilabel'.*'multiclas'"):
        predict(m, torch.rand(4, 1, 16, 16), task="multiclas")
    with pytest.raises(ValueError, match="task must be"):
        _fit(m, _xy(k=2), task="binary")


def test_predict_empty_and_bad_batch_size():
    m = make_model("smallcnn", num_classes=1, seed=0)
    with pytest.raises(ValueError, match="empty"):
        predict(m, torch.rand(0, 1, 16, 16))
    with pytest.raises(ValueError, match="batch_size"):
        predict(m, torch.rand(4, 1, 16, 16), batch_size=0)


# cryptic errors that a beginner hits first
def test_float64_images(never_trains):
    x, y = _xy()
    with pytest.raises(TypeError, match=r"float64.*X\.float\(\)"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (x.double(), y))


@pytest.mark.parametrize(
    "labels, fix",
    [
        (lambda y: y[:, 0].tolist(), "torch.tensor"),
        (lambda y: pd.DataFrame(y.numpy(), columns=["nodule"]), "to_numpy"),
    ],
)
def test_labels_as_list_or_dataframe(labels, fix, never_trains):
    x, y = _xy()
    with pytest.raises(TypeError, match=f"labels must be a torch tensor.*{fix}"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (x, labels(y)))


def test_numpy_labels_are_accepted():
    x, y = _xy()
    h = _fit(make_model("smallcnn", num_classes=1, seed=0), (x, y.numpy()))
    assert np.isfinite(h["train_loss"][0])


def test_integer_01_labels_with_a_one_logit_model(never_trains):
    x, y = _xy()
    with pytest.raises(ValueError, match=r"single logit.*y\.float\(\)\[:, None\]"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (x, y[:, 0].long()))


def test_class_labels_outside_num_classes(never_trains):
    x, _ = _xy()
    y = torch.arange(32) % 4
    with pytest.raises(ValueError, match="from 0 to 3.*num_classes=3.*num_classes=4"):
        _fit(make_model("smallcnn", num_classes=3, seed=0), (x, y))


@pytest.mark.parametrize("weight, name", [([1.0, 2.0, 3.0], "pos_weight"), ([1.0], "class_weight")])
def test_weights_of_the_wrong_length(weight, name, never_trains):
    x, y = _xy(k=2)
    data = (x, y) if name == "pos_weight" else (x, (y[:, 0]).long())
    with pytest.raises(ValueError, match=f"{name} has {len(weight)} value.*2 output"):
        _fit(make_model("smallcnn", num_classes=2, seed=0), data, **{name: weight})


def test_images_smaller_than_the_model_accepts(never_trains):
    x = torch.rand(4, 1, 8, 8)
    with pytest.raises(ValueError, match=r"cannot take images of shape \(1, 8, 8\).*at least 16x16"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (x, torch.zeros(4, 1)))


def test_empty_validation_set_fails_before_the_first_epoch(never_trains):
    with pytest.raises(ValueError, match="val_data is empty"):
        _fit(
            make_model("smallcnn", num_classes=1, seed=0), _xy(), val_data=(torch.rand(0, 1, 16, 16), torch.zeros(0, 1))
        )


def test_validation_data_without_labels(never_trains):
    with pytest.raises(ValueError, match=r"val_data has images but no labels.*\(X_val, y_val\)"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), _xy(), val_data=torch.rand(8, 1, 16, 16))


def test_train_data_without_labels(never_trains):
    with pytest.raises(ValueError, match="train_data has images but no labels"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), torch.rand(8, 1, 16, 16))


def test_early_stopping_must_be_positive(never_trains):
    x, y = _xy()
    with pytest.raises(ValueError, match="early_stopping must be a positive int"):
        _fit(make_model("smallcnn", num_classes=1, seed=0), (x, y), val_data=(x, y), early_stopping=0)


def test_checks_leave_the_model_untouched():
    m = make_model("smallcnn", num_classes=1, seed=3)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    m.train()
    with pytest.raises(ValueError):
        _fit(m, _xy(), batch_size=0)
    from radkit._train_checks import check_fit_inputs

    check_fit_inputs(
        m,
        _xy(),
        None,
        batch_size=8,
        task=None,
        loss=None,
        pos_weight=None,
        class_weight=None,
        early_stopping=None,
        monitor="val_auc",
    )
    assert m.training and all(torch.equal(before[k], v) for k, v in m.state_dict().items())


def test_soft_and_partially_unknown_labels_still_train():
    x, y = _xy(k=2)
    y[:, 0] = 0.3
    y[:5, 1] = float("nan")
    h = _fit(make_model("smallcnn", num_classes=2, seed=0), (x, y))
    assert np.isfinite(h["train_loss"][0])
    assert train.History is not None


def test_soft_labels_with_rounding_noise_train_but_real_excess_is_refused():
    from radkit import models, train

    X = torch.rand(8, 1, 16, 16)
    y = torch.tensor([[0.0], [1.0 + 1e-7], [0.5], [1.0], [0.0], [0.3], [1e-9], [-1e-8]])
    m = models.make_model("smallcnn", num_classes=1, seed=0)
    train.fit(m, (X, y), num_epochs=1, lr=1e-3, progress=False, device="cpu", seed=0)  # float noise: accepted
    with pytest.raises(ValueError, match=r"\[1.5\]"):  # the message names the offending value
        train.fit(
            m,
            (X, torch.cat([y[:7], torch.tensor([[1.5]])])),
            num_epochs=1,
            lr=1e-3,
            progress=False,
            device="cpu",
            seed=0,
        )
