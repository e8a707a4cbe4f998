"""Checkpoints: everything needed to stop training and resume it exactly.

A checkpoint is a model file (see :mod:`glassnet.io`: it loads as a model too) with the training
state beside the parameters: the optimizer's state (momentum buffers, Adam moments and step),
where training is (epoch, step, and within an epoch the batch order, the next batch and the
outputs so far), the History, and the states of the two random generators (shuffling, and the
network's own for dropout). Resuming from it gives, on the same machine, bit for bit the weights
an uninterrupted run would have. Written atomically, like models, with a SHA-256 digest of its
header and arrays: a checkpoint damaged in any byte that matters is refused, never resumed into
another run.
"""

from __future__ import annotations

import hashlib
import json
import math
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from glassnet._checks import is_finite_real, is_real, is_whole
from glassnet.io import ModelFileError, model_contents, network_from, read_archive, write_archive
from glassnet.network import Network
from glassnet.optim import Optimizer

OPTIMIZER_PREFIX = "optimizer/"
TRAINING_PREFIX = "training/"


@dataclass
class TrainingPosition:
    """Where training stands.

    ``epoch`` is the epoch in progress (0-based) and ``batch_start`` the first row position of
    the next batch in it; ``batch_start == 0`` with ``order is None`` means the epoch has not
    begun. Within an epoch, ``order`` is its permutation of the training rows, ``outputs`` the
    network outputs recorded so far (in that order) and ``total_loss`` the running sum of batch
    losses.
    """

    epoch: int = 0
    step: int = 0
    batch_start: int = 0
    order: np.ndarray | None = None
    outputs: np.ndarray | None = None
    total_loss: float = 0.0
    history: dict = field(default_factory=dict)
    shuffle_rng: dict | None = None
    network_rng: dict | None = None


def save_checkpoint(
    path: str | Path, network: Network, optimizer: Optimizer, position: TrainingPosition
) -> Path:
    """Write the network, the optimizer's state and ``position`` to ``path`` atomically."""
    path = Path(path)
    header, arrays = model_contents(network, path)
    optimizer_values, optimizer_arrays = optimizer.state_dict()
    header["checkpoint"] = {
        "optimizer": optimizer_values,
        "epoch": position.epoch,
        "step": position.step,
        "batch_start": position.batch_start,
        "total_loss": position.total_loss,
        "history": position.history,
        "shuffle_rng": position.shuffle_rng,
        "network_rng": position.network_rng,
    }
    for key, value in optimizer_arrays.items():
        arrays[OPTIMIZER_PREFIX + key] = value
    if position.order is not None:
        arrays[TRAINING_PREFIX + "order"] = position.order
        arrays[TRAINING_PREFIX + "outputs"] = position.outputs
    header["checkpoint"]["digest"] = digest(header, arrays)
    write_archive(path, header, arrays)
    return path


def digest(header: dict, arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of a checkpoint's header (but its ``digest``) and arrays (names, dtypes, shapes,
    bytes): what :func:`load_checkpoint` recomputes to know the file is as it was written."""
    state = {key: value for key, value in header["checkpoint"].items() if key != "digest"}
    text = json.dumps({**header, "checkpoint": state}, sort_keys=True)
    hasher = hashlib.sha256(text.encode("utf-8"))
    for name in sorted(arrays):
        array = np.ascontiguousarray(arrays[name])
        hasher.update(f"{name}:{array.dtype.str}:{array.shape}".encode())
        hasher.update(array.data)
    return hasher.hexdigest()


def load_checkpoint(path: str | Path) -> tuple[Network, dict, dict, TrainingPosition]:
    """Read a checkpoint: ``(network, optimizer values, optimizer arrays, position)``.

    Hand the optimizer parts to ``optimizer.load_state_dict``.
    """
    path = Path(path)
    header, arrays = read_archive(path, kind="checkpoint")
    saved = header.get("checkpoint")
    if not isinstance(saved, dict):
        raise ModelFileError(f"{path} is a glassnet model, not a checkpoint (no training state)")
    if "digest" in saved and saved["digest"] != digest(header, arrays):  # (older ones: none)
        raise ModelFileError(
            f"{path}: the checkpoint is damaged (its contents do not match the digest written "
            "with them); resume from another checkpoint or train again"
        )
    network = network_from(path, header, arrays)
    optimizer_arrays = {
        key[len(OPTIMIZER_PREFIX) :]: value
        for key, value in arrays.items()
        if key.startswith(OPTIMIZER_PREFIX)
    }
    try:
        position = TrainingPosition(
            epoch=int(saved["epoch"]),
            step=int(saved["step"]),
            batch_start=int(saved["batch_start"]),
            order=arrays.get(TRAINING_PREFIX + "order"),
            outputs=arrays.get(TRAINING_PREFIX + "outputs"),
            total_loss=float(saved["total_loss"]),
            history=dict(saved["history"]),
            shuffle_rng=saved["shuffle_rng"],
            network_rng=saved["network_rng"],
        )
        optimizer_values = dict(saved["optimizer"])
    except (KeyError, TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: the training state is incomplete ({error})") from None
    return network, optimizer_values, optimizer_arrays, position


def check_same_architecture(path: Path, saved: Network, network: Network) -> None:
    """Refuse to resume into a network whose parameters differ in names or shapes."""
    mine = [(name, param.shape) for name, param, _ in network.parameters()]
    theirs = [(name, param.shape) for name, param, _ in saved.parameters()]
    if mine != theirs or saved.dtype != network.dtype:
        raise ValueError(
            f"cannot resume from {path}: it holds a {_describe(saved)} network, but this one is "
            f"{_describe(network)}"
        )


def _describe(network: Network) -> str:
    sizes = [network.in_features] + [
        param.shape[1] for _, param, _ in network.parameters() if param.ndim == 2
    ]
    return "-".join(map(str, sizes)) + f" {network.dtype.name}"


def resume_into(
    path: str | Path, network: Network, optimizer: Optimizer, rng: np.random.Generator
) -> TrainingPosition:
    """Load a checkpoint into ``network``, ``optimizer`` and the shuffling ``rng``; return where
    training goes on."""
    path = Path(path)
    saved, optimizer_values, optimizer_arrays, position = load_checkpoint(path)
    check_same_architecture(path, saved, network)
    _check_position(path, position, network)
    _check_optimizer_state(path, optimizer_values, optimizer_arrays, network, optimizer)
    try:
        optimizer.load_state_dict(optimizer_values, optimizer_arrays)
        rng.bit_generator.state = position.shuffle_rng
        network.rng.bit_generator.state = position.network_rng
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as error:
        raise ModelFileError(f"{path}: the training state is invalid ({error})") from None
    network.set_weights(saved.get_weights())
    return position


def _check_position(path: Path, position: TrainingPosition, network: Network) -> None:
    """Refuse a position no run could have written: every count a whole number >= 0, a History
    of numbers for the epochs done, a row order that is a permutation, the next batch within it,
    the outputs so far in the network's shape and dtype."""

    def refuse(problem: str):
        raise ModelFileError(f"{path}: the training state is invalid: {problem}")

    for name in ("epoch", "step", "batch_start"):
        value = getattr(position, name)
        if not is_whole(value) or value < 0:
            refuse(f"{name} must be a whole number >= 0, got {value!r}")
    if not (math.isfinite(position.total_loss) and position.total_loss >= 0):
        refuse(f"total_loss must be a finite number >= 0, got {position.total_loss!r}")
    _check_history(position.history, position.epoch, refuse)
    order = position.order
    if order is None:
        if position.batch_start != 0:
            refuse("a position within an epoch needs the epoch's row order")
        return
    if (
        order.ndim != 1
        or order.dtype.kind not in "iu"
        or not np.array_equal(np.sort(order), np.arange(len(order)))
    ):
        refuse("the row order is not a permutation of the training rows")
    if not 0 < position.batch_start < len(order):
        refuse(f"batch_start {position.batch_start} is not within the {len(order)} rows")
    outputs = position.outputs
    if (
        outputs is None
        or outputs.shape != (len(order), network.out_features)
        or outputs.dtype != network.dtype
    ):
        refuse("the outputs of the epoch so far do not match its rows and the network")


def _check_history(history: dict, epochs: int, refuse) -> None:
    """The History of the epochs done: lists of at most ``epochs`` numbers by name."""
    records = history.get("records", {})
    if not isinstance(records, dict):
        refuse("the history's records must be an object of lists")
    for name, values in records.items():
        if not isinstance(values, list) or len(values) > epochs:
            refuse(f"the history's {name!r} must be a list of at most {epochs} numbers")
        if not all(is_real(value) for value in values):
            refuse(f"the history's {name!r} must hold numbers only")
    best = history.get("best_epoch")
    if best is not None and not (is_whole(best) and 0 <= best < max(epochs, 1)):
        refuse(f"the history's best_epoch must be an epoch done, got {best!r}")


def _check_optimizer_state(
    path: Path, values: dict, arrays: dict, network: Network, optimizer: Optimizer
) -> None:
    """Refuse an optimizer state no run could have written: a learning rate that is not a
    positive finite number, a step count below 1, arrays unlike the parameters (shape, dtype,
    finite, and >= 0 where the optimizer keeps squares)."""
    config = values.get("config") if isinstance(values, dict) else None
    numbers = values.get("numbers") if isinstance(values, dict) else None
    if not isinstance(config, dict) or not isinstance(numbers, dict):
        raise ModelFileError(f"{path}: the optimizer state is incomplete")
    if config.get("type") != type(optimizer).__name__:
        raise ModelFileError(f"cannot resume from {path}: the saved optimizer state is for "
                             f"{config.get('type')!r}, not {type(optimizer).__name__}")  # fmt: skip
    rate = config.get("learning_rate")
    if not (is_finite_real(rate) and rate > 0):
        raise ModelFileError(f"{path}: the saved learning rate must be a finite number > 0, "
                             f"got {rate!r}")  # fmt: skip
    held: dict[str, set[str]] = {}
    for name, entries in numbers.items():
        if not isinstance(entries, dict):
            raise ModelFileError(f"{path}: the optimizer state of {name!r} must be an object")
        step = entries.get("step")
        if "step" in entries and not (is_whole(step) and step >= 1):
            raise ModelFileError(f"{path}: the saved optimizer step must be a whole number >= 1, "
                                 f"got {step!r}")  # fmt: skip
        held[name] = set(entries)
    for key in arrays:
        name, _, entry = key.rpartition("/")
        held.setdefault(name, set()).add(entry)
    allowed = {*optimizer.required_state, *optimizer.optional_state}
    for name, entries in held.items():
        missing, unknown = set(optimizer.required_state) - entries, entries - allowed
        if missing or unknown:
            raise ModelFileError(
                f"{path}: the {type(optimizer).__name__} state of {name!r} holds "
                f"{', '.join(sorted(entries)) or 'nothing'}; it needs "
                f"{', '.join(optimizer.required_state)}"
            )
    params = {name: param for name, param, _ in network.parameter_vector()}
    for key, value in arrays.items():
        name, _, entry = key.rpartition("/")
        param = params.get(name)
        if (
            param is None
            or value.shape != param.shape
            or value.dtype != param.dtype
            or not np.all(np.isfinite(value))
        ):
            raise ModelFileError(f"{path}: the optimizer's {key} does not match the parameters")
        if entry in optimizer.non_negative_state and np.any(value < 0):
            raise ModelFileError(f"{path}: the optimizer's {key} holds negative values (it "
                                 "keeps squares)")  # fmt: skip


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`~glassnet.train.fit` with a checkpoint: the checkpoint was written;
    resume from it."""

    def __init__(self, path, epoch: int, step: int) -> None:
        super().__init__(
            f"training interrupted in epoch {epoch + 1} after step {step}; checkpoint saved to "
            f"{path}: resume with fit(..., checkpoint={str(path)!r}, resume=True)"
        )
        self.path, self.epoch, self.step = Path(path), epoch, step


class DeferredInterrupt:
    """Within the block, the first Ctrl-C only sets ``requested`` (the training loop then stops
    at the end of the batch, where the state is consistent); a second one interrupts at once."""

    def __enter__(self) -> DeferredInterrupt:
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
