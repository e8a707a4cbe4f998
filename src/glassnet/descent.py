"""The first picture of learning: gradient descent on f(x) = x^2 - 4x + 5.

The minimum is at x* = 2, where f'(x) = 2x - 4 is zero. Each step moves x against the slope,
``x <- x - learning_rate * f'(x)``: the same update (the same :class:`~glassnet.optim.SGD`)
that trains a network, on a single number.
"""

from __future__ import annotations

import numpy as np

from glassnet.optim import SGD


def parabola(x):
    """f(x) = x^2 - 4x + 5."""
    return x * x - 4 * x + 5


def parabola_slope(x):
    """f'(x) = 2x - 4."""
    return 2 * x - 4


def gradient_descent(x0: float = -3.0, learning_rate: float = 0.1, steps: int = 30) -> np.ndarray:
    """The iterates ``x_0, x_1, ..., x_steps`` of gradient descent on :func:`parabola`."""
    x = np.array([float(x0)])
    slope = np.zeros(1)
    optimizer = SGD(learning_rate)
    iterates = [x[0]]
    for _ in range(steps):
        slope[0] = parabola_slope(x[0])
        optimizer.step([("x", x, slope)])
        iterates.append(x[0])
    return np.array(iterates)
