"""Save and load model weights safely.

Checkpoints hold a ``state_dict`` and a small dict of plain metadata, and are
read back with ``torch.load(weights_only=True)``, which refuses to run
arbitrary pickled code. An existing file is never overwritten unless asked;
a save goes to a unique temporary file in the same folder that is renamed over
the target only when complete, so a crash never leaves half a checkpoint and
never touches another file.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import torch
from torch import nn

__all__ = ["save_checkpoint", "load_checkpoint"]

_PLAIN = (str, int, float, bool, type(None))


def _plain(meta: dict) -> dict:
    for key, value in meta.items():
        ok = isinstance(value, _PLAIN) or (
            isinstance(value, (list, tuple)) and all(isinstance(v, _PLAIN) for v in value)
        )
        if not ok:
            raise TypeError(
                f"Checkpoint metadata {key!r} must be a str/int/float/bool or a list of them, "
                f"got {type(value).__name__}."
            )
    return dict(meta)


def _check_model(model: object, where: str) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(
            f"{where}: model must be a torch nn.Module (e.g. radkit.models.make_model(...)), "
            f"got {type(model).__name__}. The path comes second: {where}(model, path)."
        )


def save_checkpoint(model: nn.Module, path: str | Path, *, overwrite: bool = False, **meta: object) -> Path:
    """Write ``model``'s weights and plain metadata to ``path``.

    Parameters
    ----------
    model : nn.Module
    path : str or Path
        Target file (parent folders are created). Must not be a folder.
    overwrite : bool, default False
        An existing file is an error unless this is True.

    Under ``torchrun`` only rank 0 writes (every rank holds the same weights);
    the other ranks return ``path`` without touching the disk.
    **meta
        Plain values stored beside the weights (architecture name, epoch...).

    Returns
    -------
    pathlib.Path
        The file written.

    Examples
    --------
    >>> import tempfile, pathlib, radkit.models as M
    >>> from radkit.checkpoint import save_checkpoint, load_checkpoint
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "m.pt"
    >>> _ = save_checkpoint(M.make_model("smallcnn", num_classes=2, seed=0), p, arch="smallcnn")
    >>> load_checkpoint(M.make_model("smallcnn", num_classes=2, seed=1), p)["arch"]
    'smallcnn'
    """
    from radkit.distributed import is_main

    _check_model(model, "save_checkpoint")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"save_checkpoint: path must be a file path (str or Path), got {type(path).__name__}.")
    path = Path(path)
    if not is_main():  # under torchrun every rank holds the same weights: rank 0 alone writes them
        return path
    if path.is_dir():
        raise IsADirectoryError(
            f"{path} is a folder; pass a file path inside it, e.g. {path / 'model.pt'}. Nothing was written."
        )
    if path.exists() and not overwrite:
        raise FileExistsError(
            f"{path} already exists; choose another file name (e.g. add the epoch or date), "
            "or pass overwrite=True if you mean to replace that checkpoint."
        )
    if isinstance(model, nn.parallel.DistributedDataParallel):  # save the wrapped model's own weights
        model = model.module
    blob = {"state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()}, "meta": _plain(meta)}
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False) as fh:
        tmp = Path(fh.name)
    try:
        torch.save(blob, tmp)
        os.replace(tmp, path)  # atomic: a crash never leaves half a checkpoint
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _report_keys(result, path: Path) -> dict[str, list[str]]:
    missing, unexpected = list(result.missing_keys), list(result.unexpected_keys)
    if missing or unexpected:
        warnings.warn(
            f"load_checkpoint(strict=False): {path.name} does not match the model: "
            f"{len(missing)} parameter(s) of the model were not in the file (kept at their current "
            f"values, e.g. {missing[:3]}) and {len(unexpected)} in the file were ignored "
            f"(e.g. {unexpected[:3]}). Check the architecture; the full lists are in the returned "
            "metadata under '_missing_keys' and '_unexpected_keys'.",
            UserWarning,
            stacklevel=3,
        )
    return {"_missing_keys": missing, "_unexpected_keys": unexpected}


def load_checkpoint(model: nn.Module, path: str | Path, *, strict: bool = True) -> dict:
    """Load weights saved by :func:`save_checkpoint` into ``model``; return the metadata.

    Parameters
    ----------
    model : nn.Module
        Built with the same architecture as the saved one.
    path : str or Path
    strict : bool, default True
        With ``False``, keys that do not match are skipped: a warning says
        how many, and the returned dict lists them under ``_missing_keys``
        and ``_unexpected_keys``. Shapes must still match.

    Returns
    -------
    dict
        The metadata saved with the weights.
    """
    _check_model(model, "load_checkpoint")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; pass the checkpoint file inside it (e.g. {path / 'model.pt'}).")
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}. Train a model and save it with save_checkpoint first.")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises many kinds (UnpicklingError, RuntimeError, KeyError...)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"{path} is not a radkit checkpoint, or it is damaged: it cannot be read as plain tensors "
            f"({first[:120]}). Point to a file written by save_checkpoint, or save the model again. "
            "Files from elsewhere that need more than tensors are not loaded, for your safety."
        ) from None
    if not isinstance(blob, dict) or "state_dict" not in blob:
        raise ValueError(
            f"{path} is not a radkit checkpoint (no 'state_dict'); was it written by save_checkpoint? "
            "For a bare state_dict use model.load_state_dict(torch.load(path, weights_only=True))."
        )
    try:
        result = model.load_state_dict(blob["state_dict"], strict=strict)
    except RuntimeError as exc:
        detail = " ".join(line.strip() for line in str(exc).splitlines()[1:3])[:300]
        hint = (
            "or pass strict=False to load only the matching parameters."
            if strict
            else "strict=False skips missing or extra keys but not parameters whose shapes differ."
        )
        raise ValueError(
            f"{path} does not fit this {type(model).__name__} ({detail}). Build the model with the "
            f"architecture and num_classes it was saved with (see the checkpoint's metadata), {hint}"
        ) from None
    meta = dict(blob.get("meta", {}))
    if not strict:
        meta.update(_report_keys(result, path))
    return meta
