"""Moved: the labelling process of consideration 04 lives in :mod:`radkit.adjudication.label_process`.

Its functions stand next to the label models they score (issue 29: one home per concept).
``radkit.label_process.<name>`` still works for one release and says, with a ``FutureWarning``,
where the name lives now; ``wilson_ci`` forwards to its home, :func:`radkit.stats.wilson_ci`.

Examples
--------
>>> import warnings
>>> import radkit.label_process as old
>>> from radkit.adjudication import label_process
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", FutureWarning)
...     old.adjudicate is label_process.adjudicate
True
"""

from radkit._compat import moved_attributes

__all__: list[str] = []  # nothing lives here any more; the names below resolve with a FutureWarning

_NEW = "radkit.adjudication.label_process"
__getattr__ = moved_attributes(
    __name__,
    {
        "expected_kappa": _NEW,
        "label_quality": _NEW,
        "compare_label_models": _NEW,
        "adjudicate": _NEW,
        "Adjudication": _NEW,
        "wilson_ci": "radkit.stats",
    },
)
