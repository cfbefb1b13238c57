"""Bad-input probe over the consideration modules' public functions (issue 34): run it, read its totals.

Each function gets one valid call; the probe then replaces one argument at a time with a value it
should refuse (NaN, infinity, a percentage where a fraction is meant, a negative count, a wrong shape,
a string, CheXpert's -1 among 0/1 labels, 0-255 pixels, ...) or should accept (a NumPy scalar for a
Python number). Every outcome is sorted into:

* ``clear``   refused, and the message names the argument (or its value);
* ``cryptic`` refused, but the message names neither;
* ``silent``  a value that should be refused returned a result;
* ``wrong-refusal`` a value that should be accepted was refused;
* ``ok``      a value that should be accepted was accepted;
* ``hang``    no answer within the time limit.

Run: ``python bench/bad_input_probe.py`` (about a minute on a CPU); ``--list silent`` prints the cases of
one kind. docs/benchmarks.md records the totals. Target: no silent answer, under 5 % cryptic.
"""

from __future__ import annotations

import argparse
import collections
import signal
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

NAN, INF = float("nan"), float("inf")


@dataclass
class Spec:
    """One function, its valid arguments, and per argument the kinds of bad value it must refuse."""

    name: str
    fn: Callable
    kwargs: dict
    bad: dict[str, list[str]] = field(default_factory=dict)
    accept: set[str] = field(default_factory=set)  # "arg=value label" pairs this function rightly accepts


def _data():
    g = np.random.default_rng(0)
    y = g.integers(0, 2, 400)
    s = np.clip(y * 0.35 + g.random(400) * 0.65, 0.001, 0.999)
    groups = np.array(["a", "b", "c"])[g.integers(0, 3, 400)]
    return g, y, s, groups


# the bad values of each kind: (label, value, must the function refuse it?)
def _values(kind: str, good: object) -> list[tuple[str, object, bool]]:
    if kind == "fraction":  # a probability, prevalence, threshold, level or share
        return [
            ("nan", NAN, True),
            ("inf", INF, True),
            ("-inf", -INF, True),
            ("percent", 50, True),
            ("negative", -0.1, True),
            ("above one", 1.5, True),
            ("word", "half", True),
            ("bool", True, True),
            ("None", None, True),
            ("list", [0.5, 0.6], True),
            ("complex", 0.5 + 0.1j, True),
            ("numpy scalar", np.float64(good), False),
        ]
    if kind == "real":  # any finite number (a threshold on a metric's own scale)
        return [
            ("nan", NAN, True),
            ("word", "high", True),
            ("None", None, True),
            ("bool", True, True),
            ("numpy scalar", np.float64(good), False),
        ]
    if kind == "count":  # n_boot, n_perm, k, n, steps, chunk
        return [
            ("zero", 0, True),
            ("negative", -3, True),
            ("float", 2.5, True),
            ("nan", NAN, True),
            ("inf", INF, True),
            ("string", "10", True),
            ("bool", True, True),
            ("None", None, True),
            ("numpy int", np.int64(good), False),
            ("whole float", float(good), False),
        ]
    if kind == "count0":  # a count for which 0 is allowed
        return [
            ("negative", -3, True),
            ("float", 2.5, True),
            ("nan", NAN, True),
            ("inf", INF, True),
            ("string", "10", True),
            ("None", None, True),
            ("numpy int", np.int64(good), False),
        ]
    if kind == "positive":  # a positive real (a sigma, a width, a tolerance)
        return [
            ("nan", NAN, True),
            ("inf", INF, True),
            ("zero", 0.0, True),
            ("negative", -1.0, True),
            ("word", "one", True),
            ("None", None, True),
            ("numpy scalar", np.float64(good), False),
        ]
    if kind == "nonneg":  # zero allowed (a cost, a noise level, a strength)
        return [
            ("nan", NAN, True),
            ("inf", INF, True),
            ("negative", -1.0, True),
            ("word", "one", True),
            ("None", None, True),
            ("zero", 0.0, False),
            ("numpy scalar", np.float64(good), False),
        ]
    if kind == "labels":  # 0/1 labels
        arr = np.asarray(good)
        return [
            ("chexpert -1", np.where(np.arange(arr.size) % 7 == 0, -1, arr), True),
            ("coded 1/2", arr + 1, True),
            ("nan", np.where(np.arange(arr.size) % 9 == 0, np.nan, arr), True),
            ("soft", arr * 0.7, True),
            ("words", np.where(arr == 1, "yes", "no"), True),
            ("too short", arr[:-3], True),
            ("2-D", arr[:, None].repeat(2, 1), True),
            ("empty", arr[:0], True),
            ("bool", arr.astype(bool), False),
            ("float 0/1", arr.astype(float), False),
        ]
    if kind in ("scores", "scores1", "ranks", "ranks1"):  # probabilities; ranks: any scale; 1: not paired
        arr = np.asarray(good, dtype=float)
        out = [
            ("nan", np.where(np.arange(arr.size) % 9 == 0, np.nan, arr), True),
            ("inf", np.where(np.arange(arr.size) % 9 == 0, np.inf, arr), True),
            ("percent", arr * 100, kind.startswith("scores")),
            ("negative", arr - 2, kind.startswith("scores")),
            ("words", np.where(arr > 0.5, "high", "low"), True),
            ("2-D", arr[:, None].repeat(2, 1), True),
            ("list", arr.tolist(), False),
            ("float32", arr.astype(np.float32), False),
        ]
        if not kind.endswith("1"):
            out.append(("too short", arr[:-3], True))
        return out
    if kind == "groups":
        arr = np.asarray(good, dtype=object)
        return [
            ("too short", arr[:-3], True),
            ("missing", np.where(np.arange(arr.size) % 11 == 0, None, arr), True),
            ("2-D", arr[:, None].repeat(2, 1), True),
            ("list", arr.tolist(), False),
            ("pandas", pd.Series(arr), False),
        ]
    if kind == "images":
        x = good
        return [
            ("0-255", x * 255, True),
            ("nan", x.masked_fill(torch.rand_like(x) < 0.01, NAN), True),
            ("uint8", (x * 255).to(torch.uint8), True),
            ("3-D", x[:, 0], True),
            ("numpy", x.numpy(), True),
            ("float64", x.double(), False),
        ]
    if kind == "seed":
        return [
            ("negative", -1, True),
            ("float", 1.5, True),
            ("string", "3", True),
            ("None", None, True),
            ("numpy int", np.int64(3), False),
        ]
    if kind == "choice":
        out = [("typo", str(good)[:-1] + "x", True), ("None", None, True), ("number", 3, True)]
        return out + ([("upper case", str(good).upper(), True)] if str(good).upper() != str(good) else [])
    if kind == "categories":  # labels of any categories (kappa): only the pairing can be wrong
        arr = np.asarray(good)
        return [
            ("too short", arr[:-3], True),
            ("2-D", arr[:, None].repeat(2, 1), True),
            ("coded 1/2", arr + 1, False),
            ("words beside numbers", np.where(arr == 1, "yes", "no"), True),
        ]
    raise KeyError(kind)


def specs() -> list[Spec]:
    from radkit import adjudication, annotation, costs, drift, fairness, generalization, metrics, stats, validation
    from radkit.augmentation.curves import paired_gain
    from radkit.imbalance.smote_view import normal_neighbour_share

    g, y, s, groups = _data()
    c = costs.CostMatrix.binary(cost_fp=1, cost_fn=9)
    emb_a, emb_b = g.normal(size=(60, 4)), g.normal(0.3, size=(60, 4))
    x = torch.rand(6, 1, 16, 16)
    sex = np.array(["F", "M"] * 3)
    week = np.repeat(np.arange(8), 50)
    t_df = pd.DataFrame({"a": y[:50], "b": y[50:100]})
    reads = pd.DataFrame({"item": np.repeat(range(40), 3), "reader": list("ABC") * 40, "label": g.integers(0, 2, 120)})
    lab, sc, gr = "labels", "scores", "groups"
    return [
        Spec(
            "metrics.delong_auc",
            metrics.delong_auc,
            dict(y_true=y, y_score=s, level=0.95),
            {"y_true": [lab], "y_score": ["ranks"], "level": ["fraction"]},
        ),
        Spec("metrics.brier_score", metrics.brier_score, dict(y_true=y, y_score=s), {"y_true": [lab], "y_score": [sc]}),
        Spec(
            "validation.auc_estimate",
            validation.auc_estimate,
            dict(y_true=y, y_score=s, level=0.95),
            {"y_true": [lab], "y_score": ["ranks"], "level": ["fraction"]},
        ),
        Spec(
            "costs.cost_by_threshold",
            costs.cost_by_threshold,
            dict(y_true=y, y_score=s, cost=c),
            {"y_true": [lab], "y_score": [sc]},
        ),
        Spec(
            "costs.expected_cost_ci",
            costs.expected_cost_ci,
            dict(y_true=y, y_pred=(s > 0.5).astype(int), cost=c, n_boot=50, seed=0, level=0.95),
            {"y_true": [lab], "y_pred": [lab], "n_boot": ["count"], "seed": ["seed"], "level": ["fraction"]},
        ),
        Spec(
            "fairness.equal_opportunity_difference",
            fairness.equal_opportunity_difference,
            dict(y_true=y, y_pred=(s > 0.5).astype(int), groups=groups, n_boot=20, seed=0, level=0.95),
            {"y_true": [lab], "y_pred": [lab], "groups": [gr], "n_boot": ["count0"], "level": ["fraction"]},
        ),
        Spec(
            "fairness.apply_thresholds",
            fairness.apply_thresholds,
            dict(y_score=s, groups=groups, thresholds={"a": 0.5, "b": 0.4, "c": 0.6}),
            {"y_score": [sc], "groups": [gr]},
        ),
        Spec(
            "validation.n_for_auc",
            validation.n_for_auc,
            dict(auc=0.8, prevalence=0.1, half_width=0.05, level=0.95),
            {"auc": ["fraction"], "prevalence": ["fraction"], "half_width": ["fraction"], "level": ["fraction"]},
        ),
        Spec(
            "adjudication.majority_vote",
            adjudication.majority_vote,
            dict(table=reads, tie="positive"),
            {"tie": ["choice"]},
        ),
        Spec(
            "adjudication.dawid_skene",
            adjudication.dawid_skene,
            dict(table=reads, max_iter=50, tol=1e-6),
            {"max_iter": ["count"], "tol": ["nonneg"]},
        ),
        Spec(
            "metrics.confusion",
            metrics.confusion,
            dict(y_true=y, y_pred=(s > 0.5).astype(int)),
            {"y_true": [lab], "y_pred": [lab]},
        ),
        Spec(
            "metrics.expected_calibration_error",
            metrics.expected_calibration_error,
            dict(y_true=y, y_score=s, n_bins=10),
            {"y_true": [lab], "y_score": [sc], "n_bins": ["count"]},
        ),
        Spec(
            "metrics.prior_correct",
            metrics.prior_correct,
            dict(y_score=s, train_prevalence=0.3, true_prevalence=0.1),
            {"y_score": ["scores1"], "train_prevalence": ["fraction"], "true_prevalence": ["fraction"]},
        ),
        Spec(
            "stats.proportion",
            stats.proportion,
            dict(k=30, n=100, level=0.95),
            {"k": ["nonneg"], "n": ["positive"], "level": ["fraction"]},
        ),
        Spec("stats.t_interval", stats.t_interval, dict(values=[0.8, 0.82, 0.84], level=0.95), {"level": ["fraction"]}),
        Spec(
            "paired_gain",
            paired_gain,
            dict(treated=[0.8, 0.82, 0.85], control=[0.78, 0.8, 0.8], level=0.95),
            {"level": ["fraction"]},
        ),
        Spec(
            "costs.threshold_regret",
            costs.threshold_regret,
            dict(y_true=y, y_score=s, cost=c, threshold=0.3),
            {"y_true": [lab], "y_score": [sc], "threshold": ["fraction"]},
        ),
        Spec(
            "costs.shift_threshold",
            costs.shift_threshold,
            dict(threshold=0.3, train_prevalence=0.3, deploy_prevalence=0.1),
            {"threshold": ["fraction"], "train_prevalence": ["fraction"], "deploy_prevalence": ["fraction"]},
        ),
        Spec(
            "costs.CostMatrix.binary",
            costs.CostMatrix.binary,
            dict(cost_fp=1.0, cost_fn=9.0),
            {"cost_fp": ["nonneg"], "cost_fn": ["nonneg"]},
        ),
        Spec(
            "fairness.group_metrics",
            fairness.group_metrics,
            dict(y_true=y, y_score=s, groups=groups, threshold=0.5, n_boot=20, seed=0, level=0.95),
            {
                "y_true": [lab],
                "y_score": [sc],
                "groups": [gr],
                "threshold": ["fraction"],
                "n_boot": ["count0"],
                "seed": ["seed"],
                "level": ["fraction"],
            },
        ),
        Spec(
            "fairness.underdiagnosis",
            fairness.underdiagnosis,
            dict(no_finding_true=1 - y, no_finding_score=1 - s, groups=groups, threshold=0.5, n_boot=20, seed=0),
            {
                "no_finding_true": [lab],
                "no_finding_score": [sc],
                "groups": [gr],
                "threshold": ["fraction"],
                "seed": ["seed"],
            },
        ),
        Spec(
            "fairness.equal_opportunity_thresholds",
            fairness.equal_opportunity_thresholds,
            dict(y_true=y, y_score=s, groups=groups, sensitivity=0.8),
            {"y_true": [lab], "y_score": ["ranks"], "groups": [gr], "sensitivity": ["fraction"]},
            accept={"sensitivity=None"},
        ),
        Spec(
            "fairness.breast_shadow",
            fairness.breast_shadow,
            dict(images=x, sex=sex, seed=0, strength=0.25),
            {"images": ["images"], "seed": ["seed"], "strength": ["nonneg"]},
        ),
        Spec(
            "drift.mmd_test",
            drift.mmd_test,
            dict(ref=emb_a, new=emb_b, n_perm=50, seed=0, chunk=25, alpha=0.05, bandwidth=1.0),
            {
                "n_perm": ["count"],
                "chunk": ["count"],
                "seed": ["seed"],
                "alpha": ["fraction"],
                "bandwidth": ["positive"],
            },
            accept={"bandwidth=None"},
        ),
        Spec(
            "drift.classifier_test",
            drift.classifier_test,
            dict(ref=emb_a, new=emb_b, seed=0, alpha=0.05),
            {"seed": ["seed"], "alpha": ["fraction"]},
        ),
        Spec(
            "drift.em_prior",
            drift.em_prior,
            dict(y_score=s, train_prevalence=0.4),
            {"y_score": ["scores1"], "train_prevalence": ["fraction"]},
        ),
        Spec(
            "drift.estimate_prior",
            drift.estimate_prior,
            dict(y_score=s[:200], y_val=y[200:], p_val=s[200:], threshold=0.5, n_boot=20, seed=0, level=0.95),
            {
                "y_score": ["scores1"],
                "y_val": [lab],
                "p_val": [sc],
                "threshold": ["fraction"],
                "n_boot": ["count0"],
                "seed": ["seed"],
                "level": ["fraction"],
                "method": ["choice"],
            },
        ),
        Spec(
            "drift.weekly_prior",
            drift.weekly_prior,
            dict(y_score=s, week=week, y_val=y, p_val=s, threshold=0.5, n_boot=10, seed=0),
            {"threshold": ["fraction"], "n_boot": ["count0"], "seed": ["seed"]},
        ),
        Spec(
            "drift.threshold_alarm",
            drift.threshold_alarm,
            dict(low=s[:20], high=s[:20] + 0.1, threshold=0.7),
            {"threshold": ["real"]},
        ),
        Spec(
            "drift.cusum",
            drift.cusum,
            dict(x=s[:30], target=0.5, sigma=0.1, slack=0.5, h=4.0),
            {
                "sigma": ["positive"],
                "h": ["positive"],
                "slack": ["nonneg"],
                "target": ["real"],
                "direction": ["choice"],
            },
        ),
        Spec(
            "drift.page_hinkley",
            drift.page_hinkley,
            dict(x=s[:30], delta=0.05, lam=1.0, direction="below"),
            {"lam": ["positive"], "delta": ["nonneg"], "direction": ["choice"]},
        ),
        Spec(
            "drift.labels_needed",
            drift.labels_needed,
            dict(drop=0.05, sd=0.36, alpha=0.05, power=0.8),
            {"drop": ["positive"], "sd": ["positive"], "alpha": ["fraction"], "power": ["fraction"]},
        ),
        Spec(
            "validation.n_for_sens_spec",
            validation.n_for_sens_spec,
            dict(sensitivity=0.9, prevalence=0.1, half_width=0.05, level=0.95),
            {
                "sensitivity": ["fraction"],
                "prevalence": ["fraction"],
                "half_width": ["fraction"],
                "level": ["fraction"],
            },
        ),
        Spec(
            "validation.site_split",
            validation.site_split,
            dict(sites=np.array(["A", "B", "C"] * 10, dtype=object), site="C"),
            {"site": ["choice"]},
        ),
        Spec(
            "adjudication.cohen_kappa",
            adjudication.cohen_kappa,
            dict(a=y[:100], b=y[100:200], n_boot=20, seed=0, level=0.95),
            {"a": ["categories"], "b": ["categories"], "n_boot": ["count0"], "level": ["fraction"]},
        ),
        Spec(
            "adjudication.fleiss_kappa",
            adjudication.fleiss_kappa,
            dict(table=reads, n_boot=20, seed=0, level=0.95),
            {"n_boot": ["count0"], "seed": ["seed"], "level": ["fraction"]},
        ),
        Spec(
            "annotation.score_labels",
            annotation.score_labels,
            dict(y_true=t_df, y_pred=t_df, n_boot=20, seed=0, level=0.95),
            {"n_boot": ["count0"], "seed": ["seed"], "level": ["fraction"]},
        ),
        Spec(
            "annotation.k_center_greedy",
            annotation.k_center_greedy,
            dict(embeddings=emb_a, labeled=[0, 1], n=5),
            {"n": ["count0"]},
        ),
        Spec(
            "generalization.noisy_copy",
            generalization.noisy_copy,
            dict(images=x, sd=0.02, seed=0),
            {"images": ["images"], "sd": ["nonneg"], "seed": ["seed"]},
        ),
        Spec(
            "imbalance.normal_neighbour_share",
            normal_neighbour_share,
            dict(X_real=emb_a, y_real=y[:60], X_query=emb_b[:5], k=3),
            {"y_real": [lab], "k": ["count"]},
        ),
    ]


def _outcome(spec: Spec, arg: str, label: str, value: object, must_refuse: bool, timeout: int) -> tuple[str, str]:
    kwargs = dict(spec.kwargs)
    if value is _DROP:
        kwargs.pop(arg, None)
    else:
        kwargs[arg] = value
    signal.alarm(timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            spec.fn(**kwargs)
    except TimeoutError:
        return "hang", ""
    except Exception as err:
        if not must_refuse:
            return "wrong-refusal", f"{type(err).__name__}: {err}"
        message = str(err)
        named = arg in message or (
            repr(value)[:20] in message if not isinstance(value, (np.ndarray, torch.Tensor)) else False
        )
        named = named or any(w in message for w in _ALIASES.get(arg, ()))
        return ("clear" if named else "cryptic"), f"{type(err).__name__}: {message[:160]}"
    finally:
        signal.alarm(0)
    return ("silent" if must_refuse else "ok"), ""


_DROP = object()
_ALIASES = {  # words a message may use for the argument instead of its name
    "y_true": ("labels", "label"),
    "no_finding_true": ("labels", "label"),
    "y_val": ("labels",),
    "y_real": ("labels",),
    "y_score": ("scores", "probabilit"),
    "no_finding_score": ("scores", "probabilit"),
    "p_val": ("probabilit",),
    "groups": ("group",),
    "sites": ("site",),
    "images": ("image",),
    "a": ("labels",),
    "b": ("labels",),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--list", choices=["clear", "cryptic", "silent", "wrong-refusal", "hang", "ok"], action="append"
    )
    parser.add_argument("--timeout", type=int, default=20)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGALRM, lambda *_: (_ for _ in ()).throw(TimeoutError()))
    rows = []
    for spec in specs():
        try:
            spec.fn(**spec.kwargs)
        except Exception as err:
            sys.exit(f"the probe's valid call of {spec.name} fails ({type(err).__name__}: {err}); fix the probe.")
        for arg, kinds in spec.bad.items():
            for kind in kinds:
                for label, value, refuse in _values(kind, spec.kwargs.get(arg)):
                    refuse = refuse and f"{arg}={label}" not in spec.accept
                    verdict, message = _outcome(spec, arg, label, value, refuse, args.timeout)
                    rows.append((spec.name, arg, label, verdict, message))
    table = pd.DataFrame(rows, columns=["function", "argument", "value", "verdict", "message"])
    totals = collections.Counter(table["verdict"])
    refused = totals["clear"] + totals["cryptic"]
    print(
        f"{len(table)} inputs over {table['function'].nunique()} functions: "
        + ", ".join(f"{k} {v}" for k, v in sorted(totals.items()))
    )
    print(f"cryptic share of refusals: {totals['cryptic'] / max(refused, 1):.1%}")
    for kind in args.list or []:
        for r in table[table["verdict"] == kind].itertuples():
            print(f"{kind}: {r.function}({r.argument}={r.value}) {r.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
