"""Optimizers: move every parameter against its gradient, in place.

An optimizer keeps its own state per parameter name (momentum buffers, Adam moments) and is
stepped with the network's ``(name, param, grad)`` triples::

    optimizer.step(network.parameters())

The update rules are the ones PyTorch documents for ``torch.optim.SGD``, ``torch.optim.Adam`` and
``torch.optim.AdamW``, weight decay included, so the same gradients give the same numbers, up to
rounding. (Weight decay in SGD and Adam adds ``weight_decay * p`` to every parameter's gradient,
biases too, as PyTorch does; glassnet's ``l2`` is the same idea applied to the weights only and
shown in the loss. AdamW decays the parameters apart from the gradient.)

Each ``p <- p + a * x`` is one call of :func:`~glassnet._blas.axpy` (``axpby`` for
``y <- a * x + b * y``): a single pass over the parameters instead of NumPy's multiply, then add.

State that decays (momentum buffers, Adam's moments) is kept out of the subnormal range, where
many CPUs compute tens of times slower (see :func:`flush_near_underflow`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np

from glassnet._blas import axpby, axpy
from glassnet._checks import is_real
from glassnet._errors import unknown_name

Parameters = Iterable[tuple[str, np.ndarray, np.ndarray]]

#: Entries of a decaying buffer within this many binades (powers of two) of the smallest normal
#: float are set to zero by :func:`flush_near_underflow`.
UNDERFLOW_MARGIN = 20


def flush_near_underflow(buffer: np.ndarray, decay: float, step: int) -> None:
    """Every few steps, set to zero the entries of ``buffer`` (any shape) that are about to
    become subnormal numbers.

    ``buffer`` is state that shrinks by ``decay`` each step where its gradient is zero: a
    momentum buffer or Adam's moments, for the weights of a dead ReLU unit or of an input pixel
    that is 0 in most images. Left alone, such an entry decays geometrically into the
    subnormal range (below ``finfo.tiny``, 1.2e-38 in float32), and arithmetic on subnormals is
    slow on many CPUs (on Intel's, an Adam step over MNIST-sized weights became 4x slower once a
    fifth of ``m`` was subnormal). Flushing entries smaller than ``tiny * 2**20`` every ``k``
    steps, with ``decay**k >= 2**-20``, keeps every entry normal or zero in between. What is
    flushed is far below anything the update can see: it is 1e-32 in float32 (1e-302 in float64),
    next to parameters near 1 whose float32 spacing is 1e-7.
    """
    period = _flush_period(decay)
    if period is not None and step % period == 0:
        limit = np.finfo(buffer.dtype).tiny * 2.0**UNDERFLOW_MARGIN
        buffer[np.abs(buffer) < limit] = 0


@functools.lru_cache(maxsize=16)
def _flush_period(decay: float) -> int | None:
    """The largest ``k <= 1024`` with ``decay**k >= 2**-20``: steps between two flushes (worked
    out once per decay, not on every step), or None when nothing lingers to decay."""
    if not 2.0**-UNDERFLOW_MARGIN <= decay < 1:
        return None  # a smaller decay all but replaces the buffer each step
    return max(1, min(1024, int(UNDERFLOW_MARGIN * math.log(2) / -math.log(decay))))


def _check_learning_rate(learning_rate: float) -> float:
    if not is_real(learning_rate):
        raise TypeError(f"learning_rate must be a number, got {learning_rate!r}")
    if not np.isfinite(learning_rate) or learning_rate <= 0:
        raise ValueError(f"learning_rate must be a finite number > 0, got {learning_rate!r}")
    return float(learning_rate)


def _check_weight_decay(weight_decay: float, owner: str) -> float:
    if not (is_real(weight_decay) and np.isfinite(weight_decay) and weight_decay >= 0):
        raise ValueError(f"{owner}: weight_decay must be a finite number >= 0, got "
                         f"{weight_decay!r}")  # fmt: skip
    return float(weight_decay)


def clip_gradient_norm(gradient: np.ndarray, max_norm: float) -> float:
    """Scale ``gradient`` (every parameter's gradient, one vector) in place so that its norm is at
    most ``max_norm``, as ``torch.nn.utils.clip_grad_norm_`` does; return the norm before.

    ``g <- g * max_norm / (|g| + 1e-6)`` when that factor is below 1; else ``g`` is unchanged.
    """
    norm = float(np.sqrt(np.dot(gradient, gradient)))
    factor = max_norm / (norm + 1e-6)
    if factor < 1:
        gradient *= gradient.dtype.type(factor)
    return norm


class Optimizer:
    """Base class: ``learning_rate`` is a plain attribute that schedules may change per epoch.

    Parameters
    ----------
    learning_rate : float
        The step size, > 0.
    """

    #: Per-parameter state entries a checkpoint must hold for each parameter that has state,
    #: those it may hold besides, and those that are never negative (running squares).
    required_state: tuple[str, ...] = ()
    optional_state: tuple[str, ...] = ()
    non_negative_state: tuple[str, ...] = ()

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = _check_learning_rate(learning_rate)
        self.state: dict[str, dict[str, np.ndarray | int]] = {}
        self._work: dict[str, np.ndarray] = {}

    def step(self, parameters: Parameters) -> None:
        """Update every parameter in place from its gradient; ``parameters`` yields ``(name,
        param, grad)``."""
        raise NotImplementedError

    def _decayed(self, name: str, param: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """``grad + weight_decay * param`` in a work array (the gradient itself is left as it
        is), or ``grad`` without weight decay."""
        weight_decay = getattr(self, "weight_decay", 0.0)
        if not weight_decay:
            return grad
        decayed = self._scratch(f"{name}/decayed", param)
        np.copyto(decayed, grad)
        axpy(weight_decay, param, decayed)
        return decayed

    def _scratch(self, name: str, like: np.ndarray) -> np.ndarray:
        """A work array shaped like a parameter, kept between steps (no temporaries per step)."""
        scratch = self._work.get(name)
        if scratch is None or scratch.shape != like.shape or scratch.dtype != like.dtype:
            scratch = self._work[name] = np.empty_like(like)
        return scratch

    def config(self) -> dict:
        """The optimizer's settings as plain data (what checkpoints and ``info`` show)."""
        return {"type": type(self).__name__, "learning_rate": self.learning_rate}

    def state_dict(self) -> tuple[dict, dict[str, np.ndarray]]:
        """The state as ``(plain JSON-able values, arrays)``: what a checkpoint stores.

        Arrays are named ``"<parameter>/<key>"`` (``"parameters/m"``); numbers such as Adam's
        step count go in the first dict, with the configuration.
        """
        numbers: dict[str, dict] = {}
        arrays: dict[str, np.ndarray] = {}
        for name, entries in self.state.items():
            numbers[name] = {}
            for key, value in entries.items():
                if isinstance(value, np.ndarray):
                    arrays[f"{name}/{key}"] = value
                else:
                    numbers[name][key] = value
        return {"config": self.config(), "numbers": numbers}, arrays

    def load_state_dict(self, values: dict, arrays: dict[str, np.ndarray]) -> None:
        """Restore what :meth:`state_dict` gave (copies of the arrays, so nothing is shared)."""
        saved = values.get("config", {})
        if saved.get("type") != type(self).__name__:
            raise ValueError(
                f"the saved optimizer state is for {saved.get('type')!r}, not {type(self).__name__}"
            )
        state = {name: dict(entries) for name, entries in values["numbers"].items()}
        for key, value in arrays.items():
            name, _, entry = key.rpartition("/")
            state.setdefault(name, {})[entry] = np.array(value)
        self.state = state
        self.learning_rate = float(saved.get("learning_rate", self.learning_rate))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config().items() if k != "type")
        return f"{type(self).__name__}({args})"


class SGD(Optimizer):
    """Stochastic gradient descent, with optional (Nesterov) momentum.

    With ``momentum = mu``, for each parameter ``p`` with gradient ``g``::

        b <- g                 on the first step
        b <- mu * b + g        after that
        p <- p - lr * b                    (classical momentum)
        p <- p - lr * (g + mu * b)         (Nesterov)

    Without momentum: ``p <- p - lr * g``. With ``weight_decay = wd``, ``g`` is
    ``grad + wd * p`` throughout.

    Parameters
    ----------
    learning_rate : float
        The step size ``lr`` (> 0).
    momentum : float
        ``mu`` in [0, 1); 0 is plain gradient descent.
    nesterov : bool
        Nesterov's momentum instead of the classical one (needs ``momentum > 0``).
    weight_decay : float
        ``wd >= 0``, added to the gradient times the parameter (0: none).
    """

    required_state = ("momentum_buffer",)
    optional_state = ("step",)  # (checkpoints of old versions lack it)

    def __init__(
        self,
        learning_rate: float = 0.01,
        momentum: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(learning_rate)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs momentum > 0")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)
        self.weight_decay = _check_weight_decay(weight_decay, "SGD")

    def step(self, parameters: Parameters) -> None:
        lr, mu = self.learning_rate, self.momentum
        for name, param, grad in parameters:
            grad = self._decayed(name, param, grad)
            if mu == 0:
                axpy(-lr, grad, param)  # p <- p - lr * g
                continue
            state = self.state.get(name)
            if state is None:
                buffer = grad.copy()
                self.state[name] = state = {"momentum_buffer": buffer}
            else:
                buffer = state["momentum_buffer"]
                axpby(1.0, grad, mu, buffer)  # b <- mu * b + g
            state["step"] = state.get("step", 0) + 1  # (checkpoints of old versions lack it)
            flush_near_underflow(buffer, mu, state["step"])
            if self.nesterov:
                axpy(-lr, grad, param)
                axpy(-lr * mu, buffer, param)  # p <- p - lr * (g + mu * b)
            else:
                axpy(-lr, buffer, param)  # p <- p - lr * b

    def config(self) -> dict:
        config = {**super().config(), "momentum": self.momentum, "nesterov": self.nesterov}
        return {**config, **({"weight_decay": self.weight_decay} if self.weight_decay else {})}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015).

    For each parameter, at step ``t = 1, 2, ...``::

        m <- beta1 * m + (1 - beta1) * g
        v <- beta2 * v + (1 - beta2) * g^2
        m_hat = m / (1 - beta1^t),  v_hat = v / (1 - beta2^t)
        p <- p - lr * m_hat / (sqrt(v_hat) + eps)

    Parameters
    ----------
    learning_rate : float
        The step size ``lr`` (> 0).
    betas : tuple of float
        ``(beta1, beta2)``, each in [0, 1): the decay rates of the two moments.
    eps : float
        Added to ``sqrt(v_hat)``, so a step never divides by 0.
    weight_decay : float
        ``wd >= 0``: ``g`` is ``grad + wd * p`` (PyTorch's Adam; see :class:`AdamW` for the
        decoupled kind).
    """

    required_state = ("step", "m", "v")
    non_negative_state = ("v",)

    def __init__(
        self,
        learning_rate: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(learning_rate)
        beta1, beta2 = betas
        for label, beta in (("betas[0]", beta1), ("betas[1]", beta2)):
            if not 0 <= beta < 1:
                raise ValueError(f"Adam: {label} must be in [0, 1), got {beta!r}")
        if not eps > 0:
            raise ValueError(f"Adam: eps must be > 0, got {eps!r}")
        self.betas = (float(beta1), float(beta2))
        self.eps = float(eps)
        self.weight_decay = _check_weight_decay(weight_decay, type(self).__name__)

    def step(self, parameters: Parameters) -> None:
        beta1, beta2 = self.betas
        for name, param, grad in parameters:
            grad = self._decayed(name, param, grad)
            state = self.state.get(name)
            if state is None:
                state = {"step": 0, "m": np.zeros_like(param), "v": np.zeros_like(param)}
                self.state[name] = state
            state["step"] += 1
            t = state["step"]
            m, v = state["m"], state["v"]
            work = self._scratch(name, param)
            axpby(1.0 - beta1, grad, beta1, m)  # m <- beta1 m + (1 - beta1) g
            np.multiply(grad, grad, out=work)
            axpby(1.0 - beta2, work, beta2, v)  # v <- beta2 v + (1 - beta2) g^2
            flush_near_underflow(m, beta1, t)
            flush_near_underflow(v, beta2, t)
            # The bias corrections go into two scalars instead of two passes over the arrays:
            # lr m_hat / (sqrt(v_hat) + eps) = (lr sqrt(c2) / c1) m / (sqrt(v) + eps sqrt(c2))
            root_c2 = math.sqrt(1.0 - beta2**t)
            np.sqrt(v, out=work)
            work += self.eps * root_c2
            np.divide(m, work, out=work)
            axpy(-self.learning_rate * root_c2 / (1.0 - beta1**t), work, param)

    def config(self) -> dict:
        config = {**super().config(), "betas": list(self.betas), "eps": self.eps}
        return {**config, **({"weight_decay": self.weight_decay} if self.weight_decay else {})}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Each step first shrinks every parameter, ``p <- p - lr * wd * p``, then takes Adam's step
    on the gradient alone: the decay is not divided by ``sqrt(v_hat)``, so every parameter
    decays at the same rate.

    Parameters
    ----------
    learning_rate : float
        The step size ``lr`` (> 0).
    betas : tuple of float
        ``(beta1, beta2)``, each in [0, 1).
    eps : float
        Added to ``sqrt(v_hat)``.
    weight_decay : float
        ``wd >= 0`` (PyTorch's default, 0.01).
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(learning_rate, betas, eps, weight_decay)

    def _decayed(self, name: str, param: np.ndarray, grad: np.ndarray) -> np.ndarray:
        if self.weight_decay:  # p <- p (1 - lr wd), apart from the gradient
            param *= param.dtype.type(1.0 - self.learning_rate * self.weight_decay)
        return grad

    def config(self) -> dict:
        return {**super().config(), "weight_decay": self.weight_decay}


OPTIMIZERS: dict[str, type[Optimizer]] = {"sgd": SGD, "adam": Adam, "adamw": AdamW}


def get_optimizer(name: str, learning_rate: float, **options) -> Optimizer:
    """Build an optimizer by name: ``sgd``, ``momentum`` (SGD with momentum 0.9), ``adam`` or
    ``adamw``; ``options`` go to its constructor (``weight_decay=...``)."""
    if name == "momentum":
        return SGD(learning_rate, momentum=options.pop("momentum", 0.9), **options)
    if name not in OPTIMIZERS:
        raise unknown_name("optimizer", name, [*OPTIMIZERS, "momentum"])
    return OPTIMIZERS[name](learning_rate, **options)
