"""Watch one training step: every intermediate value, by layer name.

``trace`` runs the step with the network's own ``forward``, ``backward`` and the optimizer's own
``step`` (the same calls ``fit`` makes), asking them to keep a copy of what passes through. So
the numbers it reports are the numbers training uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from glassnet import preprocessing  # noqa: F401 (its bricks join Layer.types)
from glassnet._validation import check_targets
from glassnet.layers import Layer
from glassnet.losses import Loss, get_loss
from glassnet.network import Network
from glassnet.optim import SGD, Optimizer

#: Bricks that act on each element alone: their derivative is an array like their output
#: (each brick says so itself, :attr:`~glassnet.layers.Layer.elementwise`; kept for reference).
ELEMENTWISE = tuple(kind for kind in Layer.types.values() if kind.local_formula is not None)


@dataclass
class LayerTrace:
    """What one brick saw and did in the step.

    ``input``/``output``: (batch, features) forward values; ``grad_output``: dLoss/d(output);
    ``grad_input``: dLoss/d(input); ``local_grad``: d(output)/d(input) elementwise (None for
    Dense and Softmax); ``params``, ``data_grads`` (data term only), ``grads`` (with the L2 term),
    ``updates`` (params after minus params before) and ``params_after``, by parameter key;
    ``max_norm``: a Dense layer's limit on each unit's incoming weights after the update.
    """

    name: str
    kind: str
    input: np.ndarray
    output: np.ndarray
    grad_output: np.ndarray
    grad_input: np.ndarray
    local_grad: np.ndarray | None = None
    params: dict[str, np.ndarray] = field(default_factory=dict)
    data_grads: dict[str, np.ndarray] = field(default_factory=dict)
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    updates: dict[str, np.ndarray] = field(default_factory=dict)
    params_after: dict[str, np.ndarray] = field(default_factory=dict)
    max_norm: float | None = None


@dataclass
class Trace:
    """One training step, recorded. ``loss = data_loss + l2_term + l1_term`` (Ridge and Lasso);
    ``loss_after`` is the same objective on the same batch after the update (inference mode)."""

    X: np.ndarray
    target: np.ndarray
    loss_name: str
    layers: list[LayerTrace]
    data_loss: float
    l2_term: float
    l2: float
    learning_rate: float
    optimizer: str
    data_loss_after: float
    l2_term_after: float
    l1: float = 0.0
    l1_term: float = 0.0
    l1_term_after: float = 0.0

    @property
    def loss(self) -> float:
        """The objective before the step: data term plus Ridge and Lasso terms."""
        return self.data_loss + self.l2_term + self.l1_term

    @property
    def loss_after(self) -> float:
        """The same objective on the same batch after the update (inference mode)."""
        return self.data_loss_after + self.l2_term_after + self.l1_term_after

    def layer(self, name: str) -> LayerTrace:
        """The recorded layer of that name; a KeyError lists the names."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer named {name!r}; layers: {[t.name for t in self.layers]}")

    def to_dict(self) -> dict:
        """Plain lists and numbers (JSON-able); float values round-trip exactly."""

        def plain(value):
            if isinstance(value, np.ndarray):
                return value.tolist()
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            return value

        return {
            "X": plain(self.X),
            "target": plain(self.target),
            "loss_name": self.loss_name,
            "data_loss": self.data_loss,
            "l2_term": self.l2_term,
            "loss": self.loss,
            "loss_after": self.loss_after,
            "l2": self.l2,
            "l1_term": self.l1_term,
            "l1": self.l1,
            "learning_rate": self.learning_rate,
            "optimizer": self.optimizer,
            "layers": [
                {key: plain(value) for key, value in vars(layer).items()} for layer in self.layers
            ],
        }


def trace(
    network: Network,
    loss: Loss | str,
    X: np.ndarray,
    y: np.ndarray,
    *,
    optimizer: Optimizer | None = None,
    l2: float = 0.0,
    l1: float = 0.0,
) -> Trace:
    """Run one training step on the batch ``(X, y)`` and record everything.

    Parameters
    ----------
    network : Network
        The step is real: its parameters are updated (pass ``network.copy()`` to keep them).
    loss : Loss or str
        The loss, as :func:`~glassnet.train.fit` takes it.
    X : ndarray of shape (batch, in_features)
        The batch's inputs.
    y : ndarray of shape (batch,) or (batch, out_features)
        Targets for ``loss``.
    optimizer : Optimizer, optional
        The update rule; ``SGD(0.1)`` when not given.
    l2 : float
        Ridge strength.
    l1 : float
        Lasso strength.

    Returns
    -------
    Trace
        Each brick's input, output, gradients and parameters before and after, by layer name, and
        the loss before and after the step.
    """
    loss = get_loss(loss)
    X = network.as_input(X)
    y = check_targets(y, loss, len(X), network.out_features)
    optimizer = optimizer if optimizer is not None else SGD(0.1)
    before = {
        layer.name: {k: v.copy() for k, v in layer.params.items()} for layer in network.layers
    }
    record: dict = {}
    _, data_loss, _ = network.loss_and_gradients(loss, X, y, l2=l2, l1=l1, record=record)
    l2_term, l1_term = network.l2_penalty(l2), network.l1_penalty(l1)  # (before the update)
    layers = []
    for layer in network.layers:
        seen = record[layer.name]
        local = None
        if layer.elementwise and layer.input_grad:
            # The brick's own backward applied to ones gives d(output)/d(input) elementwise
            # (not asked of the bricks before the first Dense, whose input is the data).
            local = layer.backward(np.ones_like(seen["output"]))
        layers.append(
            LayerTrace(
                name=layer.name,
                kind=type(layer).__name__,
                input=seen["input"],
                output=seen["output"],
                grad_output=seen["grad_output"],
                grad_input=seen["grad_input"],
                local_grad=local,
                params=before[layer.name],
                data_grads=seen.get("data_grads", {}),
                grads={k: g.copy() for k, g in layer.grads.items()},
                max_norm=getattr(layer, "max_norm", None),
            )
        )
    optimizer.step(network.parameters())
    network.apply_constraints()
    for layer, layer_trace in zip(network.layers, layers, strict=True):
        layer_trace.params_after = {k: v.copy() for k, v in layer.params.items()}
        layer_trace.updates = {
            k: layer_trace.params_after[k] - layer_trace.params[k] for k in layer.params
        }
    target = np.asarray(y)
    after = network.forward(X, training=False)
    return Trace(
        X=np.asarray(X),
        target=target,
        loss_name=type(loss).__name__,
        layers=layers,
        data_loss=data_loss,
        l2_term=l2_term,
        l2=l2,
        learning_rate=optimizer.learning_rate,
        optimizer=repr(optimizer),
        data_loss_after=loss.value(after, target),
        l2_term_after=network.l2_penalty(l2),
        l1=l1,
        l1_term=l1_term,
        l1_term_after=network.l1_penalty(l1),
    )
