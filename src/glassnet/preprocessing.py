"""Scaling bricks: the part of a model's data contract that turns raw numbers into the network's.

A model trained on a table carries its scaling as bricks, so that every entry point (``predict``,
explain, trace, gradcheck, ONNX, the playground) applies it without knowing it is there:

- :class:`Standardize` stands first: raw feature columns in, columns of mean 0 and standard
  deviation 1 (of the training rows) out;
- :class:`Rescale` stands last in a regressor: the network learns the standardised target, and
  this brick turns its outputs back into the target's own units;
- :class:`Impute` stands first when a table has missing values (NaN): it fills them with values
  learned from the training rows (the column's mean, median or most frequent value);
- :class:`OneHot` turns the columns that hold categories (as indices into their sorted names,
  the way :func:`~glassnet.datasets.table.read_table` reads a text column) into one-hot blocks.

Both have no parameters: their statistics are fixed when they are made (``fit``) and saved in
their config like any brick's settings.
"""

from __future__ import annotations

import numpy as np

from glassnet._validation import first_non_finite
from glassnet.layers import Layer


def _statistics(values: np.ndarray, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Column means and standard deviations of ``values: (n_rows, n_columns)``, summed in float64
    a block of rows at a time (no float64 copy of a large table); a column with no spread gets a
    standard deviation of 1 (it is only shifted).

    Each column is summed divided by the power of two at its largest magnitude, so any finite
    column (1e200, 1e308) has finite statistics; dividing by a power of two is exact, so the
    figures are those of the plain sums wherever those do not overflow."""
    values = np.asarray(values)
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2 or len(values) == 0 or values.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be a non-empty 2-D array of numbers")
    first_non_finite(values, what, "must be finite numbers; they hold NaN or Inf")
    blocks = [slice(start, start + 65536) for start in range(0, len(values), 65536)]
    largest = np.max([np.abs(values[rows]).max(axis=0) for rows in blocks], axis=0)
    _, exponent = np.frexp(largest.astype(np.float64))
    scale = np.ldexp(0.5, exponent)  # 2 * scale >= |x|: the scaled column lies within [-2, 2]
    total = sum((values[rows] / scale).sum(axis=0) for rows in blocks)
    mean = total / len(values)
    squares = sum(np.square(values[rows] / scale - mean).sum(axis=0) for rows in blocks)
    std = np.sqrt(squares / len(values)) * scale  # <= (max - min) / 2: never overflows
    return mean * scale, np.where(std > 0, std, 1.0)


def _columns(count: int) -> str:
    return f"{count} column{'s' * (count != 1)}"


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
        """``mean`` and ``std`` in the dtype of the data flowing through; a ValueError when a
        column's scale is beyond that dtype's range."""
        if dtype not in self._cast:
            with np.errstate(over="ignore"):
                mean, std = self.mean.astype(dtype), self.std.astype(dtype)
            for name, vector in (("mean", mean), ("std", std)):
                bad = np.flatnonzero(~np.isfinite(vector))
                if len(bad):
                    column = int(bad[0])
                    raise ValueError(
                        f"{self.name}: column {column}'s {name} ({getattr(self, name)[column]:g}) "
                        f"is beyond the range of {np.dtype(dtype)}: rescale that column"
                    )
            self._cast[dtype] = (mean, std)
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
        return f"{type(self).__name__}({_columns(len(self.mean))}, fixed)"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<{len(self.mean)} columns>)"


class Standardize(_ColumnScaling):
    """``x_std = (x - mean) / std`` per column: raw features in, standardised features out.

    May stand first in a network, where it fixes the input width (``len(mean)``).

    Parameters
    ----------
    mean : sequence of float
        Each column's mean (of the training rows: :meth:`fit` computes them).
    std : sequence of float
        Each column's standard deviation, > 0.
    """

    formula, local_formula = "({i} - mean) / std", "1 / std"

    @property
    def in_features(self) -> int:
        return len(self.mean)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """x: (batch, columns) -> (batch, columns)."""
        mean, std = self._as(x.dtype)
        out = np.subtract(x, mean, out=self._like("out", x))
        out /= std
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """dLoss/dx = dLoss/d(x_std) / std, column by column (None when it stands first)."""
        if not self.input_grad:  # first in the network: its input is the data
            return None
        # dL/dx = dL/dx_std / std
        _, std = self._as(grad_out.dtype)
        return np.divide(grad_out, std, out=self._like("grad", grad_out))

    def to_onnx(self, graph, x: str) -> str:
        centred = graph.node("Sub", [x, graph.constant(f"{self.name}.mean", self.mean)],
                             f"{self.name}.centred")  # fmt: skip
        return graph.node("Div", [centred, graph.constant(f"{self.name}.std", self.std)], self.name)


class Rescale(_ColumnScaling):
    """``y = z * std + mean`` per column: a regressor's standardised outputs back in the target's
    own units.

    Parameters
    ----------
    mean : sequence of float
        Each target column's mean (of the training targets: :meth:`fit` computes them).
    std : sequence of float
        Each target column's standard deviation, > 0.
    """

    formula, local_formula = "{i} std + mean", "std"

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """z: (batch, columns) -> y: (batch, columns)."""
        mean, std = self._as(x.dtype)
        out = np.multiply(x, std, out=self._like("out", x))
        out += mean
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """dLoss/dz = dLoss/dy * std, column by column."""
        # dL/dz = dL/dy * std
        _, std = self._as(grad_out.dtype)
        return np.multiply(grad_out, std, out=self._like("grad", grad_out))

    def to_onnx(self, graph, x: str) -> str:
        scaled = graph.node("Mul", [x, graph.constant(f"{self.name}.std", self.std)],
                            f"{self.name}.scaled")  # fmt: skip
        return graph.node("Add", [scaled, graph.constant(f"{self.name}.mean", self.mean)],
                          self.name)  # fmt: skip


class OneHot(Layer):
    """Category columns into one-hot blocks; the other columns pass through, in place.

    ``categories`` maps an input column's position to its categories' names: that column holds
    an index into them (0, 1, ...), and becomes ``len(names)`` columns of 0 and 1. The names are
    the model's contract: a table is read with them, and a name not among them is an error.
    """

    formula = "one-hot blocks of the category columns of {i}"

    is_scaling = True

    def __init__(self, in_features: int, categories: dict) -> None:
        super().__init__()
        self.width = int(in_features)
        self.categories = {int(k): [str(n) for n in v] for k, v in dict(categories).items()}
        if not self.categories or any(not 0 <= k < self.width for k in self.categories):
            raise ValueError(f"OneHot: category columns must lie in 0..{self.width - 1}")
        if any(len(names) == 0 for names in self.categories.values()):
            raise ValueError("OneHot: every category column needs at least one category")
        start, self._starts = 0, {}
        for column in range(self.width):
            self._starts[column] = start
            start += len(self.categories.get(column, [None]))
        self.out_width = start
        self._plain = [c for c in range(self.width) if c not in self.categories]

    @property
    def in_features(self) -> int:
        return self.width

    def output_features(self, in_features: int) -> int:
        if in_features != self.width:
            raise ValueError(f"{self.name} takes {self.width} columns but gets {in_features}")
        return self.out_width

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """x: (batch, in_features), category indices in the category columns -> (batch, out)."""
        out = self._buffer("out", (len(x), self.out_width), x.dtype)
        out.fill(0)
        out[:, [self._starts[c] for c in self._plain]] = x[:, self._plain]
        rows = np.arange(len(x))
        for column, names in self.categories.items():
            codes = x[:, column]
            index = codes.astype(np.int64)
            if np.any(index != codes) or index.min() < 0 or index.max() >= len(names):
                bad = codes[(index != codes) | (index < 0) | (index >= len(names))][0]
                raise ValueError(
                    f"{self.name}: column {column} holds {float(bad)!r}, not an index of its "
                    f"{len(names)} categories"
                )
            out[rows, self._starts[column] + index] = 1
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """dLoss/d(input): passed through for the plain columns, 0 for category indices (not
        differentiable); None when it stands first."""
        if not self.input_grad:  # first in the network: its input is the data
            return None
        # dL/dx = dL/dout for a plain column; 0 for an index (one-hot is flat between indices)
        grad = np.zeros((len(grad_out), self.width), dtype=grad_out.dtype)
        grad[:, self._plain] = grad_out[:, [self._starts[c] for c in self._plain]]
        return grad

    def config(self) -> dict:
        categories = {str(k): v for k, v in self.categories.items()}
        return {"type": "OneHot", "in_features": self.width, "categories": categories}

    def summary_label(self) -> str:
        return f"OneHot({_columns(len(self.categories)).replace(' ', ' category ')}, fixed)"

    def to_onnx(self, graph, x: str) -> str:
        """Standard operators: each input column sliced out, a category column compared with
        its indices 0..k-1 (``Equal``, cast to floats), the pieces joined again (``Concat``)."""
        pieces = []
        for column in range(self.width):
            piece = f"{self.name}.column{column}"
            bounds = [
                graph.constant(f"{piece}.{end}", np.array([value]), dtype=np.int64)
                for end, value in (("start", column), ("stop", column + 1), ("axis", 1))
            ]
            piece = graph.node("Slice", [x, *bounds], piece)
            if column in self.categories:
                count = len(self.categories[column])
                indices = graph.constant(f"{piece}.indices", np.arange(count)[None, :])
                equal = graph.node("Equal", [piece, indices], f"{piece}.is")
                piece = graph.node("Cast", [equal], f"{piece}.hot", to=graph.element)
            pieces.append(piece)
        return graph.node("Concat", pieces, self.name, axis=1)


#: How :meth:`Impute.fit` picks a column's fill value.
IMPUTE_STRATEGIES = ("mean", "median", "most_frequent")


class Impute(Layer):
    """``x`` where it is a number, ``fill`` where it is missing (NaN), per column.

    Stands first in a network, where it fixes the input width (``len(fill)``) and lets the
    network take rows with NaN in them; Inf is still refused at the door.

    Parameters
    ----------
    fill : sequence of float
        Each column's fill value (:meth:`fit` learns them from training rows).
    strategy : str
        How the fill values were chosen (``mean``, ``median``, ``most_frequent``, ``given``),
        kept for the summary.
    """

    formula, local_formula = "{i}, with fill where missing", "1 where {i} is given, else 0"

    is_scaling = True
    accepts_missing = True

    def __init__(self, fill, strategy: str = "given") -> None:
        super().__init__()
        self.fill = _vector(fill, "fill", "Impute")
        self.strategy = str(strategy)
        self._cast = {}

    @classmethod
    def fit(cls, values: np.ndarray, strategy: str = "mean", categorical=()) -> Impute:
        """Fill values from the columns of ``values: (n_rows, columns)`` (training rows, NaN where
        missing): each column's ``mean``, ``median`` or ``most_frequent`` value; the columns in
        ``categorical`` (positions of category indices) always take their most frequent one."""
        if strategy not in IMPUTE_STRATEGIES:
            raise ValueError(f"Impute: strategy must be one of {', '.join(IMPUTE_STRATEGIES)}, "
                             f"got {strategy!r}")  # fmt: skip
        values = np.asarray(values)
        if values.ndim != 2 or len(values) == 0:
            raise ValueError("Impute.fit: the values must be a non-empty 2-D array")
        fill = []
        for column in range(values.shape[1]):
            present = values[:, column][~np.isnan(values[:, column])].astype(np.float64)
            if len(present) == 0:
                raise ValueError(f"Impute.fit: column {column} has no values to learn a fill from")
            if strategy == "mean" and column not in categorical:
                fill.append(present.mean())
            elif strategy == "median" and column not in categorical:
                fill.append(np.median(present))
            else:
                distinct, counts = np.unique(present, return_counts=True)
                fill.append(distinct[np.argmax(counts)])  # the smallest of the most frequent
        return cls(fill, strategy)

    @property
    def in_features(self) -> int:
        return len(self.fill)

    def output_features(self, in_features: int) -> int:
        if in_features != len(self.fill):
            raise ValueError(f"{self.name} fills {len(self.fill)} columns but gets {in_features}")
        return in_features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """x: (batch, columns), NaN where missing -> (batch, columns), filled."""
        if x.dtype not in self._cast:
            self._cast[x.dtype] = np.broadcast_to(self.fill.astype(x.dtype), (1, len(self.fill)))
        self._missing = np.isnan(x, out=self._buffer("missing", x.shape, bool))
        out = self._like("out", x)
        np.copyto(out, x)
        np.copyto(out, np.broadcast_to(self._cast[x.dtype], x.shape), where=self._missing)
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """dLoss/dx where x was given, 0 where a value was filled in (None when it stands first)."""
        if not self.input_grad:  # first in the network: its input is the data
            return None
        # dL/dx = dL/dx_filled where x was a number; a filled value does not depend on x
        grad = self._like("grad", grad_out)
        np.copyto(grad, grad_out)
        grad[self._missing] = 0
        return grad

    def config(self) -> dict:
        return {"type": "Impute", "fill": self.fill.tolist(), "strategy": self.strategy}

    def summary_label(self) -> str:
        return f"Impute({_columns(len(self.fill))}, {self.strategy})"

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state["_cast"] = {}
        state.pop("_missing", None)
        return state

    def to_onnx(self, graph, x: str) -> str:
        missing = graph.node("IsNaN", [x], f"{self.name}.missing")
        fill = graph.constant(f"{self.name}.fill", self.fill[None, :])
        return graph.node("Where", [missing, fill, x], self.name)


def scaled(
    network,
    *,
    inputs: np.ndarray | None = None,
    targets: np.ndarray | None = None,
    missing: str | None = None,
    categories: dict[int, list[str]] | None = None,
):
    """``network`` with scaling bricks fitted on training rows around it.

    Parameters
    ----------
    network : Network
        The network to wrap; its bricks are shared, not copied.
    inputs : ndarray of shape (n_rows, columns), optional
        Training rows: a :class:`Standardize` of them goes in front (after an :class:`Impute` and
        a :class:`OneHot` when asked).
    targets : ndarray of shape (n_rows, out_features), optional
        Training targets: a :class:`Rescale` to their units goes behind.
    missing : str, optional
        The :class:`Impute` strategy for missing values (``mean``, ``median``,
        ``most_frequent``); none by default.
    categories : dict of int to list of str, optional
        The category names of the input columns that hold categories (a :class:`OneHot`).

    Returns
    -------
    Network
        A new Network sharing the bricks, dtype, Generator and metadata.
    """
    from glassnet.network import Network

    layers = list(network.layers)
    if inputs is not None:
        front: list[Layer] = []
        inputs = np.asarray(inputs)
        if missing is not None:
            front.append(Impute.fit(inputs, missing, categorical=set(categories or ())))
        if categories:
            front.append(OneHot(inputs.shape[1], categories))
        for brick in front:
            inputs = brick.forward(inputs).copy()
        front.append(Standardize.fit(inputs))
        layers[:0] = front
    if targets is not None:
        layers.append(Rescale.fit(targets))
    result = Network(layers, dtype=network.dtype, rng=network.rng)
    result.metadata = dict(network.metadata)
    return result
