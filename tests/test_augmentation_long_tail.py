"""Facts of the shipped label tables that notebook 01 (section 6) reads: the long tail.

They are facts of fixed tables, not findings of a run, so they are unit tests (issue 30, item 3),
counted the way the notebook counts them.
"""

from __future__ import annotations

import pytest

import radkit.public as pub


@pytest.fixture(scope="module")
def counts():
    nih = pub.nih_entries()
    wanted = {f.lower().replace(" ", "_") for f in pub.NIH_FINDINGS}
    nih_cols = [c for c in nih.columns if c in wanted and c != "no_finding"]
    vindr = pub.vindr_reader_labels()
    vindr = vindr[(vindr["label"] == 1) & (vindr["finding"] != "No finding")]
    padchest = pub.padchest_entries().explode("labels")
    not_findings = ["normal", "exclude", "suboptimal study", "unchanged"]
    padchest = padchest[padchest["labels"].notna() & ~padchest["labels"].isin(not_findings)]
    return {
        "nih": nih[nih_cols].sum(),
        "vindr": vindr.groupby("finding", observed=True)["item"].nunique(),
        "padchest": padchest.groupby("labels")["image_id"].nunique(),
    }


def test_nih_rarest_finding_has_under_300_positives(counts):
    assert counts["nih"].min() < 300, counts["nih"].sort_values().head()
    assert counts["nih"].idxmin() == "hernia"


def test_vindr_rarest_finding_has_under_100_positive_images(counts):
    assert counts["vindr"].min() < 100, counts["vindr"].sort_values().head()


def test_padchest_a_fifth_of_findings_have_under_100_positives(counts):
    assert (counts["padchest"] < 100).mean() > 0.2
