"""Facts of the shipped label tables that notebook 02 (section 9) reads: real hospitals are not IID.

NIH, CheXpert and PadChest differ in their share of effusions and of portable (AP) films by far more
than their Wilson intervals (hundreds of thousands of rows); a fact of fixed tables, so a unit test.
"""

from __future__ import annotations

import pandas as pd
import pytest

from radkit.fairness import rate_by_group
from radkit.public import chexpert_labels, nih_entries, padchest_entries


@pytest.fixture(scope="module")
def real_rates():
    nih = nih_entries()
    nih = nih.assign(site="NIH", effusion=nih["effusion"].astype(float), ap=(nih["view"] == "AP").astype(float))
    chex = chexpert_labels(uncertain="ignore", blank="zeros")
    chex = chex[chex["frontal_lateral"] == "Frontal"]
    chex = chex.assign(site="CheXpert", ap=(chex["ap_pa"] == "AP").astype(float), effusion=chex["pleural_effusion"])
    pad = padchest_entries()
    pad = pad[pad["projection"].isin(["PA", "AP", "AP_horizontal"])]
    pad = pad.assign(
        site="PadChest",
        ap=pad["projection"].str.startswith("AP").astype(float),
        effusion=pad["labels"].map(lambda labels: float("pleural effusion" in labels)),
    )
    real = pd.concat([d[["site", "effusion", "ap"]] for d in (nih, chex, pad)], ignore_index=True)
    return pd.concat({col: rate_by_group(real, col, groups="site").drop(index="overall") for col in ("effusion", "ap")})


@pytest.mark.parametrize("col", ["effusion", "ap"])
def test_sites_differ_beyond_their_wilson_intervals(real_rates, col):
    t = real_rates.loc[col]
    assert t["low"].max() > t["high"].min(), t
