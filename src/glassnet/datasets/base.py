"""The Dataset record every loader returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassnet.split import split_rows


@dataclass
class Dataset:
    """Arrays and metadata of one data set, with its test split already held apart.

    Attributes
    ----------
    X_train, X_test : (n_samples, n_features) float
    y_train, y_test : integer labels (n_samples,) for classification, values (n_samples, n_outputs)
        for regression
    task : ``"classification"`` or ``"regression"``
    class_names : names of the classes, in label order (classification only)
    feature_names : names of the input columns, when the source has them
    input_shape : shape of one sample before flattening, e.g. ``(28, 28)``
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    task: str
    class_names: list[str] | None = None
    feature_names: list[str] | None = None
    input_shape: tuple[int, ...] = ()
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def n_features(self) -> int:
        """The number of input columns (the product of ``input_shape``)."""
        return self.X_train.shape[1]

    @property
    def n_outputs(self) -> int:
        """Classes for classification, target columns for regression."""
        if self.task == "classification":
            return len(self.class_names)
        return self.y_train.shape[1]

    @property
    def loss(self) -> str:
        """The loss name that fits the task: ``cross_entropy`` or ``mse``."""
        return "cross_entropy" if self.task == "classification" else "mse"

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, task={self.task!r}, train={self.X_train.shape}, "
            f"test={self.X_test.shape})"
        )


def hold_out_test(
    name: str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    test_fraction: float,
    seed: int,
    **metadata,
) -> Dataset:
    """Make a Dataset from one pool of rows, holding a random ``test_fraction`` apart."""
    train_rows, test_rows = split_rows(
        len(X), test_fraction, np.random.default_rng(seed), name="test_fraction"
    )
    return Dataset(name, X[train_rows], y[train_rows], X[test_rows], y[test_rows], **metadata)
