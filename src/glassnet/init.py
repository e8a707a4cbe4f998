"""Weight initializers: small named functions of ``(fan_in, fan_out, rng)``.

Each returns a float64 array of shape ``(fan_in, fan_out)``; the network casts it to its dtype.
Every initializer takes an explicit ``numpy.random.Generator``: there is no global RNG.

Default per activation (used by :class:`glassnet.layers.Dense` when ``init`` is not given):

========================  =================
activation after Dense    default init
========================  =================
ReLU, LeakyReLU           ``he_normal``
Sigmoid, Tanh, Softmax,   ``glorot_uniform``
Identity, none
========================  =================
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from glassnet._errors import unknown_name

Initializer = Callable[[int, int, np.random.Generator], np.ndarray]


def fan_in_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform in ``[-1, 1]`` divided by ``sqrt(fan_in)`` (the XOR tutorial's choice)."""
    return rng.uniform(-1.0, 1.0, size=(fan_in, fan_out)) / np.sqrt(fan_in)


def he_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Normal with standard deviation ``sqrt(2 / fan_in)``, for ReLU layers (He et al., 2015)."""
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def he_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform in ``[-l, l]`` with ``l = sqrt(6 / fan_in)``: the variance of ``he_normal``."""
    limit = np.sqrt(6.0 / fan_in)
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def glorot_normal(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Normal with standard deviation ``sqrt(2 / (fan_in + fan_out))`` (Glorot & Bengio, 2010)."""
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out))


def glorot_uniform(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """Uniform in ``[-l, l]`` with ``l = sqrt(6 / (fan_in + fan_out))``."""
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_in, fan_out))


def normal(scale: float = 0.01) -> Initializer:
    """Return an initializer drawing from a normal with standard deviation ``scale``."""
    if not scale > 0:
        raise ValueError(f"normal(scale): scale must be > 0, got {scale!r}")

    def normal_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
        return rng.standard_normal((fan_in, fan_out)) * scale

    normal_init.__name__ = f"normal({scale:g})"
    return normal_init


INITIALIZERS: dict[str, Initializer] = {
    "fan_in_uniform": fan_in_uniform,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "glorot_normal": glorot_normal,
    "glorot_uniform": glorot_uniform,
    "normal": normal(),
}


def get_initializer(init: str | Initializer) -> Initializer:
    """Look up an initializer by name, or pass a callable through."""
    if callable(init):
        return init
    try:
        return INITIALIZERS[init]
    except KeyError:
        raise unknown_name("init", init, INITIALIZERS) from None
