"""Confidence a clinician can read: a deep ensemble, its uncertainty, and the paper's sentence.

The paper asks that a prediction carry its confidence: "Probability of
tuberculosis: 75 %, confidence in this prediction: low". Here:

- :class:`DeepEnsemble`: ``M`` independently initialised members trained
  together in one :func:`radkit.train.fit` call (disjoint weights, one loss per
  member summed: the same as training them one by one on the same batches),
  as in Lakshminarayanan et al. (NeurIPS 2017);
- :func:`predictive_uncertainty`: mean probability, entropy of the mean, the
  members' disagreement (mutual information) and spread;
- :class:`ConfidenceLevels` / :func:`confidence_levels`: thresholds for
  high / medium / low confidence chosen on validation data for stated accuracies;
- :func:`confidence_sentence`: the sentence itself;
- :func:`coverage_accuracy`, :func:`selective_gain` and :func:`error_detection_auc`:
  abstain on the least confident cases and see what it buys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch
from torch import nn

from radkit._compat import renamed_arguments
from radkit.stats import Estimate, percentile_interval

__all__ = [
    "DeepEnsemble",
    "fit_ensemble",
    "ensemble_probs",
    "predictive_uncertainty",
    "ConfidenceLevels",
    "confidence_levels",
    "confidence_sentence",
    "coverage_accuracy",
    "selective_gain",
    "error_detection_auc",
]


class DeepEnsemble(nn.Module):
    """``n_members`` models side by side; ``forward`` returns every member's logits, N x (M K).

    Parameters
    ----------
    n_members : int
    num_classes : int
    width : int, default 8
        Width of each member (a :class:`radkit.models.SmallCNN`).
    seed : int
        Member ``i`` is initialised with seed ``spawn(seed, n_members)[i]``.

    Examples
    --------
    >>> import torch
    >>> ens = DeepEnsemble(3, num_classes=2, seed=0)
    >>> ens(torch.rand(4, 1, 32, 32)).shape
    torch.Size([4, 6])
    """

    def __init__(self, n_members: int, *, num_classes: int, width: int = 8, in_channels: int = 1, seed: int) -> None:
        from radkit.models import SmallCNN
        from radkit.seeding import spawn

        if isinstance(n_members, bool) or not isinstance(n_members, (int, np.integer)) or n_members < 2:
            raise ValueError(f"n_members must be an int >= 2 (an ensemble of one has no spread), got {n_members!r}.")
        super().__init__()
        members = []
        for s in spawn(seed, n_members):
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(s)
                members.append(SmallCNN(num_classes, in_channels, width=width))
        self.members = nn.ModuleList(members)
        self.num_classes = num_classes
        self.radkit_in_channels = in_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([m(x) for m in self.members], dim=1)

    def loss(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Sum over members of each member's binary cross-entropy (the ``loss=`` of :func:`radkit.train.fit`)."""
        m = len(self.members)
        target = target.reshape(len(target), -1).to(logits.dtype).repeat(1, m)
        per = nn.functional.binary_cross_entropy_with_logits(logits, target, reduction="none")
        return per.mean(0).sum() / self.num_classes


def fit_ensemble(
    ensemble: DeepEnsemble,
    train_data,
    *,
    num_epochs: int,
    lr: float,
    batch_size: int = 64,
    seed: int,
    progress: bool = True,
    **fit_options,
):
    """Train every member with :func:`radkit.train.fit` (one call, the ensemble's summed loss).

    ``train_data`` is ``(X, y)`` with ``y`` N x K in {0, 1}.
    """
    from radkit.train import fit

    if not isinstance(ensemble, DeepEnsemble):
        raise TypeError(f"ensemble must be a DeepEnsemble, got {type(ensemble).__name__}.")
    X, y = train_data
    y = torch.as_tensor(y, dtype=torch.float32).reshape(len(y), -1)
    if y.shape[1] != ensemble.num_classes:
        raise ValueError(
            f"labels have {y.shape[1]} column(s) but the ensemble predicts {ensemble.num_classes} "
            "class(es); select matching label columns."
        )
    y_rep = y.repeat(1, len(ensemble.members))  # fit checks that targets match the logits' shape
    return fit(
        ensemble,
        (X, y_rep),
        num_epochs=num_epochs,
        lr=lr,
        batch_size=batch_size,
        seed=seed,
        loss=lambda logits, t: ensemble.loss(logits, t[:, : ensemble.num_classes]),
        progress=progress,
        **fit_options,
    )


def ensemble_probs(ensemble: DeepEnsemble, X, *, batch_size: int = 256) -> np.ndarray:
    """Every member's probabilities, shape N x M x K."""
    from radkit.train import predict

    p = predict(ensemble, X, batch_size=batch_size, task="multilabel")
    return p.reshape(len(p), len(ensemble.members), ensemble.num_classes)


def _entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(p * np.log2(p) + (1 - p) * np.log2(1 - p))


def predictive_uncertainty(member_probs: object) -> pd.DataFrame:
    """Mean probability and uncertainty of a binary finding from members' probabilities (N x M).

    Returns
    -------
    pandas.DataFrame
        ``prob`` (mean over members), ``entropy`` (bits, of the mean: total
        uncertainty), ``expected_entropy`` (mean of the members' entropies:
        the noise in the data), ``mutual_info`` (their difference: the members'
        disagreement) and ``std`` (spread of the members' probabilities).

    Examples
    --------
    >>> u = predictive_uncertainty([[0.9, 0.9], [0.1, 0.9]])
    >>> u["prob"].tolist(), u["entropy"].round(3).tolist()
    ([0.9, 0.5], [0.469, 1.0])
    """
    p = np.asarray(member_probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] < 1:
        raise ValueError(
            f"member_probs must be N x M (cases x members) for one finding, got shape {p.shape}; "
            "for N x M x K ensemble output take one finding: probs[:, :, k]."
        )
    if not np.isfinite(p).all() or (p < 0).any() or (p > 1).any():
        raise ValueError("member_probs must be probabilities in [0, 1] without NaN.")
    mean = p.mean(1)
    total = _entropy(mean)
    expected = _entropy(p).mean(1)
    return pd.DataFrame(
        {
            "prob": mean,
            "entropy": total,
            "expected_entropy": expected,
            "mutual_info": np.clip(total - expected, 0, None),
            "std": p.std(1),
        }
    )


@dataclass(frozen=True)
class ConfidenceLevels:
    """Uncertainty cut-offs for the words "high", "medium" and "low", chosen on validation data.

    Attributes
    ----------
    high_below, medium_below : float
        Uncertainty below ``high_below`` is "high" confidence, below ``medium_below`` "medium",
        otherwise "low".
    high_accuracy, medium_accuracy : float
        The accuracies the cut-offs were chosen for (on validation data, cases of that level).
    measure : str
        The uncertainty measure (column of :func:`predictive_uncertainty`).
    n_validation : int
    """

    high_below: float
    medium_below: float
    high_accuracy: float
    medium_accuracy: float
    measure: str = "entropy"
    n_validation: int = 0

    def level(self, uncertainty: object) -> np.ndarray:
        """ "high", "medium" or "low" for each uncertainty value.

        Examples
        --------
        >>> ConfidenceLevels(0.2, 0.6, 0.95, 0.8).level([0.1, 0.5, 0.9]).tolist()
        ['high', 'medium', 'low']
        """
        u = np.asarray(uncertainty, dtype=float)
        return np.where(u < self.high_below, "high", np.where(u < self.medium_below, "medium", "low"))

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "uncertainty below": [self.high_below, self.medium_below, np.inf],
                "chosen for accuracy >=": [self.high_accuracy, self.medium_accuracy, np.nan],
            },
            index=pd.Index(["high", "medium", "low"], name=f"confidence ({self.measure})"),
        )


def _cutoff(u: np.ndarray, correct: np.ndarray, accuracy: float) -> float:
    """Largest cut-off c such that the cases with u < c have at least ``accuracy`` accuracy."""
    order = np.argsort(u, kind="stable")
    us, cs = u[order], correct[order]
    acc = np.cumsum(cs) / np.arange(1, len(cs) + 1)
    ok = np.flatnonzero(acc >= accuracy)
    ok = ok[ok >= 9]  # at least 10 cases behind the number
    if ok.size == 0:
        return float(us[0])  # no level reaches it: nothing is called that confident
    i = ok[-1]
    # cut between this case and the next (so the case itself is in)
    return float(us[i] + (us[i + 1] - us[i]) / 2) if i + 1 < len(us) else float(np.nextafter(us[i], np.inf))


def confidence_levels(
    uncertainty: object, correct: object, *, high: float = 0.95, medium: float = 0.85, measure: str = "entropy"
) -> ConfidenceLevels:
    """Choose the "high" and "medium" cut-offs on validation data for stated accuracies.

    "High" confidence is the widest band of least-uncertain validation cases
    whose accuracy is at least ``high``; "medium" extends it as far as accuracy
    stays at least ``medium``; the rest is "low".

    Examples
    --------
    >>> u = np.linspace(0, 1, 100); ok = u < 0.7
    >>> lv = confidence_levels(u, ok, high=0.99, medium=0.8)
    >>> round(lv.high_below, 2), round(lv.medium_below, 2)
    (0.7, 0.87)
    """
    u = np.asarray(uncertainty, dtype=float).ravel()
    c = np.asarray(correct).ravel()
    if u.shape != c.shape or u.size < 20:
        raise ValueError(
            f"uncertainty ({u.size}) and correct ({c.size}) must be paired and hold >= 20 validation cases."
        )
    if not np.isfinite(u).all():
        raise ValueError("uncertainty holds NaN or infinite values.")
    if not np.isin(c, (0, 1, True, False)).all():
        raise ValueError("correct must be 0/1 (or bool): was each validation prediction right?")
    if not 0 < medium <= high < 1:
        raise ValueError(f"need 0 < medium <= high < 1, got medium={medium}, high={high}.")
    c = c.astype(float)
    hi = _cutoff(u, c, high)
    med = max(hi, _cutoff(u, c, medium))
    return ConfidenceLevels(hi, med, float(high), float(medium), measure=measure, n_validation=int(u.size))


@renamed_arguments(prob="y_score")
def confidence_sentence(y_score: float, level: str, *, finding: str) -> str:
    """The paper's sentence: "Probability of effusion: 75%, confidence in this prediction: low".

    Examples
    --------
    >>> confidence_sentence(0.748, "low", finding="effusion")
    'Probability of effusion: 75%, confidence in this prediction: low'
    """
    if not isinstance(finding, str) or not finding:
        raise ValueError("finding must be the finding's name, e.g. 'effusion'.")
    p = float(y_score)
    if not 0 <= p <= 1:
        raise ValueError(f"y_score must be a probability in [0, 1], got {y_score!r}.")
    if level not in ("high", "medium", "low"):
        raise ValueError(f"level must be 'high', 'medium' or 'low', got {level!r}.")
    return f"Probability of {finding}: {p:.0%}, confidence in this prediction: {level}"


def _paired(correct: object, uncertainty: object) -> tuple[np.ndarray, np.ndarray]:
    c = np.asarray(correct).ravel()
    u = np.asarray(uncertainty, dtype=float).ravel()
    if c.shape != u.shape or c.size == 0:
        raise ValueError(f"correct ({c.size}) and uncertainty ({u.size}) must be paired and non-empty.")
    if not np.isin(c, (0, 1, True, False)).all():
        raise ValueError("correct must be 0/1 (or bool): was each prediction right?")
    if not np.isfinite(u).all():
        raise ValueError("uncertainty holds NaN or infinite values.")
    return c.astype(float), u


def coverage_accuracy(
    correct: object, uncertainty: object, *, coverages: Sequence[float] | None = None
) -> pd.DataFrame:
    """Accuracy on the cases kept when abstaining on the most uncertain ones.

    Examples
    --------
    >>> coverage_accuracy([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.9], coverages=[0.5, 1.0])["accuracy"].tolist()
    [1.0, 0.5]
    """
    c, u = _paired(correct, uncertainty)
    cov = np.linspace(0.05, 1.0, 20) if coverages is None else np.asarray(coverages, dtype=float)
    if (cov <= 0).any() or (cov > 1).any():
        raise ValueError("coverages must lie in (0, 1].")
    order = np.argsort(u, kind="stable")
    acc = np.cumsum(c[order]) / np.arange(1, len(c) + 1)
    k = np.maximum(1, np.round(cov * len(c)).astype(int))
    return pd.DataFrame({"coverage": cov, "kept": k, "accuracy": acc[k - 1]})


def selective_gain(
    correct: object, uncertainty: object, *, abstain: float = 0.15, n_boot: int = 1000, seed: int, level: float = 0.95
) -> Estimate:
    """Accuracy gained by abstaining on the ``abstain`` share of most uncertain cases (bootstrap interval).

    Examples
    --------
    >>> c = np.r_[np.ones(80), np.zeros(20)]; u = np.r_[np.zeros(80), np.ones(20)]
    >>> round(selective_gain(c, u, abstain=0.2, n_boot=50, seed=0).estimate, 3)
    0.2
    """
    from radkit.seeding import check_seed, rng

    c, u = _paired(correct, uncertainty)
    if not 0 < abstain < 1:
        raise ValueError(f"abstain must be a share in (0, 1), e.g. 0.15, got {abstain!r}.")

    def gain(cc: np.ndarray, uu: np.ndarray) -> np.ndarray:
        k = max(1, int(round((1 - abstain) * cc.shape[-1])))
        order = np.argsort(uu, axis=-1, kind="stable")
        kept = np.take_along_axis(cc, order, axis=-1)[..., :k]
        return kept.mean(-1) - cc.mean(-1)

    idx = rng(check_seed(seed)).integers(0, len(c), size=(n_boot, len(c)))
    low, high = percentile_interval(gain(c[idx], u[idx]), level=level)
    return Estimate(float(gain(c, u)), float(low), float(high), level=level, method="bootstrap percentile", n=len(c))


def error_detection_auc(correct: object, uncertainty: object, *, level: float = 0.95) -> Estimate:
    """AUROC of the uncertainty for telling wrong predictions from right ones (DeLong interval).

    0.5: uncertainty says nothing about errors; 1: every error is more uncertain than every right answer.

    Examples
    --------
    >>> error_detection_auc([1, 1, 1, 0, 0], [0.1, 0.2, 0.6, 0.5, 0.9]).estimate
    0.8333333333333334
    """
    from radkit.metrics import delong_auc

    c, u = _paired(correct, uncertainty)
    r = delong_auc((c == 0).astype(int), u, level=level)
    return Estimate(float(r.auc), float(r.low), float(r.high), level=level, method="DeLong", n=len(c))
