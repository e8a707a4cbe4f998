"""scikit-learn's bundled 8x8 handwritten digits (1,797 images; needs the ``sklearn`` extra)."""

from __future__ import annotations

import numpy as np

from glassnet.datasets.base import Dataset, hold_out_test


def load_digits(*, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """X (n, 64) float32 in 0..1 (pixel values 0..16 divided by 16), y int64 in 0..9."""
    try:
        from sklearn.datasets import load_digits as sklearn_digits
    except ImportError:
        raise ImportError(
            "the digits data set comes with scikit-learn, which is not installed; "
            "install it with: pip install 'glassnet[sklearn]'"
        ) from None
    bunch = sklearn_digits()
    X = (bunch.data / 16.0).astype(np.float32)
    return hold_out_test(
        "digits",
        X,
        bunch.target.astype(np.int64),
        test_fraction=test_fraction,
        seed=seed,
        task="classification",
        class_names=[str(digit) for digit in range(10)],
        input_shape=(8, 8),
        description="8x8 handwritten digits from scikit-learn, pixels scaled to 0..1",
    )
