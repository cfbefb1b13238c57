"""Moved to :mod:`radkit.devtools.exercises` (tooling, not a technique).

``python -m radkit.exercises`` still works and forwards there.
"""

from radkit.devtools.exercises import *  # noqa: F403
from radkit.devtools.exercises import main

if __name__ == "__main__":
    raise SystemExit(main())
