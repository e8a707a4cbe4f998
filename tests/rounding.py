"""Tolerances for comparing two computations that take different BLAS calls.

Two such computations may round differently (another thread split, another kernel, a fused
multiply-add in one and not the other), so they are compared to within what rounding can do:
a few units in the last place of the values involved, per step taken.
"""

import numpy as np


def assert_within_rounding(actual, desired, *, steps: int, ulps: int = 8, err_msg: str = ""):
    """``actual`` and ``desired`` (same shape) agree to within ``ulps`` units in the last place of
    the array's largest value, for each of ``steps`` steps that could have rounded apart."""
    desired = np.asarray(desired)
    eps = np.finfo(desired.dtype).eps
    scale = float(np.abs(desired).max(initial=0.0))
    np.testing.assert_allclose(
        actual, desired, rtol=0, atol=ulps * steps * eps * scale, err_msg=err_msg
    )
