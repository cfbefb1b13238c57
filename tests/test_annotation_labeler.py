"""The report labeller: tricky sentences, CheXpert coding, bad input, synthetic reports with known truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from radkit.annotation import RULES, explain, label_report, label_reports
from radkit.synth import make_reports

nan = np.nan

# sentence, finding, expected CheXpert code (1 positive, 0 negative, -1 uncertain, nan blank)
TRICKY = [
    ("No pneumothorax.", "pneumothorax", 0),
    ("Pneumothorax has resolved.", "pneumothorax", 0),
    ("Cannot exclude a small effusion.", "effusion", -1),
    ("Heart size is normal.", "cardiomegaly", 0),
    ("No evidence of consolidation or effusion.", "consolidation", 0),
    ("No evidence of consolidation or effusion.", "effusion", 0),
    ("Stable cardiomegaly.", "cardiomegaly", 1),
    ("Right lower lobe opacity, likely atelectasis.", "opacity", 1),
    ("Right lower lobe opacity, likely atelectasis.", "atelectasis", -1),
    ("No pneumothorax but there is a small right effusion.", "effusion", 1),
    ("No pneumothorax but there is a small right effusion.", "pneumothorax", 0),
    ("No pneumothorax; small right effusion.", "effusion", 1),
    ("Pneumothorax is not seen.", "pneumothorax", 0),
    ("Effusion cannot be excluded.", "effusion", -1),
    ("Pleural effusion is not excluded.", "effusion", -1),
    ("Effusion has not resolved.", "effusion", 1),
    ("No interval change in the cardiomegaly.", "cardiomegaly", 1),
    ("The heart is not enlarged.", "cardiomegaly", 0),
    ("The heart is enlarged.", "cardiomegaly", 1),
    ("No enlarged cardiac silhouette.", "cardiomegaly", 0),
    ("The cardiac silhouette is within normal limits.", "cardiomegaly", 0),
    ("Blunting of the right costophrenic angle.", "effusion", 1),
    ("Costophrenic angles are sharp.", "effusion", 0),
    ("Lungs are clear without focal consolidation, effusion, or pneumothorax.", "pneumothorax", 0),
    ("No acute abnormality other than cardiomegaly.", "cardiomegaly", 1),
    ("Possible small effusion, no pneumothorax.", "effusion", -1),
    ("Possible small effusion, no pneumothorax.", "pneumothorax", 0),
    ("Findings may represent pneumonia.", "pneumonia", -1),
    ("Negative for fracture.", "fracture", 0),
    ("Heart failure.", "cardiomegaly", nan),  # an anatomy word without a size statement says nothing
    ("The lungs are clear.", "effusion", nan),
]


@pytest.mark.parametrize(("sentence", "finding", "code"), TRICKY)
def test_tricky_sentences(sentence, finding, code):
    got = label_reports([sentence], findings=[finding]).iloc[0, 0]
    assert (np.isnan(got) and np.isnan(code)) or got == code, explain(sentence, findings=[finding])


def test_chexpert_precedence_across_sentences():
    # any positive mention wins over negative/uncertain ones; uncertain wins over negative
    assert label_report("No effusion. Small left effusion.")["effusion"] == 1
    assert label_report("No effusion on the right. Possible effusion on the left.")["effusion"] == -1
    assert label_report("No effusion. No pleural fluid.")["effusion"] == 0


def test_output_coding_and_index():
    s = pd.Series(["No pneumothorax.", "", None, "Possible pneumonia."], index=[10, 11, 12, 13])
    out = label_reports(s)
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out.columns) == list(RULES.findings)
    values = out.to_numpy()
    assert np.isin(values[~np.isnan(values)], (1, 0, -1)).all()
    assert out.loc[11].isna().all() and out.loc[12].isna().all()  # empty / missing report: all blank


def test_ablations_turn_negation_and_uncertainty_off():
    text = ["No pneumothorax. Possible pneumonia."]
    assert label_reports(text, negation=False).loc[0, "pneumothorax"] == 1
    assert label_reports(text, uncertainty=False).loc[0, "pneumonia"] == 1
    kw = label_reports(text, negation=False, uncertainty=False)
    assert kw.loc[0, "pneumothorax"] == 1 and kw.loc[0, "pneumonia"] == 1


def test_custom_rule_changes_the_label():
    text = ["Patient denies pneumothorax."]
    assert label_reports(text, findings="pneumothorax").iloc[0, 0] == 1
    rules = RULES.with_(negation_pre=(*RULES.negation_pre, r"denies"))
    assert label_reports(text, findings="pneumothorax", rules=rules).iloc[0, 0] == 0


def test_bad_inputs_name_the_cause():
    with pytest.raises(ValueError, match="Unknown finding.*'lung cancer'"):
        label_reports(["No effusion."], findings=["lung cancer"])
    with pytest.raises(TypeError, match="Report 1 is a int"):
        label_reports(["No effusion.", 3])
    with pytest.raises(TypeError, match="not a DataFrame"):
        label_reports(pd.DataFrame({"a": ["x"]}))
    with pytest.raises(ValueError, match="at least one finding"):
        label_reports(["x"], findings=[])
    with pytest.raises(TypeError, match="tuple of patterns"):
        RULES.with_(negation_pre="denies")
    with pytest.raises(TypeError, match="no field"):
        RULES.with_(negations=("x",))
    with pytest.raises(TypeError, match="must be a str"):
        label_report(None)


@pytest.mark.parametrize("seed", [0, 1])
def test_synthetic_reports_are_read_exactly(seed):
    g = np.random.default_rng(seed)
    names = ["nodule", "consolidation", "effusion", "cardiomegaly", "pneumothorax"]
    truth = pd.DataFrame((g.random((400, 5)) < 0.3).astype(int), columns=names)
    meta = pd.DataFrame({f"side_{c}": g.choice(["right", "left", "bilateral"], 400) for c in names})
    rep, intended = make_reports(truth, seed=seed, meta=meta, uncertain_rate=0.2)
    got = label_reports(rep["text"], findings=names)
    assert (got.fillna(9).to_numpy() == intended.fillna(9).to_numpy()).all()


def test_explain_names_the_deciding_cue():
    ex = explain("There is no pneumothorax. Heart size is normal.", findings=["pneumothorax", "cardiomegaly"])
    assert ex.set_index("finding")["cue"].to_dict() == {"pneumothorax": "no", "cardiomegaly": "normal"}
    assert ex["sentence"].tolist() == ["There is no pneumothorax.", "Heart size is normal."]
