"""Checks at the door: public entry points validate once, inner code trusts its inputs."""

from __future__ import annotations

import numpy as np

from glassnet.losses import Loss, SoftmaxCrossEntropy


def check_features(X, n_features: int, *, name: str = "X") -> np.ndarray:
    """A finite real 2-D array ``(n_samples, n_features)``, or a ValueError/TypeError naming it."""
    X = np.asarray(X)
    if X.dtype == object or not (
        np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating) or X.dtype == bool
    ):
        raise TypeError(f"{name} must hold real numbers; got dtype {X.dtype}")
    if X.ndim == 1 and n_features == 1:
        X = X[:, None]
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D (n_samples, {n_features}); got shape {X.shape}")
    if X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features per row but the network expects {n_features}"
        )
    if len(X) == 0:
        raise ValueError(f"{name} is empty (0 samples)")
    if np.issubdtype(X.dtype, np.floating):
        for start in range(0, len(X), 8192):  # in blocks: no temporary as large as X
            block = X[start : start + 8192]
            if not np.isfinite(block).all():
                bad = np.argwhere(~np.isfinite(block))[0]
                raise ValueError(
                    f"{name} contains NaN or Inf (first at row {start + bad[0]}, column {bad[1]})"
                )
    return X


def check_targets(y, loss: Loss, n_samples: int, n_outputs: int, *, name: str = "y") -> np.ndarray:
    """Targets that fit ``loss`` and the network's outputs; integer labels for cross-entropy."""
    y = np.asarray(y)
    if y.dtype == object or not (
        np.issubdtype(y.dtype, np.integer) or np.issubdtype(y.dtype, np.floating) or y.dtype == bool
    ):
        raise TypeError(f"{name} must hold numbers; got dtype {y.dtype}")
    if len(y) != n_samples:
        raise ValueError(f"X has {n_samples} samples but {name} has {len(y)}")
    if np.issubdtype(y.dtype, np.floating) and not np.all(np.isfinite(y)):
        raise ValueError(
            f"{name} contains NaN or Inf (first at row {np.argwhere(~np.isfinite(y))[0][0]})"
        )
    if isinstance(loss, SoftmaxCrossEntropy) and y.ndim == 1:
        labels = y.astype(np.int64)
        if not np.array_equal(labels, y):
            raise ValueError(
                f"{name}: class labels must be whole numbers; got {y[labels != y][0]!r}"
            )
        if labels.min() < 0 or labels.max() >= n_outputs:
            raise ValueError(
                f"{name}: labels must be in [0, {n_outputs - 1}] for a network with {n_outputs} "
                f"outputs; got values from {labels.min()} to {labels.max()}"
            )
        return labels
    expected = (n_samples, n_outputs)
    if y.shape != expected and not (n_outputs == 1 and y.shape == (n_samples,)):
        raise ValueError(
            f"{name} must have shape {expected} for this network and loss; got {y.shape}"
        )
    return y


def check_positive_int(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)
