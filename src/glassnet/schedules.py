"""Learning-rate schedules: plain callables from the epoch number (0-based) to a learning rate.

Pass one to ``fit(..., schedule=...)``; it sets ``optimizer.learning_rate`` before each epoch.
A schedule with ``per_step = True`` (:func:`warmup`, :func:`one_cycle`) is asked before every
step instead, with the epochs done once that step is taken: ``epoch + (k + 1) / n`` for the
``k``-th of ``n`` steps of an epoch, a number in (0, epochs].
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


def _per_step(schedule: Schedule) -> Schedule:
    schedule.per_step = True
    return schedule


def warmup(schedule: Schedule, warmup_epochs: float) -> Schedule:
    """``schedule``'s learning rate scaled up linearly from 0 over the first ``warmup_epochs``
    (a number of epochs, fractions allowed), step by step; ``schedule`` alone after that.

    At ``t`` epochs done (see the module's note) the rate is ``schedule(e) * min(1, t / w)``,
    ``e`` the epoch the step is in (or ``t`` itself for a per-step ``schedule``).
    """
    if not (isinstance(warmup_epochs, (int, float)) and 0 < warmup_epochs < math.inf):
        raise ValueError(f"warmup: warmup_epochs must be a number > 0, got {warmup_epochs!r}")
    inner_per_step = getattr(schedule, "per_step", False)

    def warmed(done: float) -> float:
        base = schedule(done if inner_per_step else max(0, math.ceil(done) - 1))
        return base * min(1.0, done / warmup_epochs)

    return _per_step(warmed)


def one_cycle(
    max_learning_rate: float,
    total_epochs: int,
    *,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """Smith's one-cycle policy, as ``torch.optim.lr_scheduler.OneCycleLR`` anneals it (cosine,
    two phases; the momentum is not cycled): from ``max / div_factor`` up to ``max`` over the
    first ``pct_start`` of the run, then down to ``max / (div_factor * final_div_factor)``.
    """
    if total_epochs < 1:
        raise ValueError(f"one_cycle: total_epochs must be >= 1, got {total_epochs!r}")
    if not 0 < pct_start < 1:
        raise ValueError(f"one_cycle: pct_start must be in (0, 1), got {pct_start!r}")
    start = max_learning_rate / div_factor
    end = start / final_div_factor

    def anneal(high: float, low: float, fraction: float) -> float:
        return low + 0.5 * (high - low) * (1.0 + math.cos(math.pi * fraction))

    def schedule(done: float) -> float:
        progress = min(done, total_epochs) / total_epochs
        if progress <= pct_start:
            return anneal(start, max_learning_rate, progress / pct_start)
        return anneal(max_learning_rate, end, (progress - pct_start) / (1.0 - pct_start))

    return _per_step(schedule)


SCHEDULES = ("constant", "step", "cosine", "one-cycle")


def get_schedule(
    name: str, learning_rate: float, epochs: int, *, warmup_epochs: float = 0.0
) -> Schedule:
    """A schedule by name for a run of ``epochs``: ``constant``, ``step`` (divide by 10 after each
    third of the run), ``cosine`` (down to 0 at the end) or ``one-cycle`` (up to
    ``learning_rate`` over the first 30%, then down; see :func:`one_cycle`); with
    ``warmup_epochs``, behind a linear warm-up (see :func:`warmup`)."""
    if name == "constant":
        schedule = constant(learning_rate)
    elif name == "step":
        schedule = step(learning_rate, max(1, epochs // 3), 0.1)
    elif name == "cosine":
        schedule = cosine(learning_rate, epochs)
    elif name == "one-cycle":
        schedule = one_cycle(learning_rate, epochs)
    else:
        raise unknown_name("schedule", name, SCHEDULES)
    return warmup(schedule, warmup_epochs) if warmup_epochs else schedule
