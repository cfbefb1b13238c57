"""Penultimate-layer embeddings of a trained CNN: the feature space where SMOTE and friends work.

The one implementation is :func:`radkit.models.penultimate_features`; ``embeddings`` is its name here.
"""

from __future__ import annotations

from radkit.models import penultimate_features as embeddings

__all__ = ["embeddings"]
