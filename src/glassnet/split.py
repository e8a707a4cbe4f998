"""Holding rows apart: the one way glassnet splits data (test sets, validation sets)."""

from __future__ import annotations

import numpy as np


def split_rows(
    n_samples: int, fraction: float, rng: np.random.Generator, *, name: str = "fraction"
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint sorted row indices ``(kept, held_out)``, with a random ``fraction`` held out.

    ``name`` is the argument's name for error messages (``validation_fraction``, ...).
    """
    if not 0 < fraction < 1:
        raise ValueError(f"{name} must be in (0, 1), got {fraction!r}")
    n_held = int(round(n_samples * fraction))
    if n_held < 1 or n_held >= n_samples:
        raise ValueError(
            f"{name}={fraction} of {n_samples} samples holds out {n_held} and keeps "
            f"{n_samples - n_held}; both need at least 1"
        )
    order = rng.permutation(n_samples)
    return np.sort(order[n_held:]), np.sort(order[:n_held])
