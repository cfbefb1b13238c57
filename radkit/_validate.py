"""Input checks shared by radkit's public functions.

Written once so that every module rejects bad input with the same, actionable
messages (what is wrong, where, and what to do): labels and scores
(:func:`check_binary`, :func:`check_scores`, :func:`check_probabilities`),
fractions, prevalences, interval levels (:func:`check_level`), thresholds,
counts, two samples to compare (:func:`check_two_samples`), batches of images
(:func:`check_images`), and the models, budgets and targets of an attack
(:func:`check_model`, :func:`check_eps`, :func:`check_targets`,
:func:`check_class_indices`). No other module defines a validator; a test keeps it so.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike

from radkit._compat import renamed_arguments

if TYPE_CHECKING:
    import torch
    from torch import nn

_SHOW = 5  # how many offending positions an error message lists

#: What :func:`check_images` tells users of attacks and defenses whose pixels are not in [0, 1].
ATTACK_PIXELS = (
    "Attacks and defenses work on pixels in [0, 1]: undo the normalisation (or min-max scale) "
    "before attacking, and put any normalisation inside the model."
)


def _positions(mask: np.ndarray) -> str:
    idx = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in idx[:_SHOW])
    return f"[{shown}{', ...' if idx.size > _SHOW else ''}]"


def check_labels(values: ArrayLike, name: str) -> np.ndarray:
    """Return 0/1 labels as an ``int8`` array; reject 2-D input, strings, NaN and other values.

    Examples
    --------
    >>> check_labels([True, False, True], "y_true").tolist()
    [1, 0, 1]
    """
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one label per case) but has shape {arr.shape}; "
            f"for multi-label data pass one pathology at a time, e.g. {name}[:, k]."
        )
    if arr.dtype == bool:
        return arr.astype(np.int8)
    if arr.dtype.kind not in "iuf":
        raise ValueError(
            f"{name} must hold binary 0/1 labels but has dtype {arr.dtype}; "
            f"encode it first, e.g. {name} = (labels == 'positive').astype(int)."
        )
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        bad = ~np.isfinite(arr)
        raise ValueError(
            f"{name} has {int(bad.sum())} missing or infinite labels at positions "
            f"{_positions(bad)}; drop those cases (from the scores too) before scoring."
        )
    found = np.unique(arr)
    if not np.all(np.isin(found, (0, 1))):
        fix = (
            "-1 is CheXpert's 'uncertain' code: choose a policy when loading "
            "(chexpert_labels(uncertain='ones', 'zeros' or 'ignore'))"
            if (found == -1).any()
            else f"for another coding use {name} = (labels == positive_label).astype(int)"
        )
        raise ValueError(f"{name} must be binary 0/1 but contains the values {found[:10].tolist()}; {fix}.")
    return arr.astype(np.int8)


def check_scores(values: ArrayLike, name: str, *, probability: bool = False) -> np.ndarray:
    """Return ``values`` as a finite 1-D float array (in [0, 1] if ``probability``).

    Examples
    --------
    >>> check_scores([0.2, 1.5], "y_score").tolist()
    [0.2, 1.5]
    """
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be numeric scores; converting failed: {err}") from None
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]  # one finding as a column (what radkit.train.predict returns): unambiguous
    if arr.ndim != 1:
        if arr.ndim == 2 and arr.shape[1] == 2:
            hint = f"for a two-column predict_proba output pass the positive class, {name}[:, 1]"
        elif arr.ndim == 2:
            hint = f"it holds {arr.shape[1]} columns (one per finding?); score one finding at a time, e.g. {name}[:, k]"
        else:
            hint = "flatten or select one score per case"
        raise ValueError(f"{name} must be 1-D (one score per case) but has shape {arr.shape}; {hint}.")
    if arr.size == 0:
        raise ValueError(f"{name} is empty; pass at least one case.")
    nan, inf = np.isnan(arr), np.isinf(arr)
    if nan.any() or inf.any():
        raise ValueError(
            f"{name} has {int(nan.sum())} NaN and {int(inf.sum())} infinite values "
            f"at positions {_positions(nan | inf)}; remove those cases or fix the "
            "model output before scoring."
        )
    if probability:
        outside = (arr < 0) | (arr > 1)
        if outside.any():
            raise ValueError(
                f"{name} must be probabilities in [0, 1] but {int(outside.sum())} values "
                f"lie outside (min {arr.min():.3g}, max {arr.max():.3g}) at positions "
                f"{_positions(outside)}; for logits apply scipy.special.expit first."
            )
    return arr


def check_binary(
    y_true: ArrayLike,
    *others: ArrayLike,
    names: tuple[str, ...] = ("y_score",),
    kind: Literal["score", "prob", "label"] = "score",
    both_classes: bool = True,
    purpose: str = "this measure",
) -> tuple[np.ndarray, ...]:
    """Validate binary labels and the arrays paired with them.

    Parameters
    ----------
    y_true : array-like of shape (n,)
        Binary labels (0/1 or bool).
    *others : array-like of shape (n,)
        Scores, probabilities or predicted labels, one per case.
    names : tuple of str
        Names of ``others`` used in error messages.
    kind : {"score", "prob", "label"}
        ``"score"``: any finite real; ``"prob"``: finite and in [0, 1];
        ``"label"``: binary 0/1 like ``y_true``.
    both_classes : bool
        Require at least one case of each class.
    purpose : str
        What is being computed, for the single-class error message.

    Returns
    -------
    tuple of ndarray
        ``y_true`` as int8 followed by the others (float64, or int8 for labels).

    Examples
    --------
    >>> y, s = check_binary([0, 1, 1], [0.2, 0.9, 0.4])
    >>> y.tolist(), s.tolist()
    ([0, 1, 1], [0.2, 0.9, 0.4])
    """
    y = check_labels(y_true, "y_true")
    if y.size == 0:
        raise ValueError("y_true is empty; pass at least one case.")
    out: list[np.ndarray] = [y]
    for values, name in zip(others, names, strict=True):
        if kind == "label":
            arr = check_labels(values, name)
        else:
            arr = check_scores(values, name, probability=kind == "prob")
        if arr.shape[0] != y.shape[0]:
            raise ValueError(
                f"y_true has {y.shape[0]} cases but {name} has {arr.shape[0]}; "
                "they must be paired case by case (same cases, same order)."
            )
        out.append(arr)
    if both_classes:
        n_pos = int(y.sum())
        if n_pos in (0, y.size):
            missing, present = (1, 0) if n_pos == 0 else (0, 1)
            raise ValueError(
                f"y_true contains only class {present} ({y.size} cases, no class {missing}), "
                f"so {purpose} is undefined; use a larger sample or a stratified split "
                "(e.g. train_test_split(..., stratify=y)) so both classes are present."
            )
    return tuple(out)


def warn_threshold(threshold: float, y_score: np.ndarray, *, name: str = "threshold") -> None:
    """Warn when ``threshold`` lies outside the range of the scores.

    Such a threshold calls every case positive (or every case negative), which is
    rarely what was meant.

    Examples
    --------
    >>> import numpy as np
    >>> warn_threshold(0.5, np.array([0.1, 0.9]))  # inside: silent
    """
    lo, hi = float(np.min(y_score)), float(np.max(y_score))
    if threshold > hi or threshold < lo:
        side = "every case negative" if threshold > hi else "every case positive"
        warnings.warn(
            f"{name}={threshold:g} lies outside the scores' range [{lo:.4g}, {hi:.4g}] and "
            f"calls {side}; check the threshold is on the same scale as the scores.",
            UserWarning,
            stacklevel=3,
        )


def check_fraction(value: ArrayLike, name: str, *, open_right: bool = False) -> np.ndarray:
    """Return ``value`` as a float array after checking it lies in [0, 1].

    Examples
    --------
    >>> check_fraction(0.3, "prevalence").item()
    0.3
    """
    raw = np.asarray(value)
    if raw.dtype.kind == "b":  # True would pass as 1.0
        raise ValueError(f"{name} must be a fraction in [0, 1], got a boolean {value!r}.")
    if raw.dtype.kind not in "iuf":
        raise ValueError(f"{name} must be a fraction in [0, 1] (a number), got {value!r}.")
    arr = raw.astype(np.float64)
    hi_bad = arr >= 1 if open_right else arr > 1
    bad = ~np.isfinite(arr) | (arr < 0) | hi_bad
    if bad.any():
        interval = "[0, 1)" if open_right else "[0, 1]"
        raise ValueError(
            f"{name} must lie in {interval} but {int(bad.sum())} value(s) do not "
            f"(e.g. {float(arr[bad].ravel()[0])!r}); pass fractions, not percentages."
        )
    return arr


def check_threshold(threshold: object, name: str = "threshold", *, unit: bool = False) -> float:
    """Return ``threshold`` as a float; reject NaN, non-numbers and booleans.

    A NaN threshold compares false with every score, so it silently calls
    every case negative (sensitivity 0, specificity 1). ``±inf`` are allowed:
    they call every case negative / positive on purpose. ``unit=True`` is for
    thresholds on probabilities: they must lie in [0, 1], and a value such as
    50 gets "did you mean 0.5?" (a percentage calls every case negative).

    Examples
    --------
    >>> check_threshold(0.5)
    0.5
    >>> check_threshold(50, unit=True)
    Traceback (most recent call last):
    ...
    ValueError: threshold=50 must lie in [0, 1] (a probability); did you mean 0.5?
    """
    if isinstance(threshold, (bool, np.bool_)) or not isinstance(threshold, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"{name} must be a number on the scale of the scores (e.g. 0.5), "
            f"got {threshold!r} ({type(threshold).__name__})."
        )
    value = float(threshold)
    if np.isnan(value):
        raise ValueError(
            f"{name} is NaN, which would call every case negative; pass a number, "
            "e.g. one from threshold_for_sensitivity(...)."
        )
    if unit and not 0.0 <= value <= 1.0:
        hint = f"; did you mean {value / 100:g}?" if 1 < value <= 100 else "."
        raise ValueError(f"{name}={threshold!r} must lie in [0, 1] (a probability){hint}")
    return value


@renamed_arguments(y_prob="y_score")
def check_probabilities(
    y_score: ArrayLike, *, k: int | None = None, name: str = "y_score", atol: float = 1e-4
) -> np.ndarray:
    """Return ``y_score`` as an N x K float array whose rows are probabilities summing to one.

    Examples
    --------
    >>> check_probabilities([[0.2, 0.8]]).tolist()
    [[0.2, 0.8]]
    """
    arr = np.asarray(y_score, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be N x K class probabilities (one row per case), got shape "
            f"{arr.shape}; for one binary probability p pass np.c_[1 - p, p]."
        )
    if k is not None and arr.shape[1] != k:
        raise ValueError(
            f"{name} has {arr.shape[1]} columns but the cost matrix has {k} classes; "
            "give one probability column per class, in the matrix's class order."
        )
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
        raise ValueError(f"{name} must hold probabilities in [0, 1] without NaN; for logits apply a softmax first.")
    sums = arr.sum(axis=1)
    bad = np.abs(sums - 1) > atol
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"each row of {name} must sum to one, but {int(bad.sum())} rows do not "
            f"(row {i} sums to {sums[i]:.4g}); use softmax outputs, or for "
            "multi-label sigmoid outputs decide each finding separately."
        )
    return arr


def check_xy(X: ArrayLike, y: ArrayLike, *, purpose: str = "this measure") -> np.ndarray:
    """Binary labels ``y`` (both classes) paired row by row with the cases of ``X``; returns ``y`` as int8.

    Examples
    --------
    >>> check_xy(np.zeros((3, 2)), [0, 1, 1]).tolist()
    [0, 1, 1]
    """
    yy = check_binary(np.asarray(y).ravel(), names=(), purpose=purpose)[0]
    if len(X) != len(yy):
        raise ValueError(f"X has {len(X)} cases but y has {len(yy)}; pass one label per case.")
    return yy


def _number(value: object, name: str, what: str) -> float:
    """``value`` as a float; booleans, strings and other non-numbers are refused."""
    if isinstance(value, (bool, np.bool_, str, bytes)):
        raise ValueError(f"{name} must be {what}, got {value!r} ({type(value).__name__}).")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {what}, got {value!r} ({type(value).__name__}).") from None


def check_open_fraction(value: object, name: str, *, what: str = "a fraction", hint: str = "") -> float:
    """Return ``value`` as a float strictly between 0 and 1 (a prevalence, a target sensitivity...).

    ``what`` says what the number is; ``hint`` (a sentence) is added to the
    error. A value that looks like a percentage (20) gets ``did you mean 0.2?``.

    Examples
    --------
    >>> check_open_fraction(0.95, "target", what="a sensitivity")
    0.95
    """
    v = _number(value, name, f"{what}, a number strictly between 0 and 1")
    if not 0.0 < v < 1.0:  # also NaN
        pct = f"; did you mean {v / 100:g}?" if 1 < v < 100 else "."
        raise ValueError(
            f"{name}={value!r} must lie strictly between 0 and 1 ({what}){pct}" + (f" {hint}" if hint else "")
        )
    return v


def check_prevalence(value: object, name: str = "prevalence", *, hint: str = "") -> float:
    """Return a prevalence (a share of positive cases) as a float strictly between 0 and 1.

    Examples
    --------
    >>> check_prevalence(0.02, "true_prevalence")
    0.02
    """
    return check_open_fraction(value, name, what="a prevalence", hint=hint)


def check_level(level: object, name: str = "level", *, one_sided: bool = False) -> float:
    """Return an interval's coverage ``level`` as a float in (0, 1), e.g. 0.95 for a 95% interval.

    A value that looks like a percentage (95) gets a hint (``did you mean 0.95?``).
    ``one_sided`` asks for [0.5, 1): a one-sided confidence bound at a level
    below 0.5 would lie on the wrong side of its estimate.

    Examples
    --------
    >>> check_level(0.9)
    0.9
    """
    v = _number(level, name, "the coverage of the interval, a number in (0, 1) such as 0.95")
    low = 0.5 if one_sided else 0.0
    if not (low < v < 1.0 or (one_sided and v == 0.5)):  # NaN fails too
        hint = f"; did you mean {v / 100:g}?" if 1 < v < 100 else ""
        span = "[0.5, 1) for a one-sided bound" if one_sided else "(0, 1)"
        raise ValueError(f"{name} must lie in {span}, e.g. 0.95 for a 95% interval; got {level!r}{hint}.")
    return v


def check_count(value: object, name: str, *, minimum: int = 1, hint: str = "") -> int:
    """Return ``value`` as an int after checking it is a whole number >= ``minimum``.

    Floats such as ``10.0`` are accepted; ``10.5``, ``"10"``, NaN and booleans
    are refused rather than silently truncated.

    Examples
    --------
    >>> check_count(10.0, "n_bins")
    10
    """
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if not ok and isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        ok, value = True, int(value)
    if not ok or int(value) < minimum:
        raise ValueError(
            f"{name} must be a whole number >= {minimum}, got {value!r}" + (f"; {hint}" if hint else "") + "."
        )
    return int(value)


def check_images(
    x: object,
    *,
    where: str = "images",
    unit_range: bool = True,
    channels: int | None = None,
    non_empty: bool = False,
    hint: str = "",
) -> torch.Tensor:
    """Return ``x`` if it is a floating-point batch ``N×C×H×W``; raise a clear error otherwise.

    ``unit_range`` also requires values in [0, 1] without NaN (augmentation,
    display, attacks); ``channels`` the number of channels a model expects;
    ``non_empty`` at least one image; ``hint`` is added to the range error
    (what the caller's users should do).

    Examples
    --------
    >>> import torch
    >>> check_images(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 1, 8, 8])
    """
    import torch

    if not isinstance(x, torch.Tensor) or not torch.is_floating_point(x):
        kind = getattr(x, "dtype", type(x).__name__)
        raise TypeError(
            f"{where}: expected a floating-point torch.Tensor of images in [0, 1], got {kind}. "
            "Convert with torch.as_tensor(array).float() / 255 for 8-bit images."
        )
    if x.ndim != 4:
        raise ValueError(
            f"{where}: expected a batch N×C×H×W, got shape {tuple(x.shape)}. "
            "Add the batch axis with x.unsqueeze(0) (one image) or the channel axis "
            "with x.unsqueeze(1)."
        )
    if non_empty and len(x) == 0:
        raise ValueError(f"{where}: the batch N×C×H×W is empty (shape {tuple(x.shape)}); pass at least one image.")
    if channels is not None and x.shape[1] != channels:
        raise ValueError(
            f"{where}: the model expects {channels} channel(s) but images have {x.shape[1]} (shape {tuple(x.shape)})."
        )
    if unit_range and x.numel():
        lo, hi = float(x.detach().min()), float(x.detach().max())
        if np.isnan(lo) or np.isnan(hi):
            raise ValueError(f"{where}: the images contain NaN; remove or repair those images first.")
        if not (lo >= 0.0 and hi <= 1.0):
            raise ValueError(
                f"{where}: values must lie in [0, 1], found [{lo:.3g}, {hi:.3g}]. "
                + (
                    hint
                    or "Rescale first, e.g. (x - x.min()) / (x.max() - x.min()), or window the DICOM with radkit.dicom."
                )
            )
    return x


def check_eps(eps: object, where: str, name: str = "eps") -> float:
    """An attack budget: a finite number >= 0 on the [0, 1] pixel scale.

    Examples
    --------
    >>> check_eps(2 / 255, "fgsm") == 2 / 255
    True
    """
    if (
        isinstance(eps, (bool, np.bool_))
        or not isinstance(eps, (int, float, np.integer, np.floating))
        or not math.isfinite(eps)
        or eps < 0
    ):
        raise ValueError(
            f"{where}: {name} must be a finite number >= 0 on the [0, 1] pixel scale "
            f"(e.g. 2 / 255 for two grey levels of an 8-bit image), got {eps!r}."
        )
    if eps > 1:  # on the [0, 1] scale a budget above 1 allows any image: 8 surely meant 8/255
        raise ValueError(
            f"{where}: {name}={eps!r} is above 1, more than the whole [0, 1] pixel range; "
            f"on this scale {eps!r} grey levels of an 8-bit image is {name}={eps!r}/255 = {float(eps) / 255:.4f}."
        )
    return float(eps)


def check_model(model: object, where: str) -> nn.Module:
    """An ``nn.Module`` in eval mode (BatchNorm and dropout would otherwise change while it is probed).

    Examples
    --------
    >>> import torch
    >>> isinstance(check_model(torch.nn.Linear(2, 1).eval(), "attack"), torch.nn.Module)
    True
    """
    from torch import nn

    if not isinstance(model, nn.Module):
        raise TypeError(f"{where}: model must be a torch.nn.Module returning logits, got {type(model).__name__}.")
    if model.training:
        raise ValueError(
            f"{where}: the model is in training mode, so BatchNorm statistics and dropout would "
            "change while it is attacked. Call model.eval() first (radkit.train.predict does too)."
        )
    return model


def check_targets(y: object, logits: torch.Tensor, where: str) -> torch.Tensor:
    """Class indices (N,) for a K>1-logit model, or 0/1 labels (N,) / (N, 1) for a one-logit model.

    Examples
    --------
    >>> import torch
    >>> check_targets([1, 0], torch.zeros(2, 3), "fgsm").tolist()
    [1, 0]
    """
    import torch

    if not isinstance(y, torch.Tensor):
        y = torch.as_tensor(y)
    n, k = logits.shape[0], logits.shape[1] if logits.ndim == 2 else 0
    if logits.ndim != 2:
        raise ValueError(f"{where}: the model must return logits of shape N×K, got {tuple(logits.shape)}.")
    if k == 1:
        if y.numel() != n:
            raise ValueError(
                f"{where}: a one-logit model needs one 0/1 label per image, shape ({n},) or "
                f"({n}, 1); got shape {tuple(y.shape)}."
            )
        y = y.reshape(n).to(logits.device, torch.float32)
        if not torch.all((y == 0) | (y == 1)):
            raise ValueError(f"{where}: labels of a one-logit model must be 0 or 1.")
        return y
    if y.ndim != 1 or len(y) != n:
        raise ValueError(
            f"{where}: targets must be class indices of shape ({n},) for a {k}-logit model, got "
            f"shape {tuple(y.shape)}. For one-hot labels use y.argmax(1)."
        )
    if torch.is_floating_point(y):
        if not torch.all(y == y.round()):
            raise ValueError(f"{where}: targets must be whole class indices 0..{k - 1}.")
        y = y.long()
    if len(y) and (int(y.min()) < 0 or int(y.max()) >= k):
        raise ValueError(f"{where}: targets must be class indices in 0..{k - 1}, got {int(y.min())}..{int(y.max())}.")
    return y.to(logits.device, torch.long)


def check_class_indices(y: object, where: str) -> torch.Tensor:
    """A non-empty 1-D tensor of whole class indices (one finding's labels, or classes of a K-class model).

    Examples
    --------
    >>> import torch
    >>> check_class_indices(torch.tensor([0, 1, 1]), "backdoor").tolist()
    [0, 1, 1]
    """
    import torch

    if not isinstance(y, torch.Tensor) or y.ndim != 1 or len(y) == 0:
        raise ValueError(
            f"{where}: labels must be a non-empty 1-D tensor of class indices "
            f"(use y[:, 0].long() for one finding), got {getattr(y, 'shape', type(y).__name__)}."
        )
    if torch.is_floating_point(y) and not torch.all(y == y.round()):
        raise ValueError(f"{where}: labels must be whole class indices.")
    return y


def check_two_samples(ref: ArrayLike, new: ArrayLike, *, what: str = "embeddings") -> tuple[np.ndarray, np.ndarray]:
    """Two samples as float64 2-D arrays (n x d) of the same dimension, finite, with >= 2 rows each.

    Examples
    --------
    >>> a, b = check_two_samples([1.0, 2.0, 3.0], [[0.5], [1.5]])
    >>> a.shape, b.shape
    ((3, 1), (2, 1))
    """
    out = []
    for name, a in (("ref", ref), ("new", new)):
        arr = np.asarray(a, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr[:, None]
        if arr.ndim != 2:
            raise ValueError(
                f"{name} must be a 2-D array (samples x features) of {what}, got shape {arr.shape}. "
                "Flatten images or pass model embeddings."
            )
        if arr.shape[0] < 2:
            raise ValueError(
                f"{name} has {arr.shape[0]} sample(s); a two-sample test needs at least 2 in each "
                "sample. Pool more weeks or lower the monitoring frequency."
            )
        bad = ~np.isfinite(arr)
        if bad.any():
            rows = np.unique(np.nonzero(bad)[0])[:5].tolist()
            raise ValueError(
                f"{name} contains NaN or infinite values (rows {rows}...). Drop or impute those "
                f"{what} before testing (a NaN embedding usually means a failed image read)."
            )
        out.append(arr)
    if out[0].shape[1] != out[1].shape[1]:
        raise ValueError(
            f"ref has {out[0].shape[1]} features but new has {out[1].shape[1]}; both samples must come "
            "from the same embedding (same model, same layer)."
        )
    return out[0], out[1]
