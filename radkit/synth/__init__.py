"""Synthetic chest radiographs with known truth: the kit's embedded default dataset.

Machines running the kit may have no images and no internet, and a lesson
needs ground truth that is actually known. :func:`generate` draws frontal
chest radiographs (lungs, heart, mediastinum, domes, ribs, clavicles, soft
tissue, noise) with five pathologies whose labels, masks, subtlety and
severity are all recorded, from patients (age, sex) at sites with their own
scanners and burned-in markers, over dates with optional drift.
:func:`simulate_readers` turns truth into labels from radiologists of known
sensitivity and specificity, and :func:`make_reports` into templated reports
with the intended labels.

Examples
--------
>>> import radkit.synth as synth
>>> data = synth.generate(16, size=64, seed=0, device="cpu")
>>> X, y = data.tensors()
>>> tuple(X.shape), tuple(y.shape)
((16, 1, 64, 64), (16, 5))
"""

from radkit.synth.generate import CHUNK, SynthCXR, SynthDataset, generate, render_size
from radkit.synth.readers import ReaderLabels, simulate_readers
from radkit.synth.reports import TERMS, Reports, make_reports
from radkit.synth.spec import (
    DEFAULT_PREVALENCE,
    DEFAULT_SITES,
    PATHOLOGIES,
    SEVERITY_UNITS,
    Drift,
    Site,
)

__all__ = [
    "CHUNK",
    "DEFAULT_PREVALENCE",
    "DEFAULT_SITES",
    "Drift",
    "PATHOLOGIES",
    "ReaderLabels",
    "Reports",
    "SEVERITY_UNITS",
    "Site",
    "SynthCXR",
    "SynthDataset",
    "TERMS",
    "generate",
    "make_reports",
    "render_size",
    "simulate_readers",
]
