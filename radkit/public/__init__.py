"""Real public chest X-ray labels and metadata, offline.

torchxrayvision ships the label and metadata files of the large public chest
radiograph datasets (no images). These loaders turn them into tidy pandas
tables with documented columns and dtypes, cached in memory and, for the big
ones, on disk (``radkit._cache.cache_dir("public")``). Every loader returns a
copy, so editing a result never changes the next call's answer. Each table is
parsed here once (``read_*_table`` parse a user's own copy the same way);
:func:`raw_labels` and :func:`finding_labels` give any table's labels as raw
strings or as radkit's findings (:mod:`radkit.findings`). Data cards:
``datasets/*.md``.

Examples
--------
>>> from radkit.public import nih_entries
>>> len(nih_entries())
112120
"""

from radkit.public._files import data_dir
from radkit.public.chexpert import CHEXPERT_FINDINGS, chexpert_labels, read_chexpert_table
from radkit.public.indiana import indiana_dicom_metadata, indiana_reports
from radkit.public.labels import finding_labels, raw_labels
from radkit.public.masks import lung_mask_names, lung_masks
from radkit.public.nih import (
    GOOGLE_CATEGORIES,
    NIH_FINDINGS,
    NIH_TO_GOOGLE,
    nih_entries,
    nih_google_adjudicated,
    nih_vs_adjudicated,
    read_nih_table,
)
from radkit.public.padchest import padchest_entries, read_padchest_table
from radkit.public.rsna import read_rsna_table, rsna_entries
from radkit.public.siim import read_siim_table, rle_decode, siim_masks, siim_pneumothorax
from radkit.public.vindr import VINDR_FINDINGS, read_vindr_table, vindr_reader_labels

__all__ = [
    "data_dir",
    "vindr_reader_labels",
    "nih_entries",
    "nih_google_adjudicated",
    "nih_vs_adjudicated",
    "chexpert_labels",
    "padchest_entries",
    "rsna_entries",
    "indiana_reports",
    "indiana_dicom_metadata",
    "siim_pneumothorax",
    "siim_masks",
    "read_siim_table",
    "rle_decode",
    "lung_masks",
    "lung_mask_names",
    "VINDR_FINDINGS",
    "NIH_FINDINGS",
    "GOOGLE_CATEGORIES",
    "NIH_TO_GOOGLE",
    "CHEXPERT_FINDINGS",
    "read_nih_table",
    "read_chexpert_table",
    "read_padchest_table",
    "read_rsna_table",
    "read_vindr_table",
    "raw_labels",
    "finding_labels",
]
