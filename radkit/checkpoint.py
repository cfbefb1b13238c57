"""Save and load model weights safely.

Checkpoints hold a ``state_dict`` and a small dict of plain metadata, and are
read back with ``torch.load(weights_only=True)``, which refuses to run
arbitrary pickled code. An existing file is never overwritten unless asked.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

__all__ = ["save_checkpoint", "load_checkpoint"]

_PLAIN = (str, int, float, bool, type(None))


def _plain(meta: dict) -> dict:
    for key, value in meta.items():
        ok = isinstance(value, _PLAIN) or (
            isinstance(value, (list, tuple)) and all(isinstance(v, _PLAIN) for v in value))
        if not ok:
            raise TypeError(f"Checkpoint metadata {key!r} must be a str/int/float/bool or a list of them, "
                            f"got {type(value).__name__}.")
    return dict(meta)


def save_checkpoint(model: nn.Module, path: str | Path, *, overwrite: bool = False, **meta: object) -> Path:
    """Write ``model``'s weights and plain metadata to ``path``.

    Parameters
    ----------
    model : nn.Module
    path : str or Path
        Target file (parent folders are created).
    overwrite : bool, default False
        An existing file is an error unless this is True.
    **meta
        Plain values stored beside the weights (architecture name, epoch...).

    Examples
    --------
    >>> import tempfile, pathlib, radkit.models as M
    >>> from radkit.checkpoint import save_checkpoint, load_checkpoint
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.pt"
    >>> _ = save_checkpoint(M.make_model("smallcnn", num_classes=2), p, arch="smallcnn")
    >>> load_checkpoint(M.make_model("smallcnn", num_classes=2), p)["arch"]
    'smallcnn'
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True to replace it or choose another path.")
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    tmp = path.with_name(path.name + ".tmp")
    torch.save({"state_dict": state, "meta": _plain(meta)}, tmp)
    tmp.replace(path)  # atomic: a crash never leaves half a checkpoint
    return path


def load_checkpoint(model: nn.Module, path: str | Path, *, strict: bool = True) -> dict:
    """Load weights saved by :func:`save_checkpoint` into ``model``; return the metadata."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}. Train a model and save it with save_checkpoint first.")
    blob = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(blob, dict) or "state_dict" not in blob:
        raise ValueError(f"{path} is not a radkit checkpoint (no 'state_dict'); was it written by save_checkpoint?")
    model.load_state_dict(blob["state_dict"], strict=strict)
    return blob.get("meta", {})
