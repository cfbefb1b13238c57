"""Moved: many simulated reader panels live in :mod:`radkit.adjudication.reader_panels`.

They stand next to the label models they compare (issue 29: one home per concept).
``radkit.reader_panels.<name>`` still works for one release and says, with a ``FutureWarning``,
where the name lives now.

Examples
--------
>>> import warnings
>>> import radkit.reader_panels as old
>>> from radkit.adjudication import reader_panels
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore", FutureWarning)
...     old.paired_differences is reader_panels.paired_differences
True
"""

from radkit._compat import moved_attributes

__all__: list[str] = []  # nothing lives here any more; the names below resolve with a FutureWarning

_NEW = "radkit.adjudication.reader_panels"
__getattr__ = moved_attributes(
    __name__,
    {
        "compare_over_panels": _NEW,
        "compare_protocols": _NEW,
        "paired_differences": _NEW,
        "plot_panel_differences": _NEW,
    },
)
