"""Feature columns of the plane: a brick that turns a point's two coordinates into the inputs a
network sees (``x1``, ``x2``, ``x1^2``, ``x2^2``, ``x1*x2``, ``sin(x1)``, ``sin(x2)``).

A network with ``x1^2`` and ``x2^2`` among its inputs draws a circle with one neuron; it is the
same network on the same data, given other columns. The brick stands first and is part of the
model's data contract: a saved model carries it, so ``predict``, ``explain`` and the ONNX export
take the two raw coordinates, as the data set has them.
"""

from __future__ import annotations

import numpy as np

from glassnet.layers import Layer

#: The feature columns, in the one order a :class:`Features` brick keeps them.
FEATURES = ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")


class Features(Layer):
    """``x: (batch, 2)`` (the coordinates x1, x2) -> ``(batch, len(names))``, one column per name
    of :data:`FEATURES`, in that order.

    Parameters
    ----------
    names : sequence of str
        Distinct names among :data:`FEATURES`, in any order (the brick keeps theirs).
    """

    formula = "the feature columns of {i}"
    is_scaling = True  # a fixed part of the data contract, not something learned

    def __init__(self, names=("x1", "x2")) -> None:
        super().__init__()
        names = list(names)
        unknown = [name for name in names if name not in FEATURES]
        if unknown or not names or len(set(names)) != len(names):
            raise ValueError(f"Features: names must be distinct names among "
                             f"{', '.join(FEATURES)}; got {names!r}")  # fmt: skip
        self.names = [name for name in FEATURES if name in names]

    @property
    def in_features(self) -> int:
        return 2

    def output_features(self, in_features: int) -> int:
        if in_features != 2:
            raise ValueError(f"{self.name} takes the plane's 2 coordinates, not {in_features}")
        return len(self.names)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """x: (batch, 2) -> (batch, len(names))."""
        self._x = x
        x1, x2 = x[:, 0], x[:, 1]
        columns = {"x1": lambda: x1, "x2": lambda: x2, "x1^2": lambda: x1 * x1,
                   "x2^2": lambda: x2 * x2, "x1*x2": lambda: x1 * x2,
                   "sin(x1)": lambda: np.sin(x1), "sin(x2)": lambda: np.sin(x2)}  # fmt: skip
        out = self._buffer("out", (len(x), len(self.names)), x.dtype)
        for k, name in enumerate(self.names):
            out[:, k] = columns[name]()
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """dLoss/dx: (batch, 2), summing dLoss/df * df/dx over the feature columns f (None when
        it stands first, as it does in a network)."""
        if not self.input_grad:  # first in the network: its input is the data
            return None
        x1, x2 = self._x[:, 0], self._x[:, 1]
        grad = self._buffer("grad", self._x.shape, grad_out.dtype)
        grad.fill(0)
        for k, name in enumerate(self.names):
            g = grad_out[:, k]
            # dLoss/dx_c = sum over columns f of dLoss/df * df/dx_c
            if name == "x1":
                grad[:, 0] += g
            elif name == "x2":
                grad[:, 1] += g
            elif name == "x1^2":
                grad[:, 0] += 2 * x1 * g
            elif name == "x2^2":
                grad[:, 1] += 2 * x2 * g
            elif name == "x1*x2":
                grad[:, 0] += x2 * g
                grad[:, 1] += x1 * g
            elif name == "sin(x1)":
                grad[:, 0] += np.cos(x1) * g
            else:  # sin(x2)
                grad[:, 1] += np.cos(x2) * g
        return grad

    def config(self) -> dict:
        return {"type": "Features", "names": list(self.names)}

    def summary_label(self) -> str:
        return f"Features({', '.join(self.names)})"

    def to_onnx(self, graph, x: str) -> str:
        """Each coordinate sliced out (``Slice``), the columns made with ``Mul`` and ``Sin``,
        joined again (``Concat``)."""
        coordinates = []
        for column in (0, 1):
            piece = f"{self.name}.x{column + 1}"
            bounds = [
                graph.constant(f"{piece}.{end}", np.array([value]), dtype=np.int64)
                for end, value in (("start", column), ("stop", column + 1), ("axis", 1))
            ]
            coordinates.append(graph.node("Slice", [x, *bounds], piece))
        x1, x2 = coordinates
        made = {"x1": lambda n: x1, "x2": lambda n: x2,
                "x1^2": lambda n: graph.node("Mul", [x1, x1], n),
                "x2^2": lambda n: graph.node("Mul", [x2, x2], n),
                "x1*x2": lambda n: graph.node("Mul", [x1, x2], n),
                "sin(x1)": lambda n: graph.node("Sin", [x1], n),
                "sin(x2)": lambda n: graph.node("Sin", [x2], n)}  # fmt: skip
        pieces = [made[name](f"{self.name}.column{k}") for k, name in enumerate(self.names)]
        return graph.node("Concat", pieces, self.name, axis=1)


def with_features(network, names, *, inputs: np.ndarray | None = None,
                  targets: np.ndarray | None = None):  # fmt: skip
    """``network`` behind a :class:`Features` brick (and before a target scaling).

    Parameters
    ----------
    network : Network
        A network whose first Dense takes ``len(names)`` columns.
    names : sequence of str
        Feature columns among :data:`FEATURES`.
    inputs : ndarray of shape (n_samples, 2), optional
        Training rows: with them, a :class:`~glassnet.preprocessing.Standardize` of the feature
        columns stands between the two.
    targets : ndarray of shape (n_samples, out_features), optional
        Training targets: with them, a :class:`~glassnet.preprocessing.Rescale` to their units
        stands last.

    Returns
    -------
    Network
        A new Network sharing the bricks, dtype, Generator and metadata.
    """
    from glassnet.network import Network
    from glassnet.preprocessing import Standardize, scaled

    if targets is not None:
        network = scaled(network, targets=targets)
    features = Features(names)
    front: list[Layer] = [features]
    if inputs is not None:
        front.append(Standardize.fit(features.forward(np.asarray(inputs, dtype=np.float64)).copy()))
    result = Network([*front, *network.layers], dtype=network.dtype, rng=network.rng)
    result.metadata = dict(network.metadata)
    return result
