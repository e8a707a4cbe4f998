"""Scaling bricks: the part of a model's data contract that turns raw numbers into the network's.

A model trained on a table carries its scaling as bricks, so that every entry point (``predict``,
explain, trace, gradcheck, ONNX, the playground) applies it without knowing it is there:

- :class:`Standardize` stands first: raw feature columns in, columns of mean 0 and standard
  deviation 1 (of the training rows) out;
- :class:`Rescale` stands last in a regressor: the network learns the standardised target, and
  this brick turns its outputs back into the target's own units.

Both have no parameters: their statistics are fixed when they are made (``fit``) and saved in
their config like any brick's settings.
"""

from __future__ import annotations

import numpy as np

from glassnet.layers import Layer


def _statistics(values: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations of ``values: (n_rows, n_columns)``, summed in float64
    a block of rows at a time (no float64 copy of a large table); a column with no spread gets a
    standard deviation of 1 (it is only shifted)."""
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or len(values) == 0 or values.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be a non-empty 2-D array of numbers")
    blocks = range(0, len(values), 65536)
    total = sum(values[start : start + 65536].sum(axis=0, dtype=np.float64) for start in blocks)
    mean = total / len(values)
    if not np.all(np.isfinite(mean)):
        raise ValueError(f"{what} must be a non-empty 2-D array of finite numbers")
    squares = sum(np.square(values[start : start + 65536] - mean).sum(axis=0) for start in blocks)
    if not np.all(np.isfinite(squares)):
        raise ValueError(f"{what} must be a non-empty 2-D array of finite numbers")
    std = np.sqrt(squares / len(values))
    return mean, np.where(std > 0, std, 1.0)


def _vector(values, name: str, brick: str) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float64)
    if vector.ndim != 1 or len(vector) == 0 or not np.all(np.isfinite(vector)):
        raise ValueError(f"{brick}: {name} must be a non-empty list of finite numbers")
    return vector


class _ColumnScaling(Layer):
    """A fixed affine map per column, ``mean`` and ``std`` of shape ``(columns,)``."""

    is_scaling = True

    def __init__(self, mean, std) -> None:
        super().__init__()
        brick = type(self).__name__
        self.mean = _vector(mean, "mean", brick)
        self.std = _vector(std, "std", brick)
        if self.mean.shape != self.std.shape:
            raise ValueError(
                f"{brick}: mean and std must have the same length, got {len(self.mean)} and "
                f"{len(self.std)}"
            )
        if np.any(self.std <= 0):
            raise ValueError(f"{brick}: every std must be positive")
        self._cast = {}

    @classmethod
    def fit(cls, values: np.ndarray):
        """The brick for the columns of ``values: (n_rows, columns)`` (training rows only)."""
        return cls(*_statistics(values, f"{cls.__name__}.fit: the values"))

    def _as(self, dtype) -> tuple[np.ndarray, np.ndarray]:
        """``mean`` and ``std`` in the dtype of the data flowing through."""
        if dtype not in self._cast:
            self._cast[dtype] = (self.mean.astype(dtype), self.std.astype(dtype))
        return self._cast[dtype]

    def output_features(self, in_features: int) -> int:
        if in_features != len(self.mean):
            raise ValueError(
                f"{self.name} scales {len(self.mean)} columns but the brick before it gives "
                f"{in_features}"
            )
        return in_features

    def config(self) -> dict:
        return {"type": type(self).__name__, "mean": self.mean.tolist(), "std": self.std.tolist()}

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_cast"] = {}
        return state

    def summary_label(self) -> str:
        return f"{type(self).__name__}({len(self.mean)} columns, fixed)"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{len(self.mean)} columns>)"


class Standardize(_ColumnScaling):
    """``x_std = (x - mean) / std`` per column: raw features in, standardised features out.

    May stand first in a network, where it fixes the input width (``len(mean)``).
    """

    @property
    def in_features(self) -> int:
        return len(self.mean)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """x: (batch, columns) -> (batch, columns)."""
        mean, std = self._as(x.dtype)
        out = np.subtract(x, mean, out=self._buffer("out", x.shape, x.dtype))
        out /= std
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        if not self.input_grad:  # first in the network: its input is the data
            return None
        # dL/dx = dL/dx_std / std
        _, std = self._as(grad_out.dtype)
        return np.divide(grad_out, std, out=self._buffer("grad", grad_out.shape, grad_out.dtype))


class Rescale(_ColumnScaling):
    """``y = z * std + mean`` per column: a regressor's standardised outputs back in the target's
    own units (``mean``, ``std``: the training targets')."""

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """z: (batch, columns) -> y: (batch, columns)."""
        mean, std = self._as(x.dtype)
        out = np.multiply(x, std, out=self._buffer("out", x.shape, x.dtype))
        out += mean
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dL/dz = dL/dy * std
        _, std = self._as(grad_out.dtype)
        return np.multiply(grad_out, std, out=self._buffer("grad", grad_out.shape, grad_out.dtype))


def scaled(network, *, inputs: np.ndarray | None = None, targets: np.ndarray | None = None):
    """``network`` with a :class:`Standardize` brick for ``inputs`` (n_rows, in_features) in
    front and a :class:`Rescale` brick for ``targets`` (n_rows, out_features) behind, each
    fitted on those rows (the training rows) when given: a new Network sharing the bricks,
    dtype, Generator and metadata."""
    from glassnet.network import Network

    layers = list(network.layers)
    if inputs is not None:
        layers.insert(0, Standardize.fit(inputs))
    if targets is not None:
        layers.append(Rescale.fit(targets))
    result = Network(layers, dtype=network.dtype, rng=network.rng)
    result.metadata = dict(network.metadata)
    return result
