"""Learning-rate schedules: plain callables from the epoch number (0-based) to a learning rate.

Pass one to ``fit(..., schedule=...)``; it sets ``optimizer.learning_rate`` before each epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from glassnet._errors import unknown_name

Schedule = Callable[[int], float]


def constant(learning_rate: float) -> Schedule:
    """The same learning rate every epoch."""

    def schedule(epoch: int) -> float:
        return learning_rate

    return schedule


def step(learning_rate: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs."""
    if step_size < 1:
        raise ValueError(f"step: step_size must be >= 1, got {step_size!r}")

    def schedule(epoch: int) -> float:
        return learning_rate * gamma ** (epoch // step_size)

    return schedule


def cosine(learning_rate: float, total_epochs: int, min_learning_rate: float = 0.0) -> Schedule:
    """Cosine annealing from ``learning_rate`` at epoch 0 to ``min_learning_rate`` at the end."""
    if total_epochs < 1:
        raise ValueError(f"cosine: total_epochs must be >= 1, got {total_epochs!r}")

    def schedule(epoch: int) -> float:
        progress = min(epoch, total_epochs) / total_epochs
        return min_learning_rate + 0.5 * (learning_rate - min_learning_rate) * (
            1.0 + math.cos(math.pi * progress)
        )

    return schedule


SCHEDULES = ("constant", "step", "cosine")


def get_schedule(name: str, learning_rate: float, epochs: int) -> Schedule:
    """A schedule by name for a run of ``epochs``: ``constant``, ``step`` (divide by 10 after each
    third of the run) or ``cosine`` (down to 0 at the end)."""
    if name == "constant":
        return constant(learning_rate)
    if name == "step":
        return step(learning_rate, max(1, epochs // 3), 0.1)
    if name == "cosine":
        return cosine(learning_rate, epochs)
    raise unknown_name("schedule", name, SCHEDULES)
