"""Callbacks: code that ``fit`` calls at epoch and batch events.

A callback subclasses :class:`Callback` and overrides the events it needs. Each event receives the
:class:`~glassnet.train.TrainingState` (network, optimizer, history, epoch, step, ``stop``);
setting ``state.stop = True`` ends training after the current epoch. ``on_epoch_end`` may add
entries to the epoch's logs: they go into the History.
"""

from __future__ import annotations

import functools
import math
import sys

from tqdm.std import tqdm as text_tqdm


class Callback:
    """Base class: every event does nothing."""

    def on_train_begin(self, state) -> None:
        """Before the first epoch. ``state`` is the :class:`~glassnet.train.TrainingState`:
        ``network``, ``loss``, ``optimizer``, ``history``, ``epochs``, ``epoch``, ``step``."""

    def on_epoch_begin(self, state) -> None:
        """Before each epoch's first batch (``state.epoch`` counts from 0)."""

    def on_batch_begin(self, state) -> None:
        """Before each batch's forward pass."""

    def on_backward_end(self, state) -> None:
        """Gradients are filled (``state.batch_loss`` is known); parameters not yet updated."""

    def on_batch_end(self, state, batch_loss: float) -> None:
        """After each update; ``batch_loss`` is the batch's loss before it (data plus penalty
        terms)."""

    def on_epoch_end(self, state, logs: dict[str, float]) -> None:
        """After each epoch; ``logs`` holds its ``loss``, metrics, ``val_*`` values and ``time``
        (seconds). Set ``state.stop = True`` to end training after this epoch."""

    def on_train_end(self, state) -> None:
        """After the last epoch (also after an early stop)."""


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs.

    Parameters
    ----------
    monitor : str
        A key of the epoch logs: ``val_loss`` (default), ``val_accuracy``, ``loss``, ...
    patience : int
        Epochs without improvement to wait before stopping.
    min_delta : float
        An improvement must exceed this.
    mode : ``"min"``, ``"max"`` or ``"auto"``
        Whether lower or higher is better; ``auto`` says higher for accuracy and r2.
    restore_best_weights : bool
        At the end, put back the weights of the best epoch (exactly, as copied then).
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "auto",
        restore_best_weights: bool = True,
    ) -> None:
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0, got {patience!r}")
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'auto', 'min' or 'max', got {mode!r}")
        if mode == "auto":
            mode = "max" if monitor.endswith(("accuracy", "r2")) else "min"
        self.monitor = monitor
        self.patience = int(patience)
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = restore_best_weights

    def on_train_begin(self, state) -> None:
        """Start with no best value and no saved weights."""
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_weights = None
        self.wait = 0

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, state, logs) -> None:
        """Keep the weights when the monitored value improved by more than ``min_delta``; stop
        after ``patience`` epochs without improvement."""
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which the epoch logs do not have "
                f"(they have {', '.join(sorted(logs))}); give fit validation data to use val_*"
            )
        value = logs[self.monitor]
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, state.epoch, 0
            if self.restore_best_weights:
                self.best_weights = state.network.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            state.stop = True

    def on_train_end(self, state) -> None:
        """Put the best epoch's weights back (``restore_best_weights``) and record it as
        ``history.best_epoch``."""
        if self.best_weights is not None:
            state.network.set_weights(self.best_weights)
        state.history.best_epoch = self.best_epoch


def _bar_kind(file):
    """tqdm's widget bar in a notebook with ipywidgets; in one without, no bar (the epoch lines
    only: a text bar there leaves frozen lines, and tqdm.auto a warning about IProgress); else
    tqdm's text bar."""
    from glassnet.notebook import in_notebook, widgets_available

    if file is sys.stderr and in_notebook():
        if widgets_available():
            from tqdm.notebook import tqdm

            return tqdm
        return functools.partial(text_tqdm, disable=True)
    return text_tqdm


class ProgressBar(Callback):
    """A progress bar over the batches of each epoch and a line of metrics per logged epoch.

    Writes to stderr: in a notebook with ipywidgets, the bar is a widget. ``log_every`` epochs
    get a line (the last epoch always does); by default about twenty lines in all.
    """

    def __init__(self, log_every: int | None = None, file=None) -> None:
        self.log_every = log_every
        self.file = file if file is not None else sys.stderr

    def on_train_begin(self, state) -> None:
        """Choose how often a line is printed, and one bar per epoch (or, for epochs of fewer than
        10 batches, one bar over all epochs)."""
        self.every = self.log_every or max(1, state.epochs // 20)
        # Short epochs (a few batches) get one bar over all epochs instead of one bar each.
        self.bar_per_epoch = state.batches_per_epoch >= 10
        self.bar = None
        if not self.bar_per_epoch:
            self.bar = self._bar(state.epochs, "training", "epoch")

    def _bar(self, total: int, description: str, unit: str):
        tqdm = _bar_kind(self.file)
        return tqdm(
            total=total,
            desc=description,
            unit=unit,
            leave=False,
            file=self.file,
            dynamic_ncols=True,
        )

    def on_epoch_begin(self, state) -> None:
        """A new bar for this epoch's batches (with one bar per epoch)."""
        if self.bar_per_epoch:
            self.bar = self._bar(
                state.batches_per_epoch, f"epoch {state.epoch + 1}/{state.epochs}", "batch"
            )

    def on_batch_end(self, state, batch_loss: float) -> None:
        """Advance the bar by one batch, showing the batch loss."""
        if self.bar_per_epoch:
            self.bar.update(1)
            if self.bar.n % 20 == 0 or self.bar.n == self.bar.total:
                self.bar.set_postfix(loss=f"{batch_loss:.4f}", refresh=False)

    def on_epoch_end(self, state, logs) -> None:
        """Close the epoch's bar (or advance the one over all epochs) and print its line of metrics
        when it is a logged epoch."""
        if self.bar_per_epoch:
            self.bar.close()
        else:
            self.bar.update(1)
        last = state.epoch + 1 == state.epochs
        if (state.epoch + 1) % self.every == 0 or last or state.stop:
            text_tqdm.write(format_logs(state.epoch, state.epochs, logs), file=self.file)

    def on_train_end(self, state) -> None:
        """Close the bar that is still open."""
        if self.bar is not None:
            self.bar.close()


def format_logs(epoch: int, epochs: int, logs: dict[str, float]) -> str:
    """One line such as ``epoch 3/10  loss 0.2311  accuracy 0.9412  val_loss ...  1.2s``."""
    width = len(str(epochs))
    parts = [f"epoch {epoch + 1:>{width}}/{epochs}"]
    for key, value in logs.items():
        if key == "time" or "/" in key:  # health figures ("grad_norm/dense1") stay in History
            continue
        parts.append(f"{key} {value:.4f}")
    if "time" in logs:
        parts.append(f"{logs['time']:.2f}s")
    return "  ".join(parts)
