"""Training: mini-batches, epochs, validation, metrics and callbacks around one training step."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from glassnet._blas import one_thread, products_on_one_thread
from glassnet._mapped import is_memory_mapped, read_at_random
from glassnet._validation import cast_checked, check_positive_int, check_targets
from glassnet.batches import Batches, Gather, consecutive
from glassnet.callbacks import Callback, ProgressBar
from glassnet.checkpoint import (
    DeferredInterrupt,
    TrainingInterrupted,
    TrainingPosition,
    resume_into,
    save_checkpoint,
)
from glassnet.diagnostics import HealthMonitor, TrainingDiverged, TrainingGuard, likely_causes
from glassnet.frames import is_frame
from glassnet.losses import Loss, get_loss
from glassnet.metrics import default_metrics, get_metric
from glassnet.network import Network
from glassnet.optim import SGD, Optimizer, clip_gradient_norm
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
        """Add one epoch's values (``loss``, metrics, ``val_*``, ``time``)."""
        for key, value in logs.items():
            self.records.setdefault(key, []).append(value)

    def __getitem__(self, key: str) -> list[float]:
        return self.records[key]

    def __contains__(self, key: str) -> bool:
        return key in self.records

    @property
    def loss(self) -> list[float]:
        """The training loss of each epoch."""
        return self.records.get("loss", [])

    @property
    def val_loss(self) -> list[float]:
        """The validation loss of each epoch (empty without validation)."""
        return self.records.get("val_loss", [])

    @property
    def epoch_times(self) -> list[float]:
        """Seconds each epoch took."""
        return self.records.get("time", [])

    @property
    def epochs(self) -> int:
        """The number of epochs run."""
        return len(self.loss)

    def to_dict(self) -> dict:
        """Plain data: each key's list of values and ``best_epoch``."""
        return {"records": self.records, "best_epoch": self.best_epoch}

    @classmethod
    def from_dict(cls, data: dict) -> History:
        """The History :meth:`to_dict` gave (a checkpoint keeps it so)."""
        history = cls()
        history.records = {key: list(values) for key, values in data.get("records", {}).items()}
        history.best_epoch = data.get("best_epoch")
        return history

    def __repr__(self) -> str:
        return f"History(epochs={self.epochs}, keys={list(self.records)})"

    def _repr_html_(self) -> str:
        """The curves and the last epoch's values, for a notebook."""
        from glassnet.notebook import history_html

        return history_html(self)


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


def _learn(
    network: Network,
    loss: Loss,
    optimizer: Optimizer,
    x: np.ndarray,
    target: np.ndarray,
    *,
    l2: float,
    l1: float = 0.0,
    out: np.ndarray | None = None,
    before_update: Callable[[float], None] | None = None,
    update_on_one_thread: bool = False,
    clip_norm: float | None = None,
) -> tuple[np.ndarray, float, float]:
    """The step itself, on a batch already checked: forward, loss, backward (every brick's
    ``grads``), then ``before_update(batch_loss)``, then the gradient clipped to ``clip_norm``,
    then the optimizer's update."""
    outputs, data_loss, l2_term = network.loss_and_gradients(
        loss, x, target, l2=l2, l1=l1, out=out, checked=True
    )
    if before_update is not None:
        before_update(data_loss + l2_term)
    if clip_norm is not None:  # every gradient, as the one vector they are stored in
        clip_gradient_norm(network.parameter_vector()[0][2], clip_norm)
    with one_thread() if update_on_one_thread else contextlib.nullcontext():
        optimizer.step(network.parameter_vector())
    network.apply_constraints()  # max-norm: each unit's incoming weights held to their limit
    return outputs, data_loss, l2_term


def train_step(
    network: Network,
    loss: Loss | str,
    optimizer: Optimizer,
    x: np.ndarray,
    target: np.ndarray,
    *,
    l2: float = 0.0,
    l1: float = 0.0,
    before_update: Callable[[float], None] | None = None,
    clip_norm: float | None = None,
) -> tuple[np.ndarray, float, float]:
    """One step of learning on one batch: forward, loss, backward, update.

    Parameters
    ----------
    network : Network
        Updated in place.
    loss : Loss or str
        The loss, as :func:`fit` takes it.
    optimizer : Optimizer
        The update rule.
    x : ndarray of shape (batch, in_features)
        The batch's inputs.
    target : ndarray of shape (batch,) or (batch, out_features)
        The batch's targets for ``loss``.
    l2 : float
        Ridge strength.
    l1 : float
        Lasso strength.
    before_update : callable, optional
        Called with the batch's loss once every gradient is filled, before the optimizer moves a
        weight. An exception raised there leaves the weights as they were, which is what
        :class:`~glassnet.diagnostics.TrainingGuard` relies on.
    clip_norm : float, optional
        Scale the gradient (all parameters' together) down to this norm when it is longer, before
        the update (see :func:`~glassnet.optim.clip_gradient_norm`).

    Returns
    -------
    outputs : ndarray of shape (batch, out_features)
        The forward pass's outputs, before the update.
    data_loss : float
        The loss of the batch.
    penalty : float
        The Ridge plus Lasso term.
    """
    loss = get_loss(loss)
    x = network.as_input(x)
    alone = products_on_one_thread(len(x), network.largest_weight_entries)
    return _learn(network, loss, optimizer, x, target, l2=l2, l1=l1, before_update=before_update,
                  update_on_one_thread=alone, clip_norm=_checked_clip(clip_norm))  # fmt: skip


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
    l1: float = 0.0,
) -> dict[str, float]:
    """Loss (with the L2 and L1 terms) and metrics of ``network`` on ``(X, y)``, in inference mode.

    Parameters
    ----------
    network : Network
        The network to score.
    loss : Loss or str
        The loss, as :func:`fit` takes it.
    X : ndarray of shape (n_samples, in_features), DataFrame, or memory-mapped ndarray
        The inputs.
    y : ndarray of shape (n_samples,) or (n_samples, out_features)
        Targets for ``loss``.
    metrics : list of str, optional
        Names from :mod:`glassnet.metrics`; by default the loss's own (accuracy, or mse, mae, r2).
    l2 : float
        Ridge strength included in the reported loss.
    l1 : float
        Lasso strength included in the reported loss.

    Returns
    -------
    dict of str to float
        ``{"loss": ..., "accuracy": ...}``: the loss and each metric.
    """
    loss = get_loss(loss)
    X = network.as_input(X, cast=not is_memory_mapped(X))
    y = check_targets(y, loss, len(X), network.out_features)
    return _scores(network, loss, X, y, metrics, l2, l1)


def _scores(network: Network, loss: Loss, X, y, metrics, l2: float, l1: float = 0.0) -> dict:
    """:func:`evaluate` on rows and targets already checked."""
    outputs = network.predict(X, checked=True)
    logs = {"loss": loss.value(outputs, y) + network.penalty(l2, l1)}
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
    l1: float = 0.0,
    validation_data: tuple[np.ndarray, np.ndarray] | None = None,
    validation_fraction: float | None = None,
    metrics: Sequence[str] | None = None,
    callbacks: Sequence[Callback] = (),
    schedule: Callable[[int], float] | None = None,
    clip_norm: float | None = None,
    augment: Callable[[np.ndarray, np.random.Generator], np.ndarray] | None = None,
    seed: int | None = None,
    progress: bool = True,
    guard: bool = False,
    health: bool = False,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
) -> History:
    """Train ``network`` on ``(X, y)`` with mini-batch gradient descent.

    Train metrics are computed on each batch's outputs during the epoch (before that batch's
    update, with dropout on); validation metrics with the weights at the end of the epoch.

    Parameters
    ----------
    network : Network
        The network to train; its parameters are updated in place.
    X : ndarray of shape (n_samples, in_features), DataFrame, or memory-mapped ndarray
        The inputs. A DataFrame is read by column name (see :mod:`glassnet.frames`). A
        memory-mapped array (``numpy.load(path, mmap_mode="r")``) is checked a block of rows at a
        time and each batch's rows are read (and cast) from the file, so it may be larger than
        memory.
    y : ndarray of shape (n_samples,) or (n_samples, out_features)
        Targets for ``loss``: integer labels or one-hot rows for cross-entropy, values for the
        regression losses.
    loss : Loss or str
        ``"mse"``, ``"mae"``, ``"cross_entropy"``, ``"binary_cross_entropy"``, or a Loss.
    optimizer : Optimizer, optional
        The update rule; ``SGD(0.01)`` when not given.
    epochs : int
        Passes over the training rows.
    batch_size : int or None
        Rows per step: 1 is per-sample SGD, None the full batch.
    shuffle : bool
        Draw a new order of the rows each epoch.
    l2 : float
        Ridge strength ``alpha``: ``alpha/2 * sum(W**2)`` joins the loss and ``alpha * W`` the
        weight gradients.
    l1 : float
        Lasso strength ``beta``: ``beta * sum(|W|)`` joins the loss and ``beta * sign(W)`` the
        weight gradients.
    validation_data : tuple of (X_val, y_val), optional
        Evaluated after every epoch.
    validation_fraction : float, optional
        Instead, hold this random fraction of the rows apart for validation.
    metrics : list of str, optional
        Names from :mod:`glassnet.metrics`; by default ``accuracy`` for classification losses and
        ``mse``, ``mae``, ``r2`` for regression ones.
    callbacks : list of Callback
        :class:`~glassnet.callbacks.Callback` instances (early stopping, ...).
    schedule : callable, optional
        ``epoch -> learning_rate`` (see :mod:`glassnet.schedules`), asked before every epoch, or
        before every step when it has ``per_step = True``.
    clip_norm : float, optional
        Before each update, scale the gradient (every parameter's together) down to this norm
        when it is longer (see :func:`~glassnet.optim.clip_gradient_norm`).
    augment : callable, optional
        ``(batch, rng) -> batch``, applied to each training batch's inputs with the run's
        Generator (see :mod:`glassnet.augment`); validation rows are left as they are.
    seed : int, optional
        Seed of the Generator for shuffling and the validation split (dropout masks come from the
        network's own Generator).
    progress : bool
        Show a progress bar and per-epoch metrics on stderr.
    guard : bool
        Stop with :class:`~glassnet.diagnostics.TrainingDiverged` when the loss or a gradient
        becomes NaN or Inf, or explodes (see :class:`~glassnet.diagnostics.TrainingGuard`).
    health : bool
        Add per-epoch gradient norms, dead-ReLU and saturation fractions to the History (see
        :class:`~glassnet.diagnostics.HealthMonitor`).
    checkpoint : str or Path, optional
        A checkpoint file (see :mod:`glassnet.checkpoint`), written every ``checkpoint_every``
        epochs and at the end. With a checkpoint, Ctrl-C stops at the end of the current batch,
        writes the checkpoint and raises :class:`~glassnet.checkpoint.TrainingInterrupted`.
    checkpoint_every : int
        Epochs between two checkpoints.
    resume : bool
        Continue from ``checkpoint`` (weights, optimizer state, History, random generators, the
        position within an epoch) up to ``epochs`` in all. The result is bit for bit that of one
        uninterrupted run with the same arguments. Callbacks start afresh.

    Returns
    -------
    History
        Per-epoch ``loss``, metrics, ``val_*`` values and ``time``.
    """
    loss = get_loss(loss)
    optimizer = _checked_optimizer(optimizer)
    epochs = check_positive_int(epochs, "epochs")
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    for name, strength in (("l2", l2), ("l1", l1)):
        if not (isinstance(strength, (int, float)) and np.isfinite(strength) and strength >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {strength!r}")
    if validation_data is not None and validation_fraction is not None:
        raise ValueError("give validation_data or validation_fraction, not both")
    metric_names = list(metrics) if metrics is not None else default_metrics(loss)
    rng = np.random.default_rng(seed)
    data = _TrainingData(network, loss, X, y, validation_data, validation_fraction, rng)
    batches = Batches(len(data.X), batch_size, rng=rng, shuffle=shuffle, rows=data.train_rows)
    checkpoint_every = check_positive_int(checkpoint_every, "checkpoint_every")
    position = _start(checkpoint, resume, network, optimizer, rng, batches.n_rows)
    history = History.from_dict(position.history)
    state = TrainingState(network, loss, optimizer, history, epochs, batches.per_epoch)
    state.epoch, state.step = position.epoch, position.step
    # The largest |x| and |y|, asked for only when training diverges (passes otherwise wasted).
    regression = loss.task == "regression"
    state.extra["input_scale"] = lambda: _largest_magnitude(data.X)
    state.extra["target_scale"] = lambda: _largest_magnitude(data.y) if regression else 0.0
    callbacks = [
        *([HealthMonitor()] if health else []),
        *callbacks,
        *([TrainingGuard()] if guard else []),
        *([ProgressBar()] if progress else []),
    ]
    run = _Training(state, data, batches, callbacks, l2=l2, l1=l1, schedule=schedule,
                    metric_names=metric_names, checkpoint=checkpoint,
                    checkpoint_every=checkpoint_every)  # fmt: skip
    run.clip_norm, run.augment = _checked_clip(clip_norm), augment
    run.train(position, guard=guard)
    _refuse_non_finite(state)
    return history


def _largest_magnitude(values: np.ndarray) -> float:
    return float(max(values.max(), -values.min())) if values.size else 0.0


def _refuse_non_finite(state: TrainingState) -> None:
    """Raise rather than hand back a network whose weights overflowed, naming the likely cause."""
    for name, param, _ in state.network.parameters():
        if not np.all(np.isfinite(param)):
            causes = likely_causes(state.network, state)
            raise TrainingDiverged(
                f"training ended with NaN or Inf in {name}: the steps overflowed. Likely cause: "
                + "; or ".join(causes)
                + ". fit(..., guard=True) stops at the first bad step and names its cause"
            )


def _checked_clip(clip_norm: float | None) -> float | None:
    if clip_norm is not None and not (
        isinstance(clip_norm, (int, float)) and np.isfinite(clip_norm) and clip_norm > 0
    ):
        raise ValueError(f"clip_norm must be a finite number > 0 or None, got {clip_norm!r}")
    return None if clip_norm is None else float(clip_norm)


def _checked_optimizer(optimizer: Optimizer | None) -> Optimizer:
    optimizer = optimizer if optimizer is not None else SGD(0.01)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a glassnet Optimizer such as Adam(0.001) or SGD(0.01); got "
            f"{optimizer!r}"
        )
    return optimizer


def _start(checkpoint, resume: bool, network, optimizer, rng, n_rows: int) -> TrainingPosition:
    """Where training starts: the beginning, or a checkpoint's position (``resume``)."""
    if not resume:
        return TrainingPosition()
    if checkpoint is None:
        raise ValueError("resume=True needs the checkpoint= path to resume from")
    position = resume_into(checkpoint, network, optimizer, rng)
    if position.order is not None and len(position.order) != n_rows:
        raise ValueError(
            f"cannot resume from {checkpoint}: it was training on {len(position.order)} rows, "
            f"these data give {n_rows}"
        )
    return position


class _TrainingData:
    """fit's data, checked once at the door: ``X``, ``y``, the rows that train (``train_rows``,
    None for all) and the validation set (``validation``, or None)."""

    def __init__(self, network, loss, X, y, validation_data, validation_fraction, rng) -> None:
        if is_frame(X) and not network.metadata.get("feature_names"):
            network.metadata["feature_names"] = [str(column) for column in X.columns]
        self.mapped = is_memory_mapped(X)  # read a batch at a time, never copied whole
        self.X = network.as_input(X, cast=not self.mapped)
        y = check_targets(y, loss, len(self.X), network.out_features)
        if y.dtype.kind == "f" or loss.task == "regression":
            y = cast_checked(y, network.dtype, "y")
        self.y = y
        self.train_rows = None  # None: every row trains; else the rows that do (X is never copied)
        if validation_fraction is not None:
            self.train_rows, val_rows = split_validation(len(self.X), validation_fraction, rng)
            validation_data = (self.X[val_rows], y[val_rows])
        self.validation = None
        if validation_data is not None:
            X_val = network.as_input(validation_data[0], name="X_val")
            y_val = check_targets(
                validation_data[1], loss, len(X_val), network.out_features, name="y_val"
            )
            self.validation = (X_val, y_val)


class _Training:
    """One run of :func:`fit`: its epochs, each a loop of steps, with callbacks, metrics and
    checkpoints around them."""

    def __init__(self, state: TrainingState, data: _TrainingData, batches: Batches, callbacks,
                 *, l2, l1, schedule, metric_names, checkpoint,
                 checkpoint_every) -> None:  # fmt: skip
        self.state, self.data, self.batches, self.callbacks = state, data, batches, callbacks
        self.l2, self.l1, self.schedule, self.checkpoint = l2, l1, schedule, checkpoint
        self.checkpoint_every = checkpoint_every
        self.metric_names = metric_names
        self.metrics = {name: get_metric(name) for name in metric_names}
        in_order = not batches.shuffle and data.train_rows is None and not data.mapped
        self.gather_x = consecutive if in_order else Gather(state.network.dtype)
        self.gather_y = consecutive if in_order else Gather()
        self.clip_norm, self.augment = None, None
        self.per_step = getattr(schedule, "per_step", False)

    def _each(self, hook: str, *args) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(self.state, *args)

    def train(self, position: TrainingPosition, *, guard: bool) -> None:
        state = self.state
        # With the guard on, overflow is expected when training diverges: the guard reports it.
        floats = np.errstate(over="ignore", invalid="ignore", divide="ignore")
        quiet = floats if guard else contextlib.nullcontext()
        mapped_at_random = self.data.mapped and self.batches.shuffle
        reading = read_at_random(self.data.X) if mapped_at_random else contextlib.nullcontext()
        interrupts = DeferredInterrupt() if self.checkpoint is not None else None
        with quiet, reading, interrupts or contextlib.nullcontext():
            self._each("on_train_begin")
            try:
                for epoch in range(position.epoch, state.epochs):
                    resumed = position if epoch == position.epoch else None
                    logs = self._epoch(epoch, resumed, interrupts)
                    self._each("on_epoch_end", logs)
                    state.history.append(logs)
                    last = state.stop or epoch + 1 == state.epochs
                    if self.checkpoint is not None and (
                        last or (epoch + 1) % self.checkpoint_every == 0
                    ):
                        self._save(epoch + 1)
                    if state.stop:
                        break
            finally:
                self._each("on_train_end")

    def _epoch(self, epoch: int, resumed: TrainingPosition | None, interrupts) -> dict:
        """One pass over the training rows (from a checkpoint's place within it when
        ``resumed``); returns the epoch's logs."""
        state, network, batches = self.state, self.state.network, self.batches
        state.epoch = epoch
        if self.schedule is not None and not self.per_step:
            state.optimizer.learning_rate = float(self.schedule(epoch))
        self._each("on_epoch_begin")
        started = time.perf_counter()
        if resumed is not None and resumed.order is not None:
            order, outputs = resumed.order, resumed.outputs
            first, total_loss = resumed.batch_start, resumed.total_loss
        else:
            order = batches.new_order()
            outputs = np.empty((batches.n_rows, network.out_features), dtype=network.dtype)
            first, total_loss = 0, 0.0
        # The update runs on as many cores as the steps' matrix products do (see glassnet._blas).
        with one_thread(products_on_one_thread(batches.size, network.largest_weight_entries)):
            for start, rows in batches.split(order, first):
                if self.per_step:  # the epochs done once this step is taken
                    done = epoch + (start // batches.size + 1) / batches.per_epoch
                    state.optimizer.learning_rate = float(self.schedule(done))
                self._each("on_batch_begin")
                x = self.gather_x(self.data.X, rows)
                if self.augment is not None:
                    x = self.augment(x, batches.rng)
                _learn(network, state.loss, state.optimizer, x,
                       self.gather_y(self.data.y, rows), l2=self.l2, l1=self.l1,
                       out=outputs[start : start + batches.size],  # kept in the order rows come
                       before_update=self._after_backward, clip_norm=self.clip_norm)  # fmt: skip
                total_loss += state.batch_loss * len(rows)
                state.step += 1
                self._each("on_batch_end", state.batch_loss)
                if interrupts is not None and interrupts.requested:
                    self._save(epoch, start + batches.size, order, outputs, total_loss)
                    raise TrainingInterrupted(self.checkpoint, epoch, state.step)
        return self._logs(total_loss, outputs, batches.index(order), started)

    def _after_backward(self, batch_loss: float) -> None:
        self.state.batch_loss = batch_loss
        self._each("on_backward_end")

    def _logs(self, total_loss: float, outputs: np.ndarray, index, started: float) -> dict:
        """The epoch's loss and metrics (on each batch's outputs, before its update, dropout on),
        and the validation set's with the weights at the end of the epoch."""
        state, network = self.state, self.state.network
        logs = {"loss": total_loss / self.batches.n_rows}
        visited = self.data.y[index]  # the targets in the order of ``outputs``
        for name, metric in self.metrics.items():
            logs[name] = metric(outputs, visited, network)
        if self.data.validation is not None:
            X_val, y_val = self.data.validation
            val = _scores(network, state.loss, X_val, y_val, self.metric_names, self.l2,
                          self.l1)  # fmt: skip
            logs.update({f"val_{key}": value for key, value in val.items()})
        logs["time"] = time.perf_counter() - started
        return logs

    def _save(self, epoch: int, next_start: int = 0, order=None, outputs=None, total_loss=0.0):
        """Write the checkpoint for training that continues at ``epoch``, row ``next_start``."""
        state, n_rows = self.state, self.batches.n_rows
        within = 0 < next_start < n_rows
        position = TrainingPosition(
            epoch=epoch,
            step=state.step,
            batch_start=next_start if within else 0,
            order=order if within else None,
            outputs=outputs if within else None,
            total_loss=total_loss if within else 0.0,
            history=state.history.to_dict(),
            shuffle_rng=self.batches.rng.bit_generator.state,
            network_rng=state.network.rng.bit_generator.state,
        )
        _refuse_non_finite(state)  # a diverged run: named as such, not as a refused save
        save_checkpoint(self.checkpoint, state.network, state.optimizer, position)
