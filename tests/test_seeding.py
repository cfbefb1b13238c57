"""The seed convention (radkit.seeding's docstring, README "Contributing") holds across the package."""

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import radkit
from radkit import seeding
from radkit.adjudication import cohen_kappa, dawid_skene, fleiss_kappa, majority_vote

# figures that jitter points for display only (the third exception of the convention)
DISPLAY_ONLY = {"plot_panel_differences"}


def _seed_params():
    root = Path(radkit.__file__).parent
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if node.name.startswith("_") and node.name != "__init__" or node.name.endswith("_seed"):
                continue  # private helpers; seed-deriving helpers (rank_seed, round_seed) take it like spawn
            a = node.args
            positional = a.posonlyargs + a.args
            for i, arg in enumerate(positional):
                if arg.arg == "seed":
                    k = i - (len(positional) - len(a.defaults))
                    yield path.relative_to(root), node.name, "positional", a.defaults[k] if k >= 0 else None
            for arg, default in zip(a.kwonlyargs, a.kw_defaults):
                if arg.arg == "seed":
                    yield path.relative_to(root), node.name, "keyword", default


def test_public_seeds_are_keyword_only_without_a_numeric_default():
    bad = []
    for path, name, kind, default in _seed_params():
        if path.name == "seeding.py" or path.parts[0] == "checks" or (path.name == "config.py"):
            continue  # the helpers themselves; exercise checkers; seed_everything/setup read RADKIT_SEED
        if kind == "positional":
            bad.append(f"{path}:{name}: seed is positional")
        elif isinstance(default, ast.Constant) and default.value is not None and name not in DISPLAY_ONLY:
            bad.append(f"{path}:{name}: seed defaults to {default.value!r}")
    assert not bad, "\n".join(bad)


def test_the_scan_sees_the_seeds_it_should():
    names = {name for _, name, _, _ in _seed_params()}
    assert {"fit", "generate", "make_model", "bootstrap_ci", "cohen_kappa"} <= names


def _two_readers():
    g = np.random.default_rng(0)
    y = g.integers(0, 2, 60)
    flip = g.random((2, 60)) < 0.2
    return pd.DataFrame(
        {
            "item": np.tile(np.arange(60), 2),
            "reader": np.repeat(["A", "B"], 60),
            "label": np.where(flip, 1 - y, y).ravel(),
        }
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda t: cohen_kappa(t[t.reader == "A"].label.to_numpy(), t[t.reader == "B"].label.to_numpy(), n_boot=20),
        lambda t: fleiss_kappa(t, n_boot=20),
        lambda t: majority_vote(t, tie="random"),
        lambda t: dawid_skene(t, init="random"),
    ],
)
def test_optional_randomness_asks_for_a_seed_when_taken(call):
    with pytest.raises(ValueError, match=r"needs seed="):
        call(_two_readers())


def test_optional_randomness_needs_no_seed_when_not_taken_and_is_repeatable_with_one():
    t = _two_readers()
    a, b = t[t.reader == "A"].label.to_numpy(), t[t.reader == "B"].label.to_numpy()
    assert np.isnan(cohen_kappa(a, b).low)
    r1, r2 = cohen_kappa(a, b, n_boot=50, seed=4), cohen_kappa(a, b, n_boot=50, seed=4)
    assert (r1.low, r1.high) == (r2.low, r2.high) and r1.low < r1.estimate < r1.high
    assert majority_vote(t, tie="random", seed=1).equals(majority_vote(t, tie="random", seed=1))


def test_rng_if_needed_is_rng_when_given_a_seed():
    assert seeding.rng_if_needed(5, where="f", why="x").random() == seeding.rng(5).random()
