"""The one timer the bench scripts share: median wall time of ``repeat`` calls, and the last result."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median seconds over ``repeat`` calls of ``fn()`` and what the last call returned."""
    times, out = [], None
    for _ in range(max(1, int(repeat))):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    mid = len(times) // 2
    return (times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2), out
