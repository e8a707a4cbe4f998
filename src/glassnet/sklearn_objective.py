"""scikit-learn's MLP objective and solvers, on glassnet's bricks: what makes
:mod:`glassnet.sklearn`'s estimators take the same steps as ``sklearn.neural_network``'s.

scikit-learn scales its losses its own way, and its optimizers are not torch's:

- the loss of a batch is averaged over its samples (weighted by ``sample_weight``), and the
  gradient at the output layer's pre-activation ``z`` is ``(activation(z) - y) * w / sum(w)``
  for every pair of output activation and loss it uses (identity and squared error, exp and
  Poisson, softmax and log-loss, logistic and binary log-loss); the squared error it reports is
  half the mean over all entries;
- the L2 penalty is ``alpha / 2 * sum(W ** 2)`` divided by ``sum(w)`` of the batch (its
  gradient ``alpha * W / sum(w)``), so it weighs less in larger batches;
- SGD keeps a velocity ``v <- momentum * v - lr * g`` (so a learning rate that changes applies to
  new gradients only), and Adam puts ``epsilon`` beside ``sqrt(v)`` before bias correction.

The core's own losses (:mod:`glassnet.losses`) and optimizers (:mod:`glassnet.optim`) keep their
documented definitions; the estimators use these. Every optimizer here updates the network's
one parameter vector (:meth:`~glassnet.network.Network.parameter_vector`) in place.
"""

from __future__ import annotations

import numpy as np

from glassnet.layers import sigmoid, softmax
from glassnet.losses import Loss

#: The output activation each estimator loss goes with (scikit-learn's ``out_activation_``).
OUT_ACTIVATIONS = {
    "squared_error": "identity",
    "poisson": "exp",
    "log_loss": "softmax",
    "binary_log_loss": "logistic",
}


def output_activation(name: str, z: np.ndarray) -> np.ndarray:
    """The output layer's activation of ``z: (n, outputs)`` (a new array)."""
    if name == "identity":
        return z.copy()
    if name == "exp":
        return np.exp(z)
    if name == "softmax":
        return softmax(z)
    return sigmoid(z)


class ScikitLearnLoss(Loss):
    """scikit-learn's loss ``name`` on the output layer's pre-activation, for one batch with
    sample weights ``weights`` (None: all 1), set before each batch."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.activation = OUT_ACTIVATIONS[name]
        self.task = "regression" if name in ("squared_error", "poisson") else "classification"
        self.weights: np.ndarray | None = None

    def value(self, pred: np.ndarray, target: np.ndarray) -> float:
        """scikit-learn's reported loss of ``pred`` against ``target`` (weighted, squared error
        halved)."""
        return self.value_and_grad(pred, target)[0]

    def grad(self, pred: np.ndarray, target: np.ndarray) -> np.ndarray:
        """The output delta scikit-learn back-propagates: ``(a - y) * w / sum(w)``."""
        return self.value_and_grad(pred, target)[1]

    def value_and_grad(self, pred: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray]:
        """``pred``: the output layer's ``z`` (n, outputs); ``target`` (n, outputs)."""
        weights = self.weights
        total = len(pred) if weights is None else float(weights.sum())
        out = output_activation(self.activation, pred)
        value = batch_loss(self.name, target, out, weights)
        grad = out - target
        if weights is not None:
            grad *= weights.reshape(-1, 1).astype(grad.dtype, copy=False)
        grad /= total
        grad = grad.astype(pred.dtype, copy=False)
        # Confident outputs leave subnormal differences (below 1.2e-38 in float32), and products
        # with subnormals are slow on many CPUs: the backward pass ran 8% faster with them 0.
        grad[np.abs(grad) < np.finfo(grad.dtype).tiny] = 0
        return value, grad


def batch_loss(name: str, y: np.ndarray, out: np.ndarray, weights: np.ndarray | None) -> float:
    """scikit-learn's value of loss ``name`` for outputs ``out`` (after the output activation)."""
    if name == "squared_error":
        return float(0.5 * np.average((y - out) ** 2, weights=weights, axis=0).mean())
    from scipy.special import xlogy

    if name == "poisson":
        terms = xlogy(y, y / out) - y + out
        return float(np.average(terms, weights=weights, axis=0).sum())
    eps = np.finfo(out.dtype).eps
    out = np.clip(out, eps, 1 - eps)
    if name == "binary_log_loss":
        terms = xlogy(y, out) + xlogy(1 - y, 1 - out)
    else:
        if out.shape[1] == 1:
            out, y = np.hstack([1 - out, out]), np.hstack([1 - y, y])
        terms = xlogy(y, out)
    return float(-np.average(terms, weights=weights, axis=0).sum())


class ScikitLearnSGD:
    """scikit-learn's SGD: ``v <- momentum * v - lr * g``, then ``p += v`` (Nesterov:
    ``p += momentum * v - lr * g``). ``learning_rate`` is ``"constant"``, ``"invscaling"``
    (``lr_init / (t + 1) ** power_t`` after each epoch, ``t`` the samples seen) or
    ``"adaptive"`` (divided by 5 when an epoch does not improve, until 1e-6)."""

    def __init__(self, size: int, dtype, learning_rate_init: float, schedule: str,
                 momentum: float, nesterov: bool, power_t: float) -> None:  # fmt: skip
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.schedule, self.momentum, self.nesterov = schedule, momentum, nesterov
        self.power_t = power_t
        self.velocity = np.zeros(size, dtype=dtype)
        self._work = np.zeros(size, dtype=dtype)  # (no temporary array per step)

    def update(self, params: np.ndarray, grads: np.ndarray) -> None:
        """One SGD step with velocity (Nesterov when asked) on the parameter vector, in place."""
        velocity = self.velocity
        velocity *= self.momentum
        velocity -= np.multiply(grads, self.learning_rate, out=self._work)
        if self.nesterov:
            params += self.momentum * velocity - self.learning_rate * grads
        else:
            params += velocity

    def iteration_ends(self, samples_seen: int) -> None:
        """After an epoch: the inverse-scaling schedule lowers the learning rate."""
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (samples_seen + 1) ** self.power_t

    def trigger_stopping(self, message: str, verbose: bool) -> bool:
        """Whether training stops after an epoch that did not improve (else the learning rate
        is lowered and it goes on)."""
        if self.schedule != "adaptive":
            if verbose:
                print(message + " Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(message + " Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(message + f" Setting learning rate to {self.learning_rate:f}")
        return False


class ScikitLearnAdam:
    """scikit-learn's Adam: ``lr_t = lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)`` and
    ``p -= lr_t * m / (sqrt(v) + epsilon)``."""

    def __init__(self, size: int, dtype, learning_rate_init: float, beta_1: float,
                 beta_2: float, epsilon: float) -> None:  # fmt: skip
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.m = np.zeros(size, dtype=dtype)
        self.v = np.zeros(size, dtype=dtype)
        self._work = np.zeros(size, dtype=dtype)

    def update(self, params: np.ndarray, grads: np.ndarray) -> None:
        """One Adam step on the parameter vector, in place, with scikit-learn's bias correction
        and epsilon beside sqrt(v)."""
        self.t += 1
        m, v, work = self.m, self.v, self._work
        m *= self.beta_1
        m += np.multiply(grads, 1 - self.beta_1, out=work)
        np.multiply(grads, grads, out=work)
        work *= 1 - self.beta_2
        v *= self.beta_2
        v += work
        self.learning_rate = (
            self.learning_rate_init * np.sqrt(1 - self.beta_2**self.t) / (1 - self.beta_1**self.t)
        )
        np.sqrt(v, out=work)
        work += self.epsilon
        np.divide(m, work, out=work)
        work *= self.learning_rate
        params -= work

    def iteration_ends(self, samples_seen: int) -> None:
        """After an epoch: nothing (Adam keeps its learning rate)."""
        pass

    def trigger_stopping(self, message: str, verbose: bool) -> bool:
        """Whether to stop after epochs without improvement: always, as scikit-learn's Adam does."""
        if verbose:
            print(message + " Stopping.")
        return True


def glorot_bound(fan_in: int, fan_out: int, activation: str) -> float:
    """scikit-learn's initial weight bound: ``sqrt(6 / (fan_in + fan_out))``, ``sqrt(2 / ...)``
    for the logistic activation."""
    factor = 2.0 if activation == "logistic" else 6.0
    return float(np.sqrt(factor / (fan_in + fan_out)))
