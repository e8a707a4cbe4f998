"""The learning-rate range test (Smith, 2015, "Cyclical Learning Rates for Training Neural
Networks"): train for a few hundred steps while the learning rate grows geometrically, and watch
the loss. Too small a rate and the loss hardly moves; too large and it climbs; the rate where it
falls fastest is a good one to train with.

The sweep trains a copy: the network given (its weights, running statistics and Generator) is
left as it was.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np

from glassnet._blas import one_thread, products_on_one_thread
from glassnet._validation import check_positive_int, check_targets
from glassnet.losses import Loss, get_loss
from glassnet.network import Network
from glassnet.optim import SGD, Optimizer
from glassnet.train import _learn


@dataclass
class LearningRateSweep:
    """What :func:`lr_find` saw: a loss for each learning rate tried, in order.

    Attributes
    ----------
    learning_rates : ndarray of shape (steps,)
        The rate of each step taken.
    losses : ndarray of shape (steps,)
        Each step's batch loss, before its update.
    smoothed : ndarray of shape (steps,)
        The losses smoothed by an exponential moving average (bias-corrected).
    suggestion : float
        The rate where the smoothed loss falls fastest against log(rate), among the rates before
        its lowest point (past the first tenth of the sweep, where the average is noise).
    lowest : float
        The rate of the lowest smoothed loss (a rate ten times smaller is a cautious choice).
    stopped_early : bool
        Whether the sweep stopped because the loss diverged (more than ``diverge`` times its
        lowest, or not finite) before the last rate.
    """

    learning_rates: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggestion: float
    lowest: float
    stopped_early: bool

    def to_dict(self) -> dict:
        """Plain JSON-able data."""
        return {
            "learning_rates": self.learning_rates.tolist(),
            "losses": self.losses.tolist(),
            "smoothed": self.smoothed.tolist(),
            "suggestion": self.suggestion,
            "lowest": self.lowest,
            "stopped_early": self.stopped_early,
        }


def lr_find(
    network: Network,
    X: np.ndarray,
    y: np.ndarray,
    *,
    loss: Loss | str,
    optimizer: Optimizer | None = None,
    min_lr: float = 1e-6,
    max_lr: float = 10.0,
    steps: int = 200,
    batch_size: int = 64,
    seed: int | None = 0,
    smoothing: float = 0.98,
    diverge: float = 4.0,
) -> LearningRateSweep:
    """Sweep the learning rate from ``min_lr`` to ``max_lr`` over ``steps`` training steps.

    Parameters
    ----------
    network : Network
        The network to try; it is copied, and the copy trained (``network`` is unchanged).
    X : ndarray of shape (n_samples, in_features)
        The training inputs.
    y : ndarray of shape (n_samples,) or (n_samples, out_features)
        Their targets for ``loss``.
    loss : Loss or str
        The loss, as :func:`~glassnet.train.fit` takes it.
    optimizer : Optimizer, optional
        The update rule whose learning rate is swept (copied, with its state); SGD with momentum
        0.9 when not given.
    min_lr, max_lr : float
        The first and the last rate (``0 < min_lr < max_lr``).
    steps : int
        Steps of the sweep (>= 5); rate ``k`` is ``min_lr * (max_lr / min_lr) ** (k / (steps -
        1))``.
    batch_size : int
        Rows per step, drawn in a shuffled order (a new one after each pass over the rows).
    seed : int, optional
        Seed of the order of the rows.
    smoothing : float
        The moving average's weight of the past, in [0, 1).
    diverge : float
        Stop once the smoothed loss exceeds this many times its lowest (> 1).

    Returns
    -------
    LearningRateSweep
        The rates, the losses and the suggestion.
    """
    loss = get_loss(loss)
    if not (0 < min_lr < max_lr < math.inf):
        raise ValueError(f"lr_find: need 0 < min_lr < max_lr, got {min_lr!r} and {max_lr!r}")
    steps = check_positive_int(steps, "lr_find: steps")
    if steps < 5:
        raise ValueError(f"lr_find: steps must be at least 5, got {steps}")
    batch_size = check_positive_int(batch_size, "lr_find: batch_size")
    if not 0 <= smoothing < 1:
        raise ValueError(f"lr_find: smoothing must be in [0, 1), got {smoothing!r}")
    if not diverge > 1:
        raise ValueError(f"lr_find: diverge must be > 1, got {diverge!r}")
    trial = network.copy()
    X = trial.as_input(X)
    y = check_targets(y, loss, len(X), trial.out_features)
    optimizer = copy.deepcopy(optimizer) if optimizer is not None else SGD(min_lr, momentum=0.9)
    rng = np.random.default_rng(seed)
    rates = min_lr * (max_lr / min_lr) ** (np.arange(steps) / (steps - 1))
    size = min(batch_size, len(X))
    order, position = rng.permutation(len(X)), 0
    losses, smoothed, average, best = [], [], 0.0, math.inf
    with np.errstate(over="ignore", invalid="ignore"), one_thread(
        products_on_one_thread(size, trial.largest_weight_entries)
    ):
        for k, rate in enumerate(rates):
            if position + size > len(X):
                order, position = rng.permutation(len(X)), 0
            rows = np.sort(order[position : position + size])
            position += size
            optimizer.learning_rate = float(rate)
            _, data_loss, penalty = _learn(trial, loss, optimizer, X[rows], y[rows], l2=0.0)
            value = data_loss + penalty
            losses.append(value)
            average = smoothing * average + (1 - smoothing) * value
            smoothed.append(average / (1 - smoothing ** (k + 1)))
            if not math.isfinite(smoothed[-1]) or smoothed[-1] > diverge * best:
                break
            best = min(best, smoothed[-1])
    taken = len(losses)
    return _sweep(rates[:taken], np.array(losses), np.array(smoothed), taken < steps)


def _sweep(rates, losses, smoothed, stopped_early: bool) -> LearningRateSweep:
    """The sweep with its suggestions: the steepest fall of the smoothed loss before its lowest
    point (on a log scale of the rate), and the rate at that lowest point."""
    finite = np.isfinite(smoothed)
    lowest_at = int(np.argmin(np.where(finite, smoothed, np.inf)))
    skip = max(3, len(rates) // 10)  # the first averages rest on a few batches: noise
    span = max(1, len(rates) // 20)  # slopes over a span of steps, not from one step's noise
    centres = np.arange(skip + span, lowest_at - span + 1)
    if len(centres):
        log_rates = np.log(rates)
        slopes = (smoothed[centres + span] - smoothed[centres - span]) / (
            log_rates[centres + span] - log_rates[centres - span]
        )
        steepest = int(centres[np.argmin(slopes)])
    else:
        steepest = lowest_at
    return LearningRateSweep(rates, losses, smoothed, float(rates[steepest]),
                             float(rates[lowest_at]), stopped_early)  # fmt: skip
