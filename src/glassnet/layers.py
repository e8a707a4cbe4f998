"""Bricks: layers that each know their forward and their backward step.

Every brick follows one contract. Samples are rows: ``x`` has shape ``(batch, features)``.

``forward(x, *, training)``
    returns the brick's output and caches only what ``backward`` needs, under readable names
    (``self._x``, ``self._out``, ``self._mask``).
``backward(grad_out)``
    takes dLoss/d(output), fills ``self.grads`` (same keys and shapes as ``self.params``) and
    returns dLoss/d(input).

Each backward pass sits right under its forward pass, with the chain-rule step as a comment.

Speed without a second implementation: a brick writes its results into arrays it owns and reuses
from one batch to the next (``self._buffer(...)`` and NumPy's ``out=``), so a training step
allocates no large temporaries. An array a brick returns is therefore valid until its next
``forward``/``backward`` call; :class:`~glassnet.network.Network` copies what it hands out.
"""

from __future__ import annotations

import numpy as np

from glassnet._checks import check_positive_int, is_sparse
from glassnet.init import Initializer, get_initializer


class Layer:
    """Base class of all bricks.

    Attributes
    ----------
    params : dict of str to ndarray
        Trainable arrays, e.g. ``{"W": (fan_in, fan_out), "b": (fan_out,)}``; empty for
        activations.
    grads : dict of str to ndarray
        dLoss/dparam for each entry of ``params``, filled by ``backward``.
    name : str
        Set by the :class:`~glassnet.network.Network` that holds the brick (``"dense1"``, ...).
    """

    #: Initializer of a Dense layer standing right before this brick, when it is given none
    #: (None: the next brick's).
    dense_init_before: str | None = "glorot_uniform"
    #: Parameters that the L2 (Ridge) penalty applies to.
    regularized: tuple[str, ...] = ()
    #: What the brick computes, as explain prints it: ``{i}`` is its input's symbol.
    formula: str | None = None
    #: Its derivative d(output)/d(input) for a brick that acts on each element alone (``{i}``
    #: input, ``{o}`` output); None for the others (Dense, Softmax, OneHot).
    local_formula: str | None = None
    #: dLoss/d(input) as explain prints it, for a brick that does not act on each element alone
    #: (``{o}`` its output, ``{i}`` its input); None: explain names it only.
    input_grad_formula: str | None = None
    #: dLoss/d(parameter) for each parameter of a brick other than Dense, as explain prints it.
    param_grad_formulas: dict[str, str] = {}
    #: How a hidden unit of it stops learning, for the health checks: ``"saturated"`` (flat
    #: tails, as Sigmoid and Tanh have), ``"dead"`` (a zero gradient, as ReLU has), or None.
    stuck_when: str | None = None
    #: The bounds a saturating brick's outputs approach (``stuck_when == "saturated"``).
    output_bounds: tuple[float, float] | None = None
    #: Whether ``backward`` must return dLoss/d(input). The network turns it off for the bricks
    #: up to its first Dense, whose inputs are the data: nobody needs that gradient, and it costs
    #: a matrix product.
    input_grad: bool = True
    #: What a network names the brick, before its number (``"dense"`` for ``dense1``); None:
    #: the class name in lower case.
    name_prefix: str | None = None
    #: Whether the brick is part of the model's data contract (a fixed scaling of inputs or
    #: outputs, see :mod:`glassnet.preprocessing`) rather than of what it learns.
    is_scaling: bool = False
    #: Whether the brick, standing first, takes missing values (NaN) in the network's input.
    accepts_missing: bool = False
    #: glassnet's bricks by class name, filled as each is defined (a saved network names them).
    types: dict[str, type[Layer]] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "preceding_init" in cls.__dict__:  # the attribute's former name
            cls.dense_init_before = cls.__dict__["preceding_init"]
        if cls.__module__.startswith("glassnet.") and not cls.__name__.startswith("_"):
            Layer.types[cls.__name__] = cls

    def __init__(self) -> None:
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        self.name: str = type(self).__name__.lower()
        self._buffers: dict[tuple, np.ndarray] = {}

    def _buffer(self, role: str, shape: tuple[int, ...], dtype) -> np.ndarray:
        """A scratch array owned by this brick, reused whenever the same shape comes back."""
        key = (role, shape, dtype)
        buffer = self._buffers.get(key)
        if buffer is None:
            if len(self._buffers) > 16:  # many batch shapes seen: start afresh
                self._buffers.clear()
            buffer = self._buffers[key] = np.empty(shape, dtype=dtype)
        return buffer

    def _like(self, role: str, array: np.ndarray) -> np.ndarray:
        """A scratch array of ``array``'s shape and dtype (see :meth:`_buffer`): where a
        formula's result goes, so that a step allocates nothing."""
        return self._buffer(role, array.shape, array.dtype)

    def _filled(self, role: str, shape: tuple[int, ...], dtype, value: float) -> np.ndarray:
        """A scratch array of ``value`` everywhere, filled once per shape; never written to."""
        array = self._buffers.get((role, shape, dtype))
        if array is None:
            array = self._buffer(role, shape, dtype)
            array.fill(value)
        return array

    def __getstate__(self) -> dict:
        """What a copy or a pickle keeps: parameters and settings, not the scratch buffers or
        the arrays cached for the next backward pass."""
        state = self.__dict__.copy()
        state["_buffers"] = {}
        for cached in ("_x", "_out", "_mask"):
            state.pop(cached, None)
        return state

    @property
    def cached_input(self) -> np.ndarray | None:
        """The input of the last forward pass, kept for backward (the tutorials' ``A`` of the
        layer before), or None."""
        return getattr(self, "_x", None)

    @property
    def cached_output(self) -> np.ndarray | None:
        """The output of the last forward pass, kept for backward (the tutorials' ``A``), or
        None."""
        return getattr(self, "_out", None)

    @property
    def cached_mask(self) -> np.ndarray | None:
        """The boolean mask the last pass made (ReLU: where it passed the gradient; Dropout: the
        units it kept), or None."""
        return getattr(self, "_mask", None)

    @property
    def elementwise(self) -> bool:
        """Whether the brick acts on each element alone (its derivative is an array like its
        output)."""
        return self.local_formula is not None

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """The brick's output for ``x: (batch, in_features)``, shape ``(batch, out_features)``;
        caches what ``backward`` needs. ``training`` switches dropout-like behaviour on."""
        raise NotImplementedError

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        """dLoss/d(input), shape like the last forward's input, from ``grad_out`` =
        dLoss/d(output); fills ``self.grads`` (None for a brick standing first, whose input is
        the data)."""
        raise NotImplementedError

    def to_onnx(self, graph, x: str) -> str:
        """Add the ONNX nodes computing this brick at inference to ``graph`` (a
        :class:`glassnet.onnx.OnnxGraph`), reading the tensor named ``x``; return the name of
        the output."""
        raise TypeError(f"ONNX export: no ONNX operator for a {type(self).__name__} brick")

    @property
    def in_features(self) -> int | None:
        """The input width this brick fixes (a Dense its ``fan_in``), or None if it takes any:
        the first brick of a network must fix one."""
        return None

    def output_features(self, in_features: int) -> int:
        """Number of output columns for ``in_features`` input columns."""
        return in_features

    def config(self) -> dict:
        """Plain-data description of the brick (what ``summary`` shows and a saved model stores)."""
        return {"type": type(self).__name__}

    def summary_label(self) -> str:
        """The brick in a network's summary table: ``Dense(fan_in=2, fan_out=3, ...)``."""
        config = {k: v for k, v in self.config().items() if k != "type"}
        arguments = ", ".join(f"{k}={v}" for k, v in config.items())
        return type(self).__name__ + (f"({arguments})" if arguments else "")

    def astype(self, dtype: np.dtype) -> None:
        """Cast parameters and gradient buffers to ``dtype`` in place of the old arrays."""
        self._buffers.clear()
        for key in self.params:
            self.params[key] = self.params[key].astype(dtype)
            self.grads[key] = np.zeros_like(self.params[key])

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({args})"


class Dense(Layer):
    """Fully connected layer: ``z = x @ W + b``.

    Parameters
    ----------
    fan_in, fan_out : int
        Input and output features: ``W`` is ``(fan_in, fan_out)``, ``b`` is ``(fan_out,)``.
    init : str or callable, optional
        Weight initializer (see :mod:`glassnet.init`). When omitted, the network picks the default
        of the activation that follows this layer (``he_normal`` before ReLU, ``glorot_uniform``
        before Sigmoid/Tanh/Softmax or at the output).
    bias : bool
        Whether to add ``b`` (initialised to zeros).
    rng : numpy.random.Generator, optional
        Initialise the weights now from this generator. Otherwise the network does, from its own.
    max_norm : float, optional
        After every update, each unit's incoming weights (a column of ``W``) are scaled down to
        a norm of at most ``max_norm`` (Srivastava et al., 2014). None: no limit.
    """

    regularized = ("W",)

    def __init__(
        self,
        fan_in: int,
        fan_out: int,
        *,
        init: str | Initializer | None = None,
        bias: bool = True,
        rng: np.random.Generator | None = None,
        max_norm: float | None = None,
    ) -> None:
        super().__init__()
        if max_norm is not None and not (isinstance(max_norm, (int, float))
                                         and np.isfinite(max_norm) and max_norm > 0):  # fmt: skip
            raise ValueError(f"Dense: max_norm must be a finite number > 0 or None, got "
                             f"{max_norm!r}")  # fmt: skip
        self.max_norm = None if max_norm is None else float(max_norm)
        self.fan_in = check_positive_int(fan_in, "Dense: fan_in")
        self.fan_out = check_positive_int(fan_out, "Dense: fan_out")
        self.init = init
        if init is not None:
            get_initializer(init)  # fail now on an unknown name, not at build time
        self.bias = bool(bias)
        if rng is not None:
            self.reset_parameters(rng)

    @property
    def initialized(self) -> bool:
        """Whether ``W`` and ``b`` hold values yet (a Dense made with ``fan_in=None`` gets them
        when the network knows its width)."""
        return "W" in self.params

    @property
    def in_features(self) -> int:
        return self.fan_in

    def reset_parameters(
        self, rng: np.random.Generator, *, default_init: str = "glorot_uniform"
    ) -> None:
        """Draw ``W`` from the initializer (or ``default_init``) and zero ``b``."""
        if self.init is None:
            self.init = default_init  # recorded, so the config says what was used
        init = get_initializer(self.init)
        dtype = self.params["W"].dtype if self.initialized else np.float64
        self.params = {"W": np.asarray(init(self.fan_in, self.fan_out, rng), dtype=dtype)}
        if self.bias:
            self.params["b"] = np.zeros(self.fan_out, dtype=dtype)
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """x: (batch, fan_in) -> z: (batch, fan_out)."""
        if not self.initialized:
            raise RuntimeError(
                f"{self.name}: weights are not initialised; put the layer in a Network "
                "or pass rng= to Dense"
            )
        self._x = x
        z = self._buffer("z", (x.shape[0], self.fan_out), x.dtype)
        if is_sparse(x):  # a scipy sparse batch: multiplied as it is, never made dense
            z[...] = x @ self.params["W"]
        else:
            np.matmul(x, self.params["W"], out=z)
        if self.bias:
            z += self.params["b"]
        return z

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """grad_out: dL/dz (batch, fan_out) -> dL/dx (batch, fan_in), or None when the network
        said it does not need it (``input_grad`` off: the first layer)."""
        x = self._x
        # dL/dW = x.T @ dL/dz   (each weight's input times the gradient at its output)
        if is_sparse(x):
            self.grads["W"][...] = x.T @ grad_out
        elif x.shape[0] == 1 and x.dtype == grad_out.dtype == self.grads["W"].dtype:
            # one sample: an outer product, which np.dot does fastest (np.dot wants one dtype)
            np.dot(x.T, grad_out, out=self.grads["W"])
        else:
            np.matmul(x.T, grad_out, out=self.grads["W"])
        if self.bias:
            # dL/db = sum over the batch of dL/dz, written as (row of ones) @ dL/dz: a BLAS
            # product, about 3x faster than NumPy's column sum
            ones = self._filled("ones", (x.shape[0],), grad_out.dtype, 1)
            np.matmul(ones, grad_out, out=self.grads["b"])
        if not self.input_grad:
            return None
        # dL/dx = dL/dz @ W.T
        if is_sparse(x):
            return grad_out @ self.params["W"].T
        grad_x = self._like("grad_x", x)
        return np.matmul(grad_out, self.params["W"].T, out=grad_x)

    def output_features(self, in_features: int) -> int:
        if in_features != self.fan_in:
            raise ValueError(
                f"{self.name} expects {self.fan_in} input features but the layer before it "
                f"gives {in_features}"
            )
        return self.fan_out

    def renorm(self) -> None:
        """Scale each unit's incoming weights (each column of ``W``) down to a norm of at most
        ``max_norm``, in place; columns within the limit are left as they are."""
        if self.max_norm is None:
            return
        W = self.params["W"]
        norms = np.sqrt(np.einsum("ij,ij->j", W, W))
        over = norms > self.max_norm
        if np.any(over):  # W_j <- W_j * c / |W_j| for the units over the limit
            W[:, over] *= (self.max_norm / norms[over]).astype(W.dtype)

    def config(self) -> dict:
        init = self.init if self.init is None or isinstance(self.init, str) else self.init.__name__
        config = {
            "type": "Dense",
            "fan_in": self.fan_in,
            "fan_out": self.fan_out,
            "init": init,
            "bias": self.bias,
        }
        if self.max_norm is not None:
            config["max_norm"] = self.max_norm
        return config

    def to_onnx(self, graph, x: str) -> str:
        inputs = [x, graph.constant(f"{self.name}.W", self.params["W"])]
        if self.bias:
            inputs.append(graph.constant(f"{self.name}.b", self.params["b"]))
        return graph.node("Gemm", inputs, self.name)


def sigmoid(
    z: np.ndarray, out: np.ndarray | None = None, scratch: np.ndarray | None = None
) -> np.ndarray:
    """Logistic function, stable for any input: never computes exp of a positive number.

    ``out`` and ``scratch`` (arrays like ``z``) receive the result and an intermediate.
    """
    out = np.empty_like(z) if out is None else out
    e = np.empty_like(z) if scratch is None else scratch
    np.abs(z, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)  # e = exp(-|z|) in (0, 1]: cannot overflow
    np.add(e, 1.0, out=out)
    np.reciprocal(out, out=out)  # 1 / (1 + e): sigmoid(|z|)
    np.multiply(e, out, out=e)  # e / (1 + e) = sigmoid(-|z|)
    np.copyto(out, e, where=z < 0)
    return out


class Sigmoid(Layer):
    """``h = 1 / (1 + exp(-z))``, elementwise; stable for any ``z``."""

    formula, local_formula, stuck_when = "sigmoid({i})", "{o} (1 - {o})", "saturated"
    output_bounds = (0.0, 1.0)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self._out = sigmoid(
            x, self._like("out", x), self._like("scratch", x)
        )
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dh/dz = h (1 - h)
        h, grad = self._out, self._like("grad", grad_out)
        np.multiply(h, np.subtract(1.0, h, out=grad), out=grad)
        return np.multiply(grad, grad_out, out=grad)

    def to_onnx(self, graph, x: str) -> str:
        return graph.node("Sigmoid", [x], self.name)


class Tanh(Layer):
    """``h = tanh(z)``, elementwise."""

    formula, local_formula, stuck_when = "tanh({i})", "1 - {o}^2", "saturated"
    output_bounds = (-1.0, 1.0)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self._out = np.tanh(x, out=self._like("out", x))
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dh/dz = 1 - h^2
        grad = self._like("grad", grad_out)
        np.subtract(1.0, np.square(self._out, out=grad), out=grad)
        return np.multiply(grad, grad_out, out=grad)

    def to_onnx(self, graph, x: str) -> str:
        return graph.node("Tanh", [x], self.name)


class ReLU(Layer):
    """``h = max(z, 0)``, elementwise."""

    formula, local_formula, stuck_when = "max({i}, 0)", "1 where {i} > 0, else 0", "dead"

    dense_init_before = "he_normal"

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        # max(z, 0) against an array of zeros: NumPy vectorises that about 3x faster than max
        # against the scalar 0
        zeros = self._filled("zeros", x.shape, x.dtype, 0)
        self._out = np.maximum(x, zeros, out=self._like("out", x))
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dh/dz = 1 where z > 0, else 0; and z > 0 exactly where h > 0, so the mask is made
        # here from the output (a prediction, which never comes back, does not pay for it)
        self._mask = np.greater(self._out, 0, out=self._buffer("mask", self._out.shape, bool))
        grad = self._like("grad", grad_out)
        return np.multiply(grad_out, self._mask, out=grad)

    def to_onnx(self, graph, x: str) -> str:
        return graph.node("Relu", [x], self.name)


class LeakyReLU(Layer):
    """``h = z`` where ``z > 0``, else ``slope * z``.

    Parameters
    ----------
    slope : float
        The slope for ``z <= 0`` (PyTorch's default, 0.01).
    """

    formula = "{i} where {i} > 0, else slope * {i}"
    local_formula, stuck_when = "1 where {i} > 0, else slope", "dead"

    dense_init_before = "he_normal"

    def __init__(self, slope: float = 0.01) -> None:
        super().__init__()
        if not 0 <= slope < 1:
            raise ValueError(f"LeakyReLU: slope must be in [0, 1), got {slope!r}")
        self.slope = float(slope)

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        out = np.multiply(x, x.dtype.type(self.slope), out=self._like("out", x))
        self._out = np.maximum(x, out, out=out)  # slope < 1: the larger of z and slope * z
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dh/dz = 1 where z > 0, else slope; z > 0 exactly where h > 0 (slope >= 0)
        self._mask = np.greater(self._out, 0, out=self._buffer("mask", self._out.shape, bool))
        grad = self._like("grad", grad_out)
        np.multiply(grad_out, grad_out.dtype.type(self.slope), out=grad)
        np.copyto(grad, grad_out, where=self._mask)
        return grad

    def config(self) -> dict:
        return {"type": "LeakyReLU", "slope": self.slope}

    def to_onnx(self, graph, x: str) -> str:
        return graph.node("LeakyRelu", [x], self.name, alpha=self.slope)


class Identity(Layer):
    """``h = z``: a linear output (regression)."""

    formula, local_formula = "{i}", "1"

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        return x

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dh/dz = 1
        return grad_out

    def to_onnx(self, graph, x: str) -> str:
        return graph.node("Identity", [x], self.name)


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of ``z: (batch, classes)``, shifted by the row maximum for stability."""
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


class Softmax(Layer):
    """Row-wise ``p = exp(z) / sum(exp(z))``.

    For training a classifier prefer :class:`~glassnet.losses.SoftmaxCrossEntropy` on the logits
    (the softmax is fused into the loss there); this standalone brick is for outputs that must be
    probabilities, and its backward pass is the full Jacobian-vector product.
    """

    formula = "softmax({i})"
    input_grad_formula = "{o} * (dLoss/d{o} - sum over classes of dLoss/d{o} * {o})"

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self._out = softmax(x)
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dL/dz_i = p_i (dL/dp_i - sum_j dL/dp_j p_j)
        inner = np.sum(grad_out * self._out, axis=1, keepdims=True)
        return self._out * (grad_out - inner)

    def to_onnx(self, graph, x: str) -> str:
        return graph.node("Softmax", [x], self.name, axis=1)


class Dropout(Layer):
    """Inverted dropout: in training, zero each input with probability ``p`` and scale the rest by
    ``1 / (1 - p)``; at inference, pass inputs through unchanged.

    The mask is drawn from ``self.rng``, which the network sets to its own Generator.

    Parameters
    ----------
    p : float
        The probability of zeroing each input, in [0, 1).
    rng : numpy.random.Generator, optional
        Where masks come from; the network that holds the brick gives it its own.
    """

    formula, local_formula = "{i} * mask / (1 - p)", "mask / (1 - p)"

    def __init__(self, p: float = 0.5, *, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be in [0, 1), got {p!r}")
        self.p = float(p)
        self.rng = rng

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        if not training or self.p == 0:
            self._mask = None
            return x
        if self.rng is None:
            raise RuntimeError(
                f"{self.name}: no Generator; put the layer in a Network or pass rng="
            )
        keep = 1.0 - self.p
        mask = self.rng.random(x.shape, dtype=x.dtype, out=self._like("mask", x))
        kept = np.less(mask, keep, out=self._buffer("kept", x.shape, bool))
        np.multiply(kept, x.dtype.type(1.0 / keep), out=mask)  # 1 / (1 - p) where kept, else 0
        self._mask = mask
        return np.multiply(x, mask, out=self._like("out", x))

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dh/dz = mask / (1 - p) for the kept units, 0 for the dropped ones
        if self._mask is None:
            return grad_out
        return np.multiply(
            grad_out, self._mask, out=self._like("grad", grad_out)
        )

    def config(self) -> dict:
        return {"type": "Dropout", "p": self.p}

    def to_onnx(self, graph, x: str) -> str:  # inactive at inference
        return graph.node("Identity", [x], self.name)


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, elementwise, to the precision of ``x``'s dtype.

    ``erf(a) = 2/sqrt(pi) exp(-a^2) sum over n of (2 a^2)^n a / (1 3 5 ... (2n + 1))`` for
    ``a = |x|``: every term is positive, so nothing cancels; the sum runs until the last term is
    below the dtype's precision. Beyond ``|x| = 6`` (float64; 4 for float32) erf is +-1 to that
    precision, and ``|x|`` is clipped there.
    """
    x = np.asarray(x)
    single = x.dtype == np.float32
    a = np.minimum(np.abs(x.astype(np.float64)), 4.0 if single else 6.0)
    precision = np.finfo(np.float32 if single else np.float64).eps / 4
    twice_square = 2.0 * a * a
    term, total = a.copy(), a.copy()
    n = 0
    while True:
        n += 1
        term *= twice_square / (2 * n + 1)
        total += term
        if n > twice_square.max() / 2 and not np.any(term > precision * total):
            break
    value = (2.0 / np.sqrt(np.pi)) * np.exp(-a * a) * total
    return np.copysign(value, x).astype(x.dtype, copy=False)


class GELU(Layer):
    """``h = z Phi(z)``: each input weighted by the chance that a standard normal variable is
    below it (``Phi(z) = (1 + erf(z / sqrt 2)) / 2``), the exact GELU of Hendrycks and Gimpel."""

    formula = "{i} Phi({i}), Phi(z) = (1 + erf(z / sqrt 2)) / 2"
    local_formula = "Phi({i}) + {i} exp(-{i}^2 / 2) / sqrt(2 pi)"
    dense_init_before = "he_normal"

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        self._x = x
        self._phi = 0.5 * (1.0 + erf(x / np.sqrt(2.0)).astype(x.dtype))  # Phi(z)
        self._out = np.multiply(x, self._phi, out=self._like("out", x))
        return self._out

    def backward(self, grad_out: np.ndarray) -> np.ndarray:
        # dh/dz = Phi(z) + z phi(z), phi the standard normal density
        x = self._x
        density = np.exp(-0.5 * x * x) / np.sqrt(2.0 * np.pi)
        return grad_out * (self._phi + x * density)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_phi", None)
        return state

    def to_onnx(self, graph, x: str) -> str:  # Gelu is an operator only from opset 20: with Erf
        scaled = graph.node("Div", [x, graph.constant(f"{self.name}.root2", np.sqrt(2.0))],
                            f"{self.name}.scaled")  # fmt: skip
        if graph.dtype == np.float64:  # onnxruntime has Erf in float32 only: 1e-7 here
            single = graph.node("Cast", [scaled], f"{self.name}.single", to=1)  # FLOAT
            erf_ = graph.node("Erf", [single], f"{self.name}.erf32")
            erf_ = graph.node("Cast", [erf_], f"{self.name}.erf", to=graph.element)
        else:
            erf_ = graph.node("Erf", [scaled], f"{self.name}.erf")
        one = graph.node(
            "Add", [erf_, graph.constant(f"{self.name}.one", 1.0)], f"{self.name}.1+erf"
        )
        half = graph.node(
            "Mul", [one, graph.constant(f"{self.name}.half", 0.5)], f"{self.name}.phi"
        )
        return graph.node("Mul", [x, half], self.name)


#: Activation bricks by the names the command line and configs use.
ACTIVATIONS: dict[str, type[Layer]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "identity": Identity,
    "gelu": GELU,
    "softmax": Softmax,
}
#: The activations a hidden layer can have (every entry point offers these).
HIDDEN_ACTIVATIONS = tuple(name for name in ACTIVATIONS if name != "softmax")

#: Every brick type, by class name (used to rebuild a network from its config); the scaling
#: bricks of :mod:`glassnet.preprocessing` join it when that module is imported.
LAYER_TYPES: dict[str, type[Layer]] = Layer.types
