"""The kinds of value an argument can be asked to be, each checked in one place."""

from __future__ import annotations

import math

import numpy as np


def is_positive_int(value) -> bool:
    """An integer >= 1 (Python's or NumPy's; a bool is not one)."""
    return is_whole(value) and value >= 1


def check_positive_int(value, name: str) -> int:
    """``value`` as an int, or a ValueError saying ``name`` must be a positive integer."""
    if not is_positive_int(value):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def is_real(value) -> bool:
    """A real number (Python's or NumPy's, finite or not; a bool is not one)."""
    return not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))


def is_finite_real(value) -> bool:
    """A finite real number (see :func:`is_real`)."""
    return is_real(value) and math.isfinite(value)


def is_whole(value) -> bool:
    """An integer (Python's or NumPy's; a bool is not one)."""
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


def is_sparse(value) -> bool:
    """A scipy sparse matrix or array (told by its module: scipy is never imported here)."""
    return type(value).__module__.startswith("scipy.sparse")
