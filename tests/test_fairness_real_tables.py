"""Facts of the shipped public tables that notebook 12 (section 6) prints.

They are properties of fixed tables (NIH's report-mined labels against Google's
adjudicated reads, the base rates of NIH, CheXpert and PadChest), not findings of a
run, so they are checked here once instead of as claims in the notebook.
"""

from __future__ import annotations

import numpy as np
import pytest

from radkit import fairness
from radkit.public import chexpert_labels, nih_entries, nih_vs_adjudicated, padchest_entries

EDGES = (0, 40, 60, 80)


@pytest.fixture(scope="module")
def label_quality():
    pairs = nih_vs_adjudicated().merge(nih_entries()[["image_id", "age", "sex", "view"]], on="image_id")
    pairs["age_band"] = fairness.age_band(pairs["age"], edges=EDGES).astype(str)
    return {
        by: fairness.group_metrics(pairs["adjudicated"], y_pred=pairs["nih"], n_boot=300, groups=pairs[by], seed=0)
        for by in ("sex", "view")
    }


def test_nih_label_sensitivity_by_sex_is_not_detectably_different(label_quality):
    sens_f, sens_m = (label_quality["sex"].estimate(g, "sensitivity") for g in ("F", "M"))
    assert sens_f.high > sens_m.low and sens_m.high > sens_f.low, (sens_f, sens_m)
    # a 5-point gap at this sensitivity needs more expert-positive findings than the women's sample has
    assert fairness.n_to_detect(sens_f.estimate, sens_f.estimate + 0.05) > sens_f.n


def test_nih_view_changes_label_ppv_more_than_sex(label_quality):
    view_gap = label_quality["view"].gap("predictive_parity_difference")
    sex_gap = label_quality["sex"].gap("predictive_parity_difference")
    assert view_gap.low > sex_gap.high, (view_gap, sex_gap)


def _effusion_tables():
    nih = nih_entries()
    nih["age_band"] = fairness.age_band(nih["age"], edges=EDGES)
    chex = chexpert_labels(uncertain="keep")
    chex = chex[chex["frontal_lateral"] == "Frontal"].copy()
    chex["effusion"] = (chex["pleural_effusion"] == 1).astype(float)
    chex["sex"] = chex["sex"].map({"Female": "F", "Male": "M"})
    chex["age_band"] = fairness.age_band(chex["age"], edges=EDGES)
    pad = padchest_entries()
    pad = pad[pad["projection"].isin(["PA", "AP", "AP_horizontal"]) & pad["sex"].isin(["F", "M"])]
    pad = pad.assign(
        sex=pad["sex"].astype(str),
        age_band=fairness.age_band(pad["age"].astype(float), edges=EDGES),
        effusion=pad["labels"].map(lambda labels: float("pleural effusion" in labels)),
    )
    return {"NIH": nih, "CheXpert": chex, "PadChest": pad}


def test_effusion_base_rate_rises_with_age_in_three_data_sets_and_chexpert_hedges_more_with_age():
    tables = _effusion_tables()
    for name, df in tables.items():
        t = fairness.rate_by_group(df.dropna(subset=["sex", "age_band"]), "effusion", groups=["sex", "age_band"])
        for sex in ("F", "M"):
            young, old = t.loc[(sex, "0-39")], t.loc[(sex, "60-79")]
            assert old["low"] > young["high"], (name, sex)
    chex = tables["CheXpert"]
    findings = [c for c in chex.columns if chex[c].isin([-1]).any() and c not in ("sex", "age", "age_band")]
    chex = chex.assign(any_uncertain=(chex[findings] == -1).any(axis=1).astype(float))
    u = fairness.rate_by_group(chex, "any_uncertain", groups="age_band").drop(index="overall")
    assert (u["low"].to_numpy()[1:] > u["high"].to_numpy()[:-1]).all(), u
    assert np.isfinite(u["estimate"]).all()
