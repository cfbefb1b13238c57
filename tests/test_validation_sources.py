"""radkit.validation.label_sources: counts cross-checked against the tables read another way."""

from __future__ import annotations

from collections import Counter

import pytest

import radkit.public as pub
from radkit.validation import label_sources


@pytest.fixture(scope="module")
def table():
    return label_sources(findings=("effusion", "pneumothorax"))


def test_shape_and_shares(table):
    assert list(table.index) == ["NIH ChestX-ray14", "CheXpert", "PadChest", "VinDr-CXR (train)"]
    assert list(table.columns) == ["images", "labels from", "share with expert labels", "effusion", "pneumothorax"]
    assert table.loc["NIH ChestX-ray14", "images"] == 112_120  # the data card's count
    # Google's adjudicated subset: 4,376 of NIH's images (Majkowska 2020)
    assert table.loc["NIH ChestX-ray14", "share with expert labels"] == pytest.approx(4376 / 112_120)
    assert table.loc["VinDr-CXR (train)", "share with expert labels"] == 1.0
    assert ((table["share with expert labels"] >= 0) & (table["share with expert labels"] <= 1)).all()


def test_nih_counts_from_the_raw_label_strings(table):
    raw = pub.nih_entries()["finding_labels"].str.split("|")
    counts = Counter(label for labels in raw for label in labels)
    assert table.loc["NIH ChestX-ray14", "effusion"] == counts["Effusion"]
    assert table.loc["NIH ChestX-ray14", "pneumothorax"] == counts["Pneumothorax"]


def test_vindr_majority_counted_by_hand(table):
    votes = Counter()
    for row in pub.vindr_reader_labels().itertuples(index=False):
        if row.finding == "Pneumothorax" and row.label == 1:
            votes[row.item] += 1
    assert table.loc["VinDr-CXR (train)", "pneumothorax"] == sum(v >= 2 for v in votes.values())


def test_unknown_finding_says_what_to_do():
    with pytest.raises(ValueError, match=r"all four sets have .*missing from: \{'hernia': \['chexpert', 'vindr'\]\}"):
        label_sources(findings=("hernia",))
    with pytest.raises(ValueError, match="non-empty"):
        label_sources(findings=())
