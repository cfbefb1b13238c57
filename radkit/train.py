"""The one training loop every notebook uses: :func:`fit`, :func:`predict`.

On a CPU the loop stays plain fp32. On CUDA it turns on what makes
convolutional nets fast on modern GPUs: bf16 autocast, channels-last memory
layout, fused AdamW, data kept resident on the GPU when it fits (otherwise
pinned memory and non-blocking copies), no host sync inside an epoch and,
optionally, ``torch.compile``. ``bench/train_throughput.py`` measures the gain.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

from radkit import distributed
from radkit._train_checks import Data, _as_tensors, _infer_task, _split_item, in_channels_of, remember, trained_task
from radkit._train_checks import check_fit_inputs as _check_fit_inputs
from radkit._train_checks import check_predict_inputs as _check_predict_inputs
from radkit._train_checks import nan_monitor_fallback as _nan_monitor_fallback
from radkit._validate import check_images
from radkit.config import device as default_device

__all__ = ["History", "fit", "predict", "embed", "Data"]

# The data contract (Data, _as_tensors, _split_item, _infer_task) and what radkit remembers on a model live in
# radkit._train_checks, below this module and radkit.models, so neither of the two imports the other.
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class History:
    """Per-epoch record returned by :func:`fit`.

    Attributes
    ----------
    rows : list of dict
        One dict per epoch: ``epoch``, ``train_loss`` and, with validation
        data, ``val_loss`` and ``val_auc`` (macro over classes).
    best_epoch : int or None
        Epoch whose weights the model holds after early stopping.
    stopped_early : bool
    """

    rows: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False

    def to_frame(self) -> pd.DataFrame:
        """The history as a DataFrame indexed by epoch."""
        return pd.DataFrame(self.rows).set_index("epoch")

    def __getitem__(self, key: str) -> list[float]:
        return [row.get(key, math.nan) for row in self.rows]

    def plot(self, ax=None, *, title: str | None = None):
        """Learning curves: losses on the left axis, validation AUC on a right axis capped at 1.

        Epochs are whole numbers on the x axis; one legend for both axes sits
        outside the plot, so it covers no curve.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> h = History(rows=[{"epoch": 1, "train_loss": 0.7, "val_loss": 0.6, "val_auc": 0.9},
        ...                   {"epoch": 2, "train_loss": 0.5, "val_loss": 0.5, "val_auc": 0.99}])
        >>> ax = h.plot(title="learning curve")
        >>> float(ax.right_ax.get_ylim()[1]), ax.get_title()
        (1.0, 'learning curve')
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        ax = ax or plt.subplots(figsize=(5, 3))[1]
        df = self.to_frame()
        for col in ("train_loss", "val_loss"):
            if col in df:
                ax.plot(df.index, df[col], marker="o", label=col.replace("_", " "))
        ax.set(xlabel="epoch", ylabel="loss", title=title or "learning curve")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        handles, labels = ax.get_legend_handles_labels()
        ax.right_ax = None
        if "val_auc" in df:
            ax2 = ax.twinx()
            ax2.plot(df.index, df["val_auc"], "g--", marker="s", label="validation AUC", clip_on=False)
            lowest = float(np.nanmin(df["val_auc"])) if df["val_auc"].notna().any() else 0.5
            ax2.set_ylim(min(0.5, np.floor(lowest * 10) / 10), 1.0)  # an AUC never exceeds 1
            ax2.set_ylabel("validation AUC")
            h2, l2 = ax2.get_legend_handles_labels()
            handles, labels = handles + h2, labels + l2
            ax.right_ax = ax2
        ax.legend(
            handles,
            labels,
            loc="upper left",
            bbox_to_anchor=(1.18 if "val_auc" in df else 1.02, 1),
            fontsize=8,
            frameon=False,
        )
        return ax


# ----------------------------------------------------------------------------- data


def _check_x(x: torch.Tensor, model: nn.Module, where: str) -> None:
    check_images(x, where=where, unit_range=False, channels=in_channels_of(model))


def _batches(
    data: Data,
    *,
    batch_size: int,
    shuffle: bool,
    generator: torch.Generator | None,
    dev: torch.device,
    model: nn.Module,
    where: str,
    num_workers: int = 0,
    shard: tuple[int, int, int] | None = None,
) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
    """Yield (x, y) batches already on ``dev``.

    ``shard=(rank, world_size, epoch)`` (under torchrun) gives this rank its slice of
    every global batch of ``batch_size``: the order is the single-process order, so
    the ranks together see exactly what one process would.
    """
    pair = _as_tensors(data)
    if pair is not None:
        x_all, y_all = pair
        _check_x(x_all, model, where)
        if y_all is not None and len(y_all) != len(x_all):
            raise ValueError(f"{where}: {len(x_all)} images but {len(y_all)} labels; they must have the same length.")
        n = len(x_all)
        order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
        on_gpu = dev.type == "cuda"
        if on_gpu and x_all.device != dev:
            free, _ = torch.cuda.mem_get_info(dev)
            if x_all.element_size() * x_all.nelement() < 0.3 * free:  # keep the whole set on the GPU
                x_all, y_all = x_all.to(dev), (y_all.to(dev) if y_all is not None else None)
            elif not x_all.is_pinned():
                x_all = x_all.pin_memory()
        if x_all.device == dev:
            order = order.to(dev)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            if shard is not None:
                rank, world, _ = shard
                if len(idx) < world:  # a last global batch too small to give every rank an image
                    break
                idx = idx.tensor_split(world)[rank]
            xb = x_all[idx].to(dev, non_blocking=True)
            yb = None if y_all is None else y_all[idx.to(y_all.device)].to(dev, non_blocking=True)
            yield xb, yb
        return
    if not isinstance(data, (Dataset, DataLoader)):
        if isinstance(data, (tuple, list)) and data and not isinstance(data[0], torch.Tensor):
            kinds = ", ".join(type(d).__name__ for d in data)
            raise TypeError(
                f"{where}: the images of (X, y) must be a torch tensor, got ({kinds}); for NumPy arrays pass "
                "(torch.from_numpy(X).float(), torch.from_numpy(y).float())."
            )
        raise TypeError(
            f"{where}: expected a torch Dataset, a DataLoader, a tensor or a tuple (X, y) of tensors; "
            f"got {type(data).__name__}."
        )
    if shard is not None and not isinstance(data, DataLoader):
        from torch.utils.data.distributed import DistributedSampler

        rank, world, epoch = shard
        if not hasattr(data, "__len__"):
            raise TypeError(
                f"{where}: training under torchrun needs a Dataset with __len__ and __getitem__ "
                f"(got {type(data).__name__}), so that each rank can take its share."
            )
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator)) if generator is not None else 0
        sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=shuffle, seed=seed, drop_last=True)
        sampler.set_epoch(epoch)
        loader = DataLoader(
            data,
            batch_size=batch_size // world,
            sampler=sampler,
            num_workers=num_workers,
            pin_memory=dev.type == "cuda",
        )
    else:
        loader = (
            data
            if isinstance(data, DataLoader)
            else DataLoader(
                data,
                batch_size=batch_size,
                shuffle=shuffle,
                generator=generator,
                num_workers=num_workers,
                pin_memory=dev.type == "cuda",
            )
        )
    for item in loader:
        xb, yb = _split_item(item)
        _check_x(xb, model, where)
        yield xb.to(dev, non_blocking=True), yb.to(dev, non_blocking=True)


# ----------------------------------------------------------------------------- loss


def _default_loss(task: str, pos_weight: torch.Tensor | None, class_weight: torch.Tensor | None) -> LossFn:
    if task == "multiclass":
        return nn.CrossEntropyLoss(weight=class_weight)

    def masked_bce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        target = target.reshape(logits.shape).to(logits.dtype)
        known = ~torch.isnan(target)  # NaN = label unknown (e.g. CheXpert "ignore")
        loss = nn.functional.binary_cross_entropy_with_logits(
            logits, torch.nan_to_num(target), pos_weight=pos_weight, reduction="none"
        )
        return (loss * known).sum() / known.sum().clamp_min(1)

    return masked_bce


def _check_targets(logits: torch.Tensor, y: torch.Tensor, task: str, where: str) -> None:
    k = logits.shape[1]
    if task == "multiclass":
        if y.ndim != 1:
            raise ValueError(
                f"{where}: multi-class labels must be a 1-D tensor of class indices, got shape {tuple(y.shape)}."
            )
        return
    if y.numel() != logits.numel():
        raise ValueError(
            f"{where}: the model outputs {k} logit(s) per image but labels have shape {tuple(y.shape)}. "
            f"Build the model with num_classes={y.shape[-1] if y.ndim > 1 else 1} or select matching label columns."
        )


# ----------------------------------------------------------------------------- fit


def _macro_auc(y_true: np.ndarray, y_prob: np.ndarray, task: str) -> float:
    from sklearn.metrics import roc_auc_score

    if task == "multiclass":
        if len(np.unique(y_true)) < 2:
            return math.nan
        return float(
            roc_auc_score(y_true, y_prob, multi_class="ovr")
            if y_prob.shape[1] > 2
            else roc_auc_score(y_true, y_prob[:, 1])
        )
    y_true = y_true.reshape(y_prob.shape)
    aucs = []
    for j in range(y_prob.shape[1]):
        known = ~np.isnan(y_true[:, j])
        t = y_true[known, j] >= 0.5  # soft labels are thresholded for the AUC
        if t.any() and (~t).any():
            aucs.append(roc_auc_score(t, y_prob[known, j]))
    return float(np.mean(aucs)) if aucs else math.nan


def _evaluate(model, data, *, loss_fn, task, batch_size, dev, amp) -> tuple[float, float, np.ndarray]:
    model.eval()
    losses, probs, targets = [], [], []
    with torch.inference_mode(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
        for xb, yb in _batches(
            data, batch_size=batch_size, shuffle=False, generator=None, dev=dev, model=model, where="val_data"
        ):
            logits = model(xb).float()
            losses.append(loss_fn(logits, yb) * len(xb))
            probs.append(_activate(logits, task).cpu())
            targets.append(yb.cpu())
    n = sum(len(p) for p in probs)
    y_prob = torch.cat(probs).numpy()
    loss = float(torch.stack(losses).sum()) / n
    return loss, _macro_auc(torch.cat(targets).float().numpy(), y_prob, task), y_prob


def _activate(logits: torch.Tensor, task: str) -> torch.Tensor:
    return torch.softmax(logits, dim=1) if task == "multiclass" else torch.sigmoid(logits)


def fit(
    model: nn.Module,
    train_data: Data,
    *,
    val_data: Data | None = None,
    num_epochs: int,
    lr: float,
    batch_size: int = 64,
    task: str | None = None,
    loss: LossFn | None = None,
    pos_weight: torch.Tensor | np.ndarray | list[float] | None = None,
    class_weight: torch.Tensor | np.ndarray | list[float] | None = None,
    weight_decay: float = 1e-4,
    optimizer: str = "adamw",
    augment: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]] | None = None,
    early_stopping: int | None = None,
    monitor: str = "val_auc",
    seed: int,
    device: torch.device | str | None = None,
    amp: bool | None = None,
    channels_last: bool | None = None,
    compile: bool = False,
    num_workers: int = 0,
    progress: bool = True,
    sync_batchnorm: bool = False,
) -> History:
    """Train ``model`` in place and return its per-epoch history.

    Parameters
    ----------
    model : nn.Module
        Returns logits of shape N×K.
    train_data, val_data : Dataset, DataLoader or (X, y) tensors
        Items are ``(image, label)`` or ``(image, label, meta)``; images are
        float N×C×H×W. Objects with a ``tensors()`` method (such as
        ``radkit.synth`` data) take the fast all-tensor path.
    num_epochs : int
        Passes over ``train_data``.
    lr : float
        Learning rate of AdamW.
    batch_size : int, default 64
    task : {"multilabel", "multiclass"}, optional
        Inferred from the labels: integer 1-D labels mean multi-class
        (cross-entropy), anything else multi-label (BCE with logits, NaN
        targets ignored, soft targets in [0, 1] allowed).
    loss : callable, optional
        ``loss(logits, targets) -> scalar``; replaces the default loss (for
        focal or cost-sensitive losses).
    pos_weight, class_weight : array-like, optional
        Per-class weights for BCE (positives) or cross-entropy.
    weight_decay : float, default 1e-4
    optimizer : {"adamw", "sgd"}, default "adamw"
        ``"sgd"`` is plain SGD (no momentum), e.g. for federated clients whose
        single local step must equal a textbook gradient step.
    augment : callable, optional
        ``augment(x, y) -> (x, y)``, applied to every training batch on the
        device (e.g. ``radkit.augmentation.Augment(SAFE_CXR, seed=...)``);
        validation data are never augmented.
    early_stopping : int, optional
        Stop after this many epochs without improvement of ``monitor`` on
        ``val_data`` and restore the best weights. When the validation AUC is
        undefined (a single class in ``val_data``), a warning says so and
        ``val_loss`` is monitored instead.
    monitor : {"val_auc", "val_loss"}
    seed : int
        Seeds the shuffling order (the global RNG is not touched).
    device : torch.device or str, optional
        Defaults to :func:`radkit.device`.
    amp, channels_last : bool, optional
        bf16 autocast and channels-last layout; default on for CUDA only.
    compile : bool, default False
        Wrap the model with ``torch.compile`` (CUDA; pays a one-off compile).
    progress : bool, default True
        Show a ``tqdm`` progress bar (on rank 0 only under ``torchrun``).
    sync_batchnorm : bool, default False
        Under ``torchrun`` on CUDA GPUs, turn the model's BatchNorm layers into
        ``torch.nn.SyncBatchNorm`` before wrapping it in DDP, so that batch
        statistics are taken over the whole global batch, as one process takes
        them (the model keeps the converted layers; same ``state_dict`` keys).
        In a single process it changes nothing. PyTorch's SyncBatchNorm runs
        only on CUDA, so on the CPU it is refused with a ``ValueError``; see
        the Notes for what happens without it.

    Returns
    -------
    History

    Notes
    -----
    Under ``torchrun`` (see :mod:`radkit.distributed`) the same call trains with
    DistributedDataParallel: ``batch_size`` is the global batch, each rank takes
    its slice of every batch in the single-process order (a
    ``DistributedSampler`` for Datasets), losses are averaged over ranks,
    validation runs on rank 0 and its numbers (and so every early-stopping
    decision) are broadcast; every rank returns the same history.

    BatchNorm under DDP: without ``sync_batchnorm`` each rank normalises its
    own share of the batch (``batch_size // world_size`` images), so the kit's
    models, which all use BatchNorm, train slightly different weights on N
    ranks than in one process (models without BatchNorm train the same
    weights). ``bench/recipe_syncbn_cpu.py`` measures the difference for
    SmallCNN on two CPU processes (docs/benchmarks.md); with
    ``sync_batchnorm=True`` on GPUs the two should agree up to floating-point
    reduction order, a check still to be measured on a GPU machine.

    Raises
    ------
    ValueError, TypeError
        Before the first epoch, for inputs that would train on nothing or on
        nonsense (see :func:`radkit._train_checks.check_fit_inputs`): empty
        data, all-NaN labels, BCE targets outside [0, 1], labels that do not
        match the model, a misspelt ``task``, ``batch_size <= 0``...
    FloatingPointError
        If the loss becomes NaN or infinite; the message names the epoch.

    Examples
    --------
    >>> import torch, radkit.models, radkit.train
    >>> X = torch.rand(64, 1, 16, 16); y = (X.mean((1, 2, 3)) > 0.5).float()[:, None]
    >>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> h = radkit.train.fit(m, (X, y), num_epochs=2, lr=1e-2, progress=False, seed=0)
    >>> len(h.rows)
    2
    """
    if not isinstance(num_epochs, (int, np.integer)) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive int, got {num_epochs!r}.")
    if not (isinstance(lr, (int, float)) and lr > 0 and math.isfinite(lr)):
        raise ValueError(f"lr must be a positive finite number, got {lr!r}.")
    if optimizer not in ("adamw", "sgd"):
        raise ValueError(f"optimizer must be 'adamw' or 'sgd', got {optimizer!r}.")
    if monitor not in ("val_auc", "val_loss"):
        raise ValueError(f"monitor must be 'val_auc' or 'val_loss', got {monitor!r}.")
    if early_stopping is not None and val_data is None:
        raise ValueError("early_stopping needs val_data to monitor; pass val_data=... or early_stopping=None.")
    monitor = _check_fit_inputs(
        model,
        train_data,
        val_data,
        batch_size=batch_size,
        task=task,
        loss=loss,
        pos_weight=pos_weight,
        class_weight=class_weight,
        early_stopping=early_stopping,
        monitor=monitor,
    )
    ctx = distributed.context()  # torchrun: one process per GPU (or CPU worker), see radkit.distributed
    if ctx.active:
        distributed.check_world(train_data, batch_size=batch_size, world_size=ctx.world_size)
    dev = torch.device(device) if device is not None else default_device()
    cuda = dev.type == "cuda"
    amp = cuda if amp is None else amp
    channels_last = cuda if channels_last is None else channels_last
    if task is None:
        pair = _as_tensors(train_data)
        task = _infer_task(pair[1] if pair else None)
    if task not in ("multilabel", "multiclass"):
        raise ValueError(f"task must be 'multilabel' or 'multiclass', got {task!r}.")

    if not isinstance(sync_batchnorm, bool):
        raise TypeError(f"sync_batchnorm must be True or False, got {sync_batchnorm!r}.")
    if sync_batchnorm:  # refused off CUDA; on several ranks BatchNorm -> SyncBatchNorm (same parameter objects)
        model = distributed.sync_batchnorm(model, ctx, dev)
    model.to(dev)
    if channels_last:
        model.to(memory_format=torch.channels_last)
    as_tensor = lambda w: None if w is None else torch.as_tensor(w, dtype=torch.float32, device=dev)
    loss_fn = loss or _default_loss(task, as_tensor(pos_weight), as_tensor(class_weight))
    if optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.AdamW(
            model.parameters(), lr=lr, weight_decay=weight_decay, **({"fused": True} if cuda else {})
        )
    step_model = distributed.wrap(model, ctx, dev)
    step_model = torch.compile(step_model) if compile else step_model
    gen = torch.Generator().manual_seed(seed)
    shard = (lambda epoch: (ctx.rank, ctx.world_size, epoch)) if ctx.active else (lambda epoch: None)
    history = History()
    best, best_state, waited = None, None, 0
    remember(model, task=task)

    from tqdm.auto import tqdm

    bar = tqdm(total=num_epochs, desc="fit", disable=not (progress and ctx.main), unit="epoch")
    for epoch in range(1, num_epochs + 1):
        model.train()
        total, count = torch.zeros((), device=dev), 0
        for i, (xb, yb) in enumerate(
            _batches(
                train_data,
                batch_size=batch_size,
                shuffle=True,
                generator=gen,
                dev=dev,
                model=model,
                where="train_data",
                num_workers=num_workers,
                shard=shard(epoch),
            )
        ):
            if yb is None:
                raise ValueError("train_data has images but no labels; pass (X, y).")
            if augment is not None:
                xb, yb = augment(xb, yb)
            if channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
                logits = step_model(xb)
            if epoch == 1 and i == 0:
                _check_targets(logits, yb, task, "train_data")
            batch_loss = loss_fn(logits.float(), yb)
            opt.zero_grad(set_to_none=True)
            batch_loss.backward()
            opt.step()
            total += batch_loss.detach() * len(xb)
            count += len(xb)
        train_loss = distributed.all_mean(total, count)  # one host sync per epoch (mean over all ranks)
        if not math.isfinite(train_loss):
            bar.close()
            raise FloatingPointError(
                f"The training loss became {train_loss} in epoch {epoch}. "
                f"Try a lower learning rate (lr={lr:g} now, e.g. lr={lr / 10:g}) and check the inputs for NaN."
            )
        row = {"epoch": epoch, "train_loss": train_loss}
        if val_data is not None:
            if ctx.main:  # validation runs once, on rank 0, and every rank gets its numbers
                row["val_loss"], row["val_auc"], _ = _evaluate(
                    model, val_data, loss_fn=loss_fn, task=task, batch_size=batch_size, dev=dev, amp=amp
                )
            row = distributed.broadcast(row)
        history.rows.append(row)
        bar.set_postfix({k: round(v, 4) for k, v in row.items() if k != "epoch"})
        bar.update()
        if early_stopping is not None:
            if _nan_monitor_fallback(row["val_auc"], monitor) != monitor:
                monitor, best = "val_loss", None
            score = row[monitor] if monitor == "val_auc" else -row[monitor]
            if best is None or score > best:
                best, waited, history.best_epoch = score, 0, epoch
                best_state = copy.deepcopy(model.state_dict())
            else:
                waited += 1
                if waited >= early_stopping:
                    history.stopped_early = True
                    break
    bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    return history


def predict(
    model: nn.Module,
    data: Data,
    *,
    batch_size: int = 256,
    device: torch.device | str | None = None,
    task: str | None = None,
) -> np.ndarray:
    """Probabilities for every item of ``data`` as a NumPy array (N×K).

    Sigmoid for multi-label models, softmax for multi-class ones (the task
    that :func:`fit` used, or ``task=``).

    Examples
    --------
    >>> import torch, radkit.models, radkit.train
    >>> m = radkit.models.make_model("smallcnn", num_classes=2, seed=0)
    >>> radkit.train.predict(m, torch.rand(5, 1, 32, 32)).shape
    (5, 2)
    """
    _check_predict_inputs(data, batch_size=batch_size, task=task)
    model = getattr(model, "module", model) if isinstance(model, nn.parallel.DistributedDataParallel) else model
    task = task or trained_task(model) or "multilabel"
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    if dev.type == "cpu" and default_device().type != "cpu" and device is None:
        dev = default_device()
    model.to(dev).eval()
    out = []
    amp = dev.type == "cuda"
    with torch.inference_mode(), torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp):
        for xb, _ in _batches(
            data, batch_size=batch_size, shuffle=False, generator=None, dev=dev, model=model, where="data"
        ):
            out.append(_activate(model(xb).float(), task).cpu())
    return torch.cat(out).numpy()


# ----------------------------------------------------------------------------- embeddings
# The penultimate layer is the embedding notebooks 01 (Frechet distance), 03 (active learning), 05 (SMOTE) and
# 08 (site probe) work in; this one function reads it for all of them.


def _last_linear(model: nn.Module) -> nn.Linear:
    last = None
    for module in model.modules():
        if isinstance(module, nn.Linear):
            last = module
    if last is None:
        raise ValueError(
            "embed: the model has no nn.Linear layer, so it has no penultimate layer to read. "
            "Pass layer=<the module whose input you want>."
        )
    return last


def embed(
    model: nn.Module,
    data: Data,
    *,
    layer: nn.Module | None = None,
    batch_size: int = 256,
    device: torch.device | str | None = None,
    progress: bool = False,
) -> np.ndarray:
    """The input of the model's last linear layer (its penultimate features) for every image.

    The kit's one embedding function: Fréchet distances, active learning,
    SMOTE and the site probe all work in this feature space.

    Parameters
    ----------
    model : nn.Module
        A trained classifier (``radkit.models.make_model``: SmallCNN, ResNet, DenseNet).
    data : tensor, (X, y) tensors or Dataset
        Images as for :func:`predict`.
    layer : nn.Module, optional, keyword-only
        Read the input of this module instead of the last ``nn.Linear``.
    batch_size : int, default 256, keyword-only
    device : torch.device or str, optional, keyword-only
        Default: where the model's parameters are.
    progress : bool, default False, keyword-only
        Show a tqdm bar over batches.

    Returns
    -------
    numpy.ndarray
        float32, N×D (D = 128 for the quick SmallCNN, 512 for ResNet-18).

    Examples
    --------
    >>> import torch, radkit.models, radkit.train
    >>> m = radkit.models.make_model("smallcnn", num_classes=1, seed=0)
    >>> radkit.train.embed(m, torch.rand(5, 1, 32, 32)).shape
    (5, 128)
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
    batch_size = int(batch_size)
    if layer is not None and not any(m is layer for m in model.modules()):
        raise ValueError(
            f"embed: layer {type(layer).__name__} is not a module of this model, so it never runs; pass one of "
            "the model's own layers (e.g. dict(model.named_modules())['fc']), or leave layer=None for the last "
            "linear layer's input."
        )
    target = layer if layer is not None else _last_linear(model)
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    was_training = model.training
    model.to(dev).eval()
    out: list[torch.Tensor] = []
    handle = target.register_forward_hook(
        lambda _m, inputs, _o: out.append(inputs[0].detach().flatten(1).float().cpu())
    )
    from tqdm.auto import tqdm

    try:
        with torch.inference_mode():
            batches = _batches(
                data, batch_size=batch_size, shuffle=False, generator=None, dev=dev, model=model, where="embed"
            )
            for xb, _ in tqdm(batches, desc="features", disable=not progress, unit="batch"):
                model(xb)
    finally:
        handle.remove()
        model.train(was_training)
    if not out:
        raise ValueError("embed: the data held no image; pass at least one.")
    return torch.cat(out).numpy()
