"""Training: mini-batches, epochs, validation, metrics and callbacks around one training step."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from glassnet._blas import one_thread, products_on_one_thread
from glassnet._mapped import is_memory_mapped, read_at_random
from glassnet._validation import check_positive_int, check_targets
from glassnet.callbacks import Callback, ProgressBar
from glassnet.checkpoint import (
    TrainingPosition,
    check_same_architecture,
    load_checkpoint,
    save_checkpoint,
)
from glassnet.diagnostics import HealthMonitor, TrainingGuard
from glassnet.frames import is_frame
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

    @classmethod
    def from_dict(cls, data: dict) -> History:
        history = cls()
        history.records = {key: list(values) for key, values in data.get("records", {}).items()}
        history.best_epoch = data.get("best_epoch")
        return history

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
    """Copy the rows of a batch into arrays reused from batch to batch (one copy, no allocation).

    With a ``dtype``, rows of another dtype (a memory-mapped file, never cast whole) are cast as
    they are taken."""

    def __init__(self, dtype=None) -> None:
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.buffers: dict[tuple, np.ndarray] = {}

    def __call__(self, array: np.ndarray, rows: np.ndarray) -> np.ndarray:
        key = (id(array), len(rows))
        buffer = self.buffers.get(key)
        if buffer is None:
            kind = array.dtype if self.dtype is None else self.dtype
            buffer = self.buffers[key] = np.empty((len(rows), *array.shape[1:]), kind)
        # The rows are valid by construction (a permutation of the training rows), so skip
        # the bounds check: with mode="raise" and out=, NumPy gathers into a temporary first,
        # which made this copy 3x slower.
        if buffer.dtype != array.dtype:
            np.copyto(buffer, array.take(rows, axis=0, mode="clip"), casting="unsafe")
            return buffer
        return array.take(rows, axis=0, out=buffer, mode="clip")


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
    with one_thread(products_on_one_thread(len(outputs), network.largest_weight)):
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
    X = network._as_input(X, cast=not is_memory_mapped(X))
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
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
) -> History:
    """Train ``network`` on ``(X, y)`` with mini-batch gradient descent.

    Parameters
    ----------
    X : (n_samples, in_features); a DataFrame is read by column name (see
        :mod:`glassnet.frames`); a memory-mapped array (``numpy.load(path, mmap_mode="r")``) is
        checked a block of rows at a time and each batch's rows are read (and cast) from the
        file, so it may be larger than memory
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
    checkpoint : path of a checkpoint (see :mod:`glassnet.checkpoint`) written every
        ``checkpoint_every`` epochs and at the end. With a checkpoint, Ctrl-C stops at the end of
        the current batch, writes the checkpoint and raises :class:`TrainingInterrupted`.
    resume : continue from ``checkpoint`` (weights, optimizer state, History, random
        generators, the position within an epoch) up to ``epochs`` in all; the result is bit
        for bit that of one uninterrupted run with the same arguments. Callbacks start afresh.

    Returns
    -------
    History with per-epoch ``loss``, metrics, ``val_*`` values and ``time``.

    Train metrics are computed on each batch's outputs during the epoch (before that batch's
    update, with dropout on); validation metrics with the weights at the end of the epoch.
    """
    loss = get_loss(loss)
    optimizer = optimizer if optimizer is not None else SGD(0.01)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a glassnet Optimizer such as Adam(0.001) or SGD(0.01); got "
            f"{optimizer!r}"
        )
    epochs = check_positive_int(epochs, "epochs")
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    if not (isinstance(l2, (int, float)) and np.isfinite(l2) and l2 >= 0):
        raise ValueError(f"l2 must be a finite number >= 0, got {l2!r}")
    if validation_data is not None and validation_fraction is not None:
        raise ValueError("give validation_data or validation_fraction, not both")
    metric_names = list(metrics) if metrics is not None else default_metrics(loss)
    metric_functions = {name: get_metric(name) for name in metric_names}

    if is_frame(X) and not network.metadata.get("feature_names"):
        network.metadata["feature_names"] = [str(column) for column in X.columns]
    mapped = is_memory_mapped(X)  # read a batch at a time, never copied whole
    X = network._as_input(X, cast=not mapped)
    y = check_targets(y, loss, len(X), network.out_features)
    if y.dtype.kind == "f" or loss.task == "regression":
        y = y.astype(network.dtype, copy=False)
    rng = np.random.default_rng(seed)
    train_rows = None  # None: every row trains; else the rows that do (X is never copied)
    if validation_fraction is not None:
        train_rows, val_rows = split_validation(len(X), validation_fraction, rng)
        validation_data = (X[val_rows], y[val_rows])
    if validation_data is not None:
        X_val = network._as_input(validation_data[0], name="X_val")
        y_val = check_targets(
            validation_data[1], loss, len(X_val), network.out_features, name="y_val"
        )

    n_samples = len(X) if train_rows is None else len(train_rows)
    batch = n_samples if batch_size is None else min(batch_size, n_samples)
    batches_per_epoch = -(-n_samples // batch)
    checkpoint_every = check_positive_int(checkpoint_every, "checkpoint_every")
    position = TrainingPosition()
    if resume:
        if checkpoint is None:
            raise ValueError("resume=True needs the checkpoint= path to resume from")
        position = _resume(Path(checkpoint), network, optimizer, rng)
        if position.order is not None and len(position.order) != n_samples:
            raise ValueError(
                f"cannot resume from {checkpoint}: it was training on {len(position.order)} rows, "
                f"these data give {n_samples}"
            )
    history = History.from_dict(position.history)
    state = TrainingState(network, loss, optimizer, history, epochs, batches_per_epoch)
    state.epoch, state.step = position.epoch, position.step
    callbacks = [
        *([HealthMonitor()] if health else []),
        *callbacks,
        *([TrainingGuard()] if guard else []),
        *([ProgressBar()] if progress else []),
    ]
    # The largest |x|, asked for only when training diverges (two passes over X otherwise wasted).
    state.extra["input_scale"] = lambda: float(max(X.max(), -X.min()))
    contiguous = not shuffle and train_rows is None and not mapped
    if contiguous:
        gather_x = gather_y = lambda array, rows: array[rows[0] : rows[-1] + 1]  # noqa: E731
    else:
        gather_x, gather_y = _Gather(network.dtype), _Gather()

    def save_position(epoch, next_start, order, outputs, total_loss) -> None:
        """Write the checkpoint for training that continues at ``epoch``, row ``next_start``."""
        within = 0 < next_start < n_samples
        position = TrainingPosition(
            epoch=epoch,
            step=state.step,
            batch_start=next_start if within else 0,
            order=order if within else None,
            outputs=outputs if within else None,
            total_loss=total_loss if within else 0.0,
            history=history.to_dict(),
            shuffle_rng=rng.bit_generator.state,
            network_rng=network.rng.bit_generator.state,
        )
        save_checkpoint(checkpoint, network, optimizer, position)

    # With the guard on, overflow is expected when training diverges: the guard reports it.
    quiet_floats = np.errstate(over="ignore", invalid="ignore", divide="ignore")
    interrupts = _DeferredInterrupt() if checkpoint is not None else contextlib.nullcontext()
    reading = read_at_random(X) if mapped and shuffle else contextlib.nullcontext()
    # The update runs on as many cores as the steps' matrix products do (see glassnet._blas).
    steps_on_one_thread = products_on_one_thread(batch, network.largest_weight)
    with quiet_floats if guard else contextlib.nullcontext(), reading, interrupts as interrupt:
        for callback in callbacks:
            callback.on_train_begin(state)
        try:
            for epoch in range(position.epoch, epochs):
                state.epoch = epoch
                resuming = epoch == position.epoch and position.order is not None
                if schedule is not None:
                    optimizer.learning_rate = float(schedule(epoch))
                for callback in callbacks:
                    callback.on_epoch_begin(state)
                started = time.perf_counter()
                if resuming:
                    order, outputs = position.order, position.outputs
                    first, total_loss = position.batch_start, position.total_loss
                else:
                    order = rng.permutation(n_samples) if shuffle else np.arange(n_samples)
                    outputs = np.empty((n_samples, network.out_features), dtype=network.dtype)
                    first, total_loss = 0, 0.0
                index = order if train_rows is None else train_rows[order]
                with one_thread(steps_on_one_thread):
                    for start in range(first, n_samples, batch):
                        rows = index[start : start + batch]  # within X and y
                        for callback in callbacks:
                            callback.on_batch_begin(state)
                        _, data_loss, l2_term = network._loss_and_gradients(
                            loss,
                            gather_x(X, rows),
                            gather_y(y, rows),
                            l2=l2,
                            out=outputs[start : start + batch],  # kept in the order rows come
                        )
                        state.batch_loss = data_loss + l2_term
                        for callback in callbacks:
                            callback.on_backward_end(state)
                        optimizer.step(network.parameter_vector())
                        total_loss += state.batch_loss * len(rows)
                        state.step += 1
                        for callback in callbacks:
                            callback.on_batch_end(state, state.batch_loss)
                        if interrupt is not None and interrupt.requested:
                            save_position(epoch, start + batch, order, outputs, total_loss)
                            raise TrainingInterrupted(checkpoint, epoch, state.step)
                logs = {"loss": total_loss / n_samples}
                visited = y[index]  # the targets in the order of ``outputs``
                for name, metric in metric_functions.items():
                    logs[name] = metric(outputs, visited, network)
                if validation_data is not None:
                    val = evaluate(network, loss, X_val, y_val, metrics=metric_names, l2=l2)
                    logs.update({f"val_{key}": value for key, value in val.items()})
                logs["time"] = time.perf_counter() - started
                for callback in callbacks:
                    callback.on_epoch_end(state, logs)
                history.append(logs)
                last = state.stop or epoch + 1 == epochs
                if checkpoint is not None and (last or (epoch + 1) % checkpoint_every == 0):
                    save_position(epoch + 1, 0, None, None, 0.0)
                if state.stop:
                    break
        finally:
            for callback in callbacks:
                callback.on_train_end(state)
    return history


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`fit` with a checkpoint: the checkpoint was written; resume from it."""

    def __init__(self, path, epoch: int, step: int) -> None:
        super().__init__(
            f"training interrupted in epoch {epoch + 1} after step {step}; checkpoint saved to "
            f"{path}: resume with fit(..., checkpoint={str(path)!r}, resume=True)"
        )
        self.path, self.epoch, self.step = Path(path), epoch, step


class _DeferredInterrupt:
    """Within the block, the first Ctrl-C only sets ``requested`` (the training loop then stops
    at the end of the batch, where the state is consistent); a second one interrupts at once."""

    def __enter__(self) -> _DeferredInterrupt:
        self.requested = False
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _resume(
    path: Path, network: Network, optimizer: Optimizer, rng: np.random.Generator
) -> TrainingPosition:
    """Load a checkpoint into ``network``, ``optimizer`` and ``rng``; return where to go on."""
    saved, optimizer_values, optimizer_arrays, position = load_checkpoint(path)
    check_same_architecture(path, saved, network)
    network.set_weights(saved.get_weights())
    optimizer.load_state_dict(optimizer_values, optimizer_arrays)
    rng.bit_generator.state = position.shuffle_rng
    network.rng.bit_generator.state = position.network_rng
    return position
