"""Up-front checks of what :func:`radkit.train.fit` and :func:`~radkit.train.predict` are given.

Everything here runs once, before the first epoch, so that a careless input
fails in a second with a message that names the cause and the fix, instead of
training on nothing, on nonsense targets, or failing deep inside torch after a
full epoch. Kept apart from the training loop so the loop stays readable.

The contract those checks enforce lives here too, below both :mod:`radkit.models`
and :mod:`radkit.train`: what counts as data (:data:`Data`, :func:`_as_tensors`,
:func:`_split_item`, :func:`_infer_task`) and what radkit remembers on a model
(:func:`remember`, :func:`in_channels_of`, :func:`trained_task`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import Dataset

TASKS = ("multilabel", "multiclass")

#: How far a soft target may stray outside [0, 1] by floating-point rounding (an average of probabilities).
_ROUNDING = 1e-6


# ----------------------------------------------------------------------------- the data contract

#: What fit, predict and embed accept: a Dataset of (image, label[, meta]) items, a pair (X, y) of tensors, or X.
Data = Dataset | tuple[torch.Tensor, torch.Tensor] | torch.Tensor


def _split_item(item) -> tuple[torch.Tensor, torch.Tensor]:
    if isinstance(item, (tuple, list)) and len(item) >= 2:
        return item[0], item[1]
    raise TypeError(
        "Each dataset item must be (image, label) or (image, label, meta); "
        f"got {type(item).__name__}. Wrap your data so __getitem__ returns a tuple."
    )


def _as_tensors(data: Data) -> tuple[torch.Tensor, torch.Tensor | None] | None:
    """Return (X, y) when the data are already tensors (the fast path)."""
    if isinstance(data, torch.Tensor):
        return data, None
    if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
        y = data[1]
        if isinstance(y, np.ndarray):
            y = torch.from_numpy(y)
        return data[0], y
    tensors = getattr(data, "tensors", None)
    if callable(tensors):
        return tensors()
    if isinstance(tensors, tuple) and len(tensors) == 2:  # torch TensorDataset
        return tensors
    return None


def _infer_task(y: torch.Tensor | None) -> str:
    if y is not None and not torch.is_floating_point(y) and y.ndim == 1:
        return "multiclass"
    return "multilabel"


# ----------------------------------------------------------------------------- what radkit remembers on a model
# make_model records the channels a model takes (train.fit and predict check images against them); fit records
# the task it trained for (predict applies the matching activation). Models from elsewhere simply have neither.
_IN_CHANNELS, _TASK = "radkit_in_channels", "radkit_task"


def remember(model: nn.Module, *, in_channels: int | None = None, task: str | None = None) -> nn.Module:
    """Record on ``model`` the input channels it takes and/or the task it was trained for; return it.

    Examples
    --------
    >>> m = remember(torch.nn.Linear(2, 1), task="binary")
    >>> trained_task(m), in_channels_of(m)
    ('binary', None)
    """
    if in_channels is not None:
        setattr(model, _IN_CHANNELS, in_channels)
    if task is not None:
        setattr(model, _TASK, task)
    return model


def in_channels_of(model: nn.Module) -> int | None:
    """Channels the model takes, if :func:`radkit.models.make_model` (or :func:`remember`) recorded them."""
    return getattr(model, _IN_CHANNELS, None)


def trained_task(model: nn.Module) -> str | None:
    """The task :func:`radkit.train.fit` last trained the model for, if any."""
    return getattr(model, _TASK, None)


def check_task(task: Any, where: str) -> None:
    """``task`` is None or one of :data:`TASKS` (a typo never falls back to a sigmoid)."""
    if task is not None and task not in TASKS:
        raise ValueError(
            f"{where}: task must be 'multilabel' (sigmoid per class) or 'multiclass' "
            f"(softmax over classes), got {task!r}."
        )


def check_batch_size(batch_size: Any, where: str) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"{where}: batch_size must be a positive int (e.g. 32 or 64), got {batch_size!r}.")


def _labels_tensor(y: Any, name: str) -> torch.Tensor | None:
    if y is None or isinstance(y, torch.Tensor):
        return y
    if isinstance(y, np.ndarray):
        return torch.from_numpy(y)
    kind = type(y).__name__
    if hasattr(y, "to_numpy"):  # pandas DataFrame / Series
        fix = "torch.tensor(labels.to_numpy(dtype='float32'))"
    else:
        fix = "torch.tensor(labels, dtype=torch.float32)[:, None] for one finding"
    raise TypeError(f"{name}: labels must be a torch tensor (or NumPy array), got a {kind}. Pass {fix}.")


def _check_images(x: torch.Tensor, name: str) -> None:
    if not isinstance(x, torch.Tensor):
        return  # the loop's own check says what is wrong
    if len(x) == 0:
        raise ValueError(
            f"{name} is empty (0 images); there is nothing to "
            f"{'train on' if name == 'train_data' else 'evaluate'}. Check the split or filter."
        )
    if x.dtype == torch.float64:
        raise TypeError(f"{name}: images are float64 but the model's weights are float32; pass X.float().")
    if x.dtype in (torch.float16, torch.bfloat16) and x.device.type == "cpu":
        raise TypeError(f"{name}: images are {x.dtype} on the CPU; pass X.float() (fit uses bf16 on CUDA itself).")


def _first_item(data: Any) -> tuple[Any, Any] | None:
    """(image, label) of a map-style Dataset's first item, to check the layout cheaply."""
    from torch.utils.data import DataLoader, Dataset

    if isinstance(data, DataLoader) or not isinstance(data, Dataset) or not hasattr(data, "__len__"):
        return None
    if len(data) == 0:
        return (None, None)
    item = data[0]
    if isinstance(item, (tuple, list)) and len(item) >= 2:
        return item[0], item[1]
    return None


def _probe(model: nn.Module, x: torch.Tensor, name: str) -> int:
    """Run one image through the model; return the number of logits (a clear error if it cannot)."""
    was_training = model.training
    param = next(model.parameters(), None)
    dev = param.device if param is not None else torch.device("cpu")
    try:
        model.eval()
        with torch.no_grad():
            out = model(x[:1].to(dev))
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0][:160]
        raise ValueError(
            f"{name}: the model cannot take images of shape {tuple(x.shape[1:])} ({first}). "
            "Images may be too small for this architecture (smallcnn needs at least 16x16, "
            "densenet121 32x32) or have the wrong number of channels; resize them (e.g. "
            "torch.nn.functional.interpolate) or pick another model."
        ) from None
    finally:
        model.train(was_training)
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(f"{name}: the model must return logits of shape N×K, got {shape}.")
    return int(out.shape[1])


def _check_labels(y: torch.Tensor, k: int, task: str, name: str) -> None:
    if task == "multiclass":
        if y.is_floating_point() or y.dtype == torch.bool or y.ndim != 1:
            raise ValueError(
                f"{name}: task='multiclass' needs a 1-D integer tensor of class indices "
                f"0..{k - 1}, got dtype {y.dtype} and shape {tuple(y.shape)}. "
                "Use y.long() for indices, or task='multilabel' for 0/1 columns."
            )
        if k == 1:
            raise ValueError(
                f"{name}: 1-D integer labels mean multi-class (one class index per image), but the "
                "model outputs a single logit. For a yes/no finding pass float labels of shape N×1 "
                "(y.float()[:, None]) and keep num_classes=1; or build the model with "
                "num_classes=2 for a two-class softmax."
            )
        lo, hi = int(y.min()), int(y.max())
        if lo < 0 or hi >= k:
            raise ValueError(
                f"{name}: class labels run from {lo} to {hi} but the model has num_classes={k} "
                f"(valid labels 0..{k - 1}). Build the model with num_classes={hi + 1} or recode "
                "the labels (e.g. with pandas.factorize)."
            )
        return
    if y.dtype == torch.bool:
        y = y.float()
    if y.numel() != len(y) * k:
        per = y.shape[1] if y.ndim > 1 else 1
        raise ValueError(
            f"{name}: the model outputs {k} logit(s) per image but labels have shape {tuple(y.shape)}. "
            f"Build the model with num_classes={per} or select matching label columns."
        )
    yf = y.reshape(len(y), k).to(torch.float64)
    known = ~torch.isnan(yf)
    if not known.any():
        raise ValueError(
            f"{name}: every label is NaN (unknown), so there is nothing to train on. "
            "Check the label columns, or the uncertainty/blank policy that produced them."
        )
    vals = yf[known]
    if not torch.isfinite(vals).all():
        raise ValueError(f"{name}: labels contain infinite values; targets must be 0/1 (or soft values in [0, 1]).")
    out_of_range = (vals < -_ROUNDING) | (vals > 1 + _ROUNDING)  # float noise on a soft label is not an error
    if out_of_range.any():
        found = torch.unique(vals[out_of_range])[:8].tolist()
        if (vals == -1).any():
            advice = (
                "-1 is CheXpert's 'uncertain' code (chexpert_labels(uncertain='keep')); "
                "choose a policy: uncertain='ones', 'zeros' or 'ignore' (NaN, left out of the loss)"
            )
        else:
            advice = (
                "binarise them, e.g. (y > 0).float(), or for class indices pass a 1-D integer "
                "tensor with task='multiclass'"
            )
        raise ValueError(f"{name}: binary cross-entropy needs targets in [0, 1] but labels contain {found}; {advice}.")
    empty = [j for j in range(k) if not known[:, j].any()]
    if empty and name == "train_data":
        warnings.warn(
            f"{name}: label column(s) {empty} are NaN for every image; those outputs will not be trained.",
            UserWarning,
            stacklevel=4,
        )


def _both_classes(y: torch.Tensor, task: str) -> bool:
    if task == "multiclass":
        return len(torch.unique(y)) > 1
    yf = y.reshape(len(y), -1).to(torch.float64)
    for j in range(yf.shape[1]):
        col = yf[:, j][~torch.isnan(yf[:, j])] >= 0.5
        if col.any() and (~col).any():
            return True
    return False


def _weights(w: Any, k: int, name: str) -> None:
    if w is None:
        return
    arr = np.asarray(w.detach().cpu() if isinstance(w, torch.Tensor) else w, dtype=np.float64).reshape(-1)
    if arr.size not in (1, k) or (arr.size == 1 and k != 1 and name == "class_weight"):
        raise ValueError(
            f"{name} has {arr.size} value(s) but the model has {k} output(s); "
            f"pass one weight per class, e.g. {name}=[...] of length {k}."
        )
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        raise ValueError(f"{name} must be finite and >= 0, got {arr.tolist()[:8]}.")


def check_fit_inputs(
    model: nn.Module,
    train_data: Any,
    val_data: Any,
    *,
    batch_size: Any,
    task: str | None,
    loss: Any,
    pos_weight: Any,
    class_weight: Any,
    early_stopping: int | None,
    monitor: str,
) -> str:
    """Check everything :func:`radkit.train.fit` can check before training; return the monitor to use.

    Raises with the cause and the fix for: a non-positive ``batch_size``; a
    misspelt ``task``; empty train or validation data; float64 (or CPU
    half-precision) images; labels given as a list or DataFrame; validation
    data without labels; images the model cannot take; labels that do not
    match the model's outputs (count, class indices, 1-D integer labels with a
    one-logit model); BCE targets outside [0, 1] (say which CheXpert policy to
    apply for -1) or all NaN; ``pos_weight`` / ``class_weight`` of the wrong
    length. With early stopping on ``val_auc`` and a validation set holding
    a single class (AUC undefined), warns and monitors ``val_loss`` instead.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"fit: model must be a torch nn.Module (e.g. radkit.models.make_model(...)), got {type(model).__name__}."
        )
    check_batch_size(batch_size, "fit")
    check_task(task, "fit")
    if early_stopping is not None and (
        isinstance(early_stopping, bool) or not isinstance(early_stopping, (int, np.integer)) or early_stopping < 1
    ):
        raise ValueError(
            f"early_stopping must be a positive int (epochs without improvement) or None, got {early_stopping!r}."
        )
    checked: dict[str, tuple[torch.Tensor, torch.Tensor | None] | None] = {}
    for name, data in (("train_data", train_data), ("val_data", val_data)):
        if data is None:
            continue
        if isinstance(data, (tuple, list)) and len(data) == 2 and isinstance(data[0], torch.Tensor):
            data = (data[0], _labels_tensor(data[1], name))
        pair = _as_tensors(data)
        if pair is None:
            first = _first_item(data)
            if first == (None, None):
                raise ValueError(f"{name} is empty (len 0); check the split or filter that produced it.")
            if first is not None and isinstance(first[0], torch.Tensor):
                pair = (first[0][None], first[1][None] if isinstance(first[1], torch.Tensor) else None)
        if pair is None:
            checked[name] = None
            continue
        x, y = pair
        _check_images(x, name)
        if y is None:
            raise ValueError(
                f"{name} has images but no labels; pass a pair (X, y)"
                + (" such as (X_val, y_val)." if name == "val_data" else ".")
            )
        checked[name] = (x, _labels_tensor(y, name))

    train = checked.get("train_data")
    if train is None:
        return monitor  # an exotic dataset: the loop checks each batch
    x, y = train
    if not isinstance(x, torch.Tensor) or not x.is_floating_point() or x.ndim != 4:
        return monitor  # the loop's _check_x gives the precise message
    want = in_channels_of(model)
    if want is not None and x.shape[1] != want:
        return monitor
    k = _probe(model, x, "train_data")
    resolved = task or _infer_task(y)
    # whatever the loss (a custom one, FedProx's, a focal loss, an ensemble member's), labels that do not
    # match the model's outputs or hold codes such as CheXpert's -1 would train on nonsense
    for name in ("train_data", "val_data"):
        if checked.get(name) is not None:
            _check_labels(checked[name][1], k, resolved, name)
    _weights(pos_weight, k, "pos_weight")
    _weights(class_weight, k, "class_weight")
    val = checked.get("val_data")
    if val is not None:
        vx = val[0]
        if isinstance(vx, torch.Tensor) and vx.ndim == 4 and tuple(vx.shape[1:]) != tuple(x.shape[1:]):
            _probe(model, vx, "val_data")
        if (
            early_stopping is not None
            and monitor == "val_auc"
            and len(val[1]) > 1
            and not _both_classes(val[1], resolved)
        ):
            warnings.warn(
                "early stopping on val_auc: the validation labels hold a single class, so the "
                "AUC is undefined; monitoring val_loss instead. Use a stratified split so both "
                "classes are in val_data.",
                UserWarning,
                stacklevel=3,
            )
            return "val_loss"
    return monitor


def nan_monitor_fallback(score: float, monitor: str) -> str:
    """Switch early stopping to ``val_loss`` (with a warning) when the AUC comes out NaN mid-run."""
    if monitor == "val_auc" and isinstance(score, float) and math.isnan(score):
        warnings.warn(
            "early stopping on val_auc: the validation AUC is undefined (a single class in "
            "val_data); monitoring val_loss from here on.",
            UserWarning,
            stacklevel=3,
        )
        return "val_loss"
    return monitor


def check_predict_inputs(data: Any, *, batch_size: Any, task: Any) -> None:
    """``task`` spelled right, ``batch_size`` positive, data not empty."""
    check_task(task, "predict")
    check_batch_size(batch_size, "predict")
    pair = (
        _as_tensors(data)
        if not (isinstance(data, (tuple, list)) and len(data) == 2 and not isinstance(data[0], torch.Tensor))
        else None
    )
    if pair is not None and isinstance(pair[0], torch.Tensor):
        _check_images(pair[0], "data")
    elif _first_item(data) == (None, None):
        raise ValueError("data is empty (len 0); there is nothing to predict.")
