"""Checks for notebooks/02_decentralized_data.ipynb (solutions/02_decentralized_data.ipynb)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import torch

from radkit.checks import close, exercise, variant
from radkit.federated import weighted_average


def _cases() -> list[tuple[list[dict], list[float]]]:
    gen = torch.Generator().manual_seed(1000 * variant())
    states = [{"conv": torch.randn(2, 3, generator=gen), "bias": torch.randn(3, generator=gen)} for _ in range(3)]
    return [(states, [100.0, 300.0, 600.0]), (states[:2], [1.0, 1.0]), (states[:1], [42.0])]


@exercise("02.1", variants=True)
def weighted_average_fn(answer: Callable, **_):
    """Answer: a function ``average(states, weights) -> dict`` (FedAvg's server step)."""
    if not callable(answer):
        return "give the function itself (average, without calling it)."
    for states, weights in _cases():
        try:
            got = answer([{k: v.clone() for k, v in s.items()} for s in states], list(weights))
        except Exception as err:
            return f"your function raised {type(err).__name__}: {err}"
        if not isinstance(got, dict) or set(got) != set(states[0]):
            return "return a dict with the same keys as each client's state dict."
        want = weighted_average(states, weights)
        if all(torch.allclose(torch.as_tensor(got[k]).double(), want[k].double(), atol=1e-6) for k in want):
            continue
        plain = {k: sum(s[k] for s in states) / len(states) for k in want}
        unnorm = {k: sum(w * s[k] for w, s in zip(weights, states)) for k in want}
        if all(torch.allclose(torch.as_tensor(got[k]).double(), plain[k].double(), atol=1e-6) for k in want):
            return "that is the plain mean: FedAvg weights each client by its number of images."
        if all(torch.allclose(torch.as_tensor(got[k]).double(), unnorm[k].double(), atol=1e-4) for k in want):
            return "divide by the sum of the weights: the weights must add up to 1."
        return "for every parameter: sum over clients of (n_k / n) * w_k, with n the total number of images."
    return None


@exercise("02.2")
def bytes_per_round(answer, *, n_values: int, bytes_per_value: int, n_clients: int, fraction: float, rounds: int):
    """Answer: dict with ``per_round`` and ``total`` bytes (down + up, sampled clients only)."""
    if not isinstance(answer, dict) or not {"per_round", "total"} <= set(answer):
        return "give a dict with the keys 'per_round' and 'total'."
    sampled = max(1, round(fraction * n_clients))
    want = 2 * n_values * bytes_per_value * sampled
    got = answer["per_round"]
    if not close(got, want, tol=0.5):
        if close(got, want / 2, tol=0.5):
            return "the model goes down to each sampled client AND comes back up: count both directions."
        if close(got, 2 * n_values * bytes_per_value * n_clients, tol=0.5):
            return "only a fraction C of the clients is sampled in a round."
        if close(got, 2 * n_values * sampled, tol=0.5):
            return "a float32 value takes 4 bytes."
        return "bytes per round = 2 (down and up) x values x bytes per value x sampled clients."
    if not close(answer["total"], want * rounds, tol=0.5):
        return "the total is the bytes per round times the number of rounds."
    return None


@exercise("02.3")
def needs_personalization(answer, *, table: pd.DataFrame):
    """Answer: the sorted list of sites whose local model beats the global one beyond its interval."""
    try:
        got = sorted(str(s) for s in answer)
    except TypeError:
        return "give a list of site names, e.g. ['B']."
    want = sorted(str(s) for s in table.index[table["local_low"] > table["global_auc"]])
    if got == want:
        return None
    point = sorted(str(s) for s in table.index[table["local_auc"] > table["global_auc"]])
    if got == point:
        return (
            "a higher local AUC is not enough: at a small site it may be noise. Require the local "
            "model's interval to lie above the global model's AUC (local_low > global_auc)."
        )
    extra = set(got) - set(want)
    if extra and all(table.loc[s, "local_auc"] <= table.loc[s, "global_auc"] for s in extra if s in table.index):
        return "at some of your sites the global model is already as good as the local one."
    return "compare, per site, the lower end of the local model's interval with the global model's AUC."
