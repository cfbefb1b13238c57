"""Clinical validation (consideration 13): designs, sample size, reader studies, silent trials, reports.

Kulkarni, Gawali & Kharat's thirteenth consideration: a model must be
validated on data it has never seen, from other sites and later dates, in
studies large enough to say something, before and after it meets patients.

- :mod:`~radkit.validation.designs`: apparent, hold-out, k-fold, Harrell's
  bootstrap optimism correction, temporal and external (leave-site-out)
  validation of one learner (:func:`validation_designs` runs all six);
- :mod:`~radkit.validation.sample_size`: Buderer (sensitivity/specificity),
  Hanley & McNeil (AUC), Riley et al. (calibration O/E), all at one prevalence (:func:`study_sizes`);
- :mod:`~radkit.validation.simulate`: coverage of reported intervals, simulated
  interval widths, reader studies with and without the model, silent trials;
- :mod:`~radkit.validation.report`: a TRIPOD-style report in Markdown and HTML;
- :mod:`~radkit.validation.plots`: forest plot, coverage, reader study, silent trial;
- :mod:`~radkit.validation.sources`: what the public label sets offer an external validation.

Examples
--------
>>> from radkit.validation import n_for_sens_spec
>>> n_for_sens_spec(sensitivity=0.9, prevalence=0.1, half_width=0.05).n
1383
"""

from radkit.validation.designs import (
    DESIGNS,
    Designs,
    Learner,
    Optimism,
    apparent,
    auc_estimate,
    cross_validated,
    external,
    holdout,
    optimism_corrected,
    pool_pixels,
    ridge_learner,
    site_split,
    temporal,
    temporal_split,
    validation_designs,
)
from radkit.validation.report import REPORT_SECTIONS, ValidationReport, report
from radkit.validation.sample_size import (
    SampleSize,
    auc_se_hanley_mcneil,
    n_for_auc,
    n_for_calibration_oe,
    n_for_sens_spec,
    study_sizes,
)
from radkit.validation.simulate import (
    Coverage,
    ReaderStudy,
    WidthSimulation,
    assist_readers,
    interval_coverage,
    proportion_estimate,
    reader_study,
    sens_interval_width,
    silent_trial,
)
from radkit.validation.sources import label_sources

__all__ = [
    "DESIGNS",
    "Coverage",
    "Designs",
    "Learner",
    "Optimism",
    "REPORT_SECTIONS",
    "ReaderStudy",
    "SampleSize",
    "ValidationReport",
    "WidthSimulation",
    "apparent",
    "assist_readers",
    "auc_estimate",
    "auc_se_hanley_mcneil",
    "cross_validated",
    "external",
    "holdout",
    "interval_coverage",
    "label_sources",
    "n_for_auc",
    "n_for_calibration_oe",
    "n_for_sens_spec",
    "optimism_corrected",
    "pool_pixels",
    "proportion_estimate",
    "reader_study",
    "report",
    "ridge_learner",
    "sens_interval_width",
    "silent_trial",
    "site_split",
    "study_sizes",
    "temporal",
    "temporal_split",
    "validation_designs",
]


def __getattr__(name: str):  # SOURCE_COLUMNS: a FutureWarning alias of radkit.findings.CROSSWALK, for one release
    if name == "SOURCE_COLUMNS":
        from radkit.validation import sources

        return sources.__getattr__(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
