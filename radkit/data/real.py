"""Lesson data from downloaded real images (being built: see issue "Real images when you have them")."""

from __future__ import annotations


def real_lesson_data(source: str, findings: list[str], *, n_train: int, n_test: int, size: int, seed: int):
    raise NotImplementedError(f"RADKIT_IMAGES={source}: real images are not wired into lessons yet; "
                              "unset RADKIT_IMAGES to run on synthetic radiographs.")
