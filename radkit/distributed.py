"""Several GPUs or nodes through PyTorch's own launcher (``torchrun``) and DistributedDataParallel.

Nothing here is a home-made engine: :func:`radkit.train.fit` asks :func:`context`
whether a ``torch.distributed`` process group is running (or ``torchrun`` has set
``RANK``/``WORLD_SIZE``, in which case it initialises one: NCCL on CUDA, Gloo on
the CPU), then wraps the model in ``DistributedDataParallel``, gives each rank
its slice of every global batch, averages the loss across ranks and lets rank 0
alone print and write files. A script that calls ``fit`` runs unchanged with::

    torchrun --nproc_per_node=4 train_script.py                       # one node, 4 GPUs
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d \\
             --rdzv-endpoint=HOST:29500 --rdzv-id=cxr1 train_script.py  # two nodes

``batch_size`` in ``fit`` is the *global* batch: each of the N ranks takes
``batch_size // N`` images of every batch, so the learning rate keeps its meaning
and the trained weights match single-process training on the same order.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

__all__ = [
    "DistContext",
    "context",
    "is_main",
    "local_batch",
    "rank_seed",
    "broadcast",
    "all_mean",
    "wrap",
    "check_world",
    "sync_batchnorm",
    "SYNC_BATCHNORM_CPU",
]

_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK")


@dataclass(frozen=True)
class DistContext:
    """Where this process stands: ``rank`` of ``world_size`` (1 without a process group)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    backend: str | None = None

    @property
    def active(self) -> bool:
        return self.world_size > 1

    @property
    def main(self) -> bool:
        return self.rank == 0


def _launched_by_torchrun() -> bool:
    return all(k in os.environ for k in _ENV) and int(os.environ.get("WORLD_SIZE", "1")) > 1


def context(*, init: bool = True) -> DistContext:
    """The distributed context of this process.

    With ``init=True`` and the ``torchrun`` environment present but no process
    group yet, initialise one (NCCL when CUDA is available, else Gloo).

    Examples
    --------
    >>> context().world_size  # a plain Python process
    1
    """
    if not dist.is_available():
        return DistContext()
    if not dist.is_initialized():
        if not (init and _launched_by_torchrun()):
            return DistContext()
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ["LOCAL_RANK"]))
        dist.init_process_group(backend=backend)
    return DistContext(
        rank=dist.get_rank(),
        world_size=dist.get_world_size(),
        local_rank=int(os.environ.get("LOCAL_RANK", dist.get_rank())),
        backend=dist.get_backend(),
    )


def is_main() -> bool:
    """True on rank 0 (and in any single process): the rank that prints and writes files."""
    return context(init=False).main


def local_batch(batch_size: int, world_size: int) -> int:
    """Each rank's share of a global batch; the global batch must split evenly.

    Examples
    --------
    >>> local_batch(64, 4)
    16
    """
    if batch_size % world_size:
        raise ValueError(
            f"batch_size={batch_size} is the global batch and must split evenly over "
            f"{world_size} processes; use a multiple of {world_size}, e.g. "
            f"{(batch_size // world_size + 1) * world_size}."
        )
    return batch_size // world_size


def rank_seed(seed: int) -> int:
    """``seed`` offset by this process's rank, for randomness that must differ per rank (augmentation).

    Examples
    --------
    >>> rank_seed(7)  # single process: rank 0
    7
    """
    return int(seed) + context(init=False).rank


def broadcast(obj: Any, *, src: int = 0) -> Any:
    """Send a picklable object from rank ``src`` to every rank (identity in a single process)."""
    ctx = context(init=False)
    if not ctx.active:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


def all_mean(total: torch.Tensor, count: int) -> float:
    """Sum ``total`` and ``count`` over ranks and return their ratio (a mean over all items)."""
    ctx = context(init=False)
    if not ctx.active:
        return float(total) / max(count, 1)
    dev = total.device if ctx.backend == "nccl" else torch.device("cpu")
    both = torch.stack([total.detach().double().to(dev), torch.tensor(float(count), dtype=torch.float64, device=dev)])
    dist.all_reduce(both)
    return float(both[0]) / max(float(both[1]), 1.0)


def wrap(model: torch.nn.Module, ctx: DistContext, dev: torch.device) -> torch.nn.Module:
    """``model`` wrapped in DistributedDataParallel when ``ctx`` is active (else unchanged).

    DDP checks at construction that every rank holds the same parameter shapes and
    broadcasts rank 0's weights, so all ranks start identical.
    """
    if not ctx.active:
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [dev.index if dev.index is not None else ctx.local_rank] if dev.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


#: Why ``sync_batchnorm=True`` is refused off CUDA, and what happens without it.
SYNC_BATCHNORM_CPU = (
    "sync_batchnorm=True needs CUDA GPUs: PyTorch's SyncBatchNorm runs only on CUDA devices, and this job "
    "trains on {device}. Without it, under torchrun each rank normalises its own share of the batch "
    "(BatchNorm statistics over batch_size // world_size images instead of the whole batch), so a run on N "
    "processes differs slightly from a run in one process (docs/benchmarks.md gives the size of the "
    "difference for smallcnn on two CPU processes). Pass sync_batchnorm=False here; use it on GPUs."
)


def sync_batchnorm(model: torch.nn.Module, ctx: DistContext, dev: torch.device) -> torch.nn.Module:
    """``model`` with its BatchNorm layers turned into ``torch.nn.SyncBatchNorm`` (CUDA only).

    Each BatchNorm layer then takes its batch statistics over the whole global
    batch (all ranks) instead of each rank's share. The conversion keeps the
    same parameter and buffer objects (an optimizer built on ``model`` still
    holds them) and the same ``state_dict`` keys, so checkpoints load into the
    plain model; outside a process group and in ``eval()`` mode a
    SyncBatchNorm layer computes exactly what BatchNorm computes.

    Parameters
    ----------
    model : nn.Module
    ctx : DistContext
        From :func:`context`. In a single process (``ctx.active`` False) one
        process already normalises over the whole batch: the model is returned
        unchanged.
    dev : torch.device
        The training device; anything but CUDA is refused.

    Raises
    ------
    ValueError
        When ``dev`` is not a CUDA device (:data:`SYNC_BATCHNORM_CPU`).

    Examples
    --------
    >>> import torch, radkit.models as M
    >>> m = M.make_model("smallcnn", num_classes=1, seed=0)
    >>> m = sync_batchnorm(m, DistContext(rank=0, world_size=2), torch.device("cuda"))  # converts, runs nowhere
    >>> type(m.features[1]).__name__
    'SyncBatchNorm'
    >>> sync_batchnorm(m, DistContext(), torch.device("cpu"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: sync_batchnorm=True needs CUDA GPUs: PyTorch's SyncBatchNorm runs only on CUDA devices, ...
    """
    if dev.type != "cuda":
        raise ValueError(SYNC_BATCHNORM_CPU.format(device=dev.type))
    if not ctx.active:
        return model
    return torch.nn.SyncBatchNorm.convert_sync_batchnorm(model)


def check_world(data: Any, *, batch_size: int, world_size: int) -> None:
    """Refuse a job that would leave a rank without data, before anything is trained."""
    local_batch(batch_size, world_size)
    try:
        n = len(data[0]) if isinstance(data, (tuple, list)) else len(data)
    except TypeError:
        raise TypeError(
            f"Training under torchrun needs data with a length (a Dataset with __len__ and "
            f"__getitem__, or (X, y) tensors); got {type(data).__name__}."
        ) from None
    if n < world_size:
        raise ValueError(
            f"{n} training item(s) for {world_size} processes: every rank needs at least one. "
            f"Use fewer processes (torchrun --nproc_per_node) or more data."
        )
