"""Training: mini-batches, epochs, validation, metrics and callbacks around one training step."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from glassnet._validation import check_features, check_positive_int, check_targets
from glassnet.callbacks import Callback, ProgressBar
from glassnet.diagnostics import HealthMonitor, TrainingGuard
from glassnet.losses import Loss, get_loss
from glassnet.metrics import default_metrics, get_metric
from glassnet.network import Network
from glassnet.optim import SGD, Optimizer
from glassnet.split import split_rows


class History:
    """What happened in each epoch: ``loss``, metrics, ``val_*`` values and ``time`` (seconds).

    ``history["loss"]`` (or ``history.loss``) is the list of per-epoch training losses (data term
    plus L2 term); ``history.epochs`` the number of epochs run; ``best_epoch`` is set by early
    stopping (0-based).
    """

    def __init__(self) -> None:
        self.records: dict[str, list[float]] = {}
        self.best_epoch: int | None = None

    def append(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.records.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.records[key]

    def __contains__(self, key: str) -> bool:
        return key in self.records

    @property
    def loss(self) -> list[float]:
        return self.records.get("loss", [])

    @property
    def val_loss(self) -> list[float]:
        return self.records.get("val_loss", [])

    @property
    def epoch_times(self) -> list[float]:
        return self.records.get("time", [])

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def to_dict(self) -> dict:
        return {"records": self.records, "best_epoch": self.best_epoch}

    def __repr__(self) -> str:
        return f"History(epochs={self.epochs}, keys={list(self.records)})"


@dataclass
class TrainingState:
    """What callbacks see: the objects being trained and where training is."""

    network: Network
    loss: Loss
    optimizer: Optimizer
    history: History
    epochs: int
    batches_per_epoch: int
    epoch: int = 0
    step: int = 0
    batch_loss: float = 0.0
    stop: bool = False
    extra: dict = field(default_factory=dict)


class _Gather:
    """Copy the rows of a batch into arrays reused from batch to batch (one copy, no allocation)."""

    def __init__(self) -> None:
        self.buffers: dict[tuple, np.ndarray] = {}

    def __call__(self, array: np.ndarray, rows: np.ndarray) -> np.ndarray:
        key = (id(array), len(rows))
        buffer = self.buffers.get(key)
        if buffer is None:
            buffer = self.buffers[key] = np.empty((len(rows), *array.shape[1:]), array.dtype)
        return array.take(rows, axis=0, out=buffer)


def train_step(
    network: Network,
    loss: Loss,
    optimizer: Optimizer,
    x: np.ndarray,
    target: np.ndarray,
    *,
    l2: float = 0.0,
) -> tuple[np.ndarray, float, float]:
    """One step of learning on one batch: forward, loss, backward, update.

    Returns ``(outputs, data_loss, l2_term)`` where ``outputs`` are the forward pass's outputs
    before the update.
    """
    outputs, data_loss, l2_term = network.loss_and_gradients(loss, x, target, l2=l2)
    optimizer.step(network.parameter_vector())
    return outputs, data_loss, l2_term


def split_validation(
    n_samples: int, fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint ``(train_rows, validation_rows)``: a random ``fraction`` of rows held apart."""
    return split_rows(n_samples, fraction, rng, name="validation_fraction")


def evaluate(
    network: Network,
    loss: Loss | str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    metrics: Sequence[str] | None = None,
    l2: float = 0.0,
) -> dict[str, float]:
    """Loss (plus the L2 term) and metrics of ``network`` on ``(X, y)``, in inference mode."""
    loss = get_loss(loss)
    X = check_features(X, network.in_features)
    y = check_targets(y, loss, len(X), network.out_features)
    outputs = network.predict(X)
    logs = {"loss": loss.value(outputs, y) + network.l2_penalty(l2)}
    for name in metrics if metrics is not None else default_metrics(loss):
        logs[name] = get_metric(name)(outputs, y, network)
    return logs


def fit(
    network: Network,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str,
    optimizer: Optimizer | None = None,
    epochs: int = 10,
    batch_size: int | None = 32,
    shuffle: bool = True,
    l2: float = 0.0,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    validation_fraction: float | None = None,
    metrics: Sequence[str] | None = None,
    callbacks: Sequence[Callback] = (),
    schedule: Callable[[int], float] | None = None,
    seed: int | None = None,
    progress: bool = True,
    guard: bool = False,
    health: bool = False,
) -> History:
    """Train ``network`` on ``(X, y)`` with mini-batch gradient descent.

    Parameters
    ----------
    X : (n_samples, in_features)
    y : targets for ``loss``: integer labels (n_samples,) or one-hot for cross-entropy; values
        (n_samples, out_features) for regression losses
    loss : Loss or name (``"mse"``, ``"mae"``, ``"cross_entropy"``, ``"binary_cross_entropy"``)
    optimizer : default ``SGD(0.01)``
    epochs : passes over the training rows
    batch_size : 1 (per-sample SGD), any N, or None (the full batch)
    shuffle : draw a new order of the rows each epoch
    l2 : Ridge strength ``alpha``: ``alpha/2 * sum(W**2)`` joins the loss, ``alpha * W`` the
        weight gradients
    validation_data : ``(X_val, y_val)``, evaluated after every epoch
    validation_fraction : instead, hold this random fraction of the rows apart for validation
    metrics : names from :mod:`glassnet.metrics`; default ``accuracy`` for classification losses,
        ``mse``, ``mae``, ``r2`` for regression ones
    callbacks : :class:`~glassnet.callbacks.Callback` instances (early stopping, ...)
    schedule : callable ``epoch -> learning_rate`` (see :mod:`glassnet.schedules`)
    seed : seed of the Generator for shuffling and the validation split (dropout masks come from
        the network's own Generator)
    progress : show a progress bar and per-epoch metrics on stderr
    guard : stop with :class:`~glassnet.diagnostics.TrainingDiverged` when the loss or a gradient
        becomes NaN/Inf or explodes (see :class:`~glassnet.diagnostics.TrainingGuard`)
    health : add per-epoch gradient norms, dead-ReLU and saturation fractions to the History
        (see :class:`~glassnet.diagnostics.HealthMonitor`)

    Returns
    -------
    History with per-epoch ``loss``, metrics, ``val_*`` values and ``time``.

    Train metrics are computed on each batch's outputs during the epoch (before that batch's
    update, with dropout on); validation metrics with the weights at the end of the epoch.
    """
    loss = get_loss(loss)
    optimizer = optimizer if optimizer is not None else SGD(0.01)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be a glassnet Optimizer, got {type(optimizer).__name__}")
    epochs = check_positive_int(epochs, "epochs")
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    if not (isinstance(l2, (int, float)) and np.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    if validation_data is not None and validation_fraction is not None:
        raise ValueError("give validation_data or validation_fraction, not both")
    metric_names = list(metrics) if metrics is not None else default_metrics(loss)
    metric_functions = {name: get_metric(name) for name in metric_names}

    X = check_features(X, network.in_features).astype(network.dtype, copy=False)
    y = check_targets(y, loss, len(X), network.out_features)
    if y.dtype.kind == "f" or loss.task == "regression":
        y = y.astype(network.dtype, copy=False)
    rng = np.random.default_rng(seed)
    train_rows = None  # None: every row trains; else the rows that do (X is never copied)
    if validation_fraction is not None:
        train_rows, val_rows = split_validation(len(X), validation_fraction, rng)
        validation_data = (X[val_rows], y[val_rows])
    if validation_data is not None:
        X_val = check_features(validation_data[0], network.in_features, name="X_val")
        y_val = check_targets(
            validation_data[1], loss, len(X_val), network.out_features, name="y_val"
        )

    n_samples = len(X) if train_rows is None else len(train_rows)
    y_seen = y if train_rows is None else y[train_rows]
    batch = n_samples if batch_size is None else min(batch_size, n_samples)
    batches_per_epoch = -(-n_samples // batch)
    history = History()
    state = TrainingState(network, loss, optimizer, history, epochs, batches_per_epoch)
    callbacks = [
        *([HealthMonitor()] if health else []),
        *callbacks,
        *([TrainingGuard()] if guard else []),
        *([ProgressBar()] if progress else []),
    ]
    state.extra["input_scale"] = float(max(X.max(), -X.min()))
    outputs = np.empty((n_samples, network.out_features), dtype=network.dtype)
    contiguous = not shuffle and train_rows is None
    gather = (lambda array, rows: array[rows[0] : rows[-1] + 1]) if contiguous else _Gather()

    # With the guard on, overflow is expected when training diverges: the guard reports it.
    quiet_floats = np.errstate(over="ignore", invalid="ignore", divide="ignore")
    with quiet_floats if guard else contextlib.nullcontext():
        for callback in callbacks:
            callback.on_train_begin(state)
        try:
            for epoch in range(epochs):
                state.epoch = epoch
                if schedule is not None:
                    optimizer.learning_rate = float(schedule(epoch))
                for callback in callbacks:
                    callback.on_epoch_begin(state)
                started = time.perf_counter()
                order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
                index = order if train_rows is None else train_rows[order]
                total_loss = 0.0
                for start in range(0, n_samples, batch):
                    positions = order[start : start + batch]  # within the training rows
                    rows = index[start : start + batch]  # within X and y
                    for callback in callbacks:
                        callback.on_batch_begin(state)
                    batch_outputs, data_loss, l2_term = network.loss_and_gradients(
                        loss, gather(X, rows), gather(y, rows), l2=l2
                    )
                    state.batch_loss = data_loss + l2_term
                    for callback in callbacks:
                        callback.on_backward_end(state)
                    optimizer.step(network.parameter_vector())
                    outputs[positions] = batch_outputs
                    total_loss += state.batch_loss * len(rows)
                    state.step += 1
                    for callback in callbacks:
                        callback.on_batch_end(state, state.batch_loss)
                logs = {"loss": total_loss / n_samples}
                for name, metric in metric_functions.items():
                    logs[name] = metric(outputs, y_seen, network)
                if validation_data is not None:
                    val = evaluate(network, loss, X_val, y_val, metrics=metric_names, l2=l2)
                    logs.update({f"val_{key}": value for key, value in val.items()})
                logs["time"] = time.perf_counter() - started
                for callback in callbacks:
                    callback.on_epoch_end(state, logs)
                history.append(logs)
                if state.stop:
                    break
        finally:
            for callback in callbacks:
                callback.on_train_end(state)
    return history
