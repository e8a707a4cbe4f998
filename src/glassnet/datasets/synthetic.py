"""Synthetic data sets, generated from an explicit seed."""

from __future__ import annotations

import numpy as np

from glassnet._validation import check_positive_int


def _rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_noise(noise: float) -> float:
    if not (np.isfinite(noise) and noise >= 0):
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def one_hot(labels: np.ndarray, n_classes: int | None = None) -> np.ndarray:
    """Integer labels ``(n,)`` -> one-hot rows ``(n, n_classes)`` of float64."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(
            f"one_hot: labels must be a 1-D integer array; got {labels.dtype} "
            f"of shape {labels.shape}"
        )
    n_classes = int(labels.max()) + 1 if n_classes is None else n_classes
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(f"one_hot: labels must be in [0, {n_classes - 1}]")
    encoded = np.zeros((len(labels), n_classes))
    encoded[np.arange(len(labels)), labels] = 1.0
    return encoded


def xor_table() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: X (4, 2) of 0/1 inputs, y (4,) = x1 XOR x2."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0, 1, 1, 0])


def xor(n_samples: int = 300, *, seed: int | np.random.Generator | None = 0):
    """Standard-normal points in the plane, labelled 1 where the signs of x1 and x2 differ.

    X (n_samples, 2), y (n_samples,) in {0, 1}: the XOR of ``x1 > 0`` and ``x2 > 0``.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    X = _rng(seed).standard_normal((n_samples, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X, y


def spirals(
    n_samples: int = 300,
    *,
    n_classes: int = 3,
    noise: float = 0.2,
    seed: int | np.random.Generator | None = 0,
):
    """Interleaved spiral arms, one per class (the classic CS231n-style set).

    X (n_samples, 2) roughly in [-1, 1]^2, y (n_samples,) in ``[0, n_classes)``; ``noise`` is the
    standard deviation of the angular jitter.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    n_classes = check_positive_int(n_classes, "n_classes")
    noise = _check_noise(noise)
    rng = _rng(seed)
    y = np.arange(n_samples) % n_classes
    radius = rng.uniform(0.05, 1.0, n_samples)
    angle = 4.0 * radius + y * (2.0 * np.pi / n_classes) + rng.normal(0.0, noise, n_samples)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X, y.astype(np.int64)


def moons(n_samples: int = 300, *, noise: float = 0.1, seed: int | np.random.Generator | None = 0):
    """Two interleaving half circles. X (n_samples, 2), y (n_samples,) in {0, 1}."""
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = _check_noise(noise)
    rng = _rng(seed)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.0, np.pi, n_samples)
    X = np.where(
        y[:, None] == 0,
        np.column_stack([np.cos(t), np.sin(t)]),
        np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)]),
    )
    X += rng.normal(0.0, noise, X.shape)
    return X, y.astype(np.int64)


def circles(
    n_samples: int = 300,
    *,
    noise: float = 0.05,
    factor: float = 0.5,
    seed: int | np.random.Generator | None = 0,
):
    """A small circle (class 1, radius ``factor``) inside a large one (class 0, radius 1)."""
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = _check_noise(noise)
    if not 0 < factor < 1:
        raise ValueError(f"circles: factor must be in (0, 1), got {factor!r}")
    rng = _rng(seed)
    y = np.arange(n_samples) % 2
    t = rng.uniform(0.0, 2.0 * np.pi, n_samples)
    radius = np.where(y == 1, factor, 1.0)
    X = np.column_stack([radius * np.cos(t), radius * np.sin(t)])
    X += rng.normal(0.0, noise, X.shape)
    return X, y.astype(np.int64)


def sine(
    n_samples: int = 256,
    *,
    low: float = -3.0,
    high: float = 3.0,
    noise: float = 0.0,
    seed: int | np.random.Generator | None = 0,
):
    """Regression: x uniform in ``[low, high]``, y = sin(x) + noise. X (n, 1), y (n, 1)."""
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = _check_noise(noise)
    if not low < high:
        raise ValueError(f"sine: low must be below high, got {low!r} and {high!r}")
    rng = _rng(seed)
    x = rng.uniform(low, high, (n_samples, 1))
    return x, np.sin(x) + rng.normal(0.0, noise, x.shape)


def surface(
    n_samples: int = 500,
    *,
    noise: float = 0.0,
    seed: int | np.random.Generator | None = 0,
):
    """2-D regression: points uniform in ``[-3, 3]^2``, y = sin(x1) cos(x2 / 2) + noise.

    X (n, 2), y (n, 1): a surface a small network can learn and a heat map can show.
    """
    n_samples = check_positive_int(n_samples, "n_samples")
    noise = _check_noise(noise)
    rng = _rng(seed)
    X = rng.uniform(-3.0, 3.0, (n_samples, 2))
    y = np.sin(X[:, :1]) * np.cos(X[:, 1:] / 2.0)
    return X, y + rng.normal(0.0, noise, y.shape)
