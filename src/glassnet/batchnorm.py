"""Batch normalisation (Ioffe & Szegedy, 2015): each column scaled by the batch's own statistics.

In training, a column's values in the batch are shifted to mean 0 and scaled to variance 1 by
that batch's mean and variance, then given a learned scale ``gamma`` and shift ``beta``; running
averages of the statistics are kept for inference, where the brick is a fixed affine map. The
rules are those of PyTorch's ``torch.nn.BatchNorm1d``: the biased variance normalises the
batch, the unbiased one (``n / (n - 1)`` times it) goes into the running average, and
``running <- (1 - momentum) running + momentum batch``.
"""

from __future__ import annotations

import numpy as np

from glassnet._checks import check_positive_int
from glassnet.layers import Layer


def _statistic(values, name: str, features: int, default: float) -> np.ndarray:
    if values is None:
        return np.full(features, default)
    vector = np.asarray(values, dtype=np.float64)
    if vector.shape != (features,) or not np.all(np.isfinite(vector)):
        raise ValueError(f"BatchNorm1d: {name} must be {features} finite numbers")
    if name == "running_var" and np.any(vector < 0):
        raise ValueError("BatchNorm1d: running_var must not be negative")
    return vector


class BatchNorm1d(Layer):
    """``h = gamma (z - mean) / sqrt(var + eps) + beta``, per column, with the batch's mean and
    (biased) variance in training and the running ones at inference.

    Parameters
    ----------
    features : int
        Columns of the input (and of the output); ``gamma`` and ``beta`` are ``(features,)``.
    momentum : float
        Weight of each batch's statistics in the running averages, in (0, 1].
    eps : float
        Added to the variance before its square root, > 0.
    running_mean, running_var : sequence of float, optional
        The running statistics (a saved model's); zeros and ones when not given.
    """

    formula = "gamma ({i} - mean) / sqrt(var + eps) + beta"
    name_prefix = "batchnorm"
    #: A Dense before it takes the initializer of the activation after it.
    dense_init_before = None
    #: dLoss/d(input) as explain prints it, ``{o}`` the output and ``{i}`` the input.
    input_grad_formula = (
        "gamma / sqrt(var + eps) (dLoss/d{o} - mean(dLoss/d{o}) - x_hat mean(dLoss/d{o} x_hat))"
    )
    #: dLoss/d(parameter) for each parameter, as explain prints it.
    param_grad_formulas = {
        "gamma": "sum over the batch of dLoss/d{o} x_hat",
        "beta": "sum over the batch of dLoss/d{o}",
    }

    def __init__(
        self,
        features: int,
        *,
        momentum: float = 0.1,
        eps: float = 1e-5,
        running_mean=None,
        running_var=None,
    ) -> None:
        super().__init__()
        self.features = check_positive_int(features, "BatchNorm1d: features")
        if not (isinstance(momentum, (int, float)) and 0 < momentum <= 1):
            raise ValueError(f"BatchNorm1d: momentum must be in (0, 1], got {momentum!r}")
        if not (isinstance(eps, (int, float)) and np.isfinite(eps) and eps > 0):
            raise ValueError(f"BatchNorm1d: eps must be a finite number > 0, got {eps!r}")
        self.momentum, self.eps = float(momentum), float(eps)
        self.params = {"gamma": np.ones(features), "beta": np.zeros(features)}
        self.grads = {key: np.zeros_like(value) for key, value in self.params.items()}
        self.running_mean = _statistic(running_mean, "running_mean", features, 0.0)
        self.running_var = _statistic(running_var, "running_var", features, 1.0)

    @property
    def in_features(self) -> int:
        return self.features

    def output_features(self, in_features: int) -> int:
        if in_features != self.features:
            raise ValueError(f"{self.name} normalises {self.features} columns but the layer "
                             f"before it gives {in_features}")  # fmt: skip
        return self.features

    def forward(self, x: np.ndarray, *, training: bool = False) -> np.ndarray:
        """x: (batch, features) -> (batch, features); in training, also moves the running
        statistics towards the batch's."""
        n = x.shape[0]
        if training:
            if n < 2:
                raise ValueError(f"{self.name}: batch normalisation needs at least 2 rows per "
                                 f"training batch, got {n}")  # fmt: skip
            ones = self._filled("ones", (n,), x.dtype, 1.0 / n)
            mean = np.matmul(ones, x)  # the column means, as one BLAS product
            centred = np.subtract(x, mean, out=self._like("x_hat", x))
            squares = np.square(centred, out=self._like("out", x))
            var = np.matmul(ones, squares)  # the biased variance
            m = self.momentum
            self.running_mean = (1 - m) * self.running_mean + m * mean
            self.running_var = (1 - m) * self.running_var + m * var * (n / (n - 1))
        else:
            mean, var = self.running_mean, self.running_var
            centred = np.subtract(x, mean.astype(x.dtype), out=self._like("x_hat", x))
        inv_std = (1.0 / np.sqrt(var + self.eps)).astype(x.dtype)
        self._x_hat = np.multiply(centred, inv_std, out=centred)  # (z - mean) / sqrt(var + eps)
        self._inv_std, self._training = inv_std, training
        out = np.multiply(self._x_hat, self.params["gamma"], out=self._like("out", x))
        out += self.params["beta"]
        return out

    def backward(self, grad_out: np.ndarray) -> np.ndarray | None:
        """grad_out: dL/dh (batch, features) -> dL/dz (batch, features)."""
        x_hat = self._x_hat
        n = x_hat.shape[0]
        ones = self._filled("ones_grad", (n,), grad_out.dtype, 1.0)
        # dL/dbeta = sum over the batch of dL/dh; dL/dgamma = sum of dL/dh * x_hat
        np.matmul(ones, grad_out, out=self.grads["beta"])
        product = np.multiply(grad_out, x_hat, out=self._like("grad", grad_out))
        np.matmul(ones, product, out=self.grads["gamma"])
        if not self.input_grad:
            return None
        scale = self.params["gamma"] * self._inv_std  # gamma / sqrt(var + eps)
        if not self._training:  # fixed statistics: an affine map
            return np.multiply(grad_out, scale, out=product)
        # the mean and variance depend on every row:
        # dL/dz = gamma / sqrt(var + eps) (dL/dh - mean(dL/dh) - x_hat mean(dL/dh x_hat))
        np.multiply(x_hat, self.grads["gamma"] / n, out=product)
        np.subtract(grad_out, product, out=product)
        product -= self.grads["beta"] / n
        product *= scale
        return product

    def astype(self, dtype: np.dtype) -> None:
        """Cast gamma, beta, their gradients and the running statistics to ``dtype``."""
        super().astype(dtype)
        self.running_mean = self.running_mean.astype(dtype)
        self.running_var = self.running_var.astype(dtype)

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        for cached in ("_x_hat", "_inv_std"):
            state.pop(cached, None)
        return state

    def config(self) -> dict:
        return {
            "type": "BatchNorm1d",
            "features": self.features,
            "momentum": self.momentum,
            "eps": self.eps,
            "running_mean": [float(v) for v in self.running_mean],
            "running_var": [float(v) for v in self.running_var],
        }

    def summary_label(self) -> str:
        settings = f"features={self.features}, momentum={self.momentum:g}, eps={self.eps:g}"
        return f"BatchNorm1d({settings})"

    def to_onnx(self, graph, x: str) -> str:
        inputs = [
            x,
            graph.constant(f"{self.name}.gamma", self.params["gamma"]),
            graph.constant(f"{self.name}.beta", self.params["beta"]),
            graph.constant(f"{self.name}.running_mean", self.running_mean),
            graph.constant(f"{self.name}.running_var", self.running_var),
        ]
        return graph.node("BatchNormalization", inputs, self.name, epsilon=self.eps)
