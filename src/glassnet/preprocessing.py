"""Input scaling that travels with a model: statistics from training rows, as plain data."""

from __future__ import annotations

import numpy as np


class Standardizer:
    """Shift and scale each feature to mean 0 and standard deviation 1 (of the training rows).

    Features with no spread (standard deviation 0) are only shifted.
    """

    def __init__(self, mean: np.ndarray, std: np.ndarray) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)
        self.std = np.asarray(std, dtype=np.float64)
        if self.mean.shape != self.std.shape or self.mean.ndim != 1:
            raise ValueError("Standardizer: mean and std must be 1-D arrays of the same length")

    @classmethod
    def fit(cls, X: np.ndarray) -> Standardizer:
        """Statistics of ``X: (n_samples, n_features)``."""
        X = np.asarray(X, dtype=np.float64)
        std = X.std(axis=0)
        return cls(X.mean(axis=0), np.where(std > 0, std, 1.0))

    def transform(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(self.mean):
            raise ValueError(
                f"X must have shape (n_samples, {len(self.mean)}) to be standardised; got {X.shape}"
            )
        return (X - self.mean) / self.std

    def to_dict(self) -> dict:
        return {"mean": self.mean.tolist(), "std": self.std.tolist()}

    @classmethod
    def from_dict(cls, data: dict) -> Standardizer:
        return cls(data["mean"], data["std"])
