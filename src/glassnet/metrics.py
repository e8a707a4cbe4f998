"""Metrics: numbers reported per epoch (they are not differentiated).

Every metric takes ``(outputs, targets, network)`` where ``outputs`` are the network's raw outputs
``(n_samples, out_features)``; classification metrics turn them into classes with
``network.output_to_classes``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from glassnet._errors import unknown_name
from glassnet.losses import Loss


def labels_from_targets(targets: np.ndarray) -> np.ndarray:
    """Class indices from integer labels ``(n,)``, a 0/1 column ``(n, 1)`` or one-hot ``(n, k)``."""
    targets = np.asarray(targets)
    if targets.ndim == 2 and targets.shape[1] > 1:
        return np.argmax(targets, axis=1)
    return np.rint(targets.reshape(-1)).astype(np.int64)


def accuracy(outputs: np.ndarray, targets: np.ndarray, network) -> float:
    """Fraction of rows whose most probable class is the target class."""
    predicted = network.output_to_classes(outputs)
    return float(np.mean(predicted == labels_from_targets(targets)))


def _regression_pair(outputs: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    targets = np.asarray(targets, dtype=np.float64)
    if targets.ndim == 1:
        targets = targets[:, None]
    return np.asarray(outputs, dtype=np.float64), targets


def mse(outputs: np.ndarray, targets: np.ndarray, network=None) -> float:
    """Mean squared error over every element."""
    outputs, targets = _regression_pair(outputs, targets)
    return float(np.mean((outputs - targets) ** 2))


def mae(outputs: np.ndarray, targets: np.ndarray, network=None) -> float:
    """Mean absolute error over every element."""
    outputs, targets = _regression_pair(outputs, targets)
    return float(np.mean(np.abs(outputs - targets)))


def r2(outputs: np.ndarray, targets: np.ndarray, network=None) -> float:
    """Coefficient of determination ``1 - SS_res / SS_tot``, averaged over outputs."""
    outputs, targets = _regression_pair(outputs, targets)
    ss_res = np.sum((targets - outputs) ** 2, axis=0)
    ss_tot = np.sum((targets - targets.mean(axis=0)) ** 2, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scores = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, np.where(ss_res > 0, 0.0, 1.0))
    return float(np.mean(scores))


Metric = Callable[[np.ndarray, np.ndarray, object], float]

METRICS: dict[str, Metric] = {"accuracy": accuracy, "mse": mse, "mae": mae, "r2": r2}


def task_metrics(task: str) -> list[str]:
    """``accuracy`` for ``classification``; ``mse``, ``mae`` and ``r2`` for ``regression``."""
    return ["accuracy"] if task == "classification" else ["mse", "mae", "r2"]


def default_metrics(loss: Loss) -> list[str]:
    """The metrics of the loss's task (see :func:`task_metrics`)."""
    return task_metrics(loss.task)


def get_metric(name: str) -> Metric:
    """The metric function of a name (``"accuracy"``, ``"mse"``, ``"mae"``, ``"r2"``); an unknown
    name is a ValueError listing the known ones."""
    try:
        return METRICS[name]
    except KeyError:
        raise unknown_name("metric", name, METRICS) from None
