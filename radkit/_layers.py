"""The floors of the kit: which module may import which.

A module may import modules on its own floor or on a lower one, never a higher
one, and no chain of imports (lazy imports inside functions included) may lead
back to where it started. ``tests/test_layers.py`` reads :data:`FLOORS` and
checks every ``import`` in ``radkit/`` against it, naming the file and line of
any import that breaks the order. The :mod:`radkit` package docstring prints the
same floors (:func:`describe`), and a test keeps the two equal.

Each entry names a top-level module or subpackage of ``radkit`` (``"data"`` is
the whole of ``radkit/data/``); ``"radkit"`` is the package's own
``__init__``, the facade that notebooks import, on the top floor so that no
module inside the kit imports it. A new module goes on the lowest floor whose
modules it needs; the test fails until it is placed.

This module imports nothing, so every floor may read it.
"""

#: Floors from the ground up: (name, what lives there, modules).
FLOORS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "ground",
        "names, seeds, checks and plot helpers that everything may use",
        (
            "_version",
            "_layers",
            "_compat",
            "claims",
            "_measured",
            "seeding",
            "_validate",
            "findings",
            "plotting",
            "_cache",
            "_annex_e",
        ),
    ),
    (
        "foundations",
        "profiles and device, estimates with intervals, torchrun, DICOM, the shipped public tables",
        ("config", "stats", "distributed", "dicom", "public"),
    ),
    (
        "shared",
        "models and the training loop, synthetic radiographs, performance measures",
        ("_train_checks", "models", "train", "checkpoint", "synth", "metrics", "toy"),
    ),
    ("data", "a lesson's images, synthetic or real", ("data",)),
    (
        "considerations",
        "one package per consideration of the paper; label_process and reader_panels are "
        "old paths that forward to adjudication for one release",
        (
            "augmentation",
            "federated",
            "annotation",
            "adjudication",
            "imbalance",
            "costs",
            "generalization",
            "drift",
            "adversarial",
            "explain",
            "fairness",
            "validation",
            "label_process",
            "reader_panels",
        ),
    ),
    (
        "tools",
        "notebook checks, developer tools, the reference recipes and the package facade",
        ("checks", "devtools", "recipes", "radkit"),
    ),
)


def floor_of(module: str) -> int | None:
    """Index in :data:`FLOORS` of a dotted module name (``radkit.metrics.groups`` -> the floor of ``metrics``).

    Examples
    --------
    >>> FLOORS[floor_of("radkit.metrics.groups")][0], FLOORS[floor_of("radkit")][0]
    ('shared', 'tools')
    >>> floor_of("radkit.not_placed_yet") is None
    True
    """
    parts = module.split(".")
    unit = parts[1] if len(parts) > 1 else parts[0]
    for i, (_name, _what, units) in enumerate(FLOORS):
        if unit in units:
            return i
    return None


def describe() -> str:
    """The floors as text, top floor first (as the :mod:`radkit` docstring shows them).

    Examples
    --------
    >>> describe().splitlines()[-1].startswith("1. ground")
    True
    """
    lines = []
    for i in reversed(range(len(FLOORS))):
        name, what, units = FLOORS[i]
        lines.append(f"{i + 1}. {name} ({what}): {', '.join(units)}")
    return "\n".join(lines)
