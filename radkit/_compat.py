"""Deprecation aliases: old parameter and attribute names keep working for one release.

radkit renamed some public names so that each idea has one spelling (README, "Glossary").
Code written against an old name still runs, and says once, with a ``FutureWarning``,
what to write instead. This module sits on the ground floor: it imports nothing from radkit.

- :func:`renamed_arguments` lets a function accept an old keyword name.
- :func:`moved_attributes` gives a module a ``__getattr__`` for names that moved or were renamed.

Examples
--------
>>> import warnings
>>> @renamed_arguments(y_prob="y_score")
... def mean_score(y_score):
...     return sum(y_score) / len(y_score)
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     mean_score(y_prob=[0.2, 0.4])
...     print(caught[0].category.__name__, "-", caught[0].message)
0.30000000000000004
FutureWarning - mean_score(y_prob=...) is deprecated: call it y_score= (the same value).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["moved_attributes", "renamed_arguments"]

F = TypeVar("F", bound=Callable[..., Any])


def renamed_arguments(**old_to_new: str) -> Callable[[F], F]:
    """Accept old keyword names of a function's parameters, with a ``FutureWarning``.

    Parameters
    ----------
    **old_to_new
        ``old_name="new_name"`` for each renamed parameter; ``new_name`` must be a parameter
        of the decorated function.

    Returns
    -------
    callable
        A decorator. Positional calls are unaffected; a call that passes both the old and the
        new name raises ``TypeError``.

    Examples
    --------
    >>> @renamed_arguments(sens="sensitivity")
    ... def youden(*, sensitivity, specificity):
    ...     return sensitivity + specificity - 1
    >>> round(youden(sensitivity=0.9, specificity=0.8), 2)
    0.7
    """

    def decorate(func: F) -> F:
        params = inspect.signature(func).parameters
        for old, new in old_to_new.items():
            if new not in params:
                raise TypeError(f"renamed_arguments: {func.__qualname__} has no parameter {new!r} (for {old!r})")
            if old in params:
                raise TypeError(f"renamed_arguments: {func.__qualname__} still has the old parameter {old!r}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in old_to_new.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(
                            f"{func.__name__}() got both {old}= (the old name) and {new}=; pass {new}= only."
                        )
                    warnings.warn(
                        f"{func.__name__}({old}=...) is deprecated: call it {new}= (the same value).",
                        FutureWarning,
                        stacklevel=2,
                    )
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        wrapper.__renamed_arguments__ = dict(old_to_new)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def moved_attributes(module_name: str, moves: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that serves old names from their new home, with a ``FutureWarning``.

    Parameters
    ----------
    module_name
        ``__name__`` of the module that used to hold the names.
    moves
        ``old_name -> "package.module:new_name"`` (or ``"package.module"`` when the name is unchanged).

    Returns
    -------
    callable
        Assign it to the module's ``__getattr__``.

    Examples
    --------
    >>> getattr_ = moved_attributes("mymodule", {"PI": "math:pi"})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", FutureWarning)
    ...     round(getattr_("PI"), 4)
    3.1416
    """

    def __getattr__(name: str) -> Any:
        target = moves.get(name)
        if target is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        module, _, new_name = target.partition(":")
        new_name = new_name or name
        warnings.warn(
            f"{module_name}.{name} is deprecated: use {module}.{new_name} (the same object).",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(module), new_name)

    return __getattr__
