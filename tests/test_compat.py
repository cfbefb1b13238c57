"""Deprecation aliases (radkit._compat) say what to write instead and change nothing else."""

import warnings

import pytest

from radkit._compat import moved_attributes, renamed_arguments


@renamed_arguments(y_prob="y_score", sens="sensitivity")
def _f(y_true, y_score, *, sensitivity=0.5):
    return y_true, y_score, sensitivity


def test_new_names_and_positional_calls_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _f(1, 2, sensitivity=0.9) == (1, 2, 0.9)
        assert _f(1, y_score=3) == (1, 3, 0.5)


def test_old_name_warns_and_names_the_new_one():
    with pytest.warns(FutureWarning, match=r"_f\(y_prob=\.\.\.\) is deprecated: call it y_score="):
        assert _f(1, y_prob=3) == (1, 3, 0.5)
    with pytest.warns(FutureWarning, match="sensitivity="):
        assert _f(1, 2, sens=0.8) == (1, 2, 0.8)


def test_old_and_new_name_together_is_an_error():
    with pytest.raises(TypeError, match="both y_prob= .* and y_score="):
        _f(1, y_prob=2, y_score=3)


def test_decorator_refuses_a_rename_to_a_missing_parameter():
    with pytest.raises(TypeError, match="no parameter 'y_score'"):
        renamed_arguments(p="y_score")(lambda y_true: y_true)
    with pytest.raises(TypeError, match="still has the old parameter"):
        renamed_arguments(p="q")(lambda p, q: p)


def test_moved_attributes():
    getattr_ = moved_attributes("old.place", {"sqrt": "math", "PI": "math:pi"})
    with pytest.warns(FutureWarning, match=r"old.place.PI is deprecated: use math.pi"):
        assert abs(getattr_("PI") - 3.14159) < 1e-4
    with pytest.warns(FutureWarning):
        assert getattr_("sqrt")(4) == 2
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        getattr_("nope")
