"""radkit._validate is the one home of input checks: what it refuses, and that no other module writes its own."""

from __future__ import annotations

import math
import pathlib
import re

import numpy as np
import pytest

import radkit
from radkit._validate import check_level, check_open_fraction, check_prevalence

# Validators that still live outside radkit._validate, each with the reason. The list only shrinks:
# a new `def check_*` / `def _check*` elsewhere fails the test below; put it in _validate instead.
ALLOWED_ELSEWHERE = {
    # the training data contract (fit/predict inputs) and its callers: moved by the layers refactor
    "_train_checks.py": {
        "check_task",
        "check_batch_size",
        "_check_images",
        "_check_labels",
        "check_fit_inputs",
        "check_predict_inputs",
    },
    "train.py": {"_check_x", "_check_targets"},
    "checkpoint.py": {"_check_model"},
    "distributed.py": {"check_world"},
    "seeding.py": {"check_seed"},  # the one seed convention lives with the seeds
    "dicom/deidentification.py": {"_check_out"},  # the output folder of a de-identified copy
    "devtools/real_notebooks.py": {"check_metadata"},  # a lint of notebook metadata, not an input check
    "devtools/outputs.py": {"check_file"},  # the output check of an executed notebook, not an input check
    # the findings vocabulary lives with the one list of finding names (ground floor, beside _validate)
    "findings.py": {"_check_source", "check_findings"},
    "annotation/report_labeler.py": {"_check_findings"},
    "data/_base.py": {"_check_size"},
    "data/real.py": {"_check_usable"},
    # checks of one technique's own options or data structures
    "augmentation/operations.py": {"check_images"},  # _validate.check_images with the augmentation defaults
    "augmentation/gan.py": {"_check_size"},
    "explain/attribution.py": {"_check_model", "_check_x"},
    "imbalance/resample.py": {"_check_xy"},
    "federated/clients.py": {"check_clients"},
    "synth/generate.py": {"_check_memory"},
    "generalization/shortcut.py": {"_check_changes"},
    "generalization/splits.py": {"_check_positives"},
    "adjudication/_table.py": {"_check_options", "_check_label_kinds", "_check_boot"},
}


def test_no_module_outside_validate_defines_a_new_validator():
    root = pathlib.Path(radkit.__file__).parent
    pattern = re.compile(r"^\s*def ((?:_check|check_)\w*)\(", re.M)
    found = {}
    for f in sorted(root.rglob("*.py")):
        rel = f.relative_to(root).as_posix()
        if rel == "_validate.py":
            continue
        names = set(pattern.findall(f.read_text(encoding="utf-8")))
        extra = names - ALLOWED_ELSEWHERE.get(rel, set())
        if extra:
            found[rel] = sorted(extra)
    assert not found, f"validators outside radkit/_validate.py (move them there): {found}"


def test_the_private_check_modules_are_folded_into_validate():
    root = pathlib.Path(radkit.__file__).parent
    assert not (root / "adversarial" / "_checks.py").exists() and not (root / "drift" / "_checks.py").exists()


@pytest.mark.parametrize(
    ("level", "match"),
    [
        (95, r"level must lie in \(0, 1\).*did you mean 0\.95\?"),
        (0, r"level must lie in \(0, 1\)"),
        (1, r"level must lie in \(0, 1\)"),
        (math.nan, r"level must lie in \(0, 1\)"),
        (-0.5, r"level must lie in \(0, 1\)"),
        ("0.95", "level must be the coverage"),
        (True, "level must be the coverage"),
    ],
)
def test_check_level_refuses_with_the_argument_named(level, match):
    with pytest.raises(ValueError, match=match):
        check_level(level)


def test_check_level_names_the_argument_it_is_given_and_accepts_levels():
    with pytest.raises(ValueError, match=r"coverage must lie in .*did you mean 0\.9\?"):
        check_level(90, "coverage")
    assert check_level(0.95) == 0.95 and check_level(np.float32(0.5)) == 0.5
    assert check_level(0.5, one_sided=True) == 0.5
    with pytest.raises(ValueError, match=r"\[0\.5, 1\) for a one-sided bound"):
        check_level(0.3, one_sided=True)


@pytest.mark.parametrize("value", [0, 1, math.nan, -0.1, 20, "0.2", None])
def test_check_prevalence_and_open_fractions(value):
    with pytest.raises(ValueError, match="true_prevalence"):
        check_prevalence(value, "true_prevalence")
    with pytest.raises(ValueError, match="target"):
        check_open_fraction(value, "target", what="a sensitivity")


def test_check_prevalence_hints_at_percentages():
    with pytest.raises(ValueError, match=r"did you mean 0\.2\?"):
        check_prevalence(20)
    assert check_prevalence(np.float64(0.02)) == 0.02


@pytest.mark.parametrize(
    "call",
    [
        lambda: radkit.stats.proportion(3, 10, level=95),
        lambda: radkit.stats.t_interval([1.0, 2.0], level=95),
        lambda: radkit.metrics.delong_auc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], level=95),
        lambda: radkit.validation.auc_estimate([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4], level=95),
    ],
)
def test_interval_functions_share_the_level_check(call):
    import radkit.metrics
    import radkit.stats
    import radkit.validation  # noqa: F401

    with pytest.raises(ValueError, match=r"did you mean 0\.95\?"):
        call()
