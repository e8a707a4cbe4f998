"""Network: a stack of bricks, run forward for predictions and backward for gradients."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

from glassnet._blas import axpy
from glassnet._checks import is_positive_int
from glassnet._errors import GlassnetError, unknown_name
from glassnet._mapped import is_memory_mapped
from glassnet._validation import check_features
from glassnet.batchnorm import BatchNorm1d
from glassnet.frames import encode_rows
from glassnet.layers import ACTIVATIONS, Dense, Dropout, Layer, Sigmoid, Softmax, sigmoid, softmax
from glassnet.losses import Loss, get_loss

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


class OutputOverflow(GlassnetError, ArithmeticError):
    """A network's output is NaN or Inf for finite inputs: its weights, or the inputs, are beyond
    what its dtype can compute."""


class Network:
    """A sequential stack of bricks, e.g. ``Network([Dense(2, 3), Sigmoid(), Dense(3, 2)])``.

    Parameters
    ----------
    layers : sequence of Layer
        The bricks, applied in order. Consecutive Dense layers must agree on feature counts. The
        first brick fixes the input width: a Dense, or a :class:`~glassnet.preprocessing.
        Standardize` in front of one; a Dropout on the inputs may stand before it.
    dtype : float32 (default) or float64
        The dtype of every parameter; inputs are cast to it once on the way in.
    seed : int, optional
        Seed of the network's ``numpy.random.Generator`` (weight initialisation, dropout masks).
    rng : numpy.random.Generator, optional
        Use this Generator instead of one made from ``seed``.
    """

    def __init__(
        self,
        layers: Sequence[Layer],
        *,
        dtype: type | np.dtype | str = np.float32,
        seed: int | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        layers = list(layers)
        if not layers:
            raise ValueError("Network needs at least one layer")
        for position, layer in enumerate(layers):
            if not isinstance(layer, Layer):
                raise TypeError(
                    f"Network: layer {position} is a {type(layer).__name__}, not a glassnet Layer"
                )
        if _input_width(layers) is None:
            raise ValueError(
                f"Network: the first brick must fix the input width (a Dense, or a Standardize "
                f"before one; a Dropout on the inputs may stand before it); a "
                f"{type(layers[0]).__name__} takes any width"
            )
        self.dtype = _check_dtype(dtype)
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.layers = layers
        #: Plain JSON-able facts saved with the model (data set, class names, ...).
        self.metadata: dict = {}
        self._name_layers()
        self._build()

    # ------------------------------------------------------------------ construction
    def _name_layers(self) -> None:
        counts: Counter[str] = Counter()
        for layer in self.layers:
            kind = layer.name_prefix or type(layer).__name__.lower()
            counts[kind] += 1
            layer.name = f"{kind}{counts[kind]}"

    def _build(self) -> None:
        features = self.in_features
        for position, layer in enumerate(self.layers):
            features = layer.output_features(features)
            if isinstance(layer, Dense) and not layer.initialized:
                # the first brick after it that has a say (a BatchNorm1d leaves it to the next)
                say = [later.dense_init_before for later in self.layers[position + 1 :]]
                default = next((init for init in say if init is not None), "glorot_uniform")
                layer.reset_parameters(self.rng, default_init=default)
            if isinstance(layer, Dropout) and layer.rng is None:
                layer.rng = self.rng
            layer.astype(self.dtype)
        # Up to the first brick with parameters, inputs are the data: their gradient is never
        # needed.
        first = next((i for i, layer in enumerate(self.layers) if layer.params), len(self.layers))
        for position, layer in enumerate(self.layers):
            layer.input_grad = position > first
        self._store_parameters_together()

    def _store_parameters_together(self) -> None:
        """Move every parameter (and gradient) into one contiguous vector.

        Each brick keeps its own ``W`` and ``b``: they become views into ``self._vector`` (and
        ``self._grad_vector``), so the bricks read and write them as before, while an optimizer
        can update all of them with one NumPy call per step instead of one per array.
        """
        entries = [(layer, key) for layer in self.layers for key in layer.params]
        total = sum(layer.params[key].size for layer, key in entries)
        vector = np.empty(total, dtype=self.dtype)
        grad_vector = np.zeros(total, dtype=self.dtype)
        start = 0
        for layer, key in entries:
            shape = layer.params[key].shape
            stop = start + layer.params[key].size
            vector[start:stop] = layer.params[key].ravel()
            layer.params[key] = vector[start:stop].reshape(shape)
            layer.grads[key] = grad_vector[start:stop].reshape(shape)
            start = stop
        self._vector, self._grad_vector = vector, grad_vector
        self._views = [(layer, key, layer.params[key], layer.grads[key]) for layer, key in entries]
        self._parameters = [
            (f"{layer.name}.{key}", layer.params[key], layer.grads[key]) for layer, key in entries
        ]

    def __getstate__(self) -> dict:
        """A copy or a pickle stores each parameter once (in its brick), not the vector too."""
        state = self.__dict__.copy()
        for derived in ("_vector", "_grad_vector", "_views", "_parameters"):
            state.pop(derived, None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._store_parameters_together()

    def _check_storage(self) -> None:
        """Gather the parameters again if something replaced a brick's arrays (a copy, a pickle,
        ``reset_parameters``): the views into the vector must be the arrays the bricks use."""
        vector, grad_vector = self._vector, self._grad_vector
        for layer, key, param, grad in self._views:
            if (
                layer.params[key] is not param
                or layer.grads[key] is not grad
                or param.base is not vector  # a copy or a pickle keeps objects, not views
                or grad.base is not grad_vector
            ):
                self._store_parameters_together()
                return

    # ------------------------------------------------------------------ shape facts
    @property
    def in_features(self) -> int:
        """The input width the first brick fixes (after a Dropout on the inputs, if any)."""
        return _input_width(self.layers)

    @property
    def out_features(self) -> int:
        """The width of the network's output."""
        features = self.in_features
        for layer in self.layers:
            features = layer.output_features(features)
        return features

    @property
    def largest_weight_entries(self) -> int:
        """Entries of the largest weight matrix (``fan_in * fan_out``); 0 without one."""
        return max(
            (layer.params["W"].size for layer in self.layers if "W" in layer.params), default=0
        )

    @property
    def largest_weight(self) -> int:
        """:attr:`largest_weight_entries` under its former name."""
        return self.largest_weight_entries

    @property
    def n_params(self) -> int:
        """Number of trainable scalars."""
        return sum(param.size for _, param, _ in self._parameters)

    def parameters(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """``(name, param, grad)`` triples in a stable order, e.g. ``("dense1.W", W, dW)``.

        The arrays are the live ones: optimizers update ``param`` in place.
        """
        self._check_storage()
        return list(self._parameters)

    def apply_constraints(self) -> None:
        """What must hold after every update: each Dense layer's ``max_norm`` (see
        :meth:`~glassnet.layers.Dense.renorm`). Training calls it after each optimizer step."""
        for layer in self._constrained:
            layer.renorm()

    @property
    def _constrained(self) -> list:
        return [layer for layer in self.layers if getattr(layer, "max_norm", None) is not None]

    def parameter_vector(self) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """Every parameter as one triple ``("parameters", vector, grad_vector)``.

        The vector holds all bricks' parameters back to back (each brick's arrays are views into
        it), so ``optimizer.step(network.parameter_vector())`` is one update per step instead
        of one per array. Elementwise optimizers give the same numbers either way up to the last
        bit: BLAS may split one long update differently from many short ones (threads, vector
        width), and an element may then round once fused and once not.
        """
        self._check_storage()
        return [("parameters", self._vector, self._grad_vector)]

    # ------------------------------------------------------------------ forward and backward
    def as_input(self, x: np.ndarray, name: str = "X", *, cast: bool = True) -> np.ndarray:
        """``x`` checked (2-D, real, finite, not empty) and cast to the network's dtype; a
        DataFrame, or rows with text, encoded by the model's contract first (see
        :mod:`glassnet.frames`). With ``cast=False`` (a memory-mapped array) it is checked a
        block at a time and not cast: the caller casts the rows it takes."""
        x = encode_rows(x, self, name=name)
        missing = self.layers[0].accepts_missing  # an Impute first fills NaN
        return check_features(
            x, self.in_features, name=name, dtype=self.dtype, allow_missing=missing, cast=cast
        )

    def forward(
        self, x: np.ndarray, *, training: bool = False, record: dict | None = None
    ) -> np.ndarray:
        """x: (batch, in_features) -> output: (batch, out_features).

        With ``training=True`` dropout is active and every brick caches what backward needs.
        The result is the caller's own array (bricks reuse their buffers; this is a copy).
        With a ``record`` dict, a copy of each brick's ``input`` and ``output`` is kept in
        ``record[layer.name]`` (this is how :func:`glassnet.trace.trace` watches).
        """
        return self._forward(self.as_input(x), training, record)

    def _forward(
        self,
        x: np.ndarray,
        training: bool,
        record: dict | None = None,
        out: np.ndarray | None = None,
    ) -> np.ndarray:
        """``forward`` on an input already checked and cast by ``as_input``; the outputs are
        written into ``out`` (batch, out_features) when it is given, else into a new array."""
        for layer in self.layers:
            if record is not None:
                record.setdefault(layer.name, {})["input"] = x.copy()
            x = layer.forward(x, training=training)
            if record is not None:
                record[layer.name]["output"] = x.copy()
        if out is None:
            return x.copy()
        np.copyto(out, x)
        return out

    def backward(self, grad_out: np.ndarray, *, record: dict | None = None) -> None:
        """grad_out: dLoss/doutput (batch, out_features); fills every layer's ``grads``.

        Call after ``forward`` on the same batch. The gradient with respect to the network's input
        is not computed (the bricks up to the first Dense have ``input_grad`` off; turn it on to
        get it from their ``backward``). With a ``record`` dict, each brick's ``grad_output`` and
        ``grad_input`` are kept too.
        """
        grad = grad_out
        for layer in reversed(self.layers):
            if grad is None:  # below the first Dense: the data, whose gradient nobody needs
                if record is not None:
                    record.setdefault(layer.name, {}).update(grad_output=None, grad_input=None)
                continue
            if record is not None:
                record.setdefault(layer.name, {})["grad_output"] = grad.copy()
            grad = layer.backward(grad)
            if record is not None:
                record[layer.name]["grad_input"] = None if grad is None else grad.copy()

    def l2_penalty(self, alpha: float) -> float:
        """``alpha / 2 * sum(W ** 2)`` over every weight matrix (biases are not penalised)."""
        if alpha == 0:
            return 0.0
        total = sum(
            float(np.sum(layer.params[key] ** 2))
            for layer in self.layers
            for key in layer.regularized
        )
        return 0.5 * alpha * total

    def l1_penalty(self, beta: float) -> float:
        """``beta * sum(|W|)`` over every weight matrix (biases are not penalised)."""
        if beta == 0:
            return 0.0
        total = sum(
            float(np.sum(np.abs(layer.params[key])))
            for layer in self.layers
            for key in layer.regularized
        )
        return beta * total

    def penalty(self, l2: float = 0.0, l1: float = 0.0) -> float:
        """The Ridge term plus the Lasso term: ``l2/2 * sum(W**2) + l1 * sum(|W|)``."""
        return self.l2_penalty(l2) + self.l1_penalty(l1)

    def loss_and_gradients(
        self,
        loss: Loss | str,
        x: np.ndarray,
        target: np.ndarray,
        *,
        l2: float = 0.0,
        l1: float = 0.0,
        training: bool = True,
        record: dict | None = None,
        out: np.ndarray | None = None,
        checked: bool = False,
    ) -> tuple[np.ndarray, float, float]:
        """One forward and backward pass: fill every ``grads`` and return the loss.

        The objective being minimised is ``data_loss + penalty`` (:meth:`penalty`). With ``l2 > 0``
        each weight gradient also gets ``l2 * W``, with ``l1 > 0`` also ``l1 * sign(W)``: the
        derivatives of the two terms (at ``W = 0`` the sign is 0).

        Parameters
        ----------
        loss : Loss or str
            The loss, as :func:`~glassnet.train.fit` takes it.
        x : ndarray of shape (batch, in_features)
            The batch's inputs.
        target : ndarray of shape (batch,) or (batch, out_features)
            Targets for ``loss``.
        l2 : float
            Ridge strength.
        l1 : float
            Lasso strength.
        training : bool
            Training mode (dropout on) or inference.
        record : dict, optional
            Filled with each brick's input, output and gradients, by layer name (how
            :func:`~glassnet.trace.trace` watches).
        out : ndarray of shape (batch, out_features), optional
            Where the outputs go.
        checked : bool
            Says ``x`` already passed :meth:`as_input` (``fit`` checks all rows once, not
            each batch).

        Returns
        -------
        outputs : ndarray of shape (batch, out_features)
            The forward pass's outputs.
        data_loss : float
            The loss of the batch.
        penalty : float
            The Ridge plus Lasso term.
        """
        loss = get_loss(loss)  # a name (``"mse"``, ...) as fit takes it, or a Loss
        x = x if checked else self.as_input(x)
        pred = self._forward(x, training, record, out)
        data_loss, grad = loss.value_and_grad(pred, target)
        self.backward(grad, record=record)
        if record is not None:
            for layer in self.layers:
                if layer.params:
                    record[layer.name]["data_grads"] = {k: g.copy() for k, g in layer.grads.items()}
        if l2:
            for layer in self.layers:
                for key in layer.regularized:
                    # d/dW (alpha/2 * sum W^2) = alpha * W
                    axpy(l2, layer.params[key], layer.grads[key])
        if l1:
            for layer in self.layers:
                for key in layer.regularized:
                    # d/dW (beta * sum |W|) = beta * sign(W)
                    axpy(l1, np.sign(layer.params[key]), layer.grads[key])
        return pred, data_loss, self.penalty(l2, l1)

    # ------------------------------------------------------------------ predictions
    def predict(
        self, x: np.ndarray, *, batch_size: int | None = 4096, checked: bool = False
    ) -> np.ndarray:
        """Network outputs for ``x``, in inference mode, in batches.

        Parameters
        ----------
        x : ndarray of shape (n_samples, in_features), DataFrame, or memory-mapped ndarray
            The inputs. A memory-mapped array (``numpy.load(..., mmap_mode="r")``) is read a
            batch at a time.
        batch_size : int or None
            Rows per forward pass (None: all at once).
        checked : bool
            Says ``x`` already passed :meth:`as_input`: training and evaluation see a diverged
            network's NaN as it is. Otherwise an output that overflowed (NaN or Inf) raises
            :class:`OutputOverflow` naming the row.

        Returns
        -------
        ndarray of shape (n_samples, out_features)
            The outputs: logits or probabilities for classifiers (as the output brick makes them),
            values in the target's units for regressors.
        """
        if checked:  # training and evaluation: a network that diverged gives NaN there
            return self._outputs(x, batch_size)
        x = self.as_input(x, cast=not is_memory_mapped(x))  # checked once, not once per batch
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is named just below
            outputs = self._outputs(x, batch_size)
        self._refuse_overflow(outputs)
        return outputs

    def _outputs(self, x: np.ndarray, batch_size: int | None) -> np.ndarray:
        rows = x.shape[0]  # (a scipy sparse matrix has no len)
        if batch_size is None or rows <= batch_size:
            return self._forward(x.astype(self.dtype, copy=False), training=False)
        outputs = np.empty((rows, self.out_features), dtype=self.dtype)
        for start in range(0, rows, batch_size):
            rows = slice(start, start + batch_size)
            self._forward(x[rows].astype(self.dtype, copy=False), training=False, out=outputs[rows])
        return outputs

    def _refuse_overflow(self, outputs: np.ndarray) -> None:
        """Raise :class:`OutputOverflow` rather than return NaN or Inf as a prediction."""
        with np.errstate(over="ignore", invalid="ignore"):
            if np.isfinite(np.add.reduce(outputs, axis=None)):
                return
        bad = np.argwhere(~np.isfinite(outputs))
        if not len(bad):  # finite outputs whose sum overflowed
            return
        row, column = (int(i) for i in bad[0])
        name, largest = max(((name, float(np.abs(param).max())) for name, param, _ in
                             self.parameters() if param.size), key=lambda item: item[1],
                            default=("no parameter", 0.0))  # fmt: skip
        raise OutputOverflow(
            f"the network's output for row {row} (column {column}) is {outputs[row, column]}: "
            f"its computation overflowed {self.dtype} (the largest weight is {largest:g}, in "
            f"{name}); the model's weights or the row's inputs are too large"
        )

    def output_to_proba(self, out: np.ndarray) -> np.ndarray:
        """Turn network outputs into class probabilities whose rows sum to 1.

        - last brick Softmax: the outputs already are probabilities;
        - last brick Sigmoid: one output ``p`` gives ``[1 - p, p]``; several are scaled to sum 1;
        - otherwise the outputs are logits: softmax, or ``[1 - sigmoid, sigmoid]`` for one output.
        """
        last = self.layers[-1]
        if isinstance(last, Softmax):
            return out
        if out.shape[1] == 1:
            p = out if isinstance(last, Sigmoid) else sigmoid(out)
            return np.hstack([1.0 - p, p])
        if isinstance(last, Sigmoid):
            # Scale each row by its largest entry first (sigmoids of very negative logits are
            # denormal numbers whose plain sum loses the ratio); a row of zeros is uniform.
            largest = out.max(axis=1, keepdims=True)
            scaled = np.divide(out, largest, out=np.ones_like(out), where=largest > 0)
            return scaled / scaled.sum(axis=1, keepdims=True)
        return softmax(out)

    def output_to_classes(self, out: np.ndarray) -> np.ndarray:
        """The most probable class of each row of network outputs: (n_samples,) int.

        For logits and softmax outputs this is the largest output (softmax keeps the order of
        a row), found without computing probabilities.
        """
        if out.shape[1] > 1 and not isinstance(self.layers[-1], Sigmoid):
            return np.argmax(out, axis=1)
        return np.argmax(self.output_to_proba(out), axis=1)

    def predict_proba(self, x: np.ndarray, *, batch_size: int | None = 4096) -> np.ndarray:
        """Class probabilities for the rows of ``x``.

        Parameters
        ----------
        x : ndarray of shape (n_samples, in_features) or DataFrame
            The inputs.
        batch_size : int or None
            Rows per forward pass.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Rows sum to 1; a network with one output gives two columns (class 0, class 1).
        """
        return self.output_to_proba(self.predict(x, batch_size=batch_size))

    def predict_classes(self, x: np.ndarray, *, batch_size: int | None = 4096) -> np.ndarray:
        """The most probable class of each row of ``x``.

        Parameters
        ----------
        x : ndarray of shape (n_samples, in_features) or DataFrame
            The inputs.
        batch_size : int or None
            Rows per forward pass.

        Returns
        -------
        ndarray of shape (n_samples,)
            Class indices (int).
        """
        return self.output_to_classes(self.predict(x, batch_size=batch_size))

    # ------------------------------------------------------------------ weights and copies
    def get_weights(self) -> dict[str, np.ndarray]:
        """A copy of every parameter, by name."""
        return {name: param.copy() for name, param, _ in self.parameters()}

    def set_weights(self, weights: dict[str, np.ndarray]) -> None:
        """Copy ``weights`` (as from ``get_weights``) into the live parameters, in place."""
        for name, param, _ in self.parameters():
            if name not in weights:
                raise ValueError(f"set_weights: no array for parameter {name!r}")
            value = np.asarray(weights[name])
            if value.shape != param.shape:
                raise ValueError(
                    f"set_weights: {name} must have shape {param.shape}, got {value.shape}"
                )
            param[...] = value

    def copy(self) -> Network:
        """An independent deep copy (parameters, Generator state and all)."""
        return copy.deepcopy(self)

    def astype(self, dtype: type | np.dtype | str) -> Network:
        """A copy of this network with every parameter cast to ``dtype``."""
        clone = self.copy()
        clone.dtype = _check_dtype(dtype)
        clone._build()
        return clone

    # ------------------------------------------------------------------ description
    def summary_rows(self) -> tuple[list[tuple[str, str, str, str]], str]:
        """The summary's table (a header row, the input, one row per brick: name, type, output
        shape, parameters) and its total line; :meth:`summary` and the notebook display show
        them."""
        rows = [("layer", "type", "output shape", "params")]
        features = self.in_features
        rows.append(("input", "", f"(batch, {features})", "0"))
        for layer in self.layers:
            features = layer.output_features(features)
            kind = layer.summary_label()
            count = sum(p.size for p in layer.params.values())
            rows.append((layer.name, kind, f"(batch, {features})", f"{count:,}"))
        total = f"total: {self.n_params:,} trainable parameters, dtype {self.dtype.name}"
        return rows, total

    def summary(self) -> str:
        """A table of the layers, their output shapes and parameter counts."""
        rows, total = self.summary_rows()
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        rule = "-" * len(max(lines, key=len))
        return "\n".join([lines[0], rule, *lines[1:], rule, total])

    def _repr_html_(self) -> str:
        """The summary table, for a notebook."""
        from glassnet.notebook import network_html

        return network_html(self)

    def __repr__(self) -> str:
        inner = ", ".join(repr(layer) for layer in self.layers)
        return f"Network([{inner}], dtype={self.dtype.name})"


def _check_dtype(dtype) -> np.dtype:
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be float32 or float64; got {dtype!r}") from None
    if resolved not in _DTYPES:
        raise TypeError(f"dtype must be float32 or float64; got {resolved.name}")
    return resolved


def mlp(
    sizes: Sequence[int],
    *,
    activation: str | Iterable[str] = "relu",
    output: str | None = None,
    init: str | None = None,
    dropout: float = 0.0,
    input_dropout: float = 0.0,
    max_norm: float | None = None,
    batch_norm: bool = False,
    dtype: type | np.dtype | str = np.float32,
    seed: int | None = None,
) -> Network:
    """Build a multilayer perceptron from layer sizes.

    ``mlp([784, 200, 200, 10])`` is Dense(784, 200), ReLU, Dense(200, 200), ReLU, Dense(200, 10).

    Parameters
    ----------
    sizes : sequence of int
        Input features, each hidden layer's width, output features.
    activation : str or sequence of str
        Hidden activation (``relu``, ``leaky_relu``, ``sigmoid``, ``tanh``, ``identity``,
        ``gelu``), one for all hidden layers or one per hidden layer.
    output : str, optional
        Activation after the last Dense (``sigmoid``, ``softmax``, ...); none by default, so the
        outputs are logits for the fused cross-entropy losses, or values for regression.
    init : str, optional
        Initializer for every Dense; default: each activation's own (see :mod:`glassnet.init`).
    dropout : float
        Dropout probability after every hidden activation (0 turns it off).
    input_dropout : float
        Dropout probability of the inputs, a Dropout before the first Dense (0: none).
    max_norm : float, optional
        Every Dense layer's limit on each unit's incoming weight norm after each update (see
        :class:`~glassnet.layers.Dense`); None: no limit.
    batch_norm : bool
        A :class:`~glassnet.batchnorm.BatchNorm1d` between each hidden Dense and its activation.
    dtype : dtype
        The network's float type, float32 unless asked.
    seed : int, optional
        Seed of the network's Generator (initial weights and dropout masks).

    Returns
    -------
    Network
        The stack of bricks, its weights initialised.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"mlp: sizes needs at least input and output sizes; got {sizes}")
    for size in sizes:
        if not is_positive_int(size):
            raise ValueError(f"mlp: sizes must be positive integers; got {sizes}")
    n_hidden = len(sizes) - 2
    activations = [activation] * n_hidden if isinstance(activation, str) else list(activation)
    if len(activations) != n_hidden:
        raise ValueError(f"mlp: {len(activations)} activations given for {n_hidden} hidden layers")
    layers: list[Layer] = [Dropout(input_dropout)] if input_dropout else []
    for position, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layers.append(Dense(fan_in, fan_out, init=init, max_norm=max_norm))
        if position < n_hidden and batch_norm:
            layers.append(BatchNorm1d(fan_out))
        name = activations[position] if position < n_hidden else output
        if name is not None:
            layers.append(_activation(name, hidden=position < n_hidden))
        if position < n_hidden and dropout:
            layers.append(Dropout(dropout))
    return Network(layers, dtype=dtype, seed=seed)


def _activation(name: str, *, hidden: bool) -> Layer:
    choices = {k: v for k, v in ACTIVATIONS.items() if not (hidden and k == "softmax")}
    if name not in choices:
        raise unknown_name("activation", name, choices)
    return choices[name]()


def _input_width(layers) -> int | None:
    """The width the first brick that fixes one fixes, when only Dropout bricks (dropout on the
    inputs, which keeps the width) stand before it; else None."""
    for layer in layers:
        if layer.in_features is not None:
            return layer.in_features
        if not isinstance(layer, Dropout):
            return None
    return None
