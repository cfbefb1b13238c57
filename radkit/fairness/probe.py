"""The proxy problem: does the image itself encode the attribute you left out?

The probe lives in :mod:`radkit.metrics.probe` (the generalization lesson uses it
too, to tell sites apart); this module re-exports it under its old path.
"""

from radkit.metrics.probe import ProbeResult, attribute_probe, linear_model, pooled_pixels

__all__ = ["ProbeResult", "attribute_probe", "linear_model", "pooled_pixels"]
